//! Durable intake: group commit against one flush per intent.
//!
//! `cargo bench -p stakebid-node --bench intake`
#![allow(missing_docs)] // criterion macros generate undocumented items

use alloy::primitives::Address;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use stakebid_intents::{batch, Domain, IntentId, Market, SignedIntent};
use stakebid_node::port::prelude::*;
use stakebid_node::store::Store;

fn bench(c: &mut Criterion) {
    let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
    let m = Market::snapshot();
    let mut seed = 0u64;
    let mut fresh = move || {
        seed += 1;
        batch::generate(&m, &d, 256, seed, 1_790_000_000)
            .into_iter()
            .map(|s| (s.intent.id(&d), s))
            .collect::<Vec<(IntentId, SignedIntent)>>()
    };
    let dir = std::env::temp_dir().join(format!("stakebid-intake-{}", std::process::id()));
    let store = Store::open(&dir).unwrap();
    let mut g = c.benchmark_group("intake 256 intents");
    g.throughput(Throughput::Elements(256)).sample_size(20);
    g.bench_function("one flush per intent (baseline)", |b| {
        b.iter_batched(
            &mut fresh,
            |group| {
                for one in group.chunks(1) {
                    store.accept(one).unwrap();
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("group commit", |b| {
        b.iter_batched(&mut fresh, |group| store.accept(&group).unwrap(), BatchSize::PerIteration)
    });
    g.finish();
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
