//! The two heuristic allocators the marketplace already knows:
//! - greedy: the highest-yield positions first, each up to its caps (how LRT
//!   protocols and queue allocators deposit today);
//! - waterfill: small chunks, each to the least-filled allowed position (Lido's
//!   staking router, MinFirstAllocationStrategy).
//!
//! Both place the intent's liquid share first, respect its operator and
//! service caps and the batch's shared capacity, and ignore tail risk: the
//! evaluator then decides, and a plan it rejects is left out, never bid.

use std::collections::BTreeMap;

use stakebid_intents::evaluate::min_allocation;
use stakebid_intents::units::WAD;
use stakebid_intents::Context;

use crate::lp::MARGIN;
use crate::order::Order;

/// Remaining room, in ETH, for one order and for the batch.
pub(crate) struct Room {
    asset: Vec<f64>,
    operator: Vec<f64>,
    service: Vec<f64>,
}

impl Room {
    pub(crate) fn new(ctx: &Context<'_>) -> Room {
        let m = ctx.market;
        let e = |w: u128| w as f64 / WAD as f64 * (1.0 - MARGIN);
        Room {
            asset: m.assets.iter().map(|a| e(a.deposit_cap.0)).collect(),
            operator: m.operators.iter().map(|o| e(o.capacity.0)).collect(),
            service: m.services.iter().map(|s| e(s.stake_cap.0)).collect(),
        }
    }

    /// Debits an accepted allocation.
    pub(crate) fn take(&mut self, ctx: &Context<'_>, alloc: &[(usize, f64)]) {
        for &(p, x) in alloc {
            let info = &ctx.index.positions[p];
            self.asset[info.asset] -= x;
            if let Some(o) = info.operator {
                self.operator[o] -= x;
                for &(s, mag) in &info.exposure {
                    self.service[s] -= x * mag.as_f64();
                }
            }
        }
    }
}

/// Per-order fill state.
struct Fill<'o, 'a> {
    order: &'o Order<'a>,
    a: f64,
    placed: BTreeMap<usize, f64>,
    per_asset: BTreeMap<usize, f64>,
    per_op: BTreeMap<usize, f64>,
    per_svc: BTreeMap<usize, f64>,
}

impl Fill<'_, '_> {
    fn total(&self) -> f64 {
        self.placed.values().sum()
    }

    /// Most that position `p` can still take for this order.
    fn room(&self, ctx: &Context<'_>, room: &Room, p: usize, want: f64) -> f64 {
        let i = self.order.intent;
        let info = &ctx.index.positions[p];
        let mut r = want.min(room.asset[info.asset] - self.asset_used(ctx, info.asset));
        if let Some(o) = info.operator {
            let cap = self.a * i.maxOperatorBps as f64 / 1e4 * (1.0 - MARGIN);
            r = r.min(cap - self.per_op.get(&o).unwrap_or(&0.0));
            r = r.min(room.operator[o] - self.per_op.get(&o).unwrap_or(&0.0));
            for &(s, mag) in &info.exposure {
                let mag = mag.as_f64();
                if mag > 0.0 {
                    let used = self.per_svc.get(&s).unwrap_or(&0.0);
                    let cap = self.a * i.maxServiceBps as f64 / 1e4 * (1.0 - MARGIN);
                    r = r.min((cap - used) / mag).min((room.service[s] - used) / mag);
                }
            }
        }
        r.max(0.0)
    }

    fn asset_used(&self, _ctx: &Context<'_>, asset: usize) -> f64 {
        *self.per_asset.get(&asset).unwrap_or(&0.0)
    }

    fn put(&mut self, ctx: &Context<'_>, p: usize, x: f64) {
        *self.placed.entry(p).or_default() += x;
        let info = &ctx.index.positions[p];
        *self.per_asset.entry(info.asset).or_default() += x;
        if let Some(o) = info.operator {
            *self.per_op.entry(o).or_default() += x;
            for &(s, mag) in &info.exposure {
                *self.per_svc.entry(s).or_default() += x * mag.as_f64();
            }
        }
    }
}

/// How the next amount is placed.
#[derive(Clone, Copy)]
pub(crate) enum Rule {
    Greedy,
    Waterfill,
}

/// Allocates one order keeping the market's minimum position size: a
/// position the fill leaves below its floor is banned and the order filled
/// again (the smallest first, a few times at most); `Err` says why it
/// cannot be placed at all.
pub(crate) fn allocate(
    ctx: &Context<'_>,
    order: &Order<'_>,
    room: &Room,
    rule: Rule,
) -> Result<Vec<(usize, f64)>, String> {
    let floor = |p: usize| {
        let minted = order.allowed.iter().any(|&(q, m)| q == p && m);
        min_allocation(ctx, order.amount, order.fee, p, minted) as f64 / 1e18
    };
    let mut banned = Vec::new();
    let mut alloc = fill(ctx, order, room, rule, &banned)?;
    for _ in 0..8 {
        // Rounding to wei floors each leg: keep a margin above the floor.
        let dust = alloc
            .iter()
            .filter(|&&(p, x)| x < floor(p) * (1.0 + MARGIN))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let Some(&(p, _)) = dust else { break };
        banned.push(p);
        match fill(ctx, order, room, rule, &banned) {
            Ok(next) => alloc = next,
            Err(_) => break,
        }
    }
    // Still dust after the retries: the evaluator names it with every other
    // reason the plan fails.
    Ok(alloc)
}

/// One fill of `order` with `banned` positions left out.
fn fill(
    ctx: &Context<'_>,
    order: &Order<'_>,
    room: &Room,
    rule: Rule,
    banned: &[usize],
) -> Result<Vec<(usize, f64)>, String> {
    let a = order.amount as f64 / 1e18;
    let target = (order.amount - order.fee) as f64 / 1e18;
    let i = order.intent;
    let mut f = Fill {
        order,
        a,
        placed: BTreeMap::new(),
        per_asset: BTreeMap::new(),
        per_op: BTreeMap::new(),
        per_svc: BTreeMap::new(),
    };
    // Highest net rate first; index breaks ties so the output is deterministic.
    let mut ranked: Vec<(usize, f64)> = order
        .allowed
        .iter()
        .filter(|(p, _)| !banned.contains(p))
        .map(|&(p, minted)| (p, order.net_rate(ctx, p, minted)))
        .collect();
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let liquid: Vec<usize> = ranked
        .iter()
        .filter(|(p, _)| ctx.index.positions[*p].exit_days <= i.liquidWithinDays as u32)
        .map(|(p, _)| *p)
        .collect();
    let all: Vec<usize> = ranked.iter().map(|(p, _)| *p).collect();
    let need_liquid = (a * i.minLiquidBps as f64 / 1e4 * (1.0 + MARGIN)).min(target);
    for (pool, goal) in [(&liquid, need_liquid), (&all, target)] {
        match rule {
            Rule::Greedy => {
                for &p in pool.iter() {
                    let want = goal - f.total();
                    if want <= 0.0 {
                        break;
                    }
                    let x = f.room(ctx, room, p, want);
                    if x > 0.0 {
                        f.put(ctx, p, x);
                    }
                }
            }
            Rule::Waterfill => {
                // Even shares over at most `k` positions, one fewer than
                // the market's share rule allows so equal shares clear it.
                let k = ctx.market.min_position.max_positions().map_or(usize::MAX, |n| n - 1);
                let chunk = target / 64.0;
                loop {
                    let want = (goal - f.total()).min(chunk);
                    if want <= target * 1e-12 {
                        break;
                    }
                    // The least-filled position that still has room.
                    let next = pool
                        .iter()
                        .map(|&p| (p, *f.placed.get(&p).unwrap_or(&0.0)))
                        .filter(|&(p, _)| f.placed.len() < k.max(1) || f.placed.contains_key(&p))
                        .filter(|&(p, _)| f.room(ctx, room, p, want) > target * 1e-9)
                        .min_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
                    let Some((p, _)) = next else { break };
                    let x = f.room(ctx, room, p, want);
                    f.put(ctx, p, x);
                }
            }
        }
    }
    if f.total() < target * (1.0 - 1e-9) {
        return Err(format!(
            "its operator, service and capacity caps leave room for only {:.4} of {:.4} ETH",
            f.total(),
            target
        ));
    }
    Ok(f.placed.into_iter().collect())
}
