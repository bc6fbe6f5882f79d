//! Exact per-intent supports: the LP cannot price a fixed gas cost per
//! position, so after it (and after repair) each intent is re-solved alone
//! as a small MILP — position binaries, each used position's gas charged,
//! the position limit and minimum ticket as hard constraints — against the
//! capacity the other plans leave. A new plan replaces the old one only if
//! the evaluator scores it higher (or the old one had none). Intents are
//! visited in batch order, so the result is deterministic.
//!
//! Two uses: quality on batches small enough to afford one MILP per intent
//! ([`POLISH_WORK`]), and on any batch, an intent repair could not fit in
//! the limits gets the exact search before it is declared unplannable.

use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::{evaluate, Context, Evaluation, Plan};

use crate::finalize::round;
use crate::lp::{self, Backend, Binaries, Inclusion, Left, Opts, MARGIN};
use crate::order::Order;

/// Σ allowed positions over the batch up to which every intent is polished
/// (50 intents × 200 positions); above it only intents without a plan are.
pub(crate) const POLISH_WORK: usize = 10_000;

/// A candidate: the order and its plan, or why it has none.
pub(crate) type Candidate<'a> = (Order<'a>, Result<Plan, String>);

/// Capacity left for one intent when `others` are taken (ETH, tightened by
/// the LP's margin like the market's own capacity).
fn left_for(ctx: &Context<'_>, others: &CapacityUse) -> Left {
    let m = ctx.market;
    let get =
        |used: &std::collections::BTreeMap<String, stakebid_intents::Wei>, id: &str, cap: u128| {
            let u = used.get(id).map_or(0, |w| w.0);
            (cap as f64 * (1.0 - MARGIN) - u as f64).max(0.0) / 1e18
        };
    Left {
        assets: m.assets.iter().map(|a| get(&others.assets, &a.id, a.deposit_cap.0)).collect(),
        operators: m
            .operators
            .iter()
            .map(|o| get(&others.operators, &o.id, o.capacity.0))
            .collect(),
        services: m.services.iter().map(|s| get(&others.services, &s.id, s.stake_cap.0)).collect(),
    }
}

/// Whether `plan` for `o` keeps the position limit and every position's
/// floor (the ticket, the market's dust rule and pool minimums): the one
/// check for all of them, after repair and after the exact search.
pub(crate) fn within(ctx: &Context<'_>, o: &Order<'_>, plan: &Plan, bin: Binaries) -> bool {
    bin.max_count(ctx).is_none_or(|k| plan.allocations.len() <= k)
        && plan.allocations.iter().all(|a| {
            ctx.index.position_ids.get(&a.position).is_some_and(|&p| {
                let minted = o.allowed.iter().any(|&(q, m)| q == p && m);
                a.amount.0 >= bin.floor(ctx, o, p, minted)
            })
        })
}

/// Positions an intent may use beyond which its MILP searches a shortlist.
const SHORTLIST: usize = 200;

/// For an intent allowed more than [`SHORTLIST`] positions (large markets,
/// where the exact search would not finish), the positions left out of its
/// search: all but the best half-shortlist by net yield and the best
/// half-shortlist that are liquid within its horizon. Exact below that size.
fn shortlist_bans(ctx: &Context<'_>, o: &Order<'_>) -> Vec<usize> {
    if o.allowed.len() <= SHORTLIST {
        return vec![];
    }
    let horizon = o.intent.liquidWithinDays as u32;
    let mut by_rate: Vec<(usize, f64, bool)> = o
        .allowed
        .iter()
        .map(|&(p, minted)| {
            (p, o.net_rate(ctx, p, minted), ctx.index.positions[p].exit_days <= horizon)
        })
        .collect();
    by_rate.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut keep: Vec<usize> = by_rate.iter().take(SHORTLIST / 2).map(|x| x.0).collect();
    keep.extend(by_rate.iter().filter(|x| x.2).take(SHORTLIST / 2).map(|x| x.0));
    o.allowed.iter().map(|x| x.0).filter(|p| !keep.contains(p)).collect()
}

/// Polishes `cands` in place (see the module doc). `all`: every intent, else
/// only those without a plan. `floor`: total surplus (wei) a replacement may
/// not take the batch below (greedy's, so `optimal` never gives stakers less
/// than the simple allocator would); an intent that gets its first plan only
/// adds surplus, so the floor applies to replacements alone.
pub(crate) fn polish(
    ctx: &Context<'_>,
    cands: &mut [Candidate<'_>],
    bin: Binaries,
    backend: Backend,
    all: bool,
    floor: i128,
    deadline: Option<std::time::Instant>,
) {
    let mut evals: Vec<Option<Evaluation>> = cands
        .iter()
        .map(|(o, c)| {
            let p = c.as_ref().ok()?;
            evaluate(ctx, o.intent, o.id, p).ok().filter(|e| e.score > 0)
        })
        .collect();
    // What all current plans use; one intent's own share is taken out when
    // it is re-solved, and the total follows each replacement.
    let mut total = CapacityUse::default();
    for e in evals.iter().flatten() {
        total.add(&e.capacity);
    }
    let mut surplus: i128 = evals.iter().flatten().map(|e| e.surplus).sum();
    // Up to rounding dust (1e-7 of the batch): plans of equal yield differ
    // by a few wei once floored, and that must not block a cheaper support.
    let dust = (cands.iter().map(|(o, _)| o.amount).sum::<u128>() / 10_000_000) as i128;
    let floor = floor.saturating_sub(dust);
    let none = CapacityUse::default();
    for k in 0..cands.len() {
        if !all && cands[k].1.is_ok() {
            continue;
        }
        // Out of time: the plans so far are all valid; bid them.
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return;
        }
        let own = evals[k].as_ref().map_or(&none, |e| &e.capacity);
        let left = left_for(ctx, &total.minus(own));
        let o = &cands[k].0;
        let banned = [shortlist_bans(ctx, o)];
        // What this intent's plan must keep so the batch stays at the floor.
        let own_surplus = evals[k].as_ref().map(|e| e.surplus);
        let keep = own_surplus.map_or(0, |own| floor.saturating_sub(surplus - own));
        let floors = [keep.max(0) as f64 / 1e18];
        let opts = Opts {
            banned: &banned,
            inclusion: Inclusion::Fixed,
            binaries: Some(bin),
            margin: MARGIN,
            left: Some(&left),
            floors: if keep > 0 { &floors } else { &[] },
        };
        let Ok(r) = lp::solve(ctx, std::slice::from_ref(o), opts, backend) else {
            if cands[k].1.is_err() {
                let ticket = bin.min_ticket as f64 / 1e18;
                let limits = match (bin.max_count(ctx), bin.min_ticket > 0) {
                    (Some(m), true) => {
                        format!(" within {m} positions of at least {ticket:.4} ETH each")
                    }
                    (Some(m), false) => format!(" within {m} positions"),
                    (None, true) => format!(" with at least {ticket:.4} ETH in each position"),
                    (None, false) => String::new(),
                };
                let limits = if ctx.market.min_position.is_none() {
                    limits
                } else {
                    format!("{limits} keeping the market's minimum position size")
                };
                cands[k].1 = Err(format!(
                    "no plan{limits} meets its bounds in the capacity the other plans leave (exact search over supports)"
                ));
            }
            continue;
        };
        let plan = round(ctx, o, &r.orders[0].1);
        if !within(ctx, o, &plan, bin) {
            continue;
        }
        let Ok(e) = evaluate(ctx, o.intent, o.id, &plan) else { continue };
        let keeps_floor = own_surplus.is_none_or(|own| e.surplus >= own.min(keep));
        if e.score > evals[k].as_ref().map_or(0, |old| old.score) && keeps_floor {
            surplus += e.surplus - own_surplus.unwrap_or(0);
            let mut after = total.minus(own);
            after.add(&e.capacity);
            total = after;
            cands[k].1 = Ok(plan);
            evals[k] = Some(e);
        }
    }
}
