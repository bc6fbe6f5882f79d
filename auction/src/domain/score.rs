//! Scoring revealed bids: the auctioneer re-evaluates every plan itself with
//! `intents::evaluate` and never trusts a solver's own figures. A bid with
//! any invalid plan scores nothing, and every reason is recorded (public
//! after the reveal deadline, and grounds for a penalty).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use alloy::primitives::Address;
use rayon::prelude::*;
use stakebid_intents::evaluate::{CapacityUse, Violation};
use stakebid_intents::market::GasModel;
use stakebid_intents::protocol::{bid_gas, Bid, SETTLEMENT_GAS_BUDGET};
use stakebid_intents::{evaluate, Context, Evaluation, Intent, IntentId, Plan};

use super::winner::Candidate;

/// One reason a bid was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    /// Loss in each of the market's named historical stress events (bps of
    /// the amount).
    pub stress_bps: BTreeMap<String, u64>,
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
            stress_bps: e.stress.iter().map(|l| (l.name.clone(), l.loss_bps)).collect(),
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
    let plans = bid.plans();
    assemble(bid, plans.as_deref(), batch, &ctx.market.gas, |intent, plan| {
        Cow::Owned(evaluate(ctx, intent, plan.intent, plan))
    })
}

/// One plan's evaluation: computed for it, or shared from the round's memo.
type Evaluated<'a> = Cow<'a, Result<Evaluation, Vec<Violation>>>;

/// A bid's candidate from its decoded `plans` (`None`: an amount did not
/// fit), each plan's evaluation coming from `eval`: the one set of rules
/// for [`score`] and [`score_all`].
fn assemble<'a>(
    bid: &Bid,
    plans: Option<&[Plan]>,
    batch: &BTreeMap<IntentId, Intent>,
    gas_model: &GasModel,
    mut eval: impl FnMut(&Intent, &Plan) -> Evaluated<'a>,
) -> Result<Candidate, Vec<Reason>> {
    let Some(plans) = plans else {
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
    for plan in plans {
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
        match &*eval(intent, plan) {
            Ok(e) => {
                capacity.add(&e.capacity);
                scores.insert(plan.intent, e.score);
                figures.insert(plan.intent, Figures::from(e));
            }
            Err(vs) => reasons
                .extend(vs.iter().map(|v| reason(Some(plan.intent), &v.code(), v.to_string()))),
        }
    }
    // The award settles whole in one transaction: it must fit a block.
    let gas = bid_gas(gas_model, figures.values().map(|f: &Figures| f.gas));
    if reasons.is_empty() && gas > SETTLEMENT_GAS_BUDGET {
        reasons.push(reason(
            None,
            "bid.over_gas_budget",
            format!(
                "the bid's settlement would cost {gas} gas under the market's gas model, over \
                 the budget of {SETTLEMENT_GAS_BUDGET} for one transaction; split it over several bids"
            ),
        ));
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
    /// Plans in the bids (for the round's own intents).
    pub plans: usize,
    /// Distinct (intent, plan) pairs among them: what was evaluated.
    pub evaluated: usize,
}

impl Scored {
    /// Moves to `rejected` every candidate whose guarantees' caps add up to
    /// more than its solver's free bond (`free_bond`): the Settlement would
    /// fail to reserve them, so a solver cannot promise beyond its bond.
    pub fn within_bonds(&mut self, bids: &[Bid], free_bond: impl Fn(&Address) -> u128) {
        let mut keep = (Vec::new(), Vec::new());
        for (c, i) in self.cands.drain(..).zip(self.cand_bids.drain(..)) {
            let caps = guarantee_caps(&bids[i]);
            let free = free_bond(&bids[i].solver);
            if caps > free {
                let msg = format!(
                    "the bid's guarantees cap {caps} wei in all, above the solver's free bond of {free} wei"
                );
                self.rejected.push((i, vec![reason(None, "bid.guarantee_over_bond", msg)]));
            } else {
                keep.0.push(c);
                keep.1.push(i);
            }
        }
        (self.cands, self.cand_bids) = keep;
    }
}

/// The sum of the caps of `bid`'s guarantees (saturating).
pub fn guarantee_caps(bid: &Bid) -> u128 {
    bid.plans.iter().fold(0u128, |s, p| s.saturating_add(p.guaranteeCap.saturating_to()))
}

/// Scores every bid as [`score`] would, bid by bid. The auctioneer's
/// close, its fallback after a failed settlement and a third party's replay
/// all start here, so they see the same candidates in the same order (ties
/// in winner selection go to the earlier candidate).
///
/// The evaluator is pure, so each distinct (intent, plan) pair is
/// evaluated once per round — solvers often send the same plan in several
/// bids (a batch bid and its subsets) — and the distinct pairs are
/// evaluated in parallel across cores; candidates are then put together
/// in bid order, so the result is the sequential one exactly.
pub fn score_all(ctx: &Context<'_>, batch: &BTreeMap<IntentId, Intent>, bids: &[Bid]) -> Scored {
    let decoded: Vec<Option<Vec<Plan>>> = bids.iter().map(Bid::plans).collect();
    let mut slot: HashMap<&Plan, usize> = HashMap::new();
    let mut distinct: Vec<&Plan> = Vec::new();
    let mut plans = 0;
    for p in decoded.iter().flatten().flatten().filter(|p| batch.contains_key(&p.intent)) {
        plans += 1;
        slot.entry(p).or_insert_with(|| {
            distinct.push(p);
            distinct.len() - 1
        });
    }
    let evals: Vec<Result<Evaluation, Vec<Violation>>> =
        distinct.par_iter().map(|p| evaluate(ctx, &batch[&p.intent], p.intent, p)).collect();
    let mut out = Scored { plans, evaluated: distinct.len(), ..Scored::default() };
    for (i, (bid, plans)) in bids.iter().zip(&decoded).enumerate() {
        let gas = &ctx.market.gas;
        match assemble(bid, plans.as_deref(), batch, gas, |_, p| Cow::Borrowed(&evals[slot[p]])) {
            Ok(c) => {
                out.cands.push(c);
                out.cand_bids.push(i);
            }
            Err(reasons) => out.rejected.push((i, reasons)),
        }
    }
    out
}

#[cfg(test)]
mod bond_tests {
    use super::*;
    use alloy::primitives::{B256, U256};
    use stakebid_intents::guarantee::Terms;
    use stakebid_intents::market::Index;
    use stakebid_intents::plan::Allocation;
    use stakebid_intents::units::{Bps, Wei, WAD};
    use stakebid_intents::{Domain, Market, Scenarios, NATIVE_ETH};

    /// A bid whose guarantees' caps exceed the solver's free bond is
    /// rejected with `bid.guarantee_over_bond`; within the bond it stands.
    #[test]
    fn a_solver_cannot_guarantee_beyond_its_free_bond() {
        let m = Market::snapshot();
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, B256::ZERO, 50);
        let ctx = Context::new(&m, &sc);
        let mut i = stakebid_intents::batch::Profile::Balanced.intent(
            Address::repeat_byte(9),
            NATIVE_ETH,
            U256::from(10 * WAD),
            U256::from(1),
            u64::MAX / 2,
        );
        i.minNetApyBps = 0;
        i.maxLossBps = 10_000;
        i.minLiquidBps = 0;
        i.maxOperatorBps = 10_000;
        i.maxServiceBps = 10_000;
        let id = i.id(&Domain::DEV);
        let plan = Plan {
            intent: id,
            allocations: vec![Allocation { position: "stETH".into(), amount: Wei(10 * WAD) }],
            fee: Wei(0),
            guarantee: Some(Terms { floor: Bps(200), horizon_days: 30, cap: Wei(WAD) }),
        };
        let solver = Address::repeat_byte(7);
        let bid = Bid::from_plans(1, solver, &[plan]);
        let batch = BTreeMap::from([(id, i)]);
        let bids = [bid];
        let mut s = score_all(&ctx, &batch, &bids);
        assert_eq!(s.cands.len(), 1, "{:?}", s.rejected);
        s.within_bonds(&bids, |_| WAD);
        assert_eq!(s.cands.len(), 1, "a bond equal to the cap covers it");
        s.within_bonds(&bids, |_| WAD - 1);
        assert!(s.cands.is_empty());
        assert_eq!(s.rejected[0].1[0].code, "bid.guarantee_over_bond");
    }
}
