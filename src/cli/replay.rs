//! `stakebid auction replay`: anyone can audit an auction from what the
//! node published — the bids, the seed, the intents and the market.

use alloy::primitives::B256;
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};

use super::{print_json, CliError};
use stakebid_auction::domain::score::score_all;
use stakebid_auction::domain::winner::select;
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::market::Index;
use stakebid_intents::protocol::Bid;
use stakebid_intents::{Context, Intent, Market, Scenarios};
use stakebid_sdk::Client;
use stakebid_wire::Dec;

#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The node's base URL.
    #[arg(long)]
    node: String,
    /// The auction id.
    #[arg(long)]
    id: u64,
}

/// A recorded round as the node published it, every piece checked: the
/// auction, its outcome, the market by hash (it must hash to the
/// announced one) and its intents (each must hash to its id).
pub(crate) struct Recorded {
    pub(crate) auction: stakebid_wire::AuctionView,
    pub(crate) market: Market,
    pub(crate) batch: BTreeMap<stakebid_intents::IntentId, Intent>,
}

/// Fetches and checks auction `id` from the node at `c`.
pub(crate) fn fetch(
    rt: &tokio::runtime::Runtime,
    c: &Client,
    id: u64,
) -> Result<Recorded, CliError> {
    let (auction, node) = rt.block_on(async {
        Ok::<_, stakebid_sdk::SdkError>((c.auction(id).await?, c.node().await?))
    })?;
    let Some(o) = &auction.outcome else {
        return Err(CliError::new(
            "replay.not_public",
            format!("auction {id} has no public outcome yet (sealed until its reveal deadline, or voided)"),
        ));
    };
    // The market the round used (the node keeps each by hash), checked
    // here: a node serving other figures under that hash is caught.
    let market: Market = rt.block_on(c.market_by_hash(o.market_hash))?.market;
    if market.hash() != o.market_hash {
        return Err(CliError::new(
            "replay.market_changed",
            format!(
                "the node serves a market hashing to {} for the auction's {}",
                market.hash(),
                o.market_hash
            ),
        ));
    }
    let mut batch = BTreeMap::new();
    for id in &auction.intents {
        let v = rt.block_on(c.intent(id))?;
        let intent = Intent::from(&v.intent);
        if intent.id(&node.domain) != *id {
            return Err(CliError::new(
                "replay.intent_mismatch",
                format!("intent {id} does not hash to its id"),
            ));
        }
        batch.insert(*id, intent);
    }
    Ok(Recorded { auction, market, batch })
}

pub(crate) fn run(a: ReplayArgs) -> Result<(), CliError> {
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("node.runtime", format!("cannot start the runtime: {e}")))?;
    let c = Client::new(&a.node);
    let Recorded { auction, market, batch } = fetch(&rt, &c, a.id)?;
    let o = auction.outcome.as_ref().expect("fetch checks it");
    let bids: Vec<Bid> = o
        .bids
        .iter()
        .map(|b| b.bid.clone())
        .chain(o.rejected.iter().map(|b| b.bid.clone()))
        .collect();
    // Published valid bids come first, in the node's order; rejected ones
    // never become candidates, so the candidates' order (which breaks
    // ties in winner selection) is the node's.
    let ix = Index::new(&market);
    let sc = Scenarios::generate(&market, &ix, auction.seed, o.scenario_count);
    let ctx = Context::new(&market, &sc);
    let scored = score_all(&ctx, &batch, &bids);
    let cands = scored.cands;
    let cand_bids: Vec<B256> = scored.cand_bids.iter().map(|&i| bids[i].hash()).collect();
    let rejected: BTreeSet<B256> = scored.rejected.iter().map(|(i, _)| bids[*i].hash()).collect();
    let sel = select(&cands, &CapacityUse::available(&market));
    let winners: BTreeSet<B256> = sel.winners.iter().map(|&i| cand_bids[i]).collect();
    let published_winners: BTreeSet<B256> =
        o.bids.iter().filter(|b| b.won).map(|b| b.bid_hash).collect();
    let published_rejected: BTreeSet<B256> = o.rejected.iter().map(|b| b.bid_hash).collect();
    let published_total = o.total_score.0;
    let mut mismatches = Vec::new();
    if winners != published_winners {
        mismatches
            .push(format!("winners: recomputed {winners:?}, published {published_winners:?}"));
    }
    if sel.total != published_total {
        mismatches
            .push(format!("total score: recomputed {}, published {published_total}", sel.total));
    }
    if rejected != published_rejected {
        mismatches.push(format!(
            "rejected bids: recomputed {rejected:?}, published {published_rejected:?}"
        ));
    }
    for (i, b) in o.bids.iter().enumerate() {
        let ours = cands.get(i).map(|c| c.score());
        if ours != Some(b.total.0) {
            mismatches.push(format!(
                "bid {} score: recomputed {ours:?}, published {}",
                b.bid_hash, b.total
            ));
        }
    }
    if mismatches.is_empty() {
        print_json(&Replayed {
            auction: a.id,
            bids: bids.len(),
            winners: &winners,
            total_score: Dec(sel.total),
            matches: true,
        });
        tracing::info!(
            "auction {}: {} bids re-scored, winners and scores match what the node published",
            a.id,
            bids.len()
        );
        Ok(())
    } else {
        Err(CliError::new(
            "replay.mismatch",
            format!("auction {} does not replay: {}", a.id, mismatches.join("; ")),
        ))
    }
}

/// What a replay that matches prints.
#[derive(serde::Serialize)]
struct Replayed<'a> {
    auction: u64,
    bids: usize,
    winners: &'a BTreeSet<B256>,
    total_score: Dec<i128>,
    matches: bool,
}
