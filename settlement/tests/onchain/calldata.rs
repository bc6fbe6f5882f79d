//! The Settlement reads `settle`'s calldata by hand (see docs/settlement.md,
//! Gas), so it is tested as an attacker would: on anvil, random well-formed
//! settlements (one to three stakers, random amounts, plans over liquid,
//! restaked and held positions, random fees) and random mutations of their
//! ABI bytes — a flipped byte, a word replaced by another word of the same
//! calldata (aliased offsets and lengths), high bits set in a word, a small
//! delta to a word (an offset or length nudged), truncation. A well-formed
//! one settles exactly what was signed; every mutation either reverts or
//! does what the well-formed one does (the same logs: the same transfers,
//! deposits and events), or skips intents whose signature it broke and
//! settles the rest exactly as signed. 200 cases on one seed
//! (`CALLDATA_CASES`, `CALLDATA_SEED` to explore).

use std::collections::BTreeSet;

use alloy::primitives::{Address, Bytes, Log, B256, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::sol_types::{SolCall, SolEvent};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use stakebid_settlement::contracts::Settlement;

use crate::fixture::*;

const POSITIONS: [&str; 6] = ["stETH", "rETH", "stETH@p2p", "rETH@kiln", "stETH@figment", "ETH"];

/// (amount in milli-ETH, (position index, weight) per allocation, fee bps).
type Staker = (u64, Vec<(usize, u64)>, u64);

/// One generated case: per staker (amount in milli-ETH, allocation weights
/// over POSITIONS, fee in bps of the amount), then a mutation.
#[derive(Clone, Debug)]
struct Case {
    stakers: Vec<Staker>,
    mutation: Mutation,
}

#[derive(Clone, Debug)]
enum Mutation {
    None,
    FlipByte { at: usize, xor: u8 },
    AliasWord { word: usize, from: usize },
    HighBits { word: usize, bits: u8 },
    Nudge { word: usize, delta: i8 },
    Truncate { keep: usize },
}

fn case() -> impl Strategy<Value = Case> {
    let staker = (
        // At least 0.5 ETH and weights within 1:10, so no allocation falls
        // under a pool's minimum deposit (Rocket Pool's 0.01 ETH).
        500u64..3_000,
        proptest::collection::vec((0..POSITIONS.len(), 1u64..=10), 1..4),
        0u64..=100,
    );
    let mutation = prop_oneof![
        2 => Just(Mutation::None),
        2 => (any::<usize>(), 1u8..=255).prop_map(|(at, xor)| Mutation::FlipByte { at, xor }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(word, from)| Mutation::AliasWord { word, from }),
        1 => (any::<usize>(), 1u8..=255).prop_map(|(word, bits)| Mutation::HighBits { word, bits }),
        2 => (any::<usize>(), -64i8..=64).prop_map(|(word, delta)| Mutation::Nudge { word, delta }),
        1 => any::<usize>().prop_map(|keep| Mutation::Truncate { keep }),
    ];
    (proptest::collection::vec(staker, 1..4), mutation)
        .prop_map(|(stakers, mutation)| Case { stakers, mutation })
}

/// The case's `settle` calldata (well-formed), and its intents' ids.
fn calldata(fx: &Fx, c: &Case, nonce: u64) -> (Bytes, Vec<B256>) {
    let milli = |x: u64| U256::from(x) * U256::from(10u64.pow(15));
    let mut signed = vec![];
    let mut specs = vec![];
    for (k, (amount, weights, fee_bps)) in c.stakers.iter().enumerate() {
        let who = USER + k;
        let amount = milli(*amount);
        let fee = amount * U256::from(*fee_bps) / U256::from(10_000);
        let rest = amount - fee;
        let total: u64 = weights.iter().map(|(_, w)| w).sum();
        let mut allocs: Vec<(&str, U256)> = vec![];
        let mut left = rest;
        for (i, (p, w)) in weights.iter().enumerate() {
            let a = if i + 1 == weights.len() {
                left
            } else {
                rest * U256::from(*w) / U256::from(total)
            };
            left -= a;
            allocs.push((POSITIONS[*p], a));
        }
        let si = fx.sign(fx.intent(fx.addr(who), Address::ZERO, amount, nonce), who);
        signed.push(si);
        specs.push((allocs, fee));
    }
    let plans: Vec<_> = signed
        .iter()
        .zip(&specs)
        .map(|(si, (allocs, fee))| (si, allocs.as_slice(), *fee))
        .collect();
    let bid = fx.bid(1, SOLVER, &plans);
    let refs: Vec<&stakebid_intents::SignedIntent> = signed.iter().collect();
    let arg = fx.arg(&bid, &refs);
    let ids = signed.iter().map(|s| s.intent.id(&fx.domain).0).collect();
    (Settlement::settleCall { batch: vec![arg] }.abi_encode().into(), ids)
}

fn mutate(data: &Bytes, m: &Mutation) -> Bytes {
    let mut d = data.to_vec();
    // Words after the 4-byte selector.
    let words = (d.len() - 4) / 32;
    let word_at = |w: usize| 4 + 32 * (w % words);
    match *m {
        Mutation::None => {}
        Mutation::FlipByte { at, xor } => {
            let i = 4 + at % (d.len() - 4);
            d[i] ^= xor;
        }
        Mutation::AliasWord { word, from } => {
            let (to, from) = (word_at(word), word_at(from));
            let w: Vec<u8> = d[from..from + 32].to_vec();
            d[to..to + 32].copy_from_slice(&w);
        }
        Mutation::HighBits { word, bits } => d[word_at(word)] |= bits,
        Mutation::Nudge { word, delta } => {
            let at = word_at(word);
            let v = U256::from_be_slice(&d[at..at + 32]);
            let v = if delta >= 0 {
                v.wrapping_add(U256::from(delta as u64))
            } else {
                v.wrapping_sub(U256::from((-(delta as i16)) as u64))
            };
            d[at..at + 32].copy_from_slice(&v.to_be_bytes::<32>());
        }
        Mutation::Truncate { keep } => d.truncate(4 + keep % (d.len() - 4)),
    }
    d.into()
}

/// What `data` does when the executor sends it: `None` if it reverts
/// (simulated, nothing sent), else its logs, sent inside a snapshot that is
/// rolled back.
async fn effect(fx: &Fx, data: &Bytes) -> Option<Vec<Log>> {
    let p = fx.as_(EXECUTOR);
    let req = TransactionRequest::default()
        .from(fx.addr(EXECUTOR))
        .to(fx.d.settlement)
        .input(data.clone().into());
    if p.estimate_gas(req.clone()).await.is_err() {
        return None;
    }
    let snap: U256 = p.raw_request("evm_snapshot".into(), ()).await.unwrap();
    let r =
        p.send_transaction(req.gas_limit(15_000_000)).await.unwrap().get_receipt().await.unwrap();
    let _: bool = p.raw_request("evm_revert".into(), (snap,)).await.unwrap();
    r.status().then(|| r.inner.logs().iter().map(|l| l.inner.clone()).collect())
}

fn settled(logs: &[Log]) -> Vec<Settlement::IntentSettled> {
    logs.iter()
        .filter_map(|l| Settlement::IntentSettled::decode_log(l).ok().map(|e| e.data))
        .collect()
}

fn skipped(logs: &[Log]) -> Vec<Settlement::IntentSkipped> {
    logs.iter()
        .filter_map(|l| Settlement::IntentSkipped::decode_log(l).ok().map(|e| e.data))
        .collect()
}

/// Every address a log names in a topic after the first (transfer and
/// deposit recipients, holders, owners).
fn named(logs: &[Log]) -> BTreeSet<B256> {
    logs.iter().flat_map(|l| l.topics().iter().skip(1).copied()).collect()
}

/// How the mutations ended: reverted, identical, signature skips.
static SEEN: [std::sync::atomic::AtomicUsize; 3] = [
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
    std::sync::atomic::AtomicUsize::new(0),
];

fn seen(k: usize) {
    SEEN[k].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

async fn check(fx: &Fx, c: &Case, nonce: u64) -> Result<(), TestCaseError> {
    let (good, ids) = calldata(fx, c, nonce);
    let want = effect(fx, &good).await;
    let want = want.ok_or_else(|| TestCaseError::fail("a well-formed settlement reverted"))?;
    let done = settled(&want);
    prop_assert_eq!(done.iter().map(|e| e.intentId).collect::<Vec<_>>(), ids.clone());
    prop_assert!(skipped(&want).is_empty());
    if matches!(c.mutation, Mutation::None) {
        return Ok(());
    }
    let bad = mutate(&good, &c.mutation);
    if bad == good {
        return Ok(());
    }
    let Some(got) = effect(fx, &bad).await else {
        seen(0);
        return Ok(());
    };
    if got == want {
        seen(1);
        return Ok(());
    }
    seen(2);
    // Not identical: only allowed if the mutation broke signatures, so those
    // intents were skipped and the rest settled exactly as signed.
    let sk = skipped(&got);
    prop_assert!(!sk.is_empty(), "a mutation changed what settled: {:?}", c.mutation);
    prop_assert!(sk.iter().all(|s| s.reason == 1), "skipped for another reason: {:?}", c.mutation);
    for s in &sk {
        prop_assert!(ids.contains(&s.intentId));
    }
    for e in settled(&got) {
        prop_assert!(done.iter().any(|w| w.intentId == e.intentId
            && w.owner == e.owner
            && w.fee == e.fee
            && w.auctionId == e.auctionId));
    }
    let extra: Vec<_> = named(&got).difference(&named(&want)).copied().collect();
    prop_assert!(
        extra.is_empty(),
        "funds reached someone the signed settlement does not name: {extra:?}"
    );
    Ok(())
}

#[test]
fn hand_parsed_calldata_settles_what_was_signed_or_reverts() {
    let cases: u32 =
        std::env::var("CALLDATA_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let seed: u64 =
        std::env::var("CALLDATA_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(20261202);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fx = rt.block_on(async {
        let fx = Fx::new().await;
        for k in 0..3 {
            fx.escrow(USER + k, eth("100")).await;
        }
        fx
    });
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(
        Config { cases, failure_persistence: None, ..Config::default() },
        rng,
    );
    let nonce = std::sync::atomic::AtomicU64::new(1_000);
    runner
        .run(&case(), |c| {
            // A fresh nonce per case: each runs in a snapshot, but shrinking reruns cases.
            let n = nonce.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            rt.block_on(check(&fx, &c, n))
        })
        .unwrap();
    let n = |k: usize| SEEN[k].load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{cases} cases: mutations reverted {}, identical {}, signature skips {}",
        n(0),
        n(1),
        n(2)
    );
    // Not vacuous: mutations did reach the contract and were refused.
    assert!(n(0) > cases as usize / 10, "too few mutations reverted");
}
