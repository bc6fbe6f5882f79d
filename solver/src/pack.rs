//! Splitting a solution over a solver's bids so each settles in one
//! transaction a block can hold.
//!
//! An award settles whole in one `settle` transaction, and scoring refuses
//! a bid whose settlement gas under the market's model exceeds
//! [`SETTLEMENT_GAS_BUDGET`]. A solver may commit up to
//! [`MAX_BIDS_PER_SOLVER`] bids a round, so a large solution is packed into
//! that many bids (first fit, in the solution's order: its best plans come
//! first); what does not fit waits for the next round.

use std::time::Instant;

use stakebid_intents::market::GasModel;
use stakebid_intents::protocol::{bid_gas, MAX_BIDS_PER_SOLVER, SETTLEMENT_GAS_BUDGET};
use stakebid_intents::{Context, Intent, IntentId, Plan};

use crate::{Strategy, View};

/// What an honest solver bids on a round, in one place for the runtime,
/// the CLI's in-process solvers and every test and bench participant:
/// `strategy` plans `batch` on the market as it can take deposits
/// ([`crate::usable`]: a pool with less room than its minimum counts as
/// full) with the round's scenarios, and the solution is [`pack`]ed into
/// bids that each settle within the gas budget.
pub fn plan_bids(
    strategy: &dyn Strategy,
    ctx: &Context<'_>,
    batch: &[(IntentId, Intent)],
    deadline: Option<Instant>,
) -> Vec<Vec<Plan>> {
    let planned = crate::usable(ctx.market);
    let ctx = Context::new(&planned, ctx.scenarios);
    let sol = strategy.solve(&View { ctx: &ctx, intents: batch }, deadline);
    let gas: Vec<u64> = sol.evaluations.iter().map(|e| e.gas).collect();
    pack(&ctx.market.gas, sol.plans.into_iter().zip(gas).collect())
}

/// `plans` (each with its evaluator gas) packed into at most
/// [`MAX_BIDS_PER_SOLVER`] bids within the budget; plans that fit nowhere
/// are left out.
pub fn pack(gas: &GasModel, plans: Vec<(Plan, u64)>) -> Vec<Vec<Plan>> {
    let mut bins: Vec<(Vec<Plan>, u64)> = Vec::new();
    for (plan, g) in plans {
        let fits = |used: u64| bid_gas(gas, [used, g]) <= SETTLEMENT_GAS_BUDGET;
        if let Some(bin) = bins.iter_mut().find(|(_, used)| fits(*used)) {
            bin.0.push(plan);
            bin.1 += g;
        } else if bins.len() < MAX_BIDS_PER_SOLVER && fits(0) {
            bins.push((vec![plan], g));
        }
    }
    bins.into_iter().map(|(p, _)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::B256;
    use stakebid_intents::{IntentId, Wei};

    fn plan(n: u8) -> Plan {
        Plan {
            guarantee: None,
            intent: IntentId(B256::repeat_byte(n)),
            allocations: vec![],
            fee: Wei(0),
        }
    }

    #[test]
    fn a_large_solution_is_split_into_bids_that_each_fit_the_budget() {
        let gas = GasModel {
            per_settlement: 60_000,
            per_intent: 90_000,
            per_position: 70_000,
            per_restaked_position: 180_000,
            gas_price: Wei(0),
        };
        // 100 intents at 600k gas each: 60M in all, far over one bid.
        let plans: Vec<(Plan, u64)> = (0..100u8).map(|n| (plan(n), 600_000)).collect();
        let per_bid = ((SETTLEMENT_GAS_BUDGET - gas.per_settlement) / 600_000) as usize;
        let bids = pack(&gas, plans);
        assert_eq!(bids.len(), MAX_BIDS_PER_SOLVER);
        for b in &bids {
            assert!(bid_gas(&gas, b.iter().map(|_| 600_000)) <= SETTLEMENT_GAS_BUDGET);
            assert_eq!(b.len(), per_bid);
        }
        // The best (first) plans are the ones kept, each once.
        let kept: Vec<u8> = bids.iter().flatten().map(|p| p.intent.0[0]).collect();
        let mut sorted = kept.clone();
        sorted.sort();
        let n = (per_bid * MAX_BIDS_PER_SOLVER) as u8;
        assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        // A plan alone over the budget is never bid.
        assert!(pack(&gas, vec![(plan(1), SETTLEMENT_GAS_BUDGET)]).is_empty());
        // A small solution stays one bid.
        assert_eq!(pack(&gas, vec![(plan(1), 1), (plan(2), 1)]).len(), 1);
    }
}
