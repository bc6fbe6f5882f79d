//! Scoring revealed bids: the auctioneer re-evaluates every plan itself with
//! `intents::evaluate` and never trusts a solver's own figures. A bid with
//! any invalid plan scores nothing, and every reason is recorded (public
//! after the reveal deadline, and grounds for a penalty).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::protocol::Bid;
use stakebid_intents::{evaluate, Context, Intent, IntentId};

use super::winner::Candidate;

/// One reason a bid was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The intent concerned, if one.
    pub intent: Option<IntentId>,
    /// Stable code (`bid.*` or the evaluator's `plan.*`).
    pub code: String,
    /// A sentence.
    pub message: String,
}

fn reason(intent: Option<IntentId>, code: &str, message: impl Into<String>) -> Reason {
    Reason { intent, code: code.into(), message: message.into() }
}

/// The evaluator's figures for one plan, as the auctioneer computed them:
/// what a staker's plan promises (shown with its intent).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// First-year net yield after fees and costs (bps of the amount).
    pub net_apy_bps: i64,
    /// Expected tail loss at the intent's confidence (bps of the amount).
    pub cvar_bps: u64,
    /// Share exitable within the intent's horizon (bps).
    pub liquid_bps: u64,
    /// Share per operator (bps).
    pub operator_bps: BTreeMap<String, u64>,
    /// Exposure per service (bps).
    pub service_bps: BTreeMap<String, u64>,
    /// The solver's fee (wei).
    pub fee: stakebid_intents::Wei,
    /// Gas the plan's settlement is estimated to use.
    pub gas: u64,
}

impl From<&stakebid_intents::Evaluation> for Figures {
    fn from(e: &stakebid_intents::Evaluation) -> Self {
        Figures {
            net_apy_bps: e.net_apy_bps,
            cvar_bps: e.cvar_bps,
            liquid_bps: e.liquid_bps,
            operator_bps: e.operator_bps.clone(),
            service_bps: e.service_bps.clone(),
            fee: e.fee,
            gas: e.gas,
        }
    }
}

/// Scores `bid` against the round's batch. `Ok` is a candidate for winner
/// selection; `Err` lists every reason it is invalid.
pub fn score(
    ctx: &Context<'_>,
    batch: &BTreeMap<IntentId, Intent>,
    bid: &Bid,
) -> Result<Candidate, Vec<Reason>> {
    let Some(plans) = bid.plans() else {
        return Err(vec![reason(
            None,
            "bid.amount_out_of_range",
            "an amount does not fit in 128 bits",
        )]);
    };
    if plans.is_empty() {
        return Err(vec![reason(None, "bid.empty", "the bid has no plans")]);
    }
    let mut reasons = Vec::new();
    let mut seen = BTreeSet::new();
    let mut scores = BTreeMap::new();
    let mut figures = BTreeMap::new();
    let mut capacity = CapacityUse::default();
    for plan in &plans {
        if !seen.insert(plan.intent) {
            reasons.push(reason(
                Some(plan.intent),
                "bid.duplicate_intent",
                "the bid plans this intent twice",
            ));
            continue;
        }
        let Some(intent) = batch.get(&plan.intent) else {
            reasons.push(reason(
                Some(plan.intent),
                "bid.unknown_intent",
                "this intent is not in the auction's batch",
            ));
            continue;
        };
        match evaluate(ctx, intent, plan.intent, plan) {
            Ok(e) => {
                capacity.add(&e.capacity);
                scores.insert(plan.intent, e.score);
                figures.insert(plan.intent, Figures::from(&e));
            }
            Err(vs) => reasons
                .extend(vs.iter().map(|v| reason(Some(plan.intent), &v.code(), v.to_string()))),
        }
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(Candidate { solver: bid.solver, scores, capacity, figures })
}

/// A round's bids, scored: candidates in bid order (with the index of the
/// bid each came from) and the rejected bids with their reasons.
#[derive(Debug, Default)]
pub struct Scored {
    /// Valid bids as candidates for winner selection, in bid order.
    pub cands: Vec<Candidate>,
    /// For each candidate, the index of its bid.
    pub cand_bids: Vec<usize>,
    /// Rejected bids: (bid index, reasons).
    pub rejected: Vec<(usize, Vec<Reason>)>,
}

/// Scores every bid with [`score`]. The auctioneer's close, its fallback
/// after a failed settlement and a third party's replay all start here, so
/// they see the same candidates in the same order (ties in winner selection
/// go to the earlier candidate).
pub fn score_all(ctx: &Context<'_>, batch: &BTreeMap<IntentId, Intent>, bids: &[Bid]) -> Scored {
    let mut out = Scored::default();
    for (i, bid) in bids.iter().enumerate() {
        match score(ctx, batch, bid) {
            Ok(c) => {
                out.cands.push(c);
                out.cand_bids.push(i);
            }
            Err(reasons) => out.rejected.push((i, reasons)),
        }
    }
    out
}
