//! Node endpoints: identity, EIP-712 schema, market, health, metrics, the
//! OpenAPI document (utoipa, built from `ROUTES`) and the explorer page.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::Json;
use serde_json::Value;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, ResponseBuilder};

use super::AppState;

/// Every route: (method, path, what it does, the error codes it can answer).
pub const ROUTES: &[(&str, &str, &str, &[&str])] = &[
    ("GET", "/", "The explorer: recent auctions, one auction's bids and winners, a solver's record", &[]),
    ("GET", "/healthz", "Liveness", &[]),
    ("GET", "/metrics", "Prometheus metrics", &[]),
    ("GET", "/openapi.json", "This document", &[]),
    ("GET", "/v1/node", "The auctioneer's address, chain id, Settlement, market hash", &[]),
    ("GET", "/v1/eip712", "The typed-data types and domain a wallet signs intents with", &[]),
    ("GET", "/v1/market", "The market snapshot in use and its hash", &[]),
    ("POST", "/v1/quote", "What the reference optimal strategy gives an unsigned intent alone: net APY, CVaR, positions",
        &["request.malformed_json", "request.missing_field", "intent.*", "quote.infeasible", "quote.unavailable"]),
    ("POST", "/v1/intents", "Submit a signed intent ({ typed_data, signature }); 201 once it is on disk",
        &["request.too_large", "request.malformed_json", "address.bad_checksum", "request.missing_field", "intent.*", "intent.replayed", "intent.nonce_reused", "store.failed"]),
    ("GET", "/v1/intents/{id}", "An intent's status, message and history", &["request.bad_id", "intent.unknown"]),
    ("POST", "/v1/intents/{id}/cancel", "Cancel a pending intent ({ signature } over EIP-712 Cancellation { intentId })",
        &["request.bad_id", "request.missing_field", "intent.unknown", "intent.bad_signature", "intent.high_s_signature", "intent.wrong_signer", "intent.not_cancellable"]),
    ("GET", "/v1/owners/{address}/intents", "One owner's intents, newest first, by cursor (?cursor=N&limit=N, at most 500; the answer's next_cursor)", &["request.bad_id", "address.bad_checksum"]),
    ("GET", "/v1/auctions", "Auctions, newest first, by cursor (?cursor=ID&limit=N, at most 200; the answer's next_cursor)", &["request.bad_id"]),
    ("GET", "/v1/auctions/{id}", "One auction: commitment hashes until the reveal deadline, then every bid, score, rejection, fault, winner and reference score",
        &["request.bad_id", "auction.unknown"]),
    ("POST", "/v1/auctions/{id}/commitments", "A solver's sealed commitment { auction, solver, commitment, signature }",
        &["request.invalid_body", "address.bad_checksum", "auction.not_open", "round.late_commit", "round.not_eligible", "round.bad_signature", "round.too_many_bids", "round.duplicate_commitment", "round.wrong_auction"]),
    ("POST", "/v1/auctions/{id}/reveals", "A solver's signed reveal { bid, salt, signature }, after the commit deadline",
        &["request.invalid_body", "address.bad_checksum", "auction.not_open", "round.bad_signature", "round.early_reveal", "round.late_reveal", "round.reveal_mismatch", "round.wrong_auction"]),
    ("GET", "/v1/solvers", "Solver bonds, eligibility and penalty records", &[]),
    ("GET", "/v1/events", "Server-sent events: every signed auction announcement (open, revealing, award, closed)", &["auction.not_running"]),
];

/// Every error code documented in `docs/errors.md`.
pub fn error_codes() -> Vec<&'static str> {
    let doc = include_str!("../../../../docs/errors.md");
    let mut codes: Vec<&str> = doc
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| {
            c.contains('.')
                && !c.contains(' ')
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_' || ch == '.' || ch == '*')
        })
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// The OpenAPI document.
pub fn openapi() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (method, path, summary, codes) in ROUTES {
        let m = if *method == "POST" { HttpMethod::Post } else { HttpMethod::Get };
        let mut op = OperationBuilder::new()
            .summary(Some(*summary))
            .response("200", ResponseBuilder::new().description("success").build());
        if !codes.is_empty() {
            op = op.response(
                "4XX",
                ResponseBuilder::new()
                    .description(format!(
                        "{{ \"code\", \"message\" }} with one of: {}",
                        codes.join(", ")
                    ))
                    .build(),
            );
        }
        paths = paths.path(*path, PathItem::new(m, op.build()));
    }
    let info = InfoBuilder::new()
        .title("stakebid node API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(format!(
            "Errors are {{ \"code\", \"message\" }}. Every code: {}",
            error_codes().join(", ")
        )))
        .build();
    OpenApiBuilder::new().info(info).paths(paths.build()).build()
}

pub(super) async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi().to_pretty_json().unwrap_or_default())
}

pub(super) async fn health() -> Json<stakebid_wire::Health> {
    Json(stakebid_wire::Health { status: "ok".into() })
}

pub(super) async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        s.metrics.render(),
    )
}

pub(super) async fn node(State(s): State<AppState>) -> Json<stakebid_wire::NodeInfo> {
    Json(stakebid_wire::NodeInfo {
        auctioneer: s.live.as_ref().map(|l| l.auctioneer()),
        domain: s.policy.domain,
        market_hash: s.market.hash(),
        chain: s.chain.as_deref().cloned(),
    })
}

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

pub(super) async fn market(State(s): State<AppState>) -> Json<stakebid_wire::MarketView> {
    Json(stakebid_wire::MarketView { hash: s.market.hash(), market: (*s.market).clone() })
}

pub(super) async fn explorer() -> Html<&'static str> {
    Html(include_str!("explorer.html"))
}
