//! Signed intents per second through the HTTP API — JSON parsing,
//! EIP-712 hashing, signature recovery, validation, group-committed sled
//! writes and the 201 — with 64 requests in flight from one client. The
//! references in the same run, one core, no HTTP, no disk: raw signature
//! recovery (digest + secp256k1), and `accept` (the wallet JSON parsed,
//! hashed, recovered and validated).
//!
//! `cargo bench -p stakebid-node --bench http_intake`
#![allow(missing_docs)] // criterion macros generate undocumented items

use alloy::primitives::Address;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stakebid_intents::{accept, batch, Domain, Market, Policy};
use stakebid_node::api::{router, AppState, Intake};
use stakebid_node::store::Store;

const GROUP: usize = 256;

fn bodies(d: &Domain, seed: u64) -> Vec<(Value, alloy::primitives::Bytes)> {
    batch::generate(&Market::snapshot(), d, GROUP, seed, 1_790_000_000)
        .into_iter()
        .map(|s| (s.intent.typed_data(&s.domain), s.signature))
        .collect()
}

fn bench(c: &mut Criterion) {
    let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
    let policy = Policy::new(d);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = std::env::temp_dir().join(format!("stakebid-http-intake-{}", std::process::id()));
    let store = Arc::new(Store::open(&dir).unwrap());
    let addr = rt.block_on(async {
        let mut state = AppState::new(
            store.clone(),
            policy.clone(),
            stakebid_node::market::MarketFeed::fixed(Market::snapshot()),
            Arc::new(|| 1_790_000_000),
        );
        state.intake = Intake::with_owner_cap(store.clone(), usize::MAX);
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, router(state)).await.unwrap() });
        addr
    });
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/v1/intents");
    let mut g = c.benchmark_group("intake");
    g.throughput(Throughput::Elements(GROUP as u64))
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let raw: Vec<_> = batch::generate(&Market::snapshot(), &d, GROUP, 0, 1_790_000_000)
        .into_iter()
        .map(|s| {
            (
                s.intent,
                s.domain,
                stakebid_intents::signature::parse_signature(&s.signature).unwrap(),
            )
        })
        .collect();
    g.bench_function("raw signature recovery: EIP-712 digest + secp256k1 (reference)", |b| {
        b.iter(|| {
            for (i, dom, sig) in &raw {
                stakebid_intents::recover(i, dom, sig).unwrap();
            }
        })
    });
    let reference = bodies(&d, 0);
    g.bench_function("accept: parse typed data + recover + validate (reference)", |b| {
        b.iter(|| {
            for (td, sig) in &reference {
                accept(td, sig, 1_790_000_000, &policy).unwrap();
            }
        })
    });
    let mut seed = 1u64;
    g.bench_function("HTTP POST /v1/intents, 64 in flight, durable", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                seed += 1;
                let reqs: Vec<String> = bodies(&d, seed)
                    .into_iter()
                    .map(|(td, sig)| json!({ "typed_data": td, "signature": sig }).to_string())
                    .collect();
                let start = Instant::now();
                rt.block_on(async {
                    futures_util::stream::iter(reqs)
                        .map(|body| {
                            let c = client.clone();
                            let url = url.clone();
                            async move {
                                let r = c
                                    .post(&url)
                                    .header("content-type", "application/json")
                                    .body(body)
                                    .send()
                                    .await
                                    .unwrap();
                                assert_eq!(r.status(), 201);
                            }
                        })
                        .buffer_unordered(64)
                        .collect::<Vec<()>>()
                        .await
                });
                total += start.elapsed();
            }
            total
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
