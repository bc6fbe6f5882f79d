//! The HTTP intake path: valid intents are stored durably before 201, bad
//! ones get a stable code and store nothing, and a reopened store still has
//! everything that was acknowledged.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use stakebid_auction::domain::outcome::Outcome;
use stakebid_auction::infra::api::{router, AppState, Intake, MAX_BODY};
use stakebid_auction::infra::store::Store;
use stakebid_auction::port::NodeStore;
use stakebid_intents::batch::staker_key;
use stakebid_intents::signature::sign;
use stakebid_intents::{batch, Market, Policy};
use stakebid_tests::test_domain as domain;
use std::sync::Arc;
use tower::ServiceExt;

const NOW: u64 = 1_790_000_000;

fn app(dir: &std::path::Path) -> (axum::Router, Arc<Store>) {
    let store = Arc::new(Store::open(dir).unwrap());
    let state = AppState {
        store: store.clone(),
        intake: Intake::start(store.clone()),
        policy: Arc::new(Policy::new(domain())),
        market: Arc::new(Market::snapshot()),
        now: Arc::new(|| NOW),
        live: None,
        quoter: None,
        metrics: Arc::new(stakebid_auction::infra::metrics::Metrics::new()),
        chain: None,
        event_streams: std::sync::Arc::new(tokio::sync::Semaphore::new(8)),
    };
    (router(state), store)
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn submission(n: u64) -> (Value, stakebid_intents::IntentId) {
    let s = &batch::generate(&Market::snapshot(), &domain(), 1, 100 + n, NOW)[0];
    let body = json!({
        "typed_data": s.intent.typed_data(&domain()),
        "signature": s.signature.to_string(),
    });
    (body, s.intent.id(&domain()))
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("stakebid-api-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_stores_before_answering_and_refuses_bad_input_with_codes() {
    let d = tmp("intake");
    let (app, store) = app(&d);
    // A wallet learns what to sign.
    let (st, td) = call(&app, "GET", "/v1/eip712", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(td["domain"]["name"], "stakebid");
    // Many concurrent submissions share group commits; each is on disk at 201.
    let mut tasks = Vec::new();
    for n in 0..200 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let (body, id) = submission(n);
            let (st, v) =
                call(&app, "POST", "/v1/intents", Some(body.to_string().into_bytes())).await;
            (st, v, id)
        }));
    }
    for t in tasks {
        let (st, v, id) = t.await.unwrap();
        assert_eq!(st, StatusCode::CREATED, "{v}");
        assert_eq!(v["id"], json!(id));
    }
    assert_eq!(store.len(), 200);
    // Replay: same body again.
    let (body, id) = submission(0);
    let (st, v) = call(&app, "POST", "/v1/intents", Some(body.to_string().into_bytes())).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::CONFLICT, Some("intent.replayed")));
    // Status of a stored intent, and of an unknown one.
    let (st, v) = call(&app, "GET", &format!("/v1/intents/{id}"), None).await;
    assert_eq!((st, v["status"].as_str()), (StatusCode::OK, Some("pending")));
    let (st, v) = call(&app, "GET", &format!("/v1/intents/0x{}", "ab".repeat(32)), None).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("intent.unknown")));
    let (st, v) = call(&app, "GET", "/v1/intents/xyz", None).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("request.bad_id")));
    // Bad input: each refused with its code, nothing stored.
    let (mut expired, _) = submission(500);
    expired["typed_data"]["message"]["deadline"] = json!((NOW - 10).to_string());
    let (mut wrong_signer, _) = submission(600);
    let (i, dm) = stakebid_intents::Intent::from_typed_data(&wrong_signer["typed_data"]).unwrap();
    let other = sign(&i, &dm, &staker_key(601, 3));
    wrong_signer["signature"] = json!(alloy::primitives::Bytes::from(other.as_bytes()).to_string());
    let cases: Vec<(Vec<u8>, StatusCode, &str)> = vec![
        (b"{not json".to_vec(), StatusCode::BAD_REQUEST, "request.malformed_json"),
        (b"{}".to_vec(), StatusCode::BAD_REQUEST, "request.missing_field"),
        (vec![b' '; MAX_BODY + 1], StatusCode::PAYLOAD_TOO_LARGE, "request.too_large"),
        (
            expired.to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "intent.deadline_passed",
        ),
        (
            wrong_signer.to_string().into_bytes(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "intent.wrong_signer",
        ),
    ];
    for (body, status, code) in cases {
        let (st, v) = call(&app, "POST", "/v1/intents", Some(body)).await;
        assert_eq!((st, v["code"].as_str()), (status, Some(code)), "{v}");
        assert!(v["message"].as_str().unwrap().len() > 10);
    }
    assert_eq!(store.len(), 200, "a refused request stored something");
    drop(app);
    drop(store);
    // Restart: everything acknowledged is there.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let store = Store::open(&d).unwrap();
    assert_eq!(store.len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auction_outcome_is_sealed_until_its_reveal_deadline() {
    use stakebid_auction::domain::phase::Phase;
    use stakebid_auction::infra::store::AuctionRecord;
    let d = tmp("sealed");
    let (app, store) = app(&d);
    for (id, reveal) in [(1u64, NOW + 10), (2, NOW - 10)] {
        store
            .open_auction(&AuctionRecord {
                id,
                intents: vec![],
                seed: alloy::primitives::B256::ZERO,
                commit_deadline: reveal - 5,
                reveal_deadline: reveal,
                phase: Phase::Committing,
                public: None,
            })
            .unwrap();
        let outcome = Outcome {
            bids: vec![],
            rejected: vec![],
            market_hash: alloy::primitives::B256::ZERO,
            scenario_count: 1,
            generator_version: 1,
            faults: vec![],
            total_score: 5,
            reference_scores: Default::default(),
            awards: vec![],
        };
        store.publish(id, outcome).unwrap();
    }
    let (st, v) = call(&app, "GET", "/v1/auctions/1", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["outcome"].is_null(), "bids visible before the reveal deadline: {v}");
    let (_, v) = call(&app, "GET", "/v1/auctions/2", None).await;
    assert_eq!(v["outcome"]["total_score"], "5");
    let (_, list) = call(&app, "GET", "/v1/auctions", None).await;
    assert_eq!(list["auctions"].as_array().unwrap().len(), 2);
    let (st, v) = call(&app, "GET", "/v1/auctions/99", None).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("auction.unknown")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route_and_only_documented_codes() {
    let (app, _store) = app(&tmp("openapi"));
    let (st, doc) = call(&app, "GET", "/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    let documented = stakebid_auction::infra::api::error_codes();
    assert!(documented.len() > 60, "{documented:?}");
    // The document's operations are exactly the routes the code table covers.
    let mut ops: Vec<(String, String)> = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops.sort();
    let mut table: Vec<(String, String)> = stakebid_auction::infra::api::ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    table.sort();
    assert_eq!(ops, table);
    for (method, path, codes) in stakebid_auction::infra::api::ROUTES {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} missing from the document");
        assert!(
            op["responses"]["200"].is_object()
                || op["responses"]["201"].is_object()
                || op["responses"]["202"].is_object(),
            "{method} {path}"
        );
        for code in *codes {
            assert!(documented.contains(code), "{code} ({method} {path}) is not in docs/errors.md");
            assert!(op["responses"]["4XX"]["description"].as_str().unwrap().contains(code));
        }
    }
    // Every request and response body has a schema in components.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "SubmitRequest",
        "Submitted",
        "IntentView",
        "OwnerPage",
        "CancelRequest",
        "QuoteRequest",
        "Quote",
        "AuctionsPage",
        "AuctionView",
        "Outcome",
        "ScoredBid",
        "Bid",
        "Award",
        "CommitMsg",
        "RevealMsg",
        "CommitAccepted",
        "RevealAccepted",
        "Solvers",
        "NodeInfo",
        "MarketView",
        "Health",
        "ErrorBody",
    ] {
        assert!(schemas.contains_key(name), "no schema {name}: {:?}", schemas.keys());
    }
    // Every route the router serves answers something other than "no route".
    for (method, path, _) in stakebid_auction::infra::api::ROUTES {
        let p = path
            .replace("{id}", "1")
            .replace("{address}", "0x0000000000000000000000000000000000000001");
        let (_, v) =
            call(&app, method, &p, if *method == "POST" { Some(b"{}".to_vec()) } else { None })
                .await;
        assert_ne!(v["code"], "request.no_route", "{method} {path}");
    }
    let (_, v) = call(&app, "GET", "/v1/nowhere", None).await;
    assert_eq!(v["code"], "request.no_route");
}
