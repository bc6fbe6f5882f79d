//! The batch LP, built with good_lp and solved by CBC or microlp.
//!
//! Units are ETH (f64). Per intent k with amount A, fee F, inclusion y ∈ [0,1]:
//! - Σₚ xₖₚ = (A − F)·y
//! - Σₚ xₖₚ(rₚ − deposit feeₚ) ≥ y·(A·minApy + F)            (net yield)
//! - Σ_{p∈o} xₖₚ ≤ y·A·maxOperator,  Σₚ xₖₚ·mag(o(p),s) ≤ y·A·maxService
//! - Σ_{p liquid} xₖₚ ≥ y·A·minLiquid
//! - CVaR (Rockafellar–Uryasev): ζₖ + (1/α)·Σₛ pₛ uₖₛ ≤ y·A·maxLoss,
//!   uₖₛ ≥ Lₛ(xₖ) − ζₖ, uₖₛ ≥ 0. Scenarios that touch none of the intent's
//!   positions all have loss 0, so they share one u (sparse scenarios are
//!   what keeps the row count down).
//! - shared: deposit, operator and service capacity over the whole batch.
//!
//! Objective: total surplus Σₖ [Σₚ xₖₚ(rₚ − fee) − y(A·minApy + F + per-intent gas)].
//! Every bound is tightened by `MARGIN` (relative) so the plan rounded to wei
//! passes the integer evaluator.

use good_lp::{variable, Expression, ProblemVariables, Solution, SolverModel, Variable};
use std::collections::BTreeMap;

use stakebid_intents::units::WAD;
use stakebid_intents::Context;

use crate::order::Order;

/// Relative tightening of every constraint (0.3 bps): covers f64 error and
/// the dust the rounding step moves.
pub(crate) const MARGIN: f64 = 3e-5;

/// Which LP backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// COIN-OR CBC (feature `cbc`, default).
    #[cfg(feature = "cbc")]
    Cbc,
    /// microlp, pure Rust.
    MicroLp,
}

impl Backend {
    /// The default backend of this build.
    pub fn default_backend() -> Backend {
        #[cfg(feature = "cbc")]
        return Backend::Cbc;
        #[cfg(not(feature = "cbc"))]
        Backend::MicroLp
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "cbc")]
            Backend::Cbc => "cbc",
            Backend::MicroLp => "microlp",
        }
    }
}

/// How y is treated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Inclusion {
    /// y ∈ [0, 1]: the LP relaxation of the knapsack choice.
    Relaxed,
    /// y = 1 for every order given.
    Fixed,
    /// y ∈ {0, 1}: the exact knapsack choice (with [`Binaries`]).
    Binary,
}

/// Position binaries: per (intent, position) a 0/1 `z` with x ≤ (A − F)·z,
/// the position's settlement gas charged when z = 1, and the limits below.
/// This is the exact model of the score (the LP alone cannot see a fixed
/// cost per position).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Binaries {
    /// At most this many positions per intent.
    pub(crate) max_positions: Option<usize>,
    /// A used position gets at least this much (wei); 0 = no minimum. The
    /// market's own floor (dust rule, pool minimums) applies on top.
    pub(crate) min_ticket: u128,
}

impl Binaries {
    /// The least wei order `o` may put in position `p`: this strategy's
    /// ticket or the evaluator's floor (`min_allocation`), the larger.
    pub(crate) fn floor(&self, ctx: &Context<'_>, o: &Order<'_>, p: usize, minted: bool) -> u128 {
        let market = stakebid_intents::evaluate::min_allocation(ctx, o.amount, o.fee, p, minted);
        self.min_ticket.max(market)
    }

    /// Most positions per intent: this strategy's limit or the market's.
    pub(crate) fn max_count(&self, ctx: &Context<'_>) -> Option<usize> {
        match (self.max_positions, ctx.market.min_position.max_positions()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Capacity left per asset, operator and service (ETH, indices as in the
/// market), when others' plans already use some.
#[derive(Clone, Debug, Default)]
pub(crate) struct Left {
    pub(crate) assets: Vec<f64>,
    pub(crate) operators: Vec<f64>,
    pub(crate) services: Vec<f64>,
}

/// How to build the model.
#[derive(Clone, Copy)]
pub(crate) struct Opts<'b> {
    /// `banned[k]`: positions order k may not use.
    pub(crate) banned: &'b [Vec<usize>],
    /// How y is treated.
    pub(crate) inclusion: Inclusion,
    /// Position binaries (a MILP), or none (the LP).
    pub(crate) binaries: Option<Binaries>,
    /// Relative tightening of every bound ([`MARGIN`] for plans that must
    /// pass the evaluator once rounded; 0 for a true relaxation bound).
    pub(crate) margin: f64,
    /// Capacity left, instead of the market's whole capacity.
    pub(crate) left: Option<&'b Left>,
    /// `floors[k]`: surplus (ETH) order k must keep at least; none if empty.
    pub(crate) floors: &'b [f64],
}

impl Opts<'_> {
    /// The plain LP: nothing banned, margins on, the market's capacity.
    pub(crate) fn lp(inclusion: Inclusion) -> Opts<'static> {
        Opts { banned: &[], inclusion, binaries: None, margin: MARGIN, left: None, floors: &[] }
    }
}

/// The LP's result.
pub(crate) struct LpResult {
    /// Objective value (ETH).
    pub(crate) objective: f64,
    /// Per order: y and the allocations (position, ETH).
    pub(crate) orders: Vec<(f64, Vec<(usize, f64)>)>,
}

pub(crate) fn eth(wei: u128) -> f64 {
    wei as f64 / WAD as f64
}

/// Builds and solves the model `opts` describes.
pub(crate) fn solve(
    ctx: &Context<'_>,
    orders: &[Order<'_>],
    opts: Opts<'_>,
    backend: Backend,
) -> Result<LpResult, String> {
    let Opts { banned, inclusion, binaries, margin, left, floors } = opts;
    let gas_price = eth(ctx.market.gas.gas_price.0);
    let m = ctx.market;
    let ix = &ctx.index;
    let sc = ctx.scenarios;
    let mut vars = ProblemVariables::new();
    let mut cons = Vec::new();
    let mut objective = Expression::from(0.0);
    let mut asset_use: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut op_use: BTreeMap<usize, Expression> = BTreeMap::new();
    let mut svc_use: BTreeMap<usize, Expression> = BTreeMap::new();
    let gas_intent = eth(m.gas.per_intent as u128 * m.gas.gas_price.0);
    let mut handles: Vec<(Variable, Vec<(usize, Variable)>)> = Vec::new();
    for (k, o) in orders.iter().enumerate() {
        let a = eth(o.amount);
        let f = eth(o.fee);
        let i = o.intent;
        let y = match inclusion {
            Inclusion::Relaxed => vars.add(variable().min(0.0).max(1.0)),
            Inclusion::Fixed => vars.add(variable().min(1.0).max(1.0)),
            Inclusion::Binary => vars.add(variable().binary()),
        };
        let xs: Vec<(usize, bool, Variable)> = o
            .allowed
            .iter()
            .filter(|(p, _)| !banned.get(k).is_some_and(|b| b.contains(p)))
            .map(|&(p, minted)| (p, minted, vars.add(variable().min(0.0))))
            .collect();
        if let Some(bin) = binaries {
            let mut count = Expression::from(0.0);
            for &(p, minted, x) in &xs {
                let z = vars.add(variable().binary());
                cons.push(Expression::from(x).leq((a - f) * z));
                let lo = eth(bin.floor(ctx, o, p, minted));
                if lo > 0.0 {
                    // Above the floor by the margin (rounding to wei floors),
                    // but never above the whole allocation (one position).
                    cons.push(Expression::from(x).geq((lo * (1.0 + margin)).min(a - f) * z));
                }
                objective.add_mul(-(ix.positions[p].gas as f64 * gas_price), z);
                count.add_mul(1.0, z);
            }
            if let Some(max) = bin.max_count(ctx) {
                cons.push(count.leq(max as f64));
            }
        }
        let bps = |b: u16| b as f64 / 1e4;
        let mut sum = Expression::from(0.0);
        let mut yield_ = Expression::from(0.0);
        let mut liquid = Expression::from(0.0);
        // Aggregates: every scenario's loss fraction depends on the position's
        // operator alone (faults) or its asset alone (depegs), so a scenario
        // row over hundreds of positions collapses to a few aggregate terms.
        let mut op_members: BTreeMap<usize, Vec<(usize, Variable)>> = BTreeMap::new();
        let mut asset_members: BTreeMap<usize, Vec<(usize, Variable)>> = BTreeMap::new();
        for &(p, minted, x) in &xs {
            let info = &ix.positions[p];
            sum.add_mul(1.0, x);
            yield_.add_mul(o.net_rate(ctx, p, minted), x);
            if info.exit_days <= i.liquidWithinDays as u32 {
                liquid.add_mul(1.0, x);
            }
            asset_members.entry(info.asset).or_default().push((p, x));
            if let Some(op) = info.operator {
                op_members.entry(op).or_default().push((p, x));
            }
        }
        let mut aggregate = |members: &[(usize, Variable)], cons: &mut Vec<_>| {
            if members.len() == 1 {
                return members[0].1;
            }
            let agg = vars.add(variable().min(0.0));
            let mut e = Expression::from(0.0);
            for &(_, x) in members {
                e.add_mul(1.0, x);
            }
            cons.push(e.eq(agg));
            agg
        };
        let op_vars: BTreeMap<usize, Variable> =
            op_members.iter().map(|(&op, mem)| (op, aggregate(mem, &mut cons))).collect();
        let asset_vars: BTreeMap<usize, Variable> =
            asset_members.iter().map(|(&a, mem)| (a, aggregate(mem, &mut cons))).collect();
        let mut per_svc: BTreeMap<usize, Expression> = BTreeMap::new();
        for (&op, &ov) in &op_vars {
            cons.push(Expression::from(ov).leq(y * (a * bps(i.maxOperatorBps) * (1.0 - margin))));
            op_use.entry(op).or_default().add_mul(1.0, ov);
            let (p0, _) = op_members[&op][0];
            for &(s, mag) in &ix.positions[p0].exposure {
                per_svc.entry(s).or_default().add_mul(mag.as_f64(), ov);
                svc_use.entry(s).or_default().add_mul(mag.as_f64(), ov);
            }
        }
        for (&asset, &av) in &asset_vars {
            asset_use.entry(asset).or_default().add_mul(1.0, av);
        }
        cons.push(sum.eq((a - f) * y));
        let need = a * bps(i.minNetApyBps) + f;
        cons.push(yield_.clone().geq(y * (need * (1.0 + margin) + a * margin * 1e-2)));
        if let Some(&floor) = floors.get(k).filter(|f| **f > 0.0) {
            // Surplus = net yield − the minimum; the floor already allows
            // for rounding dust, so only f64 noise is added here.
            cons.push(yield_.clone().geq(y * (need + floor + a * 1e-12)));
        }
        objective += yield_ - y * (a * bps(i.minNetApyBps) + f + gas_intent);
        for (_, e) in per_svc {
            cons.push(e.leq(y * (a * bps(i.maxServiceBps) * (1.0 - margin))));
        }
        if i.minLiquidBps > 0 {
            cons.push(liquid.geq(y * (a * bps(i.minLiquidBps) * (1.0 + margin))));
        }
        // CVaR rows over the scenarios touching this intent's positions.
        let mut touched: BTreeMap<u32, Vec<(usize, Variable, f64)>> = BTreeMap::new();
        for &(p, _, x) in &xs {
            for &(s, frac) in &sc.by_position[p] {
                touched.entry(s).or_default().push((p, x, frac.as_f64()));
            }
        }
        let rows: Vec<(u32, Expression)> = touched
            .into_iter()
            .map(|(s, entries)| {
                (s, compress(ix, &entries, &asset_members, &asset_vars, &op_members, &op_vars))
            })
            .collect();
        let bound = a * bps(i.maxLossBps) * (1.0 - margin);
        let alpha = 1.0 - bps(i.lossConfidenceBps);
        if alpha <= 0.0 {
            for (_, loss) in rows {
                cons.push(loss.leq(y * bound));
            }
        } else {
            let zeta = vars.add(variable());
            let mut tail = Expression::from(0.0);
            let mut rest = 1.0;
            for (s, loss) in rows {
                let prob = sc.list[s as usize].probability.as_f64();
                rest -= prob;
                let u = vars.add(variable().min(0.0));
                cons.push((loss - zeta).leq(u));
                tail.add_mul(prob / alpha, u);
            }
            let u0 = vars.add(variable().min(0.0));
            cons.push((Expression::from(0.0) - zeta).leq(u0));
            tail.add_mul(rest.max(0.0) / alpha, u0);
            cons.push((tail + zeta).leq(y * bound));
        }
        handles.push((y, xs.iter().map(|&(p, _, x)| (p, x)).collect()));
    }
    let cap = |w: u128| eth(w) * (1.0 - margin);
    for (a, e) in asset_use {
        let c = left.map_or_else(|| cap(m.assets[a].deposit_cap.0), |l| l.assets[a]);
        cons.push(e.leq(c));
    }
    for (o, e) in op_use {
        let c = left.map_or_else(|| cap(m.operators[o].capacity.0), |l| l.operators[o]);
        cons.push(e.leq(c));
    }
    for (s, e) in svc_use {
        let c = left.map_or_else(|| cap(m.services[s].stake_cap.0), |l| l.services[s]);
        cons.push(e.leq(c));
    }
    let read = |sol: &dyn Fn(Variable) -> f64| LpResult {
        objective: 0.0,
        orders: handles
            .iter()
            .map(|(y, xs)| (sol(*y), xs.iter().map(|&(p, x)| (p, sol(x).max(0.0))).collect()))
            .collect(),
    };
    let obj_expr = objective.clone();
    let problem = vars.maximise(objective);
    let values = match backend {
        #[cfg(feature = "cbc")]
        Backend::Cbc => {
            let mut model = problem.using(good_lp::coin_cbc);
            // CBC's branch and bound and Clp's simplex (perturbation) draw
            // random numbers from seeds that otherwise carry over between
            // solves in one process — and solves of other threads interleave
            // with ours; fixed seeds make the same model give the same answer
            // every time (plans must be byte-identical for the same inputs;
            // with only CBC's seed fixed, one clean run in four differed by a
            // few thousand wei).
            model.set_parameter("randomCbcSeed", "1");
            model.set_parameter("randomSeed", "1");
            finish(model, cons, &handles, &obj_expr)?
        }
        Backend::MicroLp => finish(problem.using(good_lp::microlp), cons, &handles, &obj_expr)?,
    };
    let mut out = read(&|v| values.0[&v]);
    out.objective = values.1;
    // Clean solver noise so rounding sees exact zeros.
    for (y, xs) in &mut out.orders {
        *y = y.clamp(0.0, 1.0);
        for (_, x) in xs.iter_mut() {
            if *x < 1e-12 {
                *x = 0.0;
            }
        }
    }
    Ok(out)
}

/// Solves with backend `solver`; returns every handle's value and the objective.
type Handles = [(Variable, Vec<(usize, Variable)>)];

fn finish<M: SolverModel>(
    mut model: M,
    cons: Vec<good_lp::Constraint>,
    handles: &Handles,
    objective: &Expression,
) -> Result<(std::collections::HashMap<Variable, f64>, f64), String>
where
    M::Error: std::fmt::Display,
{
    for c in cons {
        model.add_constraint(c);
    }
    let s = model.solve().map_err(|e| e.to_string())?;
    let mut values = std::collections::HashMap::new();
    for (y, xs) in handles {
        values.insert(*y, s.value(*y));
        for &(_, x) in xs {
            values.insert(x, s.value(x));
        }
    }
    Ok((values, objective.eval_with(&s)))
}

/// One scenario's loss over an intent's positions, using the asset or
/// operator aggregate wherever the scenario hits all of its members with the
/// same fraction.
fn compress(
    ix: &stakebid_intents::market::Index,
    entries: &[(usize, Variable, f64)],
    asset_members: &BTreeMap<usize, Vec<(usize, Variable)>>,
    asset_vars: &BTreeMap<usize, Variable>,
    op_members: &BTreeMap<usize, Vec<(usize, Variable)>>,
    op_vars: &BTreeMap<usize, Variable>,
) -> Expression {
    let mut e = Expression::from(0.0);
    let mut by_asset: BTreeMap<usize, Vec<&(usize, Variable, f64)>> = BTreeMap::new();
    for en in entries {
        by_asset.entry(ix.positions[en.0].asset).or_default().push(en);
    }
    let mut rest: Vec<&(usize, Variable, f64)> = Vec::new();
    for (asset, group) in by_asset {
        let uniform = group.iter().all(|g| g.2 == group[0].2);
        if uniform && group.len() == asset_members[&asset].len() && group.len() > 1 {
            e.add_mul(group[0].2, asset_vars[&asset]);
        } else {
            rest.extend(group);
        }
    }
    let mut by_op: BTreeMap<Option<usize>, Vec<&(usize, Variable, f64)>> = BTreeMap::new();
    for en in rest {
        by_op.entry(ix.positions[en.0].operator).or_default().push(en);
    }
    for (op, group) in by_op {
        let uniform = group.iter().all(|g| g.2 == group[0].2);
        match op {
            Some(o) if uniform && group.len() == op_members[&o].len() && group.len() > 1 => {
                e.add_mul(group[0].2, op_vars[&o]);
            }
            _ => {
                for g in group {
                    e.add_mul(g.2, g.1);
                }
            }
        }
    }
    e
}
