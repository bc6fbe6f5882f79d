//! The node's HTTP API (axum). Errors are `{ "code", "message" }` with a
//! stable code and the right status; nothing partial is ever stored.
//!
//! - `GET  /v1/health`
//! - `GET  /v1/eip712` — domain and types a wallet signs with `eth_signTypedData_v4`
//! - `GET  /v1/market` — the market snapshot in use
//! - `POST /v1/intents` — `{ "typed_data": …, "signature": "0x…" }` → 201 `{ id, status }`
//! - `GET  /v1/intents/{id}` — status of one intent
//! - `GET  /v1/auctions` — rounds, newest first (id, phase, batch size)
//! - `GET  /v1/auctions/{id}` — one round; after its reveal deadline, every
//!   bid with its score or rejection reasons, the faults and the winners

mod intake;

pub use intake::{Intake, MAX_GROUP};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::Arc;

use stakebid_intents::{accept, IntentId, Market, Policy};

use crate::infra::store::{Store, StoreError};

/// Largest request body accepted (an intent with 32 exclusions is ~3 KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store (reads).
    pub store: Arc<Store>,
    /// The group-commit writer.
    pub intake: Intake,
    /// Intake policy (our chain and Settlement, limits).
    pub policy: Arc<Policy>,
    /// The market in use.
    pub market: Arc<Market>,
    /// The clock (unix seconds); injected so tests control deadlines.
    pub now: Arc<dyn Fn() -> u64 + Send + Sync>,
}

/// An API error.
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError { status, code: code.into(), message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "code": self.code, "message": self.message }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = match e {
            StoreError::Duplicate(_) | StoreError::NonceReused { .. } => StatusCode::CONFLICT,
            StoreError::Unknown(_) | StoreError::UnknownAuction(_) => StatusCode::NOT_FOUND,
            StoreError::IllegalTransition { .. }
            | StoreError::IllegalPhase { .. }
            | StoreError::NotPending(_) => StatusCode::CONFLICT,
            StoreError::Db(_) | StoreError::Corrupt(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

/// The router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .route("/v1/eip712", get(eip712))
        .route("/v1/market", get(market))
        .route("/v1/intents", post(submit))
        .route("/v1/intents/{id}", get(status))
        .route("/v1/auctions", get(auctions))
        .route("/v1/auctions/{id}", get(auction))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

async fn eip712(State(s): State<AppState>) -> Json<Value> {
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

async fn market(State(s): State<AppState>) -> Json<Value> {
    Json(json!({ "hash": s.market.hash(), "market": *s.market }))
}

async fn submit(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let body = body.map_err(|e| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            format!("the request body is over {MAX_BODY} bytes or unreadable: {e}"),
        )
    })?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.malformed_json",
            format!("the body is not JSON: {e}"),
        )
    })?;
    let (Some(td), Some(sig)) = (v.get("typed_data"), v.get("signature").and_then(Value::as_str))
    else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.missing_field",
            "the body needs `typed_data` (eth_signTypedData_v4 JSON) and `signature` (0x hex)",
        ));
    };
    let sig: alloy::primitives::Bytes = sig.parse().map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "intent.bad_signature",
            "the signature is not 0x-prefixed hex",
        )
    })?;
    let (signed, id) = accept(td, &sig, (s.now)(), &s.policy)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()))?;
    s.intake.submit(id, signed).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id, "status": "pending" }))))
}

async fn status(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: IntentId = id.parse::<alloy::primitives::B256>().map(IntentId).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.bad_id",
            "an intent id is 0x and 64 hex digits",
        )
    })?;
    let rec = s.store.get(&id)?.ok_or(StoreError::Unknown(id))?;
    let message = rec.signed.intent.typed_data(&rec.signed.domain)["message"].clone();
    Ok(Json(json!({ "id": id, "status": rec.status, "intent": message })))
}

async fn auctions(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    let list: Vec<Value> = s
        .store
        .auctions()?
        .into_iter()
        .map(|a| json!({ "id": a.id, "phase": a.phase, "intents": a.intents.len(),
                         "commit_deadline": a.commit_deadline, "reveal_deadline": a.reveal_deadline }))
        .collect();
    Ok(Json(json!(list)))
}

async fn auction(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: u64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.bad_id",
            "an auction id is a decimal number",
        )
    })?;
    let a = s.store.auction(id)?.ok_or(StoreError::UnknownAuction(id))?;
    // Sealed until the reveal deadline: nothing about bids before it.
    let public = if (s.now)() > a.reveal_deadline { a.public.clone() } else { None };
    Ok(Json(json!({
        "id": a.id, "phase": a.phase, "intents": a.intents, "seed": a.seed,
        "commit_deadline": a.commit_deadline, "reveal_deadline": a.reveal_deadline,
        "outcome": public,
    })))
}
