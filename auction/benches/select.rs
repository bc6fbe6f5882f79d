//! Scoring and winner selection: the auctioneer re-evaluates every plan of
//! every revealed bid, then selects winners exactly. Grid: 100 and 1,000
//! bids over batches of 100 and 1,000 intents (200 scenarios). Baseline in
//! the same run: scoring alone, so the selection's own cost is the gap.
//!
//! `cargo bench -p stakebid-auction --bench select`
#![allow(missing_docs)] // criterion macros generate undocumented items

use alloy::primitives::Address;
use criterion::{criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use std::collections::BTreeMap;

use stakebid_auction::domain::score::score;
use stakebid_auction::domain::winner::{select, Candidate};
use stakebid_intents::evaluate::CapacityUse;
use stakebid_intents::market::Index;
use stakebid_intents::protocol::Bid;
use stakebid_intents::{batch, Context, Domain, Intent, IntentId, Market, Plan, Scenarios, Wei};
use stakebid_solver::{Greedy, Strategy, View};

/// `bids` bids over `n` intents: solvers bid on random subsets (1–20
/// intents, some single-intent bids), each plan a valid greedy plan whose
/// fee varies by bidder, so bids overlap and compete on score.
fn instance(n: usize, bids: usize) -> (Market, BTreeMap<IntentId, Intent>, Vec<Bid>) {
    let m = Market::snapshot();
    let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
    let signed = batch::generate(&m, &d, n, 42, 1_790_000_000);
    let intents: Vec<(IntentId, Intent)> =
        signed.iter().map(|s| (s.intent.id(&d), s.intent.clone())).collect();
    let ix = Index::new(&m);
    let sc = Scenarios::generate(&m, &ix, alloy::primitives::B256::ZERO, 200);
    let ctx = Context::new(&m, &sc);
    let plans: BTreeMap<IntentId, Plan> = Greedy { fee_bps: 0 }
        .solve(&View { ctx: &ctx, intents: &intents }, None)
        .plans
        .into_iter()
        .map(|p| (p.intent, p))
        .collect();
    let ids: Vec<IntentId> = plans.keys().copied().collect();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let out = (0..bids)
        .map(|b| {
            let k = if b % 4 == 0 { 1 } else { 1 + (rng.next_u32() as usize % 20) };
            let fee_per_mille = 1 + rng.next_u32() as u128 % 5;
            let mut chosen: Vec<Plan> =
                (0..k).map(|_| plans[&ids[rng.next_u32() as usize % ids.len()]].clone()).collect();
            chosen.sort_by_key(|p| p.intent);
            chosen.dedup_by_key(|p| p.intent);
            for p in &mut chosen {
                // Move a sliver of the first allocation into the fee: allocations + fee still = amount.
                let f = p.allocations[0].amount.0 / 100_000 * fee_per_mille;
                p.allocations[0].amount = Wei(p.allocations[0].amount.0 - f);
                p.fee = Wei(p.fee.0 + f);
            }
            Bid::from_plans(1, Address::repeat_byte(b as u8 % 200 + 1), &chosen)
        })
        .collect();
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
        let scored = |bs: &[Bid]| -> Vec<Candidate> {
            bs.iter().filter_map(|b| score(&ctx, &batch, b).ok()).collect()
        };
        let cands = scored(&bs);
        let sel = select(&cands, &avail);
        eprintln!(
            "{n} intents, {bids} bids: {} valid, {} winners covering {} intents",
            cands.len(),
            sel.winners.len(),
            sel.winners.iter().map(|&w| cands[w].scores.len()).sum::<usize>()
        );
        g.bench_function(format!("{n} intents x {bids} bids: score only (baseline)"), |b| {
            b.iter(|| scored(&bs))
        });
        g.bench_function(format!("{n} intents x {bids} bids: score + select"), |b| {
            b.iter(|| select(&scored(&bs), &avail))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
