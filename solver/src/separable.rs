//! The batch relaxation solved intent by intent, when that is exact.
//!
//! Without the shared capacity rows the batch LP falls apart into one LP
//! per intent: every other row, and the objective, are per intent. So each
//! intent is solved alone against the market's whole (margin-tightened)
//! capacity; if the solutions together keep every shared cap, their union
//! is feasible for the batch LP and no batch solution scores more (the
//! batch LP only adds rows), so it is the batch optimum. When the caps
//! bind, the caller solves the batch LP as before.
//!
//! Why: one LP over 100 intents × 2,000 positions has ~200k columns, and
//! CBC's time grows faster than linearly in that; 100 LPs of 2,000 columns
//! cost less (measured in `docs/benchmarks.md`).

use stakebid_intents::Context;

use crate::lp::{eth, solve, Backend, LpResult, Opts};
use crate::order::Order;
/// The batch relaxation `opts` describes, intent by intent (see the module
/// doc). `None` when the shared caps bind, when a solve fails, or for
/// models that are not the plain relaxation (bans, binaries, capacity
/// left by others): the caller then solves the batch LP.
pub(crate) fn solve_separately(
    ctx: &Context<'_>,
    orders: &[Order<'_>],
    opts: Opts<'_>,
    backend: Backend,
) -> Option<LpResult> {
    if opts.left.is_some()
        || !opts.banned.is_empty()
        || !opts.floors.is_empty()
        || opts.binaries.is_some()
    {
        return None;
    }
    let mut out = LpResult { objective: 0.0, orders: Vec::with_capacity(orders.len()) };
    for o in orders {
        let r = solve(ctx, std::slice::from_ref(o), opts, backend).ok()?;
        out.objective += r.objective;
        out.orders.extend(r.orders);
    }
    within_caps(ctx, &out, opts.margin).then_some(out)
}

/// Whether the allocations of `r` together keep every shared cap (as the
/// batch LP states them: tightened by `margin`).
fn within_caps(ctx: &Context<'_>, r: &LpResult, margin: f64) -> bool {
    let m = ctx.market;
    let ix = &ctx.index;
    let mut assets = vec![0.0; m.assets.len()];
    let mut ops = vec![0.0; m.operators.len()];
    let mut svcs = vec![0.0; m.services.len()];
    for (_, xs) in &r.orders {
        for &(p, x) in xs {
            let info = &ix.positions[p];
            assets[info.asset] += x;
            if let Some(o) = info.operator {
                ops[o] += x;
                for &(s, mag) in &info.exposure {
                    svcs[s] += mag.as_f64() * x;
                }
            }
        }
    }
    let cap = |w: u128| eth(w) * (1.0 - margin);
    assets.iter().zip(&m.assets).all(|(u, a)| *u <= cap(a.deposit_cap.0))
        && ops.iter().zip(&m.operators).all(|(u, o)| *u <= cap(o.capacity.0))
        && svcs.iter().zip(&m.services).all(|(u, s)| *u <= cap(s.stake_cap.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::Inclusion;
    use alloy::primitives::{Address, B256, U256};
    use stakebid_intents::market::{generate, GeneratorParams, Index};
    use stakebid_intents::{batch, Domain, Scenarios, Wei};

    fn check(seed: u64, shrink: bool) -> Option<(f64, f64)> {
        let mut m = generate(&GeneratorParams::with_positions(40 + 20 * seed as usize, seed));
        if shrink {
            // Caps far below the batch: the intents compete for them.
            for a in &mut m.assets {
                a.deposit_cap = Wei(a.deposit_cap.0.min(10u128.pow(18)));
            }
        }
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, B256::from(U256::from(seed)), 60);
        let ctx = Context::new(&m, &sc);
        let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let intents: Vec<_> = batch::generate(&m, &d, 3 + seed as usize % 6, seed, 1_790_000_000)
            .into_iter()
            .map(|s| (s.intent.id(&d), s.intent))
            .collect();
        let orders: Vec<Order<'_>> = intents
            .iter()
            .filter_map(|(id, i)| Order::new(&ctx, *id, i, 5))
            .filter(|o| !o.allowed.is_empty())
            .collect();
        let opts = Opts::lp(Inclusion::Relaxed);
        let joint = solve(&ctx, &orders, opts, Backend::default_backend()).unwrap();
        solve_separately(&ctx, &orders, opts, Backend::default_backend())
            .map(|sep| (sep.objective, joint.objective))
    }

    #[test]
    fn intent_by_intent_equals_the_batch_lp_when_caps_do_not_bind() {
        let mut exact = 0;
        for seed in 1..=10 {
            if let Some((sep, joint)) = check(seed, false) {
                let tol = 1e-7 * joint.abs().max(1.0);
                assert!((sep - joint).abs() <= tol, "seed {seed}: {sep} vs {joint}");
                exact += 1;
            }
        }
        assert!(exact >= 5, "only {exact} of 10 batches left the caps slack");
    }

    #[test]
    fn binding_caps_hand_the_batch_to_the_batch_lp() {
        for seed in 1..=5 {
            assert_eq!(check(seed, true), None, "seed {seed}");
        }
    }
}
