//! The `Strategy` trait a solver operator implements, and the three we ship.

use std::time::Instant;

use stakebid_intents::{Context, Intent, IntentId};

use crate::finalize::{round, Finalizer, Solution};
use crate::heuristics::{allocate, Room, Rule};
use crate::lp::{self, Backend, Binaries, Inclusion, Opts};
use crate::order::Order;
use crate::polish::{polish, within, POLISH_WORK};
use stakebid_intents::Plan;

/// What a strategy sees of an auction: the evaluation context (market,
/// scenarios) and the batch.
pub struct View<'a> {
    /// Market, index and scenarios.
    pub ctx: &'a Context<'a>,
    /// The batch: (id, intent).
    pub intents: &'a [(IntentId, Intent)],
}

/// A solver's allocation strategy. Implement it to run your own solver.
pub trait Strategy: Send + Sync {
    /// Short name (`optimal`, `greedy`, …).
    fn name(&self) -> &'static str;
    /// Plans for the batch, each evaluator-valid, before `deadline` if given.
    fn solve(&self, view: &View<'_>, deadline: Option<Instant>) -> Solution;
}

/// Names of the shipped strategies.
pub const STRATEGIES: [&str; 3] = ["optimal", "greedy", "waterfill"];

/// A shipped strategy by name, with the given fee.
pub fn by_name(name: &str, fee_bps: u16) -> Option<Box<dyn Strategy>> {
    match name {
        "optimal" => Some(Box::new(Optimal::new(Backend::default_backend(), fee_bps))),
        "greedy" => Some(Box::new(Greedy { fee_bps })),
        "waterfill" => Some(Box::new(Waterfill { fee_bps })),
        _ => None,
    }
}

fn orders<'a>(view: &View<'a>, fee_bps: u16) -> (Vec<Order<'a>>, Solution) {
    let mut out = Solution::default();
    let mut orders = Vec::new();
    for (id, intent) in view.intents {
        match Order::new(view.ctx, *id, intent, fee_bps) {
            Some(o) if !o.allowed.is_empty() => orders.push(o),
            Some(_) => out.left_out.push(crate::LeftOut {
                intent: *id,
                reason: "no position in this market accepts its asset outside its exclusions"
                    .into(),
            }),
            None => out.left_out.push(crate::LeftOut {
                intent: *id,
                reason: "its amount does not fit in 128 bits".into(),
            }),
        }
    }
    (orders, out)
}

fn merge(mut a: Solution, b: Solution) -> Solution {
    a.bound = a.bound.or(b.bound);
    a.plans.extend(b.plans);
    a.evaluations.extend(b.evaluations);
    a.left_out.extend(b.left_out);
    a
}

/// Highest-yield-first heuristic.
pub struct Greedy {
    /// Fee asked, in bps (capped by each intent).
    pub fee_bps: u16,
}

/// Least-filled-first heuristic.
pub struct Waterfill {
    /// Fee asked, in bps (capped by each intent).
    pub fee_bps: u16,
}

fn heuristic(view: &View<'_>, fee_bps: u16, rule: Rule) -> Solution {
    let (orders, pre) = orders(view, fee_bps);
    let ctx = view.ctx;
    let mut room = Room::new(ctx);
    let mut fin = Finalizer::default();
    for o in orders {
        match allocate(ctx, &o, &room, rule) {
            Ok(alloc) => {
                // Only a plan that joins the bid uses up shared room.
                if fin.push(ctx, &o, Ok(round(ctx, &o, &alloc))) {
                    room.take(ctx, &alloc);
                }
            }
            Err(why) => {
                fin.push(ctx, &o, Err(why));
            }
        }
    }
    merge(pre, fin.finish())
}

impl Strategy for Greedy {
    fn name(&self) -> &'static str {
        "greedy"
    }
    fn solve(&self, view: &View<'_>, _deadline: Option<Instant>) -> Solution {
        heuristic(view, self.fee_bps, Rule::Greedy)
    }
}

impl Strategy for Waterfill {
    fn name(&self) -> &'static str {
        "waterfill"
    }
    fn solve(&self, view: &View<'_>, _deadline: Option<Instant>) -> Solution {
        heuristic(view, self.fee_bps, Rule::Waterfill)
    }
}

/// The LP optimizer.
pub struct Optimal {
    /// LP backend.
    pub backend: Backend,
    /// Fee asked, in bps (capped by each intent).
    pub fee_bps: u16,
    /// Most positions per intent (each costs settlement gas); `None` = no limit.
    pub max_positions: Option<usize>,
    /// Smallest allocation to a position, in wei; 0 = none.
    pub min_ticket: u128,
    /// Re-solve each intent's support exactly (per-position gas, the
    /// limits as constraints) after the LP; off only to measure what it buys.
    pub exact_supports: bool,
    /// Solve the first relaxation intent by intent when the shared caps do
    /// not bind (exact then; see `separable`); off only to measure what it
    /// buys.
    pub separable: bool,
}

impl Optimal {
    /// The optimizer with no position limit and no minimum ticket.
    pub fn new(backend: Backend, fee_bps: u16) -> Self {
        Optimal {
            backend,
            fee_bps,
            max_positions: None,
            min_ticket: 0,
            exact_supports: true,
            separable: true,
        }
    }

    /// The LP objective (ETH of surplus) for the batch with every intent
    /// forced in, for cross-checking backends. `Err` if infeasible.
    pub fn objective(&self, view: &View<'_>) -> Result<f64, String> {
        let (orders, _) = orders(view, self.fee_bps);
        lp::solve(view.ctx, &orders, Opts::lp(Inclusion::Relaxed), self.backend)
            .map(|r| r.objective)
    }
}

impl Optimal {
    /// The exact optimum of the score (ETH) for the batch: one MILP with a
    /// binary per (intent, position) charging that position's gas, a binary
    /// inclusion per intent, this strategy's position limit and minimum
    /// ticket, and no safety margins — so no evaluator-valid set of plans
    /// scores more. Exponential in the worst case: for small instances
    /// (the quality benchmark and tests), not for bidding.
    pub fn exact_score(&self, view: &View<'_>) -> Result<f64, String> {
        let (orders, _) = orders(view, self.fee_bps);
        let opts = Opts {
            banned: &[],
            inclusion: Inclusion::Binary,
            binaries: Some(Binaries {
                max_positions: self.max_positions,
                min_ticket: self.min_ticket,
            }),
            margin: 0.0,
            left: None,
            floors: &[],
        };
        lp::solve(view.ctx, &orders, opts, self.backend).map(|r| r.objective)
    }
}

impl Strategy for Optimal {
    fn name(&self) -> &'static str {
        "optimal"
    }

    /// Knapsack rule (documented in docs/solver.md): solve the LP relaxation
    /// with inclusion y ∈ [0, 1]; intents with y ≥ 0.999 are in, the rest are
    /// out; re-solve with y = 1 for those in (the relaxation's own solution
    /// restricted to them is feasible, so this cannot fail). Then repair:
    /// positions whose first-year yield does not pay their gas are banned for
    /// that intent and the LP re-solved, while that stays feasible.
    fn solve(&self, view: &View<'_>, deadline: Option<Instant>) -> Solution {
        let ctx = view.ctx;
        let (orders, mut pre) = orders(view, self.fee_bps);
        if orders.is_empty() {
            return pre;
        }
        let opts = Opts::lp(Inclusion::Relaxed);
        let relaxed = match (self.separable)
            .then(|| crate::separable::solve_separately(ctx, &orders, opts, self.backend))
            .flatten()
            .map_or_else(|| lp::solve(ctx, &orders, opts, self.backend), Ok)
        {
            Ok(r) => r,
            Err(e) => {
                for o in &orders {
                    pre.left_out
                        .push(crate::LeftOut { intent: o.id, reason: format!("LP failed: {e}") });
                }
                return pre;
            }
        };
        // A true upper bound on the score: the relaxation without the safety
        // margins (and without per-position gas, which only lowers scores).
        // One more LP, so only on batches small enough to polish.
        let work: usize = orders.iter().map(|o| o.allowed.len()).sum();
        let small = work <= POLISH_WORK;
        if small {
            let loose = Opts { margin: 0.0, ..Opts::lp(Inclusion::Relaxed) };
            pre.bound = lp::solve(ctx, &orders, loose, self.backend)
                .ok()
                .map(|r| (r.objective * 1e18).ceil() as i128);
        }
        let all_in = relaxed.orders.iter().all(|(y, _)| *y >= 0.999);
        let mut inside = Vec::new();
        // Left out only for want of shared capacity: the exact stage below
        // tries them again in what the others leave.
        let mut retry = Vec::new();
        for (o, (y, _)) in orders.into_iter().zip(&relaxed.orders) {
            if *y >= 0.999 {
                inside.push(o);
                continue;
            }
            let alone =
                lp::solve(ctx, std::slice::from_ref(&o), Opts::lp(Inclusion::Fixed), self.backend);
            let reason = match alone {
                Err(_) => "no allocation of the positions it allows meets its yield, loss, concentration and liquidity bounds together".to_string(),
                Ok(r) if r.objective <= 0.0 => "its best surplus does not cover the settlement gas".to_string(),
                Ok(_) => {
                    retry.push(o);
                    continue;
                }
            };
            pre.left_out.push(crate::LeftOut { intent: o.id, reason });
        }
        if inside.is_empty() && retry.is_empty() {
            return pre;
        }
        let gas_price = ctx.market.gas.gas_price.0 as f64 / 1e18;
        let mut banned: Vec<Vec<usize>> = vec![Vec::new(); inside.len()];
        // When the relaxation took every intent whole, it already is the
        // fixed-inclusion optimum: no second solve.
        let mut best = if all_in {
            Ok(relaxed)
        } else {
            lp::solve(
                ctx,
                &inside,
                Opts { banned: &banned, ..Opts::lp(Inclusion::Fixed) },
                self.backend,
            )
        };
        let ticket = self.min_ticket as f64 / 1e18;
        let bin = Binaries { max_positions: self.max_positions, min_ticket: self.min_ticket };
        let max_count = bin.max_count(ctx);
        for round in 0..16 {
            // Out of time: bid what we have; every plan is still evaluated.
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let Ok(cur) = &best else { break };
            let mut changed = false;
            for (k, (_, xs)) in cur.orders.iter().enumerate() {
                let o = &inside[k];
                let mut used: Vec<(usize, f64)> =
                    xs.iter().copied().filter(|&(_, x)| x > 0.0).collect();
                // Freeze the support on the first round: re-solves only
                // re-balance among positions the optimum already chose, so
                // repair converges in a few rounds and each re-solve is small.
                if round == 0 {
                    for &(p, _) in &o.allowed {
                        if !used.iter().any(|u| u.0 == p) && !banned[k].contains(&p) {
                            banned[k].push(p);
                        }
                    }
                }
                for &(p, x) in &used {
                    let minted = o.allowed.iter().any(|&(q, m)| q == p && m);
                    let pays = x * o.net_rate(ctx, p, minted);
                    let gas = ctx.index.positions[p].gas as f64 * gas_price;
                    let floor = bin.floor(ctx, o, p, minted) as f64 / 1e18;
                    if (pays < gas || x < floor) && !banned[k].contains(&p) {
                        banned[k].push(p);
                        changed = true;
                    }
                }
                // Over the position limit: shrink the support monotonically.
                // Everything outside the current support is banned, and so is
                // the smaller half of the excess; the LP re-balances among the
                // rest. Banning all the excess at once is often infeasible,
                // and banning without freezing lets the LP pick new positions.
                if let Some(max) = max_count {
                    if used.len() > max {
                        used.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                        let excess = used.len() - max;
                        let keep: Vec<usize> = used
                            .iter()
                            .take(used.len() - excess.div_ceil(2))
                            .map(|u| u.0)
                            .collect();
                        for &(p, _) in &o.allowed {
                            if !keep.contains(&p) && !banned[k].contains(&p) {
                                banned[k].push(p);
                                changed = true;
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
            // Relaxed inclusion keeps the re-solve feasible: an intent the
            // bans make impossible drops to y < 1 and is left out, instead of
            // making the whole batch infeasible.
            match lp::solve(
                ctx,
                &inside,
                Opts { banned: &banned, ..Opts::lp(Inclusion::Relaxed) },
                self.backend,
            ) {
                Ok(r) => best = Ok(r),
                Err(_) => break,
            }
        }
        let max = max_count.unwrap_or(usize::MAX);
        let mut candidates: Vec<(Order<'_>, Result<Plan, String>)> = match best {
            Ok(r) => inside
                .into_iter()
                .zip(r.orders)
                .map(|(o, (y, xs))| {
                    if y < 0.999 {
                        let why = "no plan meets its bounds once positions whose yield does not pay their gas (or outside the position limit) are removed";
                        return (o, Err(why.to_string()));
                    }
                    let plan = round(ctx, &o, &xs);
                    if !within(ctx, &o, &plan, bin) {
                        let why = format!(
                            "no plan within {} positions of at least {:.4} ETH each meets its bounds",
                            max.min(o.allowed.len()),
                            ticket
                        );
                        return (o, Err(why));
                    }
                    (o, Ok(plan))
                })
                .collect(),
            Err(e) => inside.into_iter().map(|o| (o, Err(format!("LP failed: {e}")))).collect(),
        };
        // Exact supports (gas per position, the limits as constraints): every
        // intent on small batches; on any batch, the intents repair could not
        // fit in the limits, so none is left out while a plan exists.
        let capacity = "shared capacity went to intents with more surplus";
        candidates.extend(retry.into_iter().map(|o| (o, Err(capacity.to_string()))));
        if self.exact_supports && deadline.is_none_or(|d| Instant::now() < d) {
            // Greedy's total surplus: replacements never take the batch
            // below it (only plans are replaced on small batches). Greedy
            // knows no position limit or minimum ticket; a greedy bid that
            // breaks them is no plan this strategy may bid, so no floor.
            let greedy = small.then(|| heuristic(view, self.fee_bps, Rule::Greedy));
            let floor = greedy
                // (The evaluator already held greedy to the market's floors.)
                .filter(|g| {
                    g.plans.iter().all(|p| {
                        self.max_positions.is_none_or(|k| p.allocations.len() <= k)
                            && p.allocations.iter().all(|a| a.amount.0 >= self.min_ticket)
                    })
                })
                .map_or(i128::MIN, |g| g.evaluations.iter().map(|e| e.surplus).sum());
            polish(ctx, &mut candidates, bin, self.backend, small, floor, deadline);
        }
        let mut fin = Finalizer::default();
        for (o, cand) in candidates {
            fin.push(ctx, &o, cand);
        }
        merge(pre, fin.finish())
    }
}
