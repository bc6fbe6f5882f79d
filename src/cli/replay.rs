//! `stakebid auction replay`: anyone can audit an auction from what the
//! node published — the bids, the seed, the intents and the market.

use alloy::primitives::B256;
use clap::Args;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

use super::{print_json, CliError};
use stakebid_auction::domain::score::score_all;
use stakebid_auction::domain::winner::select;
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::market::Index;
use stakebid_intents::protocol::Bid;
use stakebid_intents::{Context, Intent, IntentId, Market, Scenarios};
use stakebid_sdk::Client;

#[derive(Args, Debug)]
pub(crate) struct ReplayArgs {
    /// The node's base URL.
    #[arg(long)]
    node: String,
    /// The auction id.
    #[arg(long)]
    id: u64,
}

fn api(e: stakebid_sdk::SdkError) -> CliError {
    CliError::new(e.code(), e.to_string())
}

fn field<T: serde::de::DeserializeOwned>(v: &Value, what: &str) -> Result<T, CliError> {
    serde_json::from_value(v.clone()).map_err(|e| {
        CliError::new("replay.malformed", format!("the node's {what} does not parse: {e}"))
    })
}

pub(crate) fn run(a: ReplayArgs) -> Result<(), CliError> {
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("node.runtime", format!("cannot start the runtime: {e}")))?;
    let c = Client::new(&a.node);
    let (auction, schema, market_v) = rt
        .block_on(async {
            Ok::<_, stakebid_sdk::SdkError>((
                c.get(&format!("/v1/auctions/{}", a.id)).await?,
                c.get("/v1/eip712").await?,
                c.get("/v1/market").await?,
            ))
        })
        .map_err(api)?;
    let o = &auction["outcome"];
    if o.is_null() {
        return Err(CliError::new(
            "replay.not_public",
            format!("auction {} has no public outcome yet (sealed until its reveal deadline, or voided)", a.id),
        ));
    }
    let market: Market = field(&market_v["market"], "market")?;
    let market_hash: B256 = field(&o["market_hash"], "market hash")?;
    if market.hash() != market_hash {
        return Err(CliError::new(
            "replay.market_changed",
            format!(
                "the node's market now hashes to {}, the auction used {market_hash}",
                market.hash()
            ),
        ));
    }
    let seed: B256 = field(&auction["seed"], "seed")?;
    let count: u32 = field(&o["scenario_count"], "scenario count")?;
    let ids: Vec<IntentId> = field(&auction["intents"], "intent list")?;
    let mut batch = BTreeMap::new();
    for id in &ids {
        let v = rt.block_on(c.get(&format!("/v1/intents/{id}"))).map_err(api)?;
        let mut td = schema.clone();
        td["message"] = v["intent"].clone();
        let (intent, domain) = Intent::from_typed_data(&td)?;
        if intent.id(&domain) != *id {
            return Err(CliError::new(
                "replay.intent_mismatch",
                format!("intent {id} does not hash to its id"),
            ));
        }
        batch.insert(*id, intent);
    }
    let mut bids: Vec<Bid> = Vec::new();
    for b in o["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(o["rejected"].as_array().into_iter().flatten())
    {
        bids.push(field(&b["bid"], "bid")?);
    }
    // Published valid bids come first, in the node's order; rejected ones
    // never become candidates, so the candidates' order (which breaks
    // ties in winner selection) is the node's.
    let ix = Index::new(&market);
    let sc = Scenarios::generate(&market, &ix, seed, count);
    let ctx = Context::new(&market, &sc);
    let scored = score_all(&ctx, &batch, &bids);
    let cands = scored.cands;
    let cand_bids: Vec<B256> = scored.cand_bids.iter().map(|&i| bids[i].hash()).collect();
    let rejected: BTreeSet<B256> = scored.rejected.iter().map(|(i, _)| bids[*i].hash()).collect();
    let sel = select(&cands, &CapacityUse::available(&market));
    let winners: BTreeSet<B256> = sel.winners.iter().map(|&i| cand_bids[i]).collect();
    let published_winners: BTreeSet<B256> = o["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["won"] == true)
        .map(|b| field(&b["bid_hash"], "bid hash"))
        .collect::<Result<_, _>>()?;
    let published_rejected: BTreeSet<B256> = o["rejected"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| field(&b["bid_hash"], "bid hash"))
        .collect::<Result<_, _>>()?;
    let published_total: String = field(&o["total_score"], "total score")?;
    let mut mismatches = Vec::new();
    if winners != published_winners {
        mismatches
            .push(format!("winners: recomputed {winners:?}, published {published_winners:?}"));
    }
    if sel.total.to_string() != published_total {
        mismatches
            .push(format!("total score: recomputed {}, published {published_total}", sel.total));
    }
    if rejected != published_rejected {
        mismatches.push(format!(
            "rejected bids: recomputed {rejected:?}, published {published_rejected:?}"
        ));
    }
    for (i, b) in o["bids"].as_array().into_iter().flatten().enumerate() {
        let ours = cands.get(i).map(|c| c.score().to_string());
        if ours.as_deref() != b["total"].as_str() {
            mismatches.push(format!(
                "bid {} score: recomputed {ours:?}, published {}",
                b["bid_hash"], b["total"]
            ));
        }
    }
    if mismatches.is_empty() {
        print_json(&json!({
            "auction": a.id,
            "bids": bids.len(),
            "winners": winners,
            "total_score": sel.total.to_string(),
            "matches": true,
        }));
        eprintln!(
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
