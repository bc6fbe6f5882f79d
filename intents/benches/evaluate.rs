#![allow(missing_docs)] // criterion macros generate undocumented items
//! Evaluator and signature benchmarks.
//!
//! `cargo bench -p stakebid-intents --bench evaluate`
//!
//! - `evaluate/100x2000x500`: 100 intents, each a 5-position plan, against a
//!   2,000-position market and 500 scenarios; baseline in the same run:
//!   the same plans with a single (calm) scenario, i.e. without the CVaR work.
//! - `signature/recover`: EIP-712 digest + k256 recovery of one intent;
//!   baseline: the digest alone.

use alloy::primitives::{B256, U256};
use alloy::signers::local::PrivateKeySigner;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use stakebid_intents::market::{generate, GeneratorParams, Index};
use stakebid_intents::plan::Allocation;
use stakebid_intents::signature::{recover, sign};
use stakebid_intents::units::{Wei, WAD};
use stakebid_intents::{evaluate, Context, Domain, Intent, Plan, Scenarios, NATIVE_ETH};

fn intent(n: u64, owner: alloy::primitives::Address) -> Intent {
    Intent {
        owner,
        asset: NATIVE_ETH,
        amount: U256::from((n as u128 % 50 + 1) * WAD),
        minNetApyBps: 200,
        maxLossBps: 500,
        lossConfidenceBps: 9500,
        maxOperatorBps: 5000,
        maxServiceBps: 5000,
        minLiquidBps: 0,
        liquidWithinDays: 7,
        maxFeeBps: 10,
        excludedOperators: vec![],
        nonce: U256::from(n),
        deadline: 2_000_000_000,
    }
}

fn bench(c: &mut Criterion) {
    let domain = Domain { chain_id: 31337, settlement: alloy::primitives::Address::repeat_byte(1) };
    let key: PrivateKeySigner =
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80".parse().unwrap();
    let m = generate(&GeneratorParams::with_positions(2000, 1));
    let ix = Index::new(&m);
    let work: Vec<(Intent, Plan)> = (0..100u64)
        .map(|n| {
            let i = intent(n, key.address());
            let amount: u128 = i.amount.to();
            let legs: Vec<usize> =
                (0..5).map(|k| (n as usize * 37 + k * 401) % m.positions.len()).collect();
            let allocations = legs
                .iter()
                .enumerate()
                .map(|(k, &p)| Allocation {
                    position: m.positions[p].id.clone(),
                    amount: Wei(if k == 0 { amount - amount / 5 * 4 } else { amount / 5 }),
                })
                .collect();
            let plan = Plan { guarantee: None, intent: i.id(&domain), allocations, fee: Wei(0) };
            (i, plan)
        })
        .collect();
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(100));
    for count in [1u32, 500] {
        let sc = Scenarios::generate(&m, &ix, B256::ZERO, count);
        let ctx = Context::new(&m, &sc);
        let name = if count == 1 { "100x2000x1 (baseline)" } else { "100x2000x500" };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut ok = 0;
                for (i, p) in &work {
                    ok += evaluate(&ctx, i, p.intent, p).is_ok() as usize;
                }
                ok
            })
        });
    }
    g.finish();
    let mut g = c.benchmark_group("signature");
    g.throughput(Throughput::Elements(1));
    let i = intent(1, key.address());
    let sig = sign(&i, &domain, &key);
    g.bench_function("digest (baseline)", |b| b.iter(|| i.id(&domain)));
    g.bench_function("recover", |b| {
        b.iter_batched(|| i.clone(), |i| recover(&i, &domain, &sig).unwrap(), BatchSize::SmallInput)
    });
    g.finish();
    let mut g = c.benchmark_group("scenarios");
    g.bench_function("generate 500 over 2000 positions", |b| {
        b.iter(|| Scenarios::generate(&m, &ix, B256::ZERO, 500).list.len())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
