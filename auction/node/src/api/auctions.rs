//! Auction endpoints: list, one round, commitments and reveals from HTTP
//! solvers, the signed event stream, the solver registry.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use std::convert::Infallible;
use tokio_stream::wrappers::BroadcastStream;

use stakebid_intents::envelope::{CommitMsg, RevealMsg};
use stakebid_wire as wire;

use super::{bad_id, typed_body, views, ApiError, AppState};
use crate::live::Live;
use crate::port::StoreError;
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::Registry;

fn parse_auction(id: &str) -> Result<u64, ApiError> {
    id.parse().map_err(|_| bad_id("an auction id is a decimal number"))
}

fn live(s: &AppState) -> Result<&Live, ApiError> {
    s.live.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "auction.not_running",
            "this node runs no auctions",
        )
    })
}

/// Pagination of `GET /v1/auctions`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Page {
    /// Only auctions with a smaller id: the previous page's `next_cursor`.
    cursor: Option<u64>,
    /// The same as `cursor` (its older name).
    before: Option<u64>,
    /// At most this many (default 20, at most 200).
    limit: Option<usize>,
}

/// `GET /v1/auctions?cursor=&limit=`: newest first, one range read of the
/// page (an auction's large outcome is skipped, not decoded).
#[utoipa::path(get, path = "/v1/auctions", tag = "auctions", params(Page),
    responses((status = 200, description = "A page of auctions, newest first", body = wire::AuctionsPage)))]
pub(super) async fn list(
    State(s): State<AppState>,
    q: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<wire::AuctionsPage>, ApiError> {
    let Query(q) = q.map_err(|e| bad_id(&format!("`cursor` and `limit` are numbers: {e}")))?;
    let limit = q.limit.unwrap_or(20).clamp(1, 200);
    let before = q.cursor.or(q.before);
    let heads = s.store.run(move |st| st.auction_page(before, limit)).await?;
    let next = heads.last().map(|h| h.id).filter(|_| heads.len() == limit);
    let auctions = heads.iter().map(views::head).collect();
    Ok(Json(wire::AuctionsPage { auctions, next_cursor: next, next_before: next }))
}

/// `GET /v1/auctions/{id}`: the round. Until the reveal deadline only the
/// commitment hashes; afterwards every bid, score, rejection, fault,
/// winner and reference score.
#[utoipa::path(get, path = "/v1/auctions/{id}", tag = "auctions", params(("id" = u64, Path, description = "the auction id")),
    responses((status = 200, description = "The auction", body = wire::AuctionView)))]
pub(super) async fn show(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<wire::AuctionView>, ApiError> {
    let id = parse_auction(&id)?;
    let a = s.store.run(move |st| st.auction(id)).await?.ok_or(StoreError::UnknownAuction(id))?;
    let sealed = (s.now)() <= a.reveal_deadline;
    let live = s.live.as_ref().and_then(|l| l.commitments(id)).map(|c| {
        c.into_iter().map(|(solver, commitment)| wire::Commitment { solver, commitment }).collect()
    });
    // The store has a round before the live driver takes it (it persists
    // first): a committing round this process holds no commitments for
    // has none yet, which is an empty list, not an absent one.
    let commitments = live.or_else(|| (a.phase == Phase::Committing).then(Vec::new));
    let public = if sealed { None } else { a.public.as_ref() };
    let mut view = views::auction(&a, commitments, public);
    view.round = s.live.as_ref().and_then(|l| l.round_hash(id));
    Ok(Json(view))
}

/// `POST /v1/auctions/{id}/commitments`: a sealed commitment (`CommitMsg`).
#[utoipa::path(post, path = "/v1/auctions/{id}/commitments", tag = "auctions", params(("id" = u64, Path, description = "the auction id")),
    request_body = wire::schema::CommitMsg,
    responses((status = 202, description = "Taken", body = wire::CommitAccepted)))]
pub(super) async fn commit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<wire::CommitAccepted>), ApiError> {
    let id = parse_auction(&id)?;
    let m: CommitMsg = typed_body(body, "commitment { auction, solver, commitment, signature }")?;
    if m.auction != id {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "round.wrong_auction",
            format!("the commitment names auction {}, the URL {id}", m.auction),
        ));
    }
    live(&s)?.commit(&m)?;
    Ok((StatusCode::ACCEPTED, Json(wire::CommitAccepted { auction: id, commitment: m.commitment })))
}

/// `POST /v1/auctions/{id}/reveals`: a bid and its salt (`RevealMsg`).
#[utoipa::path(post, path = "/v1/auctions/{id}/reveals", tag = "auctions", params(("id" = u64, Path, description = "the auction id")),
    request_body = wire::schema::RevealMsg,
    responses((status = 202, description = "Taken (a repeat of an accepted reveal is answered the same)", body = wire::RevealAccepted)))]
pub(super) async fn reveal(
    State(s): State<AppState>,
    peer: Option<axum::Extension<super::rate::Peer>>,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<wire::RevealAccepted>), ApiError> {
    let id = parse_auction(&id)?;
    let m: RevealMsg = typed_body(body, "reveal { bid, salt, signature }")?;
    // A reveal that opens a live commitment is never limited (refusing it
    // would cost its solver a penalty); anything else counts against its
    // peer address like any write.
    if let (Some(axum::Extension(super::rate::Peer(ip))), false) = (peer, live(&s)?.opens(&m)) {
        s.rates.check_peer(ip)?;
    }
    if m.bid.auctionId != id {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "round.wrong_auction",
            format!("the bid names auction {}, the URL {id}", m.bid.auctionId),
        ));
    }
    let hash = m.bid.hash();
    live(&s)?.reveal(&m)?;
    Ok((StatusCode::ACCEPTED, Json(wire::RevealAccepted { auction: id, bid_hash: hash })))
}

/// `GET /v1/events`: server-sent events, one per signed announcement
/// (`event:` the kind, `data:` the envelope JSON).
#[utoipa::path(get, path = "/v1/events", tag = "auctions",
    responses((status = 200, description = "Server-sent events: `event:` the kind (open, revealing, award, closed), `data:` the signed envelope", body = String, content_type = "text/event-stream")))]
pub(super) async fn events(
    State(s): State<AppState>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let rx = live(&s)?.events();
    let permit = s.event_streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "events.too_many_streams",
            "the node serves as many event streams as it allows; retry later or use the bus",
        )
    })?;
    let stream = BroadcastStream::new(rx).filter_map(move |m| {
        // The permit lives as long as the stream.
        let _held = &permit;
        async move {
            let env = m.ok()?;
            let kind = env.kind().ok()?.1.token();
            Some(Ok(Event::default().event(kind).data(serde_json::to_string(&env).ok()?)))
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `GET /v1/solvers`: bonds, eligibility and penalty records.
#[utoipa::path(get, path = "/v1/solvers", tag = "auctions",
    responses((status = 200, description = "Bonds, eligibility and penalty records", body = wire::Solvers)))]
pub(super) async fn solvers(State(s): State<AppState>) -> Result<Json<wire::Solvers>, ApiError> {
    let state = s.store.run(|st| st.node_state()).await?;
    let reg: Registry = state.registry.unwrap_or_else(Registry::new);
    Ok(Json(views::solvers(&reg, &super::names::shown(&s).await?)))
}

/// Query of `GET /v1/solvers/{address}/rounds`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct RoundsQuery {
    /// Only auctions with a smaller id: the previous page's `next_cursor`.
    cursor: Option<u64>,
    /// At most this many rounds (default 20, at most 100).
    limit: Option<usize>,
}

/// Auctions one request reads at most: a solver absent from many rounds
/// gets a page with fewer rows (and a `next_cursor`), never a slow one.
const ROUNDS_SCAN: usize = 200;

/// Auctions read per store call: the store lanes are shared with intake,
/// so one request never holds a lane for more than this many records
/// (other calls run between its chunks).
const ROUNDS_CHUNK: usize = 20;

/// `GET /v1/solvers/{address}/rounds?cursor=&limit=`: the rounds a solver
/// bid in, newest first, each bid's fate with its score, the winners'
/// score on the same intents, the gap in bps and every rejection reason.
/// Only public outcomes (after the reveal deadline).
#[utoipa::path(get, path = "/v1/solvers/{address}/rounds", tag = "auctions",
    params(("address" = String, Path, description = "the solver: a 0x address (EIP-55 if mixed case)"), RoundsQuery),
    responses((status = 200, description = "A page of the solver's rounds, newest first", body = wire::SolverRounds)))]
pub(super) async fn solver_rounds(
    State(s): State<AppState>,
    Path(solver): Path<String>,
    q: Result<Query<RoundsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<wire::SolverRounds>, ApiError> {
    use stakebid_intents::address::{parse, AddressError};
    let solver = parse(&solver).map_err(|e| match e {
        AddressError::Malformed(_) => bad_id("a solver is a 0x address (40 hex digits)"),
        e => e.into(),
    })?;
    let Query(q) = q.map_err(|e| bad_id(&format!("`cursor` and `limit` are numbers: {e}")))?;
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let now = (s.now)();
    let (mut rounds, mut before, mut scanned) = (Vec::new(), q.cursor, 0usize);
    let next_cursor = loop {
        let want = limit - rounds.len();
        // One chunk per store call: (rounds found, last id read, auctions
        // read, whether the store has older ones).
        let (found, last, read, more) = s
            .store
            .run(move |st| {
                let heads = st.auction_page(before, ROUNDS_CHUNK)?;
                let mut found = Vec::new();
                let mut last = before;
                let mut read = 0;
                for h in &heads {
                    read += 1;
                    last = Some(h.id);
                    let Some(a) = st.auction(h.id)? else { continue };
                    let public = a.public.as_ref().filter(|_| now > a.reveal_deadline);
                    if let Some(o) = views::auction(&a, None, public).outcome {
                        let mine: Vec<alloy::primitives::B256> = o
                            .bids
                            .iter()
                            .filter(|b| b.solver == solver)
                            .map(|b| b.bid_hash)
                            .chain(
                                o.rejected
                                    .iter()
                                    .filter(|r| r.solver == solver)
                                    .map(|r| r.bid_hash),
                            )
                            .chain(
                                o.faults
                                    .iter()
                                    .filter(|f| f.solver == solver)
                                    .map(|f| f.commitment),
                            )
                            .collect();
                        if !mine.is_empty() {
                            found.push(wire::SolverRound {
                                auction: a.id,
                                reveal_deadline: a.reveal_deadline,
                                intents: a.intents.len(),
                                bids: wire::engine::results(&o, &mine),
                            });
                            if found.len() == want {
                                break;
                            }
                        }
                    }
                }
                let more = read < heads.len() || heads.len() == ROUNDS_CHUNK;
                Ok((found, last, read, more))
            })
            .await?;
        rounds.extend(found);
        scanned += read;
        before = last;
        if !more {
            break None;
        }
        if rounds.len() == limit || scanned >= ROUNDS_SCAN {
            break last;
        }
    };
    Ok(Json(wire::SolverRounds { solver, rounds, next_cursor }))
}
