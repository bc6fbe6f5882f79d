//! What the explorer reads besides the plain records: the node's totals
//! (`GET /v1/stats`), the market with per-position figures (`GET
//! /v1/market`), and the explorer's own files (`GET /`, `GET
//! /assets/{file}`), embedded in the binary so the page needs no network.

use std::sync::{Arc, Mutex};

use alloy::primitives::B256;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use stakebid_intents::market::{position_figures, Index, PositionFigures};
use stakebid_intents::{Market, Scenarios};
use stakebid_wire as wire;

use super::{ApiError, AppState};

/// Scenarios behind the market page's tail losses (a fixed seed: the page
/// compares positions, it does not score a round).
const FIGURE_SCENARIOS: u32 = 500;

/// Per-position figures, computed once per market.
fn figures(m: &Market) -> Arc<Vec<PositionFigures>> {
    static CACHE: Mutex<Option<(B256, Arc<Vec<PositionFigures>>)>> = Mutex::new(None);
    let hash = m.hash();
    let mut c = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((h, f)) = c.as_ref() {
        if *h == hash {
            return f.clone();
        }
    }
    let s = Scenarios::generate(m, &Index::new(m), B256::ZERO, FIGURE_SCENARIOS);
    let f = Arc::new(position_figures(m, &s));
    *c = Some((hash, f.clone()));
    f
}

/// `GET /v1/market`: the market in use, its hash and per-position figures.
#[utoipa::path(get, path = "/v1/market", tag = "node",
    responses((status = 200, description = "The market snapshot, its hash, and each position's yield, tail loss and caps", body = wire::MarketView)))]
pub(super) async fn market(State(s): State<AppState>) -> Result<Json<wire::MarketView>, ApiError> {
    let m = s.market.get();
    let mut view = market_view(m).await?;
    view.status = Some(market_status(&s));
    Ok(Json(view))
}

/// `GET /v1/markets/{hash}`: a market a round used, by its hash (what
/// `AuctionOpen.marketHash` and an outcome's `market_hash` name).
#[utoipa::path(get, path = "/v1/markets/{hash}", tag = "node", params(("hash" = String, Path, description = "the market's hash")),
    responses((status = 200, description = "That market, with per-position figures", body = wire::MarketView)))]
pub(super) async fn market_by_hash(
    State(s): State<AppState>,
    Path(hash): Path<String>,
) -> Result<Json<wire::MarketView>, ApiError> {
    let h: B256 = hash.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "market.bad_hash",
            format!("`{hash}` is not a 32-byte 0x-hex hash"),
        )
    })?;
    let feed = s.market.clone();
    let found = tokio::task::spawn_blocking(move || feed.by_hash(h)).await.map_err(|e| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store.failed", e.to_string())
    })?;
    let m = found.map_err(|e| ApiError::coded(StatusCode::SERVICE_UNAVAILABLE, &e))?.ok_or_else(
        || {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "market.unknown",
                format!("no round of this node used market {h}"),
            )
        },
    )?;
    Ok(Json(market_view(Arc::new(m)).await?))
}

async fn market_view(m: Arc<Market>) -> Result<wire::MarketView, ApiError> {
    let mm = m.clone();
    let positions = tokio::task::spawn_blocking(move || figures(&mm)).await.map_err(|e| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store.failed", e.to_string())
    })?;
    Ok(wire::MarketView {
        hash: m.hash(),
        market: (*m).clone(),
        positions: (*positions).clone(),
        status: None,
    })
}

/// The feed's state on the wire.
pub(super) fn market_status(s: &AppState) -> wire::MarketStatus {
    let st = s.market.status();
    let m = s.market.get();
    let err = |(code, message): (String, String)| wire::ErrorBody { code, message };
    wire::MarketStatus {
        source: st.source,
        block: st.block,
        stale: st.stale_rounds > 0,
        stale_rounds: st.stale_rounds,
        params_as_of: m.live.as_ref().map_or_else(|| m.as_of.clone(), |l| l.params_as_of.clone()),
        apr_fallback: m.live.as_ref().map(|l| l.apr_fallback.clone()).unwrap_or_default(),
        stopped: st.stopped.map(err),
        round_trips: st.round_trips,
    }
}

/// `GET /v1/stats`: intents settled, ether staked, the median net APY
/// promised at settlement, per-position totals.
#[utoipa::path(get, path = "/v1/stats", tag = "node",
    responses((status = 200, description = "The node's totals", body = wire::Stats)))]
pub(super) async fn stats_route(State(s): State<AppState>) -> Result<Json<wire::Stats>, ApiError> {
    let stats = s.stats.clone();
    Ok(Json(s.store.run(move |st| stats.read(st)).await?))
}

/// `GET /`: the explorer.
#[utoipa::path(get, path = "/", tag = "node",
    responses((status = 200, description = "The explorer: live round, auctions, intents, owners, solvers, the market", body = String, content_type = "text/html")))]
pub(super) async fn explorer() -> Html<&'static str> {
    Html(include_str!("explorer/index.html"))
}

/// The explorer's files, by name.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", "text/javascript; charset=utf-8", include_str!("explorer/app.js")),
    ("util.js", "text/javascript; charset=utf-8", include_str!("explorer/util.js")),
    ("pages.js", "text/javascript; charset=utf-8", include_str!("explorer/pages.js")),
    ("charts.js", "text/javascript; charset=utf-8", include_str!("explorer/charts.js")),
    ("app.css", "text/css; charset=utf-8", include_str!("explorer/app.css")),
];

/// `GET /assets/{file}`: the explorer's scripts and styles.
#[utoipa::path(get, path = "/assets/{file}", tag = "node", params(("file" = String, Path, description = "app.js, util.js, pages.js, charts.js or app.css")),
    responses((status = 200, description = "The file", body = String, content_type = "text/javascript")))]
pub(super) async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == file) {
        Some((_, ty, body)) => {
            ([(header::CONTENT_TYPE, *ty), (header::CACHE_CONTROL, "no-cache")], *body)
                .into_response()
        }
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "explorer.unknown_file",
            format!("the explorer has no file `{file}`"),
        )
        .into_response(),
    }
}
