//! Node endpoints: identity, EIP-712 schema, market, health, metrics, the
//! OpenAPI document (utoipa, from the handlers' `#[utoipa::path]` and the
//! wire types' schemas) and the explorer page.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::Value;
use utoipa::openapi::{InfoBuilder, OpenApi, ResponseBuilder};

use super::AppState;

/// The error codes each route can answer: (method, path, codes). The
/// OpenAPI document lists them on the route's 4XX response; a test checks
/// this table and the router's routes are the same set and every code is
/// in `docs/errors.md`.
pub const ROUTES: &[(&str, &str, &[&str])] = &[
    ("GET", "/", &[]),
    ("GET", "/assets/{file}", &["explorer.unknown_file"]),
    ("GET", "/v1/stats", &[]),
    ("GET", "/healthz", &[]),
    ("GET", "/v1/health", &[]),
    ("GET", "/metrics", &[]),
    ("GET", "/openapi.json", &[]),
    ("GET", "/v1/node", &[]),
    ("GET", "/v1/eip712", &[]),
    ("GET", "/v1/eip712/descriptor", &[]),
    (
        "GET",
        "/v1/search",
        &["search.malformed", "search.too_long", "search.not_found", "address.bad_checksum"],
    ),
    ("GET", "/v1/market", &[]),
    ("GET", "/v1/markets/{hash}", &["market.bad_hash", "market.unknown"]),
    (
        "POST",
        "/v1/quote",
        &[
            "request.too_large",
            "request.malformed_json",
            "request.missing_field",
            "address.bad_checksum",
            "intent.*",
            "quote.infeasible",
            "quote.unavailable",
        ],
    ),
    (
        "POST",
        "/v1/intents",
        &[
            "request.too_large",
            "request.malformed_json",
            "address.bad_checksum",
            "request.missing_field",
            "intent.*",
            "intent.replayed",
            "intent.nonce_reused",
            "request.invalid_body",
            "permit.*",
            "store.failed",
            "store.unavailable",
        ],
    ),
    ("GET", "/v1/intents/{id}", &["request.bad_id", "intent.unknown"]),
    (
        "GET",
        "/v1/intents/{id}/events",
        &["request.bad_id", "intent.unknown", "events.too_many_streams"],
    ),
    (
        "POST",
        "/v1/intents/{id}/cancel",
        &[
            "request.bad_id",
            "request.too_large",
            "request.malformed_json",
            "request.missing_field",
            "intent.unknown",
            "intent.bad_signature",
            "intent.high_s_signature",
            "intent.wrong_signer",
            "intent.not_cancellable",
        ],
    ),
    ("GET", "/v1/owners/{address}/intents", &["request.bad_id", "address.bad_checksum"]),
    ("GET", "/v1/solvers/{address}/rounds", &["request.bad_id", "address.bad_checksum"]),
    (
        "POST",
        "/v1/solvers/names",
        &[
            "request.too_large",
            "request.malformed_json",
            "request.invalid_body",
            "name.invalid",
            "name.bad_signature",
            "name.unknown_solver",
            "name.stale_nonce",
            "name.taken",
            "name.look_alike",
            "store.fenced",
            "store.unavailable",
        ],
    ),
    (
        "GET",
        "/v1/owners/{address}/withdrawals",
        &["request.bad_id", "address.bad_checksum", "withdrawals.no_chain"],
    ),
    ("GET", "/v1/auctions", &["request.bad_id"]),
    ("GET", "/v1/auctions/{id}", &["request.bad_id", "auction.unknown"]),
    (
        "POST",
        "/v1/auctions/{id}/commitments",
        &[
            "request.bad_id",
            "request.too_large",
            "request.malformed_json",
            "request.invalid_body",
            "address.bad_checksum",
            "auction.not_running",
            "auction.not_open",
            "round.late_commit",
            "round.not_eligible",
            "round.bad_signature",
            "round.too_many_bids",
            "round.duplicate_commitment",
            "round.wrong_auction",
        ],
    ),
    (
        "POST",
        "/v1/auctions/{id}/reveals",
        &[
            "request.bad_id",
            "request.too_large",
            "request.malformed_json",
            "request.invalid_body",
            "address.bad_checksum",
            "auction.not_running",
            "auction.not_open",
            "round.bad_signature",
            "round.early_reveal",
            "round.late_reveal",
            "round.reveal_mismatch",
            "round.wrong_auction",
        ],
    ),
    ("GET", "/v1/solvers", &["store.failed"]),
    ("GET", "/v1/events", &["auction.not_running", "events.too_many_streams"]),
];

/// Every error code (`stakebid_intents::codes::ErrorCode`, the list
/// `docs/errors.md` is generated from), and each family as `prefix.*`.
pub fn error_codes() -> Vec<String> {
    let all = stakebid_intents::codes::ErrorCode::ALL;
    let mut codes: Vec<String> = all.iter().map(|c| c.as_str().to_string()).collect();
    for c in all {
        let family = format!("{}.*", c.as_str().split('.').next().unwrap_or_default());
        if !codes.contains(&family) {
            codes.push(family);
        }
    }
    codes.sort_unstable();
    codes
}

/// The OpenAPI document: the routes and schemas utoipa collected from the
/// handlers and the wire types, plus each route's error codes.
pub fn openapi() -> OpenApi {
    static DOC: std::sync::OnceLock<OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = super::routes().into_openapi();
        doc.info = InfoBuilder::new()
            .title("stakebid node API")
            .version(env!("CARGO_PKG_VERSION"))
            .description(Some(format!(
                "Errors are {{ \"code\", \"message\" }}. Integers that can pass 2^53 are decimal strings, addresses EIP-55 checksummed, hashes 0x-hex (docs/api.md). Every code: {}",
                error_codes().join(", ")
            )))
            .build();
        use utoipa::PartialSchema;
        let components = doc.components.get_or_insert_with(Default::default);
        components.schemas.insert("ErrorBody".into(), stakebid_wire::ErrorBody::schema());
        let error = utoipa::openapi::Ref::from_schema_name("ErrorBody");
        for (method, path, codes) in ROUTES {
            let Some(item) = doc.paths.paths.get_mut(*path) else { continue };
            let op = match *method {
                "POST" => item.post.as_mut(),
                _ => item.get.as_mut(),
            };
            let Some(op) = op.filter(|_| !codes.is_empty()) else { continue };
            let content = utoipa::openapi::ContentBuilder::new()
                .schema(Some(error.clone()))
                .example(Some(serde_json::json!({ "code": codes[0], "message": "what went wrong, for a person" })))
                .build();
            let r = ResponseBuilder::new()
                .description(format!("{{ code, message }} with one of: {}", codes.join(", ")))
                .content("application/json", content)
                .build();
            op.responses.responses.insert("4XX".into(), r.into());
            if codes.contains(&"store.failed") {
                let content = utoipa::openapi::ContentBuilder::new().schema(Some(error.clone())).build();
                let r = ResponseBuilder::new()
                    .description("{ code, message }: the store or node is unavailable")
                    .content("application/json", content)
                    .build();
                op.responses.responses.insert("5XX".into(), r.into());
            }
        }
        doc
    })
    .clone()
}

/// `GET /openapi.json`: this document.
#[utoipa::path(get, path = "/openapi.json", tag = "node",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub(super) async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi().to_pretty_json().unwrap_or_default())
}

/// `GET /v1/health`: liveness.
#[utoipa::path(get, path = "/v1/health", tag = "node",
    responses((status = 200, description = "The node is up", body = stakebid_wire::Health)))]
pub(super) async fn health(State(s): State<AppState>) -> Json<stakebid_wire::Health> {
    let market = s.live.is_some().then(|| super::explore::market_status(&s));
    let stopped = market.as_ref().is_some_and(|m| m.stopped.is_some());
    let status = if stopped { "auctions_stopped" } else { "ok" };
    let leader = s.leader.as_ref().and_then(|f| f());
    Json(stakebid_wire::Health { status: status.into(), market, leader })
}

/// `GET /healthz`: liveness (the same as `/v1/health`).
#[utoipa::path(get, path = "/healthz", tag = "node",
    responses((status = 200, description = "The node is up", body = stakebid_wire::Health)))]
pub(super) async fn healthz(s: State<AppState>) -> Json<stakebid_wire::Health> {
    health(s).await
}

/// `GET /metrics`: Prometheus / OpenMetrics text.
#[utoipa::path(get, path = "/metrics", tag = "node",
    responses((status = 200, description = "Counters and histograms (OpenMetrics text)", body = String,
        content_type = "application/openmetrics-text")))]
pub(super) async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        s.metrics.render(),
    )
}

/// `GET /v1/node`: who the node is.
#[utoipa::path(get, path = "/v1/node", tag = "node",
    responses((status = 200, description = "The auctioneer's address, the EIP-712 domain, the market hash and the deployment", body = stakebid_wire::NodeInfo)))]
pub(super) async fn node(State(s): State<AppState>) -> Json<stakebid_wire::NodeInfo> {
    Json(stakebid_wire::NodeInfo {
        auctioneer: s.live.as_ref().map(|l| l.auctioneer()),
        domain: s.policy.domain,
        market_hash: s.market.get().hash(),
        chain: s.chain.as_deref().cloned(),
        leader: s.leader.as_ref().and_then(|f| f()),
    })
}

/// `GET /v1/eip712`: the typed-data types and domain (no message).
#[utoipa::path(get, path = "/v1/eip712", tag = "node",
    responses((status = 200, description = "eth_signTypedData_v4 types, primaryType and domain for an Intent", body = stakebid_wire::Eip712Types)))]
pub(super) async fn eip712(State(s): State<AppState>) -> Json<Value> {
    let d = s.policy.domain;
    let example = stakebid_intents::batch::Profile::Balanced.intent(
        alloy::primitives::Address::ZERO,
        stakebid_intents::NATIVE_ETH,
        alloy::primitives::U256::ZERO,
        alloy::primitives::U256::ZERO,
        0,
    );
    let mut td = example.typed_data(&d);
    if let Some(o) = td.as_object_mut() {
        o.remove("message");
    }
    Json(td)
}

/// `GET /v1/eip712/descriptor`: the ERC-7730 clear-signing descriptor for
/// `Intent` and `Cancellation`, bound to this node's chain and Settlement.
#[utoipa::path(get, path = "/v1/eip712/descriptor", tag = "node",
    responses((status = 200, description = "ERC-7730 descriptor (the eip712-*.json form of the clear-signing registry) for this node's domain", body = Object)))]
pub(super) async fn eip712_descriptor(State(s): State<AppState>) -> Json<Value> {
    let mut d: Value = serde_json::from_str(stakebid_intents::clear_signing::DESCRIPTOR)
        .expect("the shipped descriptor is JSON (tested)");
    let domain = s.policy.domain;
    d["context"]["eip712"]["deployments"] = serde_json::json!([{
        "chainId": domain.chain_id,
        "address": domain.settlement.to_checksum(None),
    }]);
    Json(d)
}
