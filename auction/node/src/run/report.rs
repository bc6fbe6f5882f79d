//! What the node tells its operator, through `tracing` only: one line per
//! round report, chain event and in-process solver event (the human format
//! keeps the readable sentences; `--log-format json` makes each an object).

use alloy::primitives::Address;
use std::collections::BTreeMap;

use stakebid_settlement::revert::Blame;
use stakebid_solver::runtime::Event;

use crate::auctioneer::Report;
use crate::chain::Event as ChainEvent;
use crate::metrics::Metrics;

/// Display names for the solvers this node knows by name.
pub type Names = BTreeMap<Address, String>;

fn name(names: &Names, a: &Address) -> String {
    names.get(a).cloned().unwrap_or_else(|| a.to_string())
}

/// One chain event: counted, then logged.
pub fn chain(e: &ChainEvent, names: &Names, metrics: &Metrics) {
    metrics.chain(e);
    match e {
        ChainEvent::Settled { auction, solver, intents, skipped, tx, gas_used } => {
            let skipped: Vec<&str> = skipped.iter().map(|s| s.name()).collect();
            let skipped = if skipped.is_empty() {
                String::new()
            } else {
                format!(" ({} skipped by the Settlement: {})", skipped.len(), skipped.join(", "))
            };
            tracing::info!(
                auction,
                "auction {auction}: settled {intents} intents of {} on-chain{skipped}, tx {tx}, {gas_used} gas",
                name(names, solver)
            )
        }
        ChainEvent::Failed { auction, solver, reason, blame, runner_ups } => tracing::warn!(
            auction,
            "auction {auction}: settlement of {} reverted ({reason}; {}); {runner_ups} runner-up award(s)",
            name(names, solver),
            match blame {
                Blame::Solver => "the solver's fault, penalized",
                Blame::StateMoved => "chain state moved, no penalty",
                Blame::Staker => "a staker's doing, no penalty",
                Blame::Unknown => "cause unknown, no penalty",
            }
        ),
        ChainEvent::Slashed { solver, amount, tx } => tracing::info!(
            "slashed {:.4} ETH of {}'s bond on-chain, tx {tx}",
            *amount as f64 / 1e18,
            name(names, solver)
        ),
        ChainEvent::Problem { code, message } => {
            tracing::warn!(code = code.as_str(), "settlement: {message} ({code}); will retry")
        }
    }
}

/// One round's report.
pub fn round(r: &Report, names: &Names) {
    tracing::info!(
        auction = r.auction,
        "auction {}: {} intents, {} bids revealed",
        r.auction,
        r.batch,
        r.revealed
    );
    for (award, _) in &r.awards {
        tracing::info!(
            "  won by {} for {} intents, score {:.6} ETH",
            name(names, &award.solver),
            award.intentIds.len(),
            i128::try_from(award.score).unwrap_or(0) as f64 / 1e18
        );
    }
    for (who, reasons) in &r.rejected {
        let codes: Vec<&str> = reasons.iter().map(|x| x.code.as_str()).collect();
        tracing::info!("  bid of {} rejected: {}", name(names, who), codes.join(", "));
    }
    for f in &r.faults {
        tracing::info!("  fault: {} {}", name(names, &f.solver), f.code);
    }
    for (who, wei) in &r.penalties() {
        tracing::info!(
            "  penalty: {} loses {:.4} ETH of bond",
            name(names, who),
            *wei as f64 / 1e18
        );
    }
}

/// One bid's result as a solver reads it: won/lost/…, its score and the
/// winners' in exact ETH, the gap in bps.
pub fn round_line(b: &stakebid_wire::engine::BidResult) -> String {
    use stakebid_intents::units::eth_exact;
    let status = serde_json::to_value(b.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let mut line = format!("bid {:.10}… {status}", b.bid_hash.to_string());
    if let Some(s) = b.score {
        line += &format!(", score {} ETH", eth_exact(s.0));
    }
    if let Some(w) = b.winner_score {
        line += &format!(", winners {} ETH", eth_exact(w.0));
    }
    if let Some(g) = b.gap_bps {
        line += &format!(", gap {g} bps");
    }
    for r in &b.reasons {
        line += &format!("; {} ({})", r.message, r.code);
    }
    line
}

/// One solver runtime event, under the solver's name.
pub fn solver(name: &str, e: &Event) {
    match e {
        Event::Listening { source } => tracing::info!(solver = name, "[{name}] listening on {source}"),
        Event::Committed { auction, planned, batch, solve_ms } => tracing::info!(
            solver = name,
            "[{name}] auction {auction}: sealed a bid for {planned}/{batch} intents (solved in {solve_ms} ms)"
        ),
        Event::Revealed { auction } => {
            tracing::info!(solver = name, "[{name}] auction {auction}: revealed")
        }
        Event::Recovered { rounds } => tracing::info!(
            solver = name,
            "[{name}] the book of sealed bids holds reveals owed to {rounds} round(s) from before a restart"
        ),
        Event::Won { auction, intents } => {
            tracing::info!(solver = name, "[{name}] auction {auction}: won {intents} intents")
        }
        Event::Nothing { auction, batch, why } => tracing::info!(
            solver = name,
            "[{name}] auction {auction}: no bid on {batch} intents{}",
            why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default()
        ),
        Event::Result { auction, bids } => {
            for b in bids {
                tracing::info!(solver = name, "[{name}] auction {auction}: {}", round_line(b))
            }
        }
        Event::Problem { code, message } => {
            tracing::warn!(solver = name, code = code.as_str(), "[{name}] {message} ({code})")
        }
    }
}
