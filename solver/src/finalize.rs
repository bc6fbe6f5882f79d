//! From float allocations to integer plans the evaluator accepts.
//!
//! Rounding rule: allocations under 1e-7 of the intent are dropped; the rest
//! are floored to wei and the remainder (≤ a few wei plus the dropped dust)
//! goes to the largest allocation, so allocations + fee = amount exactly.
//! The LP tightens every constraint by `lp::MARGIN` so the rounded plan stays
//! inside. Each plan is then evaluated; shared capacity is checked across the
//! accepted plans in order; whatever fails is left out with the reason.

use serde::Serialize;
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::plan::Allocation;
use stakebid_intents::{evaluate, Context, Evaluation, IntentId, Plan, Wei};

use crate::order::Order;

/// An intent not in the bid, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// The intent.
    pub intent: IntentId,
    /// Why, in a sentence.
    pub reason: String,
}

/// What a strategy returns: valid plans and the intents it left out.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Solution {
    /// Plans, each accepted by the evaluator, jointly within shared capacity.
    pub plans: Vec<Plan>,
    /// The evaluator's figures for each plan, in the same order.
    pub evaluations: Vec<Evaluation>,
    /// Intents not bid on.
    pub left_out: Vec<LeftOut>,
    /// `optimal` only, on batches it polishes (at most 10,000 intent ×
    /// position pairs): the objective (wei) of the LP relaxation without
    /// safety margins and without per-position gas — a true upper bound on
    /// any bid's total score; with `score()` it bounds the optimality gap.
    pub bound: Option<i128>,
}

impl Solution {
    /// Total score (wei).
    pub fn score(&self) -> i128 {
        self.evaluations.iter().map(|e| e.score).sum()
    }

    /// (bound − score) / bound, when a positive bound is known.
    pub fn gap(&self) -> Option<f64> {
        self.bound.filter(|b| *b > 0).map(|b| (b - self.score()) as f64 / b as f64)
    }
}

/// Rounds `alloc` (position index → ETH) for `order` into a plan.
const GWEI: u128 = 1_000_000_000;

pub(crate) fn round(ctx: &Context<'_>, order: &Order<'_>, alloc: &[(usize, f64)]) -> Plan {
    let target = order.amount - order.fee;
    let total_eth = target as f64 / 1e18;
    let mut legs: Vec<(usize, u128)> = alloc
        .iter()
        .filter(|(_, x)| *x > total_eth * 1e-7)
        // Floored to whole gwei, not wei: an f64 of ~10 ETH resolves ~2,000
        // wei, and the LP backend may return the same vertex one ulp apart
        // between runs (seen once in four clean test runs), which flooring
        // to wei turns into different plans. A gwei grid makes the same
        // vertex give the same plan; the remainder goes to the largest leg.
        .map(|&(p, x)| (p, (((x * 1e9).floor() as u128) * GWEI).min(target)))
        .collect();
    legs.sort_by_key(|l| l.0);
    let placed: u128 = legs.iter().map(|l| l.1).sum();
    if let Some(big) = legs.iter_mut().max_by_key(|l| (l.1, usize::MAX - l.0)) {
        if placed <= target {
            big.1 += target - placed;
        } else {
            big.1 -= (placed - target).min(big.1);
        }
    }
    Plan {
        guarantee: None,
        intent: order.id,
        allocations: legs
            .into_iter()
            .filter(|l| l.1 > 0)
            .map(|(p, x)| Allocation {
                position: ctx.market.positions[p].id.clone(),
                amount: Wei(x),
            })
            .collect(),
        fee: Wei(order.fee),
    }
}

/// Builds a bid plan by plan: each candidate is evaluated once, and kept
/// only if valid, paying for its gas, and within the capacity the plans
/// kept before it left.
#[derive(Default)]
pub(crate) struct Finalizer {
    sol: Solution,
    used: CapacityUse,
}

impl Finalizer {
    /// Evaluates `cand` for `order`; returns whether it joined the bid.
    pub(crate) fn push(
        &mut self,
        ctx: &Context<'_>,
        order: &Order<'_>,
        cand: Result<Plan, String>,
    ) -> bool {
        let left_out = |reason: String| LeftOut { intent: order.id, reason };
        let plan = match cand {
            Ok(p) => p,
            Err(reason) => {
                self.sol.left_out.push(left_out(reason));
                return false;
            }
        };
        match evaluate(ctx, order.intent, order.id, &plan) {
            Err(vs) => {
                let why: Vec<String> = vs.iter().map(|v| v.to_string()).collect();
                self.sol.left_out.push(left_out(why.join("; ")));
            }
            Ok(e) if e.score <= 0 => self.sol.left_out.push(left_out(format!(
                "its surplus ({:.6} ETH) does not cover the settlement gas ({:.6} ETH)",
                e.surplus as f64 / 1e18,
                e.gas_cost.as_eth_f64()
            ))),
            Ok(e) => {
                let mut after = self.used.clone();
                after.add(&e.capacity);
                if let Some(v) = after.exceeded(ctx.market) {
                    self.sol.left_out.push(left_out(format!("shared capacity: {v}")));
                } else {
                    self.used = after;
                    self.sol.plans.push(plan);
                    self.sol.evaluations.push(e);
                    return true;
                }
            }
        }
        false
    }

    /// The bid.
    pub(crate) fn finish(self) -> Solution {
        self.sol
    }
}
