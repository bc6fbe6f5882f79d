//! Intent endpoints: submit, status and history, cancel, by owner, quote.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stakebid_intents::Coded;

use stakebid_intents::protocol::Cancellation;
use stakebid_intents::{accept, validate, Intent, IntentId};

use stakebid_wire as wire;

use super::{bad_id, json_body, views, ApiError, AppState};
use crate::port::{NodeStore, Record, Status, StoreError};
use stakebid_auction::domain::outcome::Outcome;
use std::collections::BTreeMap;

/// The public outcomes of the auctions `recs` last entered, for their views.
pub(super) fn outcomes<'a>(
    store: &dyn NodeStore,
    recs: impl Iterator<Item = &'a Record>,
) -> Result<BTreeMap<u64, Outcome>, StoreError> {
    let mut out = BTreeMap::new();
    for r in recs.filter(|r| matches!(r.status, Status::Awarded | Status::Settled)) {
        let Some(a) = r.auction.filter(|a| !out.contains_key(a)) else { continue };
        if let Some(o) = store.auction(a)?.and_then(|rec| rec.public) {
            out.insert(a, o);
        }
    }
    Ok(out)
}

/// One intent's record and the outcomes its view shows, read in one
/// store call.
async fn read_intent(
    s: &AppState,
    id: IntentId,
) -> Result<(Record, BTreeMap<u64, Outcome>), StoreError> {
    s.store
        .run(move |st| {
            let rec = st.get(&id)?.ok_or(StoreError::Unknown(id))?;
            let outs = outcomes(st, std::iter::once(&rec))?;
            Ok((rec, outs))
        })
        .await
}

fn view(
    s: &AppState,
    id: &IntentId,
    (rec, outs): &(Record, BTreeMap<u64, Outcome>),
) -> wire::IntentView {
    with_waiting(s, views::intent(id, rec, outs, &s.market.get()), rec)
}

/// A pending intent's view says what holds it back, when this node runs
/// rounds and something does.
pub(super) fn with_waiting(
    s: &AppState,
    mut v: wire::IntentView,
    rec: &Record,
) -> wire::IntentView {
    if rec.status == stakebid_auction::domain::intent::Status::Pending {
        v.waiting = s.live.as_ref().and_then(|l| l.waiting(&v.id, &rec.signed.intent.owner));
    }
    v
}

fn parse_id(id: &str) -> Result<IntentId, ApiError> {
    id.parse::<alloy::primitives::B256>()
        .map(IntentId)
        .map_err(|_| bad_id("an intent id is 0x and 64 hex digits"))
}

/// `POST /v1/intents`: `{ typed_data, signature }` → 201 `{ id, status }`,
/// answered only once the intent is flushed to disk.
#[utoipa::path(post, path = "/v1/intents", tag = "intents",
    request_body = wire::SubmitRequest,
    responses((status = 201, description = "Accepted and on disk", body = wire::Submitted)))]
pub(super) async fn submit(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<wire::Submitted>), ApiError> {
    let v = json_body(body)?;
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
    let (mut signed, id) = accept(td, &sig, (s.now)(), &s.policy)
        .map_err(|e| ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, &e))?;
    // Keyed by the owner the signature proves, never by one a body claims.
    s.rates.check_signer(signed.intent.owner)?;
    if let Some(p) = v.get("permit").filter(|p| !p.is_null()) {
        signed.permit = Some(super::permit::checked(&s, &signed.intent, p).await?);
    }
    s.intake.submit(id, signed).await?;
    s.metrics.intents_accepted.inc();
    Ok((StatusCode::CREATED, Json(wire::Submitted { id, status: wire::IntentStatus::Pending })))
}

/// `GET /v1/intents/{id}`: status, the signed message, and its history.
#[utoipa::path(get, path = "/v1/intents/{id}", tag = "intents", params(("id" = String, Path, description = "the intent id: 0x and 64 hex digits")),
    responses((status = 200, description = "The intent", body = wire::IntentView)))]
pub(super) async fn status(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<wire::IntentView>, ApiError> {
    let id = parse_id(&id)?;
    let read = read_intent(&s, id).await?;
    Ok(Json(view(&s, &id, &read)))
}

/// How often an intent's event stream looks at its record.
const INTENT_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// `GET /v1/intents/{id}/events`: the intent's changes as server-sent
/// events — one `status` event (its whole view) now and one per change
/// after, ending once it is settled, expired or cancelled. The node reads
/// its own store every half second; nothing is lost between reads, since
/// each event carries the whole history.
#[utoipa::path(get, path = "/v1/intents/{id}/events", tag = "intents", params(("id" = String, Path, description = "the intent id: 0x and 64 hex digits")),
    responses((status = 200, description = "text/event-stream of `status` events, each an IntentView", body = wire::IntentView, content_type = "text/event-stream")))]
pub(super) async fn events(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<
    axum::response::sse::Sse<
        impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
    ApiError,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let id = parse_id(&id)?;
    read_intent(&s, id).await?;
    let permit = s.event_streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "events.too_many_streams",
            "the node serves as many event streams as it allows; retry later",
        )
    })?;
    // (state, changes seen, finished)
    let stream = futures_util::stream::unfold((s, 0usize, false), move |(s, seen, done)| {
        let _held = &permit;
        async move {
            if done {
                return None;
            }
            let mut first = true;
            loop {
                if !first {
                    tokio::time::sleep(INTENT_POLL).await;
                }
                first = false;
                let Ok(read) = read_intent(&s, id).await else { return None };
                let rec = &read.0;
                if rec.history.len() == seen {
                    continue;
                }
                let end =
                    matches!(rec.status, Status::Settled | Status::Expired | Status::Cancelled);
                let v = view(&s, &id, &read);
                let ev = Event::default()
                    .event("status")
                    .data(serde_json::to_string(&v).unwrap_or_default());
                let len = rec.history.len();
                return Some((Ok(ev), (s, len, end)));
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `POST /v1/intents/{id}/cancel`: `{ signature }` — the owner's EIP-712
/// signature over `Cancellation { intentId }`. Only a pooled (pending)
/// intent can be cancelled here; one in a running auction can be
/// cancelled when the round returns it, and on-chain by its nonce.
#[utoipa::path(post, path = "/v1/intents/{id}/cancel", tag = "intents", params(("id" = String, Path, description = "the intent id: 0x and 64 hex digits")),
    request_body = wire::CancelRequest,
    responses((status = 200, description = "The intent, now cancelled", body = wire::IntentView)))]
pub(super) async fn cancel(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<wire::IntentView>, ApiError> {
    let id = parse_id(&id)?;
    let v = json_body(body)?;
    let sig: alloy::primitives::Bytes =
        v.get("signature").and_then(Value::as_str).and_then(|s| s.parse().ok()).ok_or_else(
            || {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "request.missing_field",
                    "the body needs `signature`: the owner's EIP-712 signature over Cancellation { intentId }",
                )
            },
        )?;
    let rec = s.store.run(move |st| st.get(&id)).await?.ok_or(StoreError::Unknown(id))?;
    let who = Cancellation { intentId: id.0 }.signer(&rec.signed.domain, &sig).map_err(|e| {
        let status = StatusCode::BAD_REQUEST;
        ApiError::new(status, e.code(), format!("the cancellation's signature: {e}"))
    })?;
    if who != rec.signed.intent.owner {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "intent.wrong_signer",
            "the cancellation is not signed by the intent's owner",
        ));
    }
    s.rates.check_signer(who)?;
    if rec.status == Status::Cancelled {
        return Ok(Json(view(&s, &id, &read_intent(&s, id).await?)));
    }
    if rec.status != Status::Pending {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "intent.not_cancellable",
            format!(
                "the intent is {}: only a pending intent can be cancelled",
                views::status(rec.status)
            ),
        ));
    }
    s.store.run(move |st| st.transition(&id, Status::Cancelled)).await?;
    Ok(Json(view(&s, &id, &read_intent(&s, id).await?)))
}

/// Pagination of an owner's intents.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct OwnerQuery {
    /// The previous page's `next_cursor`.
    cursor: Option<u64>,
    /// At most this many (default 50, at most 500).
    limit: Option<usize>,
}

/// `GET /v1/owners/{address}/intents?cursor=&limit=`: one owner's intents,
/// newest first, from the owner index (time proportional to the page).
#[utoipa::path(get, path = "/v1/owners/{address}/intents", tag = "intents",
    params(("address" = String, Path, description = "the owner: a 0x address (EIP-55 if mixed case)"), OwnerQuery),
    responses((status = 200, description = "A page of the owner's intents, newest first", body = wire::OwnerPage)))]
pub(super) async fn by_owner(
    State(s): State<AppState>,
    Path(owner): Path<String>,
    q: Result<axum::extract::Query<OwnerQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<wire::OwnerPage>, ApiError> {
    use stakebid_intents::address::{parse, AddressError};
    let owner = parse(&owner).map_err(|e| match e {
        AddressError::Malformed(_) => bad_id("an owner is a 0x address (40 hex digits)"),
        e => e.into(),
    })?;
    let axum::extract::Query(q) =
        q.map_err(|e| bad_id(&format!("`cursor` and `limit` are numbers: {e}")))?;
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    // The page and the outcomes its awarded intents point to, read off the
    // async runtime's threads.
    let (page, outcomes) = s
        .store
        .run(move |st| {
            let page = st.owner_page(&owner, q.cursor, limit)?;
            let outcomes = outcomes(st, page.intents.iter().map(|(_, r)| r))?;
            Ok((page, outcomes))
        })
        .await?;
    let intents = {
        let m = s.market.get();
        page.intents
            .iter()
            .map(|(id, r)| with_waiting(&s, views::intent(id, r, &outcomes, &m), r))
            .collect()
    };
    Ok(Json(wire::OwnerPage { intents, next_cursor: page.next }))
}

/// `GET /v1/search` query.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchQuery {
    /// An intent id or a settlement transaction hash (0x and 64 hex
    /// digits), an owner address (0x and 40), or an auction number.
    q: String,
}

/// Longest query searched: a hash with its 0x and some spaces.
const MAX_QUERY: usize = 100;

/// `GET /v1/search?q=`: what an intent id, owner address, settlement
/// transaction hash or auction number names, and where to read it. A
/// 32-byte hash is an intent's id first, then a settlement transaction
/// (the store's transaction index).
#[utoipa::path(get, path = "/v1/search", tag = "intents", params(SearchQuery),
    responses((status = 200, description = "What the query names and its API path", body = wire::SearchResult)))]
pub(super) async fn search(
    State(s): State<AppState>,
    q: Result<axum::extract::Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<wire::SearchResult>, ApiError> {
    use wire::{SearchKind, SearchResult};
    let axum::extract::Query(q) = q.map_err(|_| {
        ApiError::new(StatusCode::BAD_REQUEST, "search.malformed", "the query needs `q`")
    })?;
    let text = q.q.trim();
    if text.len() > MAX_QUERY {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "search.too_long",
            "a search is an id, an address, a transaction hash or an auction number (at most 100 characters)",
        ));
    }
    let found =
        |kind, href: String| SearchResult { kind, href, intent: None, owner: None, auction: None };
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "search.not_found",
            "nothing on this node goes by that",
        )
    };
    let hex = text.strip_prefix("0x").filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()));
    match hex.map(str::len) {
        Some(64) => {
            let h: alloy::primitives::B256 = text.parse().map_err(|_| not_found())?;
            if s.store.run(move |st| st.get(&IntentId(h))).await?.is_some() {
                let mut r = found(SearchKind::Intent, format!("/v1/intents/{h}"));
                r.intent = Some(h);
                return Ok(Json(r));
            }
            let n = s.store.run(move |st| st.auction_by_tx(&h)).await?.ok_or_else(not_found)?;
            let mut r = found(SearchKind::Transaction, format!("/v1/auctions/{n}"));
            r.auction = Some(n);
            Ok(Json(r))
        }
        Some(40) => {
            let owner = stakebid_intents::address::parse(text)?;
            if s.store.run(move |st| st.owner_page(&owner, None, 1)).await?.intents.is_empty() {
                return Err(not_found());
            }
            let mut r =
                found(SearchKind::Owner, format!("/v1/owners/{}/intents", owner.to_checksum(None)));
            r.owner = Some(owner);
            Ok(Json(r))
        }
        _ => {
            let n: u64 = text.parse().map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "search.malformed",
                    "search for an intent id or transaction hash (0x and 64 hex digits), an owner (0x and 40) or an auction number",
                )
            })?;
            s.store.run(move |st| st.auction(n)).await?.ok_or_else(not_found)?;
            let mut r = found(SearchKind::Auction, format!("/v1/auctions/{n}"));
            r.auction = Some(n);
            Ok(Json(r))
        }
    }
}

/// `POST /v1/quote`: `{ typed_data }` (unsigned) → what the reference
/// optimal strategy would give this intent alone on the current market.
#[utoipa::path(post, path = "/v1/quote", tag = "intents",
    request_body = wire::QuoteRequest,
    responses((status = 200, description = "The reference strategy's plan for this intent alone", body = wire::Quote)))]
pub(super) async fn quote(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<wire::Quote>, ApiError> {
    let v = json_body(body)?;
    let td = v.get("typed_data").ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.missing_field",
            "the body needs `typed_data`: the intent as eth_signTypedData_v4 JSON (no signature needed)",
        )
    })?;
    let unprocessable =
        |e: stakebid_intents::IntentError| ApiError::coded(StatusCode::UNPROCESSABLE_ENTITY, &e);
    let (intent, domain): (Intent, _) = Intent::from_typed_data(td).map_err(unprocessable)?;
    validate(&intent, &domain, (s.now)(), &s.policy).map_err(unprocessable)?;
    let Some(q) = s.quoter.clone() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "quote.unavailable",
            "this node runs without a reference strategy",
        ));
    };
    let out = tokio::task::spawn_blocking(move || q(&intent)).await.map_err(|e| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "quote.failed", e.to_string())
    })?;
    out.map(Json)
        .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "quote.infeasible", m))
}
