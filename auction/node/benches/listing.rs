//! Listings at 1k, 20k and 100k stored intents: one owner's page of 50
//! (owner index) and the newest 20 auctions (id-ordered range, heads
//! only), each against the read it replaced, measured in the same run —
//! every intent read and filtered by owner, every auction read whole.
//!
//! `cargo bench -p stakebid-node --bench listing`
#![allow(missing_docs)] // criterion macros generate undocumented items

use alloy::primitives::{Address, B256, U256};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use stakebid_auction::domain::outcome::{Outcome, ScoredBid};
use stakebid_auction::domain::phase::Phase;
use stakebid_intents::protocol::Bid;
use stakebid_intents::{batch, IntentId, Market, SignedIntent};
use stakebid_node::port::prelude::*;
use stakebid_node::port::{AsyncStore, AuctionRecord, Status};
use stakebid_node::store::Store;
use stakebid_tests::test_domain as domain;

/// A store with `n` intents (50 of them one owner's) and n / 100 auctions
/// whose public outcomes are ~20 KB each.
fn fill(n: usize) -> (Store, Address, std::path::PathBuf) {
    let d = domain();
    let dir = std::env::temp_dir().join(format!("stakebid-listing-{n}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let m = Market::snapshot();
    let base = batch::generate(&m, &d, 1, 1, 1_790_000_000).remove(0);
    let owner = base.intent.owner;
    let mine: Vec<(IntentId, SignedIntent)> = (0..50u64)
        .map(|k| {
            let mut s = base.clone();
            s.intent.nonce = U256::from(k);
            (s.intent.id(&d), s)
        })
        .collect();
    store.accept(&mine).unwrap();
    let mut seed = 10;
    let mut stored = 50;
    while stored < n {
        let k = (n - stored).min(2000);
        let g: Vec<(IntentId, SignedIntent)> = batch::generate(&m, &d, k, seed, 1_790_000_000)
            .into_iter()
            .map(|s| (s.intent.id(&d), s))
            .collect();
        store.accept(&g).unwrap();
        seed += 1;
        stored += k;
    }
    let pending = store.with_status(Status::Pending).unwrap();
    // ~20 KB of published bids per auction, one award.
    let bid = |i: u8| ScoredBid {
        figures: Default::default(),
        solver: Address::repeat_byte(i),
        bid_hash: B256::repeat_byte(i),
        bid: Bid { auctionId: 1, solver: Address::repeat_byte(i), plans: vec![] },
        plans: Some(vec![]),
        scores: (0..4u8)
            .map(|k| (IntentId(B256::repeat_byte(k)), 1_000_000_000_000_000i128))
            .collect(),
        total: 4_000_000_000_000_000,
        won: i == 3,
        unfair: false,
        settlement_failed: false,
        runner_up: false,
    };
    let outcome = Outcome {
        bids: (0..40).map(bid).collect(),
        rejected: vec![],
        market_hash: B256::ZERO,
        market_block: None,
        params_as_of: String::new(),
        scenario_count: 200,
        generator_version: 1,
        faults: vec![],
        total_score: 4_000_000_000_000_000,
        reference_scores: Default::default(),
        awards: vec![],
    };
    for (a, chunk) in pending[50..].chunks(100).take(n / 100).enumerate() {
        let id = a as u64 + 1;
        let rec = AuctionRecord {
            id,
            intents: chunk.iter().map(|x| x.0).collect(),
            seed: B256::ZERO,
            commit_deadline: 1,
            reveal_deadline: 2,
            phase: Phase::Committing,
            public: None,
        };
        store.open_auction(&rec).unwrap();
        store.set_phase(id, Phase::Revealing).unwrap();
        store.conclude(id, outcome.clone(), Phase::Scored, &[]).unwrap();
    }
    (store, owner, dir)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("listing");
    g.sample_size(10);
    for n in [1_000usize, 20_000, 100_000] {
        let (store, owner, dir) = fill(n);
        g.bench_with_input(
            BenchmarkId::new("owner page of 50: scan every intent (baseline)", n),
            &n,
            |b, _| {
                b.iter(|| {
                    // Every stored intent (all are pending or in an auction here).
                    let mut all = store.with_status(Status::Pending).unwrap();
                    all.extend(store.with_status(Status::InAuction).unwrap());
                    all.into_iter().filter(|(_, r)| r.signed.intent.owner == owner).take(50).count()
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("owner page of 50: owner index", n), &n, |b, _| {
            b.iter(|| store.owner_page(&owner, None, 50).unwrap().intents.len())
        });
        // The API's path, as a handler runs it: 20 owner pages read in one
        // task on a worker of the node's (multi-threaded) runtime — directly
        // on the worker (the previous main's handlers), through `AsyncStore`
        // (`run`: block_in_place) and through the blocking pool (the hop
        // this replaced), same run.
        let store = std::sync::Arc::new(store);
        let facade = AsyncStore::new(store.clone());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        const READS: usize = 20;
        // A few µs a call against a noisy 2-core machine: more samples.
        g.sample_size(30);
        g.bench_with_input(
            BenchmarkId::new("20 owner pages in a handler task: on the worker (before)", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let st = store.clone();
                    rt.block_on(rt.spawn(async move {
                        let mut k = 0;
                        for _ in 0..READS {
                            k += st.owner_page(&owner, None, 50).unwrap().intents.len();
                        }
                        k
                    }))
                    .unwrap()
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("20 owner pages in a handler task: AsyncStore::run", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let f = facade.clone();
                    rt.block_on(rt.spawn(async move {
                        let mut k = 0;
                        for _ in 0..READS {
                            let p = f.run(move |st| st.owner_page(&owner, None, 50)).await;
                            k += p.unwrap().intents.len();
                        }
                        k
                    }))
                    .unwrap()
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("20 owner pages in a handler task: blocking pool", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let f = facade.clone();
                    rt.block_on(rt.spawn(async move {
                        let mut k = 0;
                        for _ in 0..READS {
                            let p = f.run_on_pool(move |st| st.owner_page(&owner, None, 50)).await;
                            k += p.unwrap().intents.len();
                        }
                        k
                    }))
                    .unwrap()
                })
            },
        );
        g.sample_size(10);
        let last = store.last_auction_id().unwrap();
        g.bench_with_input(
            BenchmarkId::new("newest 20 auctions: read every auction (baseline)", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let mut all: Vec<AuctionRecord> =
                        (1..=last).filter_map(|i| store.auction(i).unwrap()).collect();
                    all.reverse();
                    all.truncate(20);
                    all.len()
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("newest 20 auctions: range of heads", n),
            &n,
            |b, _| b.iter(|| store.auction_page(None, 20).unwrap().len()),
        );
        drop((facade, store));
        let _ = std::fs::remove_dir_all(&dir);
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
