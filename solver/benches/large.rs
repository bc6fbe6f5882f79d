//! The solver-speed targets on the benchmark's synthetic market (2,000
//! positions, 500 scenarios, fee 5 bps): `optimal` on 100 and 1,000
//! intents, wall clock of whole solves (median of 3, one for 1,000), with
//! greedy on the same instances as the baseline in the same run, and each
//! one's total score.
//!
//! `cargo bench -p stakebid-solver --bench large`
//! (`STAKEBID_BENCH_GRID=1`: the `solve` grid instead, see [`grid`].)
#![allow(missing_docs)]

use alloy::primitives::B256;
use stakebid_intents::batch;
use stakebid_intents::market::{generate, GeneratorParams, Index};
use stakebid_intents::{Context, Domain, Scenarios};
use stakebid_solver::{Backend, Greedy, Optimal, Strategy, View};
use std::time::Instant;

/// `STAKEBID_BENCH_GRID=1`: every instance of the `solve` bench's grid
/// (same markets and batches), `optimal` without the market's minimum
/// position size (the baseline: before the dust rule) and with it, one run
/// each in the same process: time, total score, most positions in a plan
/// and the smallest position — and greedy's surplus under the rule.
fn grid() {
    let d = Domain { chain_id: 31337, settlement: alloy::primitives::Address::repeat_byte(1) };
    println!(
        "{:>4} {:>5} {:>4} | {:>7} {:>11} {:>4} {:>8} | {:>7} {:>11} {:>4} {:>8} | {:>11}",
        "int",
        "pos",
        "scn",
        "before s",
        "score",
        "max",
        "smallest",
        "rule s",
        "score",
        "max",
        "smallest",
        "greedy surp"
    );
    for n in [1usize, 10, 100] {
        for p in [100usize, 1000, 2000] {
            for s in [100u32, 500] {
                let ruled = generate(&GeneratorParams::with_positions(p, p as u64));
                let mut free = ruled.clone();
                free.min_position = Default::default();
                let intents: Vec<_> = batch::generate(&ruled, &d, n, 7, 1_790_000_000)
                    .into_iter()
                    .map(|s| (s.intent.id(&d), s.intent))
                    .collect();
                let run = |m: &stakebid_intents::Market, st: &dyn Strategy| {
                    // Scenarios from the rule-free market for both runs: they
                    // are seeded by the market's hash, which the rule is in.
                    let ix = Index::new(m);
                    let sc = Scenarios::generate(&free, &ix, B256::ZERO, s);
                    let ctx = Context::new(m, &sc);
                    let view = View { ctx: &ctx, intents: &intents };
                    let t = Instant::now();
                    let sol = st.solve(&view, None);
                    let surplus: i128 = sol.evaluations.iter().map(|e| e.surplus).sum();
                    let most = sol.plans.iter().map(|p| p.allocations.len()).max().unwrap_or(0);
                    let least = sol
                        .plans
                        .iter()
                        .flat_map(|p| p.allocations.iter().map(|a| a.amount.0))
                        .min()
                        .unwrap_or(0);
                    (
                        t.elapsed().as_secs_f64(),
                        sol.score() as f64 / 1e18,
                        most,
                        least as f64 / 1e18,
                        surplus as f64 / 1e18,
                    )
                };
                let opt = Optimal::new(Backend::default_backend(), 5);
                let (tb, sb, mb, lb, _) = run(&free, &opt);
                let (tr, sr, mr, lr, _) = run(&ruled, &opt);
                let (_, _, _, _, ug) = run(&ruled, &Greedy { fee_bps: 5 });
                println!(
                    "{n:>4} {p:>5} {s:>4} | {tb:>7.3} {sb:>11.6} {mb:>4} {lb:>8.4} | {tr:>7.3} {sr:>11.6} {mr:>4} {lr:>8.4} | {ug:>11.6}"
                );
            }
        }
    }
}

fn main() {
    if std::env::var("STAKEBID_BENCH_GRID").is_ok() {
        return grid();
    }
    let m = generate(&GeneratorParams::with_positions(2000, 2000));
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, B256::ZERO, 500);
    let ctx = Context::new(&m, &sc);
    let d = Domain { chain_id: 31337, settlement: alloy::primitives::Address::repeat_byte(1) };
    println!(
        "{:>6} {:>9} | {:>10} {:>12} {:>7} | {:>10} {:>12}",
        "int", "strategy", "median s", "score ETH", "planned", "greedy s", "greedy ETH"
    );
    for (n, runs) in [(100usize, 3usize), (1000, 1)] {
        let intents: Vec<_> = batch::generate(&m, &d, n, 7, 1_790_000_000)
            .into_iter()
            .map(|s| (s.intent.id(&d), s.intent))
            .collect();
        let view = View { ctx: &ctx, intents: &intents };
        let time = |st: &dyn Strategy| {
            let mut ts = vec![];
            let mut sol = None;
            for _ in 0..runs {
                let t = Instant::now();
                sol = Some(st.solve(&view, None));
                ts.push(t.elapsed().as_secs_f64());
            }
            ts.sort_by(f64::total_cmp);
            (ts[ts.len() / 2], sol.unwrap())
        };
        let (tg, g) = time(&Greedy { fee_bps: 5 });
        // Baseline in the same run: the batch relaxation as one LP.
        let mut joint = Optimal::new(Backend::default_backend(), 5);
        joint.separable = false;
        for (name, st) in
            [("joint", joint), ("optimal", Optimal::new(Backend::default_backend(), 5))]
        {
            let (to, o) = time(&st);
            println!(
                "{n:>6} {:>9} | {to:>10.3} {:>12.4} {:>7} | {tg:>10.3} {:>12.4}",
                name,
                o.score() as f64 / 1e18,
                o.plans.len(),
                g.score() as f64 / 1e18
            );
        }
    }
}
