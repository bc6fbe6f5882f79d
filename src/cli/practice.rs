//! `stakebid solver practice`: run a strategy or an engine on a recorded
//! auction, offline, and see the score it would have got next to what the
//! round's winners got — scored by the auctioneer's own scoring.
//!
//! ```text
//! node: auction N (seed, scenario count, intents by id), market by hash
//!   ──▶ the round as its solvers saw it ──▶ strategy | engine (POST /solve)
//!   ──▶ the driver's check ──▶ the auctioneer's score + winner selection
//!   ──▶ "would score X ETH; the winners scored Y ETH"
//! ```

use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use super::replay::{fetch, Recorded};
use super::{print_json, CliError};
use stakebid_auction::domain::score::score_all;
use stakebid_auction::domain::winner::select;
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::market::Index;
use stakebid_intents::protocol::Bid;
use stakebid_intents::units::eth_exact;
use stakebid_intents::{Context, Intent, IntentId, Plan, Scenarios};
use stakebid_sdk::Client;
use stakebid_wire::engine::{EngineBid, SolveResponse};
use stakebid_wire::{Dec, Reason};

#[derive(Args, Debug)]
pub(crate) struct PracticeArgs {
    /// The node that ran the auction.
    #[arg(long, default_value = "http://127.0.0.1:8645")]
    node: String,
    /// The auction id.
    #[arg(long)]
    auction: u64,
    /// An engine serving the engine API (as `solver run --engine`).
    #[arg(long, conflicts_with = "strategy")]
    engine: Option<String>,
    /// A built-in strategy: optimal, greedy or waterfill.
    #[arg(long)]
    strategy: Option<String>,
    /// Fee per intent for a built-in strategy (bps, capped by each intent).
    #[arg(long, default_value_t = 5)]
    fee_bps: u16,
    /// The time the solve gets (ms): the default commit window less the
    /// driver's default margin.
    #[arg(long, default_value_t = 2_300)]
    budget_ms: u64,
}

/// What `practice` prints.
#[derive(Serialize)]
struct Practiced {
    auction: u64,
    solver: String,
    /// What its bids would have scored together, alone in the round (wei).
    score: Dec<i128>,
    /// What the round's winners scored in all (wei).
    winners_score: Dec<i128>,
    /// Intents it planned, of the batch.
    planned: usize,
    batch: usize,
    /// Plans the driver's check dropped (an engine's), with reasons.
    dropped: Vec<Reason>,
    solve_ms: u128,
}

pub(crate) fn run(a: PracticeArgs) -> Result<(), CliError> {
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("node.runtime", format!("cannot start the runtime: {e}")))?;
    let c = Client::new(&a.node);
    let Recorded { auction, market, batch } = fetch(&rt, &c, a.auction)?;
    let o = auction.outcome.as_ref().expect("fetch checks it");
    // The batch in the order it was announced, as its solvers saw it.
    let seen: Vec<(IntentId, Intent)> =
        auction.intents.iter().map(|id| (*id, batch[id].clone())).collect();
    let sc = Scenarios::generate(&market, &Index::new(&market), auction.seed, o.scenario_count);
    let planned = stakebid_solver::usable(&market);
    let ctx = Context::new(&planned, &sc);
    let started = Instant::now();
    let deadline = started + Duration::from_millis(a.budget_ms);
    let (who, answer) = match (&a.engine, &a.strategy) {
        (Some(url), _) => {
            let engine = stakebid_solver::engine::Engine::new(url);
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            let req = stakebid_solver::engine::request(
                &ctx,
                &seen,
                a.auction,
                o.market_hash,
                now_ms + a.budget_ms,
                a.budget_ms,
            );
            let answer = rt
                .block_on(engine.solve(&req, Duration::from_millis(a.budget_ms)))
                .map_err(|e| CliError::new(stakebid_intents::Coded::code(&e), e.to_string()))?;
            (format!("engine {url}"), answer)
        }
        (None, s) => {
            let name = s.as_deref().unwrap_or("optimal");
            let strategy = stakebid_solver::by_name(name, a.fee_bps).ok_or_else(|| {
                CliError::new(
                    "cli.unknown_strategy",
                    format!("no strategy {name:?}; use optimal, greedy or waterfill"),
                )
            })?;
            let bids = stakebid_solver::pack::plan_bids(&*strategy, &ctx, &seen, Some(deadline));
            let answer =
                SolveResponse { bids: bids.into_iter().map(|plans| EngineBid { plans }).collect() };
            (name.to_string(), answer)
        }
    };
    let solve_ms = started.elapsed().as_millis();
    let (bids, dropped) = stakebid_solver::engine::check(&ctx, &seen, answer);
    // Scored as the auctioneer scores: on the announced market, then the
    // best set of its own bids (they may overlap).
    let announced = Context::new(&market, &sc);
    let me = alloy::primitives::Address::repeat_byte(0x5b);
    let bids: Vec<Bid> =
        bids.iter().map(|plans: &Vec<Plan>| Bid::from_plans(a.auction, me, plans)).collect();
    let scored = score_all(&announced, &batch, &bids);
    let sel = select(&scored.cands, &CapacityUse::available(&market));
    let planned_n: usize = sel.winners.iter().map(|&i| scored.cands[i].scores.len()).sum();
    tracing::info!(
        "auction {}: {who} would score {} ETH on {planned_n}/{} intents (solved in {solve_ms} ms); the winners scored {} ETH",
        a.auction,
        eth_exact(sel.total),
        seen.len(),
        eth_exact(o.total_score.0),
    );
    print_json(&Practiced {
        auction: a.auction,
        solver: who,
        score: Dec(sel.total),
        winners_score: o.total_score,
        planned: planned_n,
        batch: seen.len(),
        dropped,
        solve_ms,
    });
    Ok(())
}
