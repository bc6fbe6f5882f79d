//! The HTTP intake path: valid intents are stored durably before 201, bad
//! ones get a stable code and store nothing, and a reopened store still has
//! everything that was acknowledged.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use stakebid_auction::domain::outcome::Outcome;
use stakebid_intents::batch::staker_key;
use stakebid_intents::signature::sign;
use stakebid_intents::{batch, Market, Policy};
use stakebid_node::api::{router, AppState, MAX_BODY};
use stakebid_node::port::prelude::*;
use stakebid_node::store::Store;
use stakebid_tests::test_domain as domain;
use std::sync::Arc;
use tower::ServiceExt;

const NOW: u64 = 1_790_000_000;

pub(crate) fn app(dir: &std::path::Path) -> (axum::Router, Arc<Store>) {
    app_with(dir, Default::default())
}

fn app_with(dir: &std::path::Path, rates: stakebid_node::api::Rates) -> (axum::Router, Arc<Store>) {
    let store = Arc::new(Store::open(dir).unwrap());
    let mut state = AppState::new(
        store.clone(),
        Policy::new(domain()),
        stakebid_node::market::MarketFeed::fixed(Market::snapshot()),
        Arc::new(|| NOW),
    );
    state.event_streams = Arc::new(tokio::sync::Semaphore::new(8));
    state.rates = Arc::new(stakebid_node::api::RateLimits::new(rates));
    (router(state), store)
}

pub(crate) async fn call(
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

/// `n`-th intent of staker `who` (seed 7), as a request body.
fn from_owner(who: u64, n: u64) -> (Value, stakebid_intents::IntentId) {
    let k = staker_key(7, who);
    let i = batch::Profile::Balanced.intent(
        k.address(),
        stakebid_intents::NATIVE_ETH,
        alloy::primitives::U256::from(10u128.pow(18)),
        alloy::primitives::U256::from(n),
        NOW + 86_400,
    );
    let sig = sign(&i, &domain(), &k);
    let body = json!({ "typed_data": i.typed_data(&domain()), "signature": alloy::primitives::Bytes::from(sig.as_bytes()).to_string() });
    (body, i.id(&domain()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_owner_is_capped_and_one_signer_rate_limited_with_codes_storing_nothing() {
    use stakebid_node::api::{Rates, MAX_PENDING_PER_OWNER};
    let d = tmp("cap");
    let (app, store) = app_with(&d, Rates { per_ip: 0, per_signer: 0 });
    let post = |b: &Value| call(&app, "POST", "/v1/intents", Some(b.to_string().into_bytes()));
    for n in 0..MAX_PENDING_PER_OWNER as u64 {
        let (s, v) = post(&from_owner(0, n).0).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (over, id) = from_owner(0, 1_000);
    let (s, v) = post(&over).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("intent.owner_limit")),
        "{v}"
    );
    assert!(store.get(&id).unwrap().is_none(), "nothing stored");
    // A repeat is still a replay; another owner is not capped.
    let (s, v) = post(&from_owner(0, 0).0).await;
    assert_eq!(v["code"], "intent.replayed", "{s} {v}");
    assert_eq!(post(&from_owner(1, 0).0).await.0, StatusCode::CREATED);

    // The default per-signer rate: a burst of 50, then 429 for that signer only.
    let d2 = tmp("rate");
    let (app2, store2) = app_with(&d2, Rates::default());
    let post2 = |b: &Value| call(&app2, "POST", "/v1/intents", Some(b.to_string().into_bytes()));
    let mut refused = None;
    for n in 0..60 {
        let (b, id) = from_owner(2, n);
        let (s, v) = post2(&b).await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(v["code"], "rate.limited", "{v}");
            refused = Some((n, id));
            break;
        }
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (n, id) = refused.expect("the signer is limited");
    assert!(n >= 50, "the burst is ten seconds' worth: refused at {n}");
    assert!(store2.get(&id).unwrap().is_none());
    assert_eq!(post2(&from_owner(3, 0).0).await.0, StatusCode::CREATED, "another signer is not");
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
    assert_eq!(store.count().unwrap(), 200);
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
    assert_eq!(store.count().unwrap(), 200, "a refused request stored something");
    drop(app);
    drop(store);
    // Restart: everything acknowledged is there.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let store = Store::open(&d).unwrap();
    assert_eq!(store.count().unwrap(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auction_outcome_is_sealed_until_its_reveal_deadline() {
    use stakebid_auction::domain::phase::Phase;
    use stakebid_node::port::AuctionRecord;
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
            market_block: None,
            params_as_of: String::new(),
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
    let documented = stakebid_node::api::error_codes();
    assert!(documented.len() > 60, "{documented:?}");
    // The document's operations are exactly the routes the code table covers.
    let mut ops: Vec<(String, String)> = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.to_uppercase(), path.clone()));
        }
    }
    ops.sort();
    let mut table: Vec<(String, String)> =
        stakebid_node::api::ROUTES.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    table.sort();
    assert_eq!(ops, table);
    for (method, path, codes) in stakebid_node::api::ROUTES {
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(op.is_object(), "{method} {path} missing from the document");
        assert!(
            op["responses"]["200"].is_object()
                || op["responses"]["201"].is_object()
                || op["responses"]["202"].is_object(),
            "{method} {path}"
        );
        for code in *codes {
            assert!(
                documented.iter().any(|d| d == code),
                "{code} ({method} {path}) is not in docs/errors.md"
            );
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
    for (method, path, _) in stakebid_node::api::ROUTES {
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

/// The ERC-7730 descriptor the node serves: bound to its chain and
/// Settlement, its schemas exactly the typed data wallets are given to sign
/// (`GET /v1/eip712`, and a cancellation's), every field displayed or
/// deliberately excluded, and `erc7730 lint` (PyPI's reference linter,
/// installed by tests/setup.sh) finds nothing in it or in the shipped file.
#[tokio::test]
async fn the_clear_signing_descriptor_covers_every_field_and_lints_clean() {
    let d = tmp("descriptor");
    let (app, _store) = app(&d);
    let (st, desc) = call(&app, "GET", "/v1/eip712/descriptor", None).await;
    assert_eq!(st, StatusCode::OK);
    let dom = domain();
    assert_eq!(
        desc["context"]["eip712"]["deployments"],
        json!([{ "chainId": dom.chain_id, "address": dom.settlement.to_checksum(None) }])
    );
    let (_, td) = call(&app, "GET", "/v1/eip712", None).await;
    let schemas = desc["context"]["eip712"]["schemas"].as_array().unwrap();
    let intent = schemas.iter().find(|s| s["primaryType"] == "Intent").unwrap();
    assert_eq!(intent["types"], td["types"], "the descriptor describes what is signed");
    let cancel = schemas.iter().find(|s| s["primaryType"] == "Cancellation").unwrap();
    assert_eq!(cancel["types"]["Cancellation"], json!([{ "name": "intentId", "type": "bytes32" }]));
    // Every typed-data field has a display entry or is excluded on purpose.
    let intent_fields: Vec<&str> =
        stakebid_intents::intent::INTENT_FIELDS.iter().map(|(n, _)| *n).collect();
    for (ty, fields) in [("Intent", intent_fields), ("Cancellation", vec!["intentId"])] {
        let f = &desc["display"]["formats"][ty];
        let shown: Vec<String> = f["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["path"].as_str().unwrap().trim_end_matches(".[]").to_string())
            .collect();
        let excluded: Vec<String> = f["excluded"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        for name in fields {
            let path = format!("#.{name}");
            assert!(
                shown.contains(&path) || excluded.contains(&path),
                "{ty}.{name} is neither displayed nor excluded"
            );
            assert!(
                !excluded.contains(&path)
                    || stakebid_intents::clear_signing::NOT_DISPLAYED.contains(&name),
                "{ty}.{name} is excluded without being listed in NOT_DISPLAYED"
            );
        }
    }
    // The reference linter: no errors, no warnings, on the file we ship
    // and on what this node serves.
    let venv =
        std::env::var("STAKEBID_ERC7730_VENV").map(std::path::PathBuf::from).unwrap_or_else(|_| {
            std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/stakebid-erc7730")
        });
    let lint = venv.join("bin/erc7730");
    std::fs::create_dir_all(&d).unwrap();
    let served = d.join("eip712-stakebid-served.json");
    std::fs::write(&served, serde_json::to_vec_pretty(&desc).unwrap()).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../intents/data/eip712-stakebid.json");
    let run = |file: &std::path::Path| {
        let out = std::process::Command::new(&lint)
            .arg("lint")
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("{} (tests/setup.sh installs it): {e}", lint.display()));
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    for file in [shipped.as_path(), served.as_path()] {
        let (ok, text) = run(file);
        assert!(ok && text.contains("no issue found"), "{}: {text}", file.display());
        assert!(
            !text.contains("warning") && !text.contains("error:"),
            "{}: {text}",
            file.display()
        );
    }
    // And it does catch a problem: a label too long for a device's screen.
    let mut bad = desc.clone();
    bad["display"]["formats"]["Intent"]["fields"][1]["label"] =
        json!("The amount you are about to stake today");
    let bad_file = d.join("eip712-bad.json");
    std::fs::write(&bad_file, serde_json::to_vec(&bad).unwrap()).unwrap();
    let (_, text) = run(&bad_file);
    assert!(text.contains("warning"), "{text}");
    let _ = std::fs::remove_dir_all(&d);
}

/// `GET /v1/intents/{id}/events`: the intent's view now, one event per
/// change, and the end of the stream once it is final; unknown and
/// malformed ids are refused with their codes before any stream opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intents_event_stream_follows_its_changes_and_ends_when_final() {
    use stakebid_node::port::Status;
    let d = tmp("intent-events");
    let (app, store) = app(&d);
    let (body, id) = submission(3);
    let (st, _) = call(&app, "POST", "/v1/intents", Some(body.to_string().into_bytes())).await;
    assert_eq!(st, StatusCode::CREATED);
    let zero = format!("/v1/intents/0x{}/events", "0".repeat(64));
    let (st, v) = call(&app, "GET", &zero, None).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("intent.unknown")));
    let (st, v) = call(&app, "GET", "/v1/intents/0x12/events", None).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::BAD_REQUEST, Some("request.bad_id")));

    let req =
        Request::builder().uri(format!("/v1/intents/{}/events", id.0)).body(Body::empty()).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    let mut buf = String::new();
    // The next `status` event's view, or None when the stream ended.
    async fn next(body: &mut Body, buf: &mut String) -> Option<Value> {
        loop {
            if let Some(end) = buf.find("\n\n") {
                let ev: String = buf.drain(..end + 2).collect();
                if let Some(data) = ev.lines().find_map(|l| l.strip_prefix("data:")) {
                    return Some(serde_json::from_str(data.trim()).unwrap());
                }
                continue;
            }
            let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
                .await
                .expect("an event within 5 s")?
                .unwrap();
            if let Ok(data) = frame.into_data() {
                buf.push_str(&String::from_utf8_lossy(&data));
            }
        }
    }
    let v = next(&mut body, &mut buf).await.unwrap();
    assert_eq!(
        (v["id"].as_str(), v["status"].as_str()),
        (Some(&*id.0.to_string()), Some("pending"))
    );
    store.transition(&id, Status::InAuction).unwrap();
    let v = next(&mut body, &mut buf).await.unwrap();
    assert_eq!(v["status"], "in_auction");
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    store.transition(&id, Status::Expired).unwrap();
    let v = next(&mut body, &mut buf).await.unwrap();
    assert_eq!(v["status"], "expired");
    assert!(next(&mut body, &mut buf).await.is_none(), "the stream ends once the intent is final");
    drop(store);
    let _ = std::fs::remove_dir_all(&d);
}

/// The explorer is served whole by the node: the page, every module it
/// imports (followed from `index.html` through each `import`), with no
/// fetch from another host; an unknown file answers its code; the data it
/// reads (`/v1/stats`, `/v1/market` with per-position figures) answer on an
/// empty node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_and_its_data_are_served_by_the_node_alone() {
    let dir = tmp("explorer");
    let (app, _store) = app(&dir);
    let get = |uri: String| {
        let app = app.clone();
        async move {
            let res = app
                .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let ty = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
            let st = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (st, ty.unwrap_or_default(), String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let (st, ty, html) = get("/".into()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(ty.starts_with("text/html"));
    let mut todo: Vec<String> = vec![];
    for cap in html.split("/assets/").skip(1) {
        todo.push(cap.split('"').next().unwrap().to_string());
    }
    assert!(todo.contains(&"app.js".to_string()) && todo.contains(&"app.css".to_string()));
    let mut seen = std::collections::BTreeSet::new();
    while let Some(file) = todo.pop() {
        if !seen.insert(file.clone()) {
            continue;
        }
        let (st, ty, body) = get(format!("/assets/{file}")).await;
        assert_eq!(st, StatusCode::OK, "{file}");
        let want = if file.ends_with(".css") { "text/css" } else { "text/javascript" };
        assert!(ty.starts_with(want), "{file}: {ty}");
        assert!(
            !body.contains("https://") && !body.contains("http://"),
            "{file} fetches nothing from elsewhere"
        );
        for imp in body.split("from './").skip(1) {
            todo.push(imp.split('\'').next().unwrap().to_string());
        }
    }
    assert!(seen.len() >= 5, "{seen:?}");
    let (st, v) = call(&app, "GET", "/assets/nope.js", None).await;
    assert_eq!((st, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("explorer.unknown_file")));
    let (st, v) = call(&app, "GET", "/v1/stats", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!((v["intents_settled"].as_u64(), v["wei_staked"].as_str()), (Some(0), Some("0")));
    assert!(v["median_net_apy_bps"].is_null());
    let (st, v) = call(&app, "GET", "/v1/market", None).await;
    assert_eq!(st, StatusCode::OK);
    let positions = v["positions"].as_array().unwrap();
    assert_eq!(positions.len(), Market::snapshot().positions.len());
    assert!(positions.iter().all(|p| p["apy_bps"].is_u64() && p["cvar_bps"].is_u64()));
    let (st, v) = call(&app, "GET", "/v1/owners/0x12/intents", None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "request.bad_id");
}
