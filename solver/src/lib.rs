//! # stakebid-solver
//!
//! Turns (market, scenarios, batch of intents) into plans that pass the one
//! evaluator, `stakebid_intents::evaluate`.
//!
//! ```text
//! View (market ctx + intents) ──▶ Strategy::solve
//!        optimal:   LP (good_lp; CBC or microlp) ──▶ knapsack rule ──▶ repair
//!                   ──▶ polish: each intent's exact support (a small MILP:
//!                       per-position gas, position limit, minimum ticket)
//!        greedy:    highest yield first, up to each cap
//!        waterfill: least-filled position first (Lido's staking router)
//!                              │ float allocations
//!                              ▼
//!        finalize: round to wei (exact sums) ──▶ evaluate ──▶ shared capacity
//!                              ▼
//!        Solution { plans (all evaluator-valid), left_out (with reasons) }
//! ```
//!
//! `runtime` is the driver of a networked solver: auctions in (bus or the
//! node's event stream), sealed commitments and reveals out. What solves is
//! a strategy compiled in or an engine in any language behind the engine
//! API (`engine`, `stakebid_wire::engine`); both answers pass the same
//! check with the auctioneer's evaluator before anything is committed.
//!
//! Feature `cbc` (default): CBC from Debian's `coinor-libcbc-dev`. microlp
//! (pure Rust) is always built, as the fallback and as the second backend the
//! tests cross-check optima against.

#![forbid(unsafe_code)]

pub mod book;
pub mod engine;
mod finalize;
mod heuristics;
pub mod in_process;
mod lp;
mod order;
pub mod pack;
mod polish;
pub mod runtime;
mod separable;
mod strategy;

pub use finalize::{LeftOut, Solution};
pub use lp::Backend;
pub use order::Order;
pub use strategy::{by_name, Greedy, Optimal, Strategy, View, Waterfill, STRATEGIES};

/// The market as a solver should plan on it: a pool with less room than
/// its minimum deposit can take no deposit at all (any allocation to it is
/// either over its room or under its minimum), so its room counts as 0.
/// Scenarios are generated from the announced market before this; the
/// caps only shrink, so plans valid here are valid on the announced market.
pub fn usable(m: &stakebid_intents::Market) -> stakebid_intents::Market {
    let mut m = m.clone();
    for a in &mut m.assets {
        if a.deposit_cap < a.min_deposit {
            a.deposit_cap = stakebid_intents::Wei::ZERO;
        }
    }
    m
}
