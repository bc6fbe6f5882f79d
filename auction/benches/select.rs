//! Scoring and winner selection: the auctioneer re-evaluates every plan of
//! every revealed bid, then selects winners exactly. Grid: 100 and 1,000
//! bids over batches of 100 and 1,000 intents (200 scenarios). Baseline in
//! the same run: the sequential path (every plan of every bid evaluated in
//! turn on one core, as before `score_all` memoised and parallelised), then
//! `score_all` alone, then `score_all` + selection.
//!
//! `cargo bench -p stakebid-auction --bench select`
#![allow(missing_docs)] // criterion macros generate undocumented items

use alloy::primitives::Address;
use criterion::{criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use std::collections::BTreeMap;

use stakebid_auction::domain::score::{score, score_all};
use stakebid_auction::domain::winner::{select, Candidate};
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::market::Index;
use stakebid_intents::protocol::Bid;
use stakebid_intents::{batch, Context, Domain, Intent, IntentId, Market, Plan, Scenarios};
use stakebid_solver::{Greedy, Strategy, View};

/// `bids` bids over `n` intents, shaped like a real round (see inside);
/// every plan a greedy plan with a solver-specific fee.
fn instance(n: usize, bids: usize) -> (Market, BTreeMap<IntentId, Intent>, Vec<Bid>) {
    let m = Market::snapshot();
    let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
    let signed = batch::generate(&m, &d, n, 42, 1_790_000_000);
    let intents: Vec<(IntentId, Intent)> =
        signed.iter().map(|s| (s.intent.id(&d), s.intent.clone())).collect();
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, alloy::primitives::B256::ZERO, 200);
    let ctx = Context::new(&m, &sc);
    // Valid plans at five fee levels; a solver's fee picks its level.
    let levels: Vec<BTreeMap<IntentId, Plan>> = (1..=5)
        .map(|fee_bps| {
            Greedy { fee_bps }
                .solve(&View { ctx: &ctx, intents: &intents }, None)
                .plans
                .into_iter()
                .map(|p| (p.intent, p))
                .collect()
        })
        .collect();
    let ids: Vec<IntentId> =
        levels[4].keys().copied().filter(|id| levels.iter().all(|l| l.contains_key(id))).collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    // Each solver sends up to 3 bids (the protocol's limit): what it can
    // plan of the batch (80–100 % of it), a random half of that, and one
    // single intent; fees differ by solver, so bids compete on score.
    let mut out = Vec::with_capacity(bids);
    let mut solver = 0u32;
    while out.len() < bids {
        solver += 1;
        let plans = &levels[rng.next_u32() as usize % levels.len()];
        let cover = 80 + rng.next_u32() as usize % 21;
        let mine: Vec<IntentId> =
            ids.iter().copied().filter(|_| (rng.next_u32() % 100) < cover as u32).collect();
        let half: Vec<IntentId> =
            mine.iter().copied().filter(|_| rng.next_u32() % 2 == 0).collect();
        let single = vec![ids[rng.next_u32() as usize % ids.len()]];
        for subset in [mine, half, single] {
            if out.len() == bids || subset.is_empty() {
                continue;
            }
            let chosen: Vec<Plan> = subset.iter().map(|id| plans[id].clone()).collect();
            let mut who = [0u8; 20];
            who[16..].copy_from_slice(&solver.to_be_bytes());
            out.push(Bid::from_plans(1, Address::from(who), &chosen));
        }
    }
    (m, intents.into_iter().collect(), out)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("score + select");
    g.sample_size(10);
    for (n, bids) in [(100, 100), (100, 1000), (1000, 100), (1000, 1000)] {
        let (m, batch, bs) = instance(n, bids);
        let ix = Index::new(&m);
        let sc = Scenarios::generate(&m, &ix, alloy::primitives::B256::ZERO, 200);
        let ctx = Context::new(&m, &sc);
        let avail = CapacityUse::available(&m);
        let sequential = |bs: &[Bid]| -> Vec<Candidate> {
            bs.iter().filter_map(|b| score(&ctx, &batch, b).ok()).collect()
        };
        let s = score_all(&ctx, &batch, &bs);
        let sel = select(&s.cands, &avail);
        assert_eq!(s.cands, sequential(&bs), "the fast path is the sequential one");
        println!(
            "{n} intents, {bids} bids: {} valid, {} winners covering {} intents; {} plans, {} distinct ({:.1} % duplicates)",
            s.cands.len(),
            sel.winners.len(),
            sel.winners.iter().map(|&w| s.cands[w].scores.len()).sum::<usize>(),
            s.plans,
            s.evaluated,
            100.0 * (s.plans - s.evaluated) as f64 / s.plans.max(1) as f64
        );
        g.bench_function(
            format!("{n} intents x {bids} bids: sequential score, one core (baseline)"),
            |b| b.iter(|| sequential(&bs)),
        );
        g.bench_function(format!("{n} intents x {bids} bids: score_all"), |b| {
            b.iter(|| score_all(&ctx, &batch, &bs))
        });
        g.bench_function(format!("{n} intents x {bids} bids: score_all + select"), |b| {
            b.iter(|| select(&score_all(&ctx, &batch, &bs).cands, &avail))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
