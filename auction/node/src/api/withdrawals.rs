//! `GET /v1/owners/{address}/withdrawals`: an owner's restaked positions'
//! queued withdrawals, read from the chain the node settles on (through
//! `stakebid_settlement::withdrawals`, the reader the SDK uses too), with
//! the block each can complete at — what the explorer's countdown shows.

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use stakebid_intents::Coded;
use stakebid_settlement::withdrawals::{holders, pending_with};
use stakebid_wire as wire;

use super::{bad_id, ApiError, AppState};
use stakebid_auction::domain::intent::Status;

/// Settled intents of an owner read for their positions (newest first).
const MAX_INTENTS: usize = 500;

/// `GET /v1/owners/{address}/withdrawals`.
#[utoipa::path(get, path = "/v1/owners/{address}/withdrawals", tag = "intents",
    params(("address" = String, Path, description = "the owner: a 0x address (EIP-55 if mixed case)")),
    responses((status = 200, description = "The owner's queued restaking withdrawals still pending, with the block each can complete at", body = wire::Withdrawals)))]
pub(super) async fn withdrawals(
    State(s): State<AppState>,
    Path(owner): Path<String>,
) -> Result<Json<wire::Withdrawals>, ApiError> {
    use stakebid_intents::address::{parse, AddressError};
    let owner = parse(&owner).map_err(|e| match e {
        AddressError::Malformed(_) => bad_id("an owner is a 0x address (40 hex digits)"),
        e => e.into(),
    })?;
    let (Some(p), Some(dep)) = (s.chain_reader.clone(), s.chain.clone()) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "withdrawals.no_chain",
            "this node settles on no chain, so nobody holds restaked positions through it",
        ));
    };
    // The restaked positions the owner's settled plans opened.
    let (settled, outcomes) = s
        .store
        .run(move |st| {
            let page = st.owner_page(&owner, None, MAX_INTENTS)?;
            let settled: Vec<_> =
                page.intents.into_iter().filter(|(_, r)| r.status == Status::Settled).collect();
            let outcomes = super::intents::outcomes(st, settled.iter().map(|(_, r)| r))?;
            Ok((settled, outcomes))
        })
        .await?;
    let mut positions = BTreeSet::new();
    let market = s.market.get();
    for (id, r) in &settled {
        let view = super::views::intent(id, r, &outcomes, &market);
        for a in view.award.into_iter().flat_map(|w| w.plan.allocations) {
            positions.insert(a.position);
        }
    }
    let unavailable = |e: stakebid_settlement::ChainError| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            e.code(),
            format!("the chain could not be read: {e}"),
        )
    };
    let held = holders(&p, &dep, &s.market.get(), owner, positions).await.map_err(unavailable)?;
    let (head, list) = {
        let mut log = s.withdrawal_log.lock().await;
        pending_with(&p, &dep, &held, &mut log).await.map_err(unavailable)?
    };
    Ok(Json(wire::Withdrawals {
        head_block: head,
        withdrawals: list
            .into_iter()
            .map(|w| wire::WithdrawalView {
                position: w.position,
                holder: w.holder,
                shares: wire::Dec(w.shares),
                withdrawable: wire::Dec(w.withdrawable),
                completable_at_block: w.completable_at_block,
                blocks_left: w.blocks_left,
            })
            .collect(),
    }))
}
