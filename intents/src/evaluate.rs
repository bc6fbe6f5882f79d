//! The one evaluator: whether a plan satisfies its intent and what it scores.
//! Solvers, the auctioneer, the API and the tests all call this; nobody
//! re-implements a constraint.
//!
//! Integer arithmetic only (U256 for products, floor rounding, comparisons by
//! cross-multiplication), so every machine gets the same verdict.

use alloy::primitives::U256;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

use crate::intent::{Intent, IntentId};
use crate::market::{Index, Market};
use crate::plan::Plan;
use crate::scenarios::Scenarios;
use crate::units::{Wad, Wei, BPS, WAD};

/// Everything an auction evaluates against, resolved once.
pub struct Context<'a> {
    /// The market snapshot.
    pub market: &'a Market,
    /// Its resolved index.
    pub index: Index,
    /// The auction's scenarios.
    pub scenarios: &'a Scenarios,
    /// Named stress scenarios resolved to (position, fraction).
    pub stress: Vec<(String, Vec<(usize, Wad)>)>,
}

impl<'a> Context<'a> {
    /// Resolves `market` and its stress scenarios.
    pub fn new(market: &'a Market, scenarios: &'a Scenarios) -> Self {
        let index = Index::new(market);
        let stress = market
            .stress
            .iter()
            .map(|st| {
                let hits = market
                    .positions
                    .iter()
                    .enumerate()
                    .filter_map(|(p, pos)| {
                        let a = st.asset_losses.get(&pos.asset).map_or(0, |w| w.0);
                        let o = pos
                            .operator
                            .as_ref()
                            .and_then(|o| st.operator_losses.get(o))
                            .map_or(0, |w| w.0);
                        let f = (a + o).min(WAD);
                        (f > 0).then_some((p, Wad(f)))
                    })
                    .collect();
                (st.name.clone(), hits)
            })
            .collect();
        Context { market, index, scenarios, stress }
    }
}

/// Loss of a plan in one named stress scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StressLoss {
    /// Scenario name.
    pub name: String,
    /// Wei lost.
    pub loss: Wei,
    /// As bps of the amount (floor).
    pub loss_bps: u64,
}

/// Capacity a plan (or set of plans) uses, by entity id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityUse {
    /// Asset id → wei deposited.
    pub assets: BTreeMap<String, Wei>,
    /// Operator id → wei delegated.
    pub operators: BTreeMap<String, Wei>,
    /// Service id → wei allocated (at the operators' magnitudes).
    pub services: BTreeMap<String, Wei>,
}

impl CapacityUse {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &CapacityUse) {
        for (m, o) in [
            (&mut self.assets, &other.assets),
            (&mut self.operators, &other.operators),
            (&mut self.services, &other.services),
        ] {
            for (k, v) in o {
                let e = m.entry(k.clone()).or_default();
                e.0 += v.0;
            }
        }
    }

    /// What is left of `self` (capacity available) after `used` (never below zero).
    pub fn minus(&self, used: &CapacityUse) -> CapacityUse {
        let mut left = self.clone();
        for (m, u) in [
            (&mut left.assets, &used.assets),
            (&mut left.operators, &used.operators),
            (&mut left.services, &used.services),
        ] {
            for (k, v) in u {
                if let Some(e) = m.get_mut(k) {
                    e.0 = e.0.saturating_sub(v.0);
                }
            }
        }
        left
    }

    /// The first cap of `market` this use exceeds, if any.
    pub fn exceeded(&self, market: &Market) -> Option<Violation> {
        self.first_over(|kind, id| match kind {
            "asset" => market.asset(id).map(|a| a.deposit_cap),
            "operator" => market.operator(id).map(|o| o.capacity),
            _ => market.service(id).map(|s| s.stake_cap),
        })
    }

    /// The first entry of `available` (capacity left, by entity id) this use
    /// exceeds, if any; an entity missing from `available` has none left.
    pub fn exceeded_within(&self, available: &CapacityUse) -> Option<Violation> {
        self.first_over(|kind, id| {
            let map = match kind {
                "asset" => &available.assets,
                "operator" => &available.operators,
                _ => &available.services,
            };
            map.get(id).copied()
        })
    }

    /// The market's capacity as a `CapacityUse`-shaped map of what is left.
    pub fn available(market: &Market) -> CapacityUse {
        CapacityUse {
            assets: market.assets.iter().map(|a| (a.id.clone(), a.deposit_cap)).collect(),
            operators: market.operators.iter().map(|o| (o.id.clone(), o.capacity)).collect(),
            services: market.services.iter().map(|s| (s.id.clone(), s.stake_cap)).collect(),
        }
    }

    /// The one capacity comparison: used > cap (unknown entity: cap 0).
    fn first_over(&self, cap: impl Fn(&'static str, &str) -> Option<Wei>) -> Option<Violation> {
        for (kind, used) in
            [("asset", &self.assets), ("operator", &self.operators), ("service", &self.services)]
        {
            for (id, u) in used {
                let available = cap(kind, id).unwrap_or(Wei::ZERO);
                if *u > available {
                    return Some(Violation::CapacityExceeded {
                        kind,
                        id: id.clone(),
                        used: *u,
                        available,
                    });
                }
            }
        }
        None
    }
}

/// A valid plan's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The intent.
    pub intent: IntentId,
    /// Its amount.
    pub amount: Wei,
    /// Solver fee.
    pub fee: Wei,
    /// First-year net yield in wei: Σ x·r − deposit fees − solver fee.
    #[serde(with = "crate::decimal")]
    pub net_yield: i128,
    /// Net yield as bps of the amount (floor).
    pub net_apy_bps: i64,
    /// CVaR at the intent's confidence, in wei.
    pub cvar: Wei,
    /// CVaR as bps of the amount (floor).
    pub cvar_bps: u64,
    /// Operator id → share of the amount (bps, floor).
    pub operator_bps: BTreeMap<String, u64>,
    /// Service id → exposure as share of the amount (bps, floor).
    pub service_bps: BTreeMap<String, u64>,
    /// Share exitable within the intent's horizon (bps, floor).
    pub liquid_bps: u64,
    /// Capacity this plan uses.
    pub capacity: CapacityUse,
    /// Settlement gas this plan adds.
    pub gas: u64,
    /// That gas at the market's gas price.
    pub gas_cost: Wei,
    /// Net yield above the intent's minimum, in wei.
    #[serde(with = "crate::decimal")]
    pub surplus: i128,
    /// The score: surplus − gas cost.
    #[serde(with = "crate::decimal")]
    pub score: i128,
    /// Loss in each named historical stress scenario.
    pub stress: Vec<StressLoss>,
    /// The plan's guarantee as the scenarios value it, if it has one.
    pub guarantee: Option<GuaranteeValue>,
}

/// What a plan's delivered-yield guarantee is worth to its staker under
/// the round's scenarios (`docs/guarantee.md`, "Scoring").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GuaranteeValue {
    /// The terms.
    pub terms: crate::guarantee::Terms,
    /// E[min(shortfall at the horizon, cap)] over the scenarios, in wei.
    pub expected_payout: Wei,
    /// What it adds to the score: the expected payout, at most
    /// [`GUARANTEE_CREDIT_BPS`] of the amount.
    pub credit: Wei,
}

/// The most a guarantee adds to a plan's score, in bps of its amount: a
/// solver guaranteeing its own (sybil) intents pays itself, so what it can
/// buy in score that way is capped.
pub const GUARANTEE_CREDIT_BPS: u128 = 10;
/// Settlement gas a guaranteed intent adds (its leaf, hashing, event data,
/// the award's reservation shared out), plus per position (its leg):
/// measured by `cargo bench -p stakebid-settlement --bench gas` at a batch
/// of 50 (+15.5k for one position, +25.4k for three; docs/guarantee.md).
pub const GUARANTEE_GAS: u64 = 11_000;
/// See [`GUARANTEE_GAS`].
pub const GUARANTEE_GAS_PER_LEG: u64 = 4_800;

/// The guarantee's expected payout under the scenarios: the plan's value
/// at the horizon in scenario s is (amount − fee) + first-year yield × H/365
/// − the scenario's loss; the floor promises amount × (1 + g × H/365).
fn guarantee_payout(
    t: &crate::guarantee::Terms,
    amount: u128,
    fee: u128,
    gross: u128,
    losses: &[u128],
    probs: &[u128],
) -> u128 {
    let h = U256::from(t.horizon_days);
    let promised = u(amount) + u(amount) * u(t.floor.0 as u128) * h / u(365 * BPS);
    let base = u(amount - fee.min(amount)) + u(gross) * h / u(365);
    let mut e = U256::ZERO;
    for (l, pr) in losses.iter().zip(probs) {
        let value = base.saturating_sub(u(*l));
        let short = promised.saturating_sub(value).min(u(t.cap.0));
        e += short * u(*pr);
    }
    (e / u(WAD)).to::<u128>()
}

/// A broken constraint, with its values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code")]
pub enum Violation {
    /// The plan names another intent.
    #[serde(rename = "plan.wrong_intent")]
    #[error("the plan is for intent {got}, not {expected}")]
    WrongIntent {
        /// In the plan.
        got: IntentId,
        /// Evaluated against.
        expected: IntentId,
    },
    /// No such position.
    #[serde(rename = "plan.unknown_position")]
    #[error("position `{position}` is not in the market")]
    UnknownPosition {
        /// Position id.
        position: String,
    },
    /// A position listed twice.
    #[serde(rename = "plan.duplicate_position")]
    #[error("position `{position}` appears twice")]
    DuplicatePosition {
        /// Position id.
        position: String,
    },
    /// ETH routed into a pool below the pool's minimum deposit: the
    /// deposit, and so the whole settlement, would revert.
    #[serde(rename = "plan.below_minimum_deposit")]
    #[error(
        "position `{position}` gets {amount} wei, below its pool's minimum deposit of {min} wei"
    )]
    BelowMinimumDeposit {
        /// Position id.
        position: String,
        /// Wei routed.
        amount: Wei,
        /// The pool's minimum.
        min: Wei,
    },
    /// A guarantee the Settlement would refuse (`docs/guarantee.md`).
    #[serde(rename = "plan.bad_guarantee")]
    #[error("the plan's guarantee cannot be settled: {why}")]
    BadGuarantee {
        /// What is wrong with it.
        why: String,
    },
    /// A position below the market's minimum position size (the dust rule,
    /// [`crate::market::MinPosition`]).
    #[serde(rename = "plan.dust_position")]
    #[error(
        "position `{position}` gets {amount} wei, below the smallest position this intent may hold ({min} wei)"
    )]
    DustPosition {
        /// Position id.
        position: String,
        /// Wei allocated.
        amount: Wei,
        /// The minimum for this intent and position.
        min: Wei,
    },
    /// A zero allocation (costs gas, does nothing).
    #[serde(rename = "plan.zero_allocation")]
    #[error("position `{position}` gets 0 wei")]
    ZeroAllocation {
        /// Position id.
        position: String,
    },
    /// The input asset cannot reach this position.
    #[serde(rename = "plan.asset_not_accepted")]
    #[error("position `{position}` cannot be entered with the intent's input asset")]
    AssetNotAccepted {
        /// Position id.
        position: String,
    },
    /// The intent excluded this operator.
    #[serde(rename = "plan.excluded_operator")]
    #[error("position `{position}` uses operator `{operator}`, which the intent excludes")]
    ExcludedOperator {
        /// Position id.
        position: String,
        /// Operator id.
        operator: String,
    },
    /// Allocations + fee ≠ amount.
    #[serde(rename = "plan.amount_mismatch")]
    #[error("allocations plus fee come to {total} wei, but the intent stakes {amount} wei")]
    AmountMismatch {
        /// Σ allocations + fee (saturating).
        total: Wei,
        /// Intent amount.
        amount: Wei,
    },
    /// The fee is above the cap.
    #[serde(rename = "plan.fee_too_high")]
    #[error("the fee is {fee} wei, above the intent's cap of {max} wei")]
    FeeTooHigh {
        /// Fee.
        fee: Wei,
        /// Cap.
        max: Wei,
    },
    /// Yield below the minimum.
    #[serde(rename = "plan.yield_too_low")]
    #[error("net yield is {net_apy_bps} bps, below the intent's minimum of {min_bps} bps")]
    YieldTooLow {
        /// Achieved (floor).
        net_apy_bps: i64,
        /// Required.
        min_bps: u16,
    },
    /// CVaR above the bound.
    #[serde(rename = "plan.loss_too_high")]
    #[error("tail loss (CVaR) is {cvar} wei, above the intent's bound of {max} wei")]
    LossTooHigh {
        /// CVaR (floor).
        cvar: Wei,
        /// Bound (floor).
        max: Wei,
    },
    /// An operator holds too much.
    #[serde(rename = "plan.operator_share_too_high")]
    #[error("operator `{operator}` holds {bps} bps of the amount, above the cap of {max_bps}")]
    OperatorShare {
        /// Operator id.
        operator: String,
        /// Share (floor).
        bps: u64,
        /// Cap.
        max_bps: u16,
    },
    /// Too much exposure to a service.
    #[serde(rename = "plan.service_share_too_high")]
    #[error(
        "service `{service}` is exposed to {bps} bps of the amount, above the cap of {max_bps}"
    )]
    ServiceShare {
        /// Service id.
        service: String,
        /// Share (floor).
        bps: u64,
        /// Cap.
        max_bps: u16,
    },
    /// Too little exitable in time.
    #[serde(rename = "plan.liquidity_too_low")]
    #[error("{bps} bps can exit within {days} days, below the intent's minimum of {min_bps}")]
    LiquidityTooLow {
        /// Liquid share (floor).
        bps: u64,
        /// Horizon.
        days: u16,
        /// Required.
        min_bps: u16,
    },
    /// A deposit, delegation or service cap is exceeded.
    #[serde(rename = "plan.capacity_exceeded")]
    #[error(
        "{kind} `{id}` would receive {used} wei, but only {available} wei of capacity is left"
    )]
    CapacityExceeded {
        /// asset, operator or service.
        kind: &'static str,
        /// Its id.
        id: String,
        /// Wei used.
        used: Wei,
        /// Wei available.
        available: Wei,
    },
    /// The intent's amount does not fit the evaluator's range.
    #[serde(rename = "plan.amount_out_of_range")]
    #[error("the intent's amount does not fit in 128 bits")]
    AmountOutOfRange,
}

impl Violation {
    /// Stable code.
    pub fn code(&self) -> String {
        // The serde tag is the code: one declaration, read back as a type.
        #[derive(Deserialize)]
        struct Tag {
            code: String,
        }
        serde_json::to_value(self)
            .and_then(serde_json::from_value::<Tag>)
            .map(|t| t.code)
            .unwrap_or_default()
    }
}

fn u(v: u128) -> U256 {
    U256::from(v)
}

/// CVaR tail sum: Σ over the worst scenarios of probability × loss, up to a
/// tail mass of `alpha` (WAD), counting the partial scenario at the edge
/// (Rockafellar–Uryasev). Returns Σ wₛ·Lₛ in wei·WAD.
pub fn cvar_tail_sum(losses: &[u128], probs: &[u128], alpha: u128) -> U256 {
    let mut order: Vec<usize> = (0..losses.len()).collect();
    order.sort_unstable_by(|&a, &b| losses[b].cmp(&losses[a]).then(a.cmp(&b)));
    let mut left = alpha;
    let mut sum = U256::ZERO;
    for s in order {
        if left == 0 {
            break;
        }
        let w = probs[s].min(left);
        sum += u(w) * u(losses[s]);
        left -= w;
    }
    sum
}

/// CVaR in wei at confidence `conf_bps`: tail sum / tail mass, or the worst
/// loss with positive probability when the confidence is 100 %.
pub fn cvar(losses: &[u128], probs: &[u128], conf_bps: u16) -> Wei {
    let alpha = (BPS - conf_bps.min(10_000) as u128) * (WAD / BPS);
    if alpha == 0 {
        return Wei(losses
            .iter()
            .zip(probs)
            .filter(|(_, p)| **p > 0)
            .map(|(l, _)| *l)
            .max()
            .unwrap_or(0));
    }
    Wei((cvar_tail_sum(losses, probs, alpha) / u(alpha)).to::<u128>())
}

/// The least wei a plan for an intent of `amount` paying `fee` may route to
/// position `p` (index order): the market's dust rule and, when the leg
/// mints through the pool (`minted`), the pool's minimum deposit — the one
/// "can this settle and is it worth settling" floor solvers plan to.
pub fn min_allocation(ctx: &Context<'_>, amount: u128, fee: u128, p: usize, minted: bool) -> u128 {
    let m = ctx.market;
    let info = &ctx.index.positions[p];
    let dust = m.min_position.minimum(amount, fee, info.gas, m.gas.gas_price);
    let deposit = if minted { m.assets[info.asset].min_deposit.0 } else { 0 };
    dust.max(deposit)
}

/// Evaluates `plan` for `intent` (whose id is `id`). Returns every broken
/// constraint, not just the first, so a solver sees all it must fix.
pub fn evaluate(
    ctx: &Context<'_>,
    intent: &Intent,
    id: IntentId,
    plan: &Plan,
) -> Result<Evaluation, Vec<Violation>> {
    let m = ctx.market;
    let ix = &ctx.index;
    let mut v = Vec::new();
    if plan.intent != id {
        v.push(Violation::WrongIntent { got: plan.intent, expected: id });
    }
    let Ok(amount) = u128::try_from(intent.amount) else {
        return Err(vec![Violation::AmountOutOfRange]);
    };
    let excluded: HashSet<_> = intent.excludedOperators.iter().collect();
    // (position index, wei, minted?)
    let mut legs: Vec<(usize, u128, bool)> = Vec::with_capacity(plan.allocations.len());
    let mut seen = HashSet::new();
    let mut total: u128 = plan.fee.0;
    for al in &plan.allocations {
        total = total.saturating_add(al.amount.0);
        let Some(&p) = ix.position_ids.get(&al.position) else {
            v.push(Violation::UnknownPosition { position: al.position.clone() });
            continue;
        };
        if !seen.insert(p) {
            v.push(Violation::DuplicatePosition { position: al.position.clone() });
            continue;
        }
        if al.amount.0 == 0 {
            v.push(Violation::ZeroAllocation { position: al.position.clone() });
            continue;
        }
        // A refused leg still counts in every other figure, so the solver
        // sees the full list of what to fix.
        let minted = ix.accepts(m, p, intent.asset).unwrap_or_else(|| {
            v.push(Violation::AssetNotAccepted { position: al.position.clone() });
            false
        });
        if let Some(o) = ix.positions[p].operator {
            if excluded.contains(&m.operators[o].address) {
                v.push(Violation::ExcludedOperator {
                    position: al.position.clone(),
                    operator: m.operators[o].id.clone(),
                });
            }
        }
        legs.push((p, al.amount.0, minted));
    }
    if total != amount {
        v.push(Violation::AmountMismatch { total: Wei(total), amount: Wei(amount) });
    }
    let bps_cap = |cap: u16| u(amount) * u(cap as u128);
    if u(plan.fee.0) * u(BPS) > bps_cap(intent.maxFeeBps) {
        v.push(Violation::FeeTooHigh {
            fee: plan.fee,
            max: Wei(amount).mul_div(intent.maxFeeBps as u128, BPS),
        });
    }
    if let Some(t) = &plan.guarantee {
        let why = if !t.well_formed() {
            Some("terms out of range (cap > 0, floor ≤ 10000 bps, horizon 30–730 days)")
        } else if intent.asset != crate::intent::NATIVE_ETH {
            Some("guarantees are for ETH intents only")
        } else if plan.allocations.len() > crate::guarantee::MAX_LEGS {
            Some("more than 16 positions")
        } else {
            None
        };
        if let Some(why) = why {
            v.push(Violation::BadGuarantee { why: why.into() });
        }
    }
    // Yield, one-off costs, exposures, liquidity, capacity, gas.
    let mut gross: u128 = 0;
    let mut costs: u128 = 0;
    let mut liquid: u128 = 0;
    let mut gas = m.gas.per_intent;
    let mut per_op: BTreeMap<usize, u128> = BTreeMap::new();
    let mut per_svc: BTreeMap<usize, U256> = BTreeMap::new();
    let mut cap = CapacityUse::default();
    for &(p, x, minted) in &legs {
        let info = &ix.positions[p];
        gross += (u(x) * u(info.rate.0) / u(WAD)).to::<u128>();
        if minted {
            costs += x * info.deposit_fee_bps as u128 / BPS;
            // The Settlement deposits each leg through the pool, which
            // refuses less than its minimum: the whole award would revert.
            let min = m.assets[info.asset].min_deposit;
            if x < min.0 {
                v.push(Violation::BelowMinimumDeposit {
                    position: m.positions[p].id.clone(),
                    amount: Wei(x),
                    min,
                });
            }
        }
        let dust = m.min_position.minimum(amount, plan.fee.0, info.gas, m.gas.gas_price);
        if x < dust {
            v.push(Violation::DustPosition {
                position: m.positions[p].id.clone(),
                amount: Wei(x),
                min: Wei(dust),
            });
        }
        if info.exit_days <= intent.liquidWithinDays as u32 {
            liquid += x;
        }
        gas += info.gas;
        cap.assets.entry(m.assets[info.asset].id.clone()).or_default().0 += x;
        if let Some(o) = info.operator {
            *per_op.entry(o).or_default() += x;
            for &(s, mag) in &info.exposure {
                *per_svc.entry(s).or_default() += u(x) * u(mag.0);
            }
        }
    }
    let net_yield = gross as i128 - costs as i128 - plan.fee.0 as i128;
    let net_apy_bps = (net_yield * BPS as i128 / amount as i128) as i64;
    // net_yield / amount ≥ min / 1e4  ⇔  net_yield · 1e4 ≥ amount · min
    if net_yield < 0 || u(net_yield as u128) * u(BPS) < bps_cap(intent.minNetApyBps) {
        v.push(Violation::YieldTooLow { net_apy_bps, min_bps: intent.minNetApyBps });
    }
    let mut operator_bps = BTreeMap::new();
    for (&o, &x) in &per_op {
        let id = m.operators[o].id.clone();
        cap.operators.insert(id.clone(), Wei(x));
        if u(x) * u(BPS) > bps_cap(intent.maxOperatorBps) {
            v.push(Violation::OperatorShare {
                operator: id.clone(),
                bps: (x * BPS / amount) as u64,
                max_bps: intent.maxOperatorBps,
            });
        }
        operator_bps.insert(id, (x * BPS / amount) as u64);
    }
    let mut service_bps = BTreeMap::new();
    for (&s, &raw) in &per_svc {
        let id = m.services[s].id.clone();
        let exposure = (raw / u(WAD)).to::<u128>();
        cap.services.insert(id.clone(), Wei(exposure));
        let bps = (raw * u(BPS) / u(WAD) / u(amount)).to::<u64>();
        if raw * u(BPS) > bps_cap(intent.maxServiceBps) * u(WAD) {
            v.push(Violation::ServiceShare {
                service: id.clone(),
                bps,
                max_bps: intent.maxServiceBps,
            });
        }
        service_bps.insert(id, bps);
    }
    if u(liquid) * u(BPS) < bps_cap(intent.minLiquidBps) {
        v.push(Violation::LiquidityTooLow {
            bps: (liquid * BPS / amount) as u64,
            days: intent.liquidWithinDays,
            min_bps: intent.minLiquidBps,
        });
    }
    // CVaR over the auction's scenarios.
    let sc = ctx.scenarios;
    let mut losses = vec![0u128; sc.list.len()];
    for &(p, x, _) in &legs {
        for &(s, f) in &sc.by_position[p] {
            losses[s as usize] += (u(x) * u(f.0) / u(WAD)).to::<u128>();
        }
    }
    let probs: Vec<u128> = sc.list.iter().map(|s| s.probability.0).collect();
    let cvar_wei = cvar(&losses, &probs, intent.lossConfidenceBps);
    let alpha = (BPS - intent.lossConfidenceBps.min(10_000) as u128) * (WAD / BPS);
    let too_lossy = if alpha == 0 {
        u(cvar_wei.0) * u(BPS) > bps_cap(intent.maxLossBps)
    } else {
        cvar_tail_sum(&losses, &probs, alpha) * u(BPS) > bps_cap(intent.maxLossBps) * u(alpha)
    };
    if too_lossy {
        v.push(Violation::LossTooHigh {
            cvar: cvar_wei,
            max: Wei(amount).mul_div(intent.maxLossBps as u128, BPS),
        });
    }
    if let Some(over) = cap.exceeded(m) {
        v.push(over);
    }
    if !v.is_empty() {
        return Err(v);
    }
    let stress = ctx
        .stress
        .iter()
        .map(|(name, hits)| {
            let mut loss = 0u128;
            for &(p, f) in hits {
                if let Some(&(_, x, _)) = legs.iter().find(|l| l.0 == p) {
                    loss += (u(x) * u(f.0) / u(WAD)).to::<u128>();
                }
            }
            StressLoss {
                name: name.clone(),
                loss: Wei(loss),
                loss_bps: (loss * BPS / amount) as u64,
            }
        })
        .collect();
    let guarantee = plan.guarantee.map(|t| {
        let expected = guarantee_payout(&t, amount, plan.fee.0, gross, &losses, &probs);
        let credit = expected.min(amount * GUARANTEE_CREDIT_BPS / BPS);
        gas += GUARANTEE_GAS + GUARANTEE_GAS_PER_LEG * legs.len() as u64;
        GuaranteeValue { terms: t, expected_payout: Wei(expected), credit: Wei(credit) }
    });
    let gas_cost = Wei(gas as u128 * m.gas.gas_price.0);
    let min_yield = (u(amount) * u(intent.minNetApyBps as u128) / u(BPS)).to::<u128>();
    let surplus = net_yield - min_yield as i128;
    Ok(Evaluation {
        intent: id,
        amount: Wei(amount),
        fee: plan.fee,
        net_yield,
        net_apy_bps,
        cvar: cvar_wei,
        cvar_bps: (cvar_wei.0 * BPS / amount) as u64,
        operator_bps,
        service_bps,
        liquid_bps: (liquid * BPS / amount) as u64,
        capacity: cap,
        gas,
        gas_cost,
        surplus,
        score: surplus - gas_cost.0 as i128 + guarantee.as_ref().map_or(0, |g| g.credit.0 as i128),
        stress,
        guarantee,
    })
}
