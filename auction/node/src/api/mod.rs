//! The node's HTTP API (axum). Errors are `{ "code", "message" }` with a
//! stable code and the right status; nothing partial is ever stored. Every
//! body is a `stakebid-wire` type, built from domain types in `views`; the
//! OpenAPI document at `/openapi.json` comes from the handlers'
//! `#[utoipa::path]` and those types' schemas, with each route's error
//! codes from `ROUTES`.
//!
//! Intents (`intents.rs`): submit, status and history, signed cancellation,
//! an owner's intents, quotes. Auctions (`auctions.rs`): list, one round
//! (commitment hashes only until the reveal deadline), commitments and
//! reveals from HTTP solvers, the signed event stream, the solver registry;
//! solvers' signed names (`names.rs`).
//! Node (`meta.rs`): identity, EIP-712 schema, market, health, metrics,
//! OpenAPI; the explorer page at `/`.

mod auctions;
mod explore;
mod intake;
mod intents;
mod meta;
mod names;
mod permit;
pub mod rate;
mod server;
mod stats;
mod views;
mod withdrawals;

pub use intake::{Intake, MAX_GROUP, MAX_PENDING_PER_OWNER};
pub use meta::{error_codes, openapi, ROUTES};
pub use rate::{RateLimits, Rates};
pub use server::{serve, Limits};
pub use stats::StatsBook;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::Value;
use stakebid_intents::Coded;
use std::sync::Arc;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use stakebid_intents::{Intent, Policy};

use crate::live::{Live, LiveError};
use crate::metrics::Metrics;
use crate::port::StoreError;
use crate::port::{AsyncStore, NodeStore};

/// Largest request body accepted (an intent with 32 exclusions is ~3 KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// Largest reveal accepted (a bid for a 100-intent batch is ~60 KiB).
pub const MAX_REVEAL_BODY: usize = 1024 * 1024;

/// What a quote is computed by: the node's reference strategy on its market.
pub type Quoter = Arc<dyn Fn(&Intent) -> Result<stakebid_wire::Quote, String> + Send + Sync>;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store, for async code: no call holds up the worker's other tasks.
    pub store: AsyncStore,
    /// The group-commit writer.
    pub intake: Intake,
    /// Intake policy (our chain and Settlement, limits).
    pub policy: Arc<Policy>,
    /// The market in use now, and every market a round used.
    pub market: Arc<crate::market::MarketFeed>,
    /// The clock (unix seconds); injected so tests control deadlines.
    pub now: Arc<dyn Fn() -> u64 + Send + Sync>,
    /// The live auction, when the node runs rounds.
    pub live: Option<Arc<Live>>,
    /// Quotes, when the node has a reference strategy.
    pub quoter: Option<Quoter>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Where the node settles (the deployment file), when it does: wallets
    /// find the Settlement, the restaking adapter and strategies here.
    pub chain: Option<Arc<stakebid_intents::deployment::Deployment>>,
    /// Permits for concurrent `/v1/events` streams (see [`Limits`]).
    pub event_streams: Arc<tokio::sync::Semaphore>,
    /// Names of the solvers this node knows by name (those it runs).
    pub solver_names: Arc<std::collections::BTreeMap<alloy::primitives::Address, String>>,
    /// Reads the chain the node settles on (restaked withdrawals), when it does.
    pub chain_reader: Option<alloy::providers::DynProvider>,
    /// Who leads, when nodes share a store.
    pub leader: Option<LeaderFn>,
    /// The restaking withdrawals queued on the chain, read so far: each
    /// block is read once, however many owners ask.
    pub withdrawal_log: Arc<tokio::sync::Mutex<stakebid_settlement::withdrawals::QueuedLog>>,
    /// Per-address and per-signer rate limits.
    pub rates: Arc<RateLimits>,
    /// `/v1/stats`, kept up to date by the auctions that changed.
    pub stats: Arc<StatsBook>,
    /// Held while a solver-name registration is checked and written.
    pub names_lock: Arc<tokio::sync::Mutex<()>>,
}

impl AppState {
    /// The API over `store` for `policy`'s domain with the market from
    /// `market`: no live round, quoter, chain or lease (set those fields
    /// after), 1,000 event streams, the rate limits off. Must be called
    /// inside a tokio runtime (the intake writer is a task).
    pub fn new(
        store: Arc<dyn NodeStore>,
        policy: Policy,
        market: Arc<crate::market::MarketFeed>,
        now: Arc<dyn Fn() -> u64 + Send + Sync>,
    ) -> AppState {
        AppState {
            intake: Intake::start(store.clone()),
            store: AsyncStore::new(store),
            policy: Arc::new(policy),
            market,
            now,
            live: None,
            quoter: None,
            metrics: Arc::new(Metrics::new()),
            chain: None,
            event_streams: Arc::new(tokio::sync::Semaphore::new(1000)),
            solver_names: Default::default(),
            chain_reader: None,
            leader: None,
            withdrawal_log: Default::default(),
            rates: Arc::new(RateLimits::off()),
            stats: Default::default(),
            names_lock: Default::default(),
        }
    }
}

/// Reads the lease as this node last saw it.
pub type LeaderFn = Arc<dyn Fn() -> Option<stakebid_wire::Leader> + Send + Sync>;

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    /// An error answer. Its sentence never names a URL: an RPC or NATS
    /// error's endpoint may carry a key or a password.
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        let message = stakebid_bus::bus::redact_urls(&message.into());
        ApiError { status, code: code.into(), message }
    }

    /// Any coded error, answered with `status`: the one conversion from
    /// the node's errors to the API's error body.
    pub(crate) fn coded(status: StatusCode, e: &impl Coded) -> Self {
        ApiError::new(status, e.code(), e.message())
    }

    /// Any coded error, answered with the status its code declares
    /// (`stakebid_intents::codes::ErrorCode::status`), or `fallback` for a
    /// code that declares none.
    pub(crate) fn declared(e: &impl Coded, fallback: StatusCode) -> Self {
        ApiError::coded(declared_status(e.code()).unwrap_or(fallback), e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl stakebid_intents::Coded for ApiError {
    fn code(&self) -> &str {
        &self.code
    }
}

/// The code of an error response, for the metrics layer.
#[derive(Clone)]
struct ErrorCode(String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = ErrorCode(self.code.clone());
        let body = stakebid_wire::ErrorBody { code: self.code, message: self.message };
        let mut r = (self.status, Json(body)).into_response();
        r.extensions_mut().insert(code);
        // Every limit (rate, owner cap) says when to come back.
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            r.headers_mut().insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        r
    }
}

/// The HTTP status `code` declares, if it is a known code that reaches the API.
pub(crate) fn declared_status(code: &str) -> Option<StatusCode> {
    stakebid_intents::codes::ErrorCode::parse(code)
        .and_then(|c| c.status())
        .and_then(|s| StatusCode::from_u16(s).ok())
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        // Every store code declares its status (409, 404, 429, 503).
        ApiError::declared(&e, StatusCode::SERVICE_UNAVAILABLE)
    }
}

impl From<LiveError> for ApiError {
    fn from(e: LiveError) -> Self {
        // `auction.not_open` 409, `rate.limited` 429, `round.not_eligible`
        // 403, the other `round.*` 422; an envelope's `bus.*` codes declare
        // none and answer 422.
        ApiError::declared(&e, StatusCode::UNPROCESSABLE_ENTITY)
    }
}

/// The body as JSON, or the error a person understands.
pub(crate) fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    use axum::extract::rejection::FailedToBufferBody;
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(e)) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            format!("the request body is over the limit ({MAX_BODY} bytes; reveals {MAX_REVEAL_BODY}): {e}"),
        ),
        e => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request.body_timeout",
            format!("the request body did not arrive whole in time, or was cut off: {e}"),
        ),
    })?;
    let v = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.malformed_json",
            format!("the body is not JSON: {e}"),
        )
    })?;
    stakebid_intents::address::check_json(&v).map_err(ApiError::from)?;
    Ok(v)
}

impl From<stakebid_intents::address::AddressError> for ApiError {
    fn from(e: stakebid_intents::address::AddressError) -> Self {
        ApiError::coded(StatusCode::BAD_REQUEST, &e)
    }
}

/// The body as a `T`, naming what did not fit.
pub(crate) fn typed_body<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    what: &str,
) -> Result<T, ApiError> {
    let v = json_body(body)?;
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.invalid_body",
            format!("the body is not a valid {what}: {e}"),
        )
    })
}

pub(crate) fn bad_id(what: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "request.bad_id", what.to_string())
}

/// Counts every refused request by its stable code, in one place for all
/// routes (bus refusals are counted by the bus listener).
async fn count_refusals(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let r = next.run(req).await;
    if let Some(ErrorCode(code)) = r.extensions().get::<ErrorCode>() {
        s.metrics.refuse(code);
    }
    r
}

/// Writes (POST) are limited per peer address before anything is parsed;
/// reveals are limited in their handler, only when they open no live
/// commitment (see [`rate`]).
async fn limit_writes(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if req.method() == axum::http::Method::POST && !req.uri().path().ends_with("/reveals") {
        if let Some(rate::Peer(ip)) = req.extensions().get::<rate::Peer>() {
            if let Err(e) = s.rates.check_peer(*ip) {
                return e.into_response();
            }
        }
    }
    next.run(req).await
}

/// Every route, with its OpenAPI operation: handlers are registered only
/// here, through `routes!`, so the router and the document cannot differ.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(explore::explorer))
        .routes(routes!(explore::asset))
        .routes(routes!(explore::stats_route))
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::health))
        .routes(routes!(meta::metrics))
        .routes(routes!(meta::openapi_json))
        .routes(routes!(meta::node))
        .routes(routes!(meta::eip712))
        .routes(routes!(meta::eip712_descriptor))
        .routes(routes!(explore::market))
        .routes(routes!(explore::market_by_hash))
        .routes(routes!(intents::quote))
        .routes(routes!(intents::submit))
        .routes(routes!(intents::status))
        .routes(routes!(intents::events))
        .routes(routes!(intents::cancel))
        .routes(routes!(intents::by_owner))
        .routes(routes!(withdrawals::withdrawals))
        .routes(routes!(intents::search))
        .routes(routes!(auctions::list))
        .routes(routes!(auctions::show))
        .routes(routes!(auctions::commit))
        .routes(routes!(auctions::reveal).layer(DefaultBodyLimit::max(MAX_REVEAL_BODY)))
        .routes(routes!(auctions::solvers))
        .routes(routes!(names::register))
        .routes(routes!(auctions::solver_rounds))
        .routes(routes!(auctions::events))
}

/// The router.
pub fn router(state: AppState) -> Router {
    let (router, _doc) = routes().split_for_parts();
    router
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "request.no_route",
                "no such endpoint; see /openapi.json",
            )
        })
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit_writes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count_refusals))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}
