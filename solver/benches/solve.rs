//! Solver benchmarks: solve time per strategy and backend over batch size,
//! market size and scenario count, and the surplus of `optimal` relative to
//! the two heuristic baselines on the same instances.
//!
//! `cargo bench -p stakebid-solver --bench solve`
//! (`STAKEBID_BENCH_QUICK=1` runs the small half of the grid.)
#![allow(missing_docs)] // criterion macros generate undocumented items

use alloy::primitives::B256;
use criterion::{criterion_group, criterion_main, Criterion};
use stakebid_intents::batch;
use stakebid_intents::market::{generate, GeneratorParams, Index};
use stakebid_intents::{Context, Domain, Intent, IntentId, Market, Scenarios};
use stakebid_solver::{Backend, Greedy, Optimal, Strategy, View, Waterfill};
use std::time::Duration;

fn instance(positions: usize, intents: usize) -> (Market, Vec<(IntentId, Intent)>) {
    let m = generate(&GeneratorParams::with_positions(positions, positions as u64));
    let d = Domain { chain_id: 31337, settlement: alloy::primitives::Address::repeat_byte(1) };
    let b = batch::generate(&m, &d, intents, 7, 1_790_000_000)
        .into_iter()
        .map(|s| (s.intent.id(&d), s.intent))
        .collect();
    (m, b)
}

fn grid() -> Vec<(usize, usize, u32)> {
    let quick = std::env::var("STAKEBID_BENCH_QUICK").is_ok();
    let mut g = Vec::new();
    for &n in &[1usize, 10, 100] {
        for &p in &[100usize, 1000, 2000] {
            for &s in &[100u32, 500] {
                if !quick || (p <= 1000 && n <= 10) {
                    g.push((n, p, s));
                }
            }
        }
    }
    g
}

fn strategies(n: usize, p: usize) -> Vec<(String, Box<dyn Strategy>)> {
    let mut v: Vec<(String, Box<dyn Strategy>)> = vec![
        ("optimal/cbc".into(), Box::new(Optimal::new(Backend::default_backend(), 5))),
        ("greedy".into(), Box::new(Greedy { fee_bps: 5 })),
        ("waterfill".into(), Box::new(Waterfill { fee_bps: 5 })),
    ];
    // microlp is far slower on large instances; it runs where it finishes in seconds.
    if n <= 10 && p <= 1000 {
        v.push(("optimal/microlp".into(), Box::new(Optimal::new(Backend::MicroLp, 5))));
    }
    v
}

fn bench(c: &mut Criterion) {
    println!("\nsurplus of the same instances (sum of evaluator surplus, ETH):");
    println!(
        "{:>4} {:>5} {:>4} | {:>10} {:>10} {:>10} | {:>9} {:>9}",
        "int", "pos", "scn", "optimal", "greedy", "waterfill", "opt/gr", "opt/wf"
    );
    for (n, p, s) in grid() {
        let (m, intents) = instance(p, n);
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, B256::ZERO, s);
        let ctx = Context::new(&m, &sc);
        let view = View { ctx: &ctx, intents: &intents };
        let surplus = |st: &dyn Strategy| -> f64 {
            st.solve(&view, None).evaluations.iter().map(|e| e.surplus as f64 / 1e18).sum()
        };
        let o = surplus(&Optimal::new(Backend::default_backend(), 5));
        let g = surplus(&Greedy { fee_bps: 5 });
        let w = surplus(&Waterfill { fee_bps: 5 });
        println!(
            "{n:>4} {p:>5} {s:>4} | {o:>10.4} {g:>10.4} {w:>10.4} | {:>9} {:>9}",
            ratio(o, g),
            ratio(o, w)
        );
        let mut group = c.benchmark_group(format!("solve/{n}x{p}x{s}"));
        group.sample_size(10).warm_up_time(Duration::from_millis(200));
        if n * p >= 100_000 {
            group.measurement_time(Duration::from_secs(20));
        }
        for (name, st) in strategies(n, p) {
            group.bench_function(name, |b| b.iter(|| st.solve(&view, None).plans.len()));
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

/// optimal / baseline, or "n/a" when the baseline planned nothing.
fn ratio(o: f64, base: f64) -> String {
    if base > 1e-12 {
        format!("{:.3}", o / base)
    } else {
        "n/a".into()
    }
}
