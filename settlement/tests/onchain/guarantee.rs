//! The guarantee rule on-chain (`GuaranteeRule`, through a test harness)
//! against the Rust rule (`stakebid_intents::guarantee`), to the wei, on
//! random plans: amounts up to a million ETH, floors up to 100 %, up to
//! six legs whose indexes moved from −100 % to +100 %, any elapsed time
//! around the horizon and any cap.

use alloy::primitives::U256;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use stakebid_intents::guarantee::{self, Leg, Terms};
use stakebid_intents::units::{Bps, Wad, Wei};
use stakebid_settlement::contracts::guarantee_rule_harness::GuaranteeRule;
use stakebid_settlement::contracts::GuaranteeRuleHarness;

use crate::fixture::*;
use crate::slashing::{slash_p2p, withdrawable};

const WAD: u128 = 1_000_000_000_000_000_000;

#[derive(Debug, Clone)]
struct Case {
    amount: u128,
    floor: u16,
    horizon: u16,
    settled_at: u64,
    after: u64,
    cap: u128,
    legs: Vec<(u128, u128, u128)>,
}

fn case() -> impl Strategy<Value = Case> {
    let leg = (0u128..=1_000_000 * WAD, 0u128..=2 * WAD, 0u128..=3 * WAD);
    (
        1u128..=1_000_000 * WAD,
        0u16..=10_000,
        30u16..=730,
        1_600_000_000u64..1_900_000_000,
        0u64..=800 * 86_400,
        prop_oneof![Just(u128::MAX >> 1), 0u128..=10 * WAD],
        proptest::collection::vec(leg, 0..=6),
    )
        .prop_map(|(amount, floor, horizon, settled_at, after, cap, legs)| Case {
            amount,
            floor,
            horizon,
            settled_at,
            after,
            cap,
            legs,
        })
}

#[test]
fn the_contracts_guarantee_payout_is_the_rust_rules_to_the_wei() {
    let cases: u32 =
        std::env::var("GUARANTEE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (fx, h) = rt.block_on(async {
        let fx = Fx::new().await;
        let h = *GuaranteeRuleHarness::deploy(fx.as_(DEPLOYER)).await.unwrap().address();
        (fx, h)
    });
    let harness = GuaranteeRuleHarness::new(h, fx.as_(DEPLOYER));
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7u8; 32]);
    let mut runner = TestRunner::new_with_rng(
        Config { cases, failure_persistence: None, ..Config::default() },
        rng,
    );
    let paid_some = std::sync::atomic::AtomicU32::new(0);
    runner
        .run(&case(), |c| {
            let now = c.settled_at + c.after;
            let t = guarantee::elapsed(c.settled_at, now, c.horizon);
            let terms = Terms { floor: Bps(c.floor), horizon_days: c.horizon, cap: Wei(c.cap) };
            let legs: Vec<Leg> = c
                .legs
                .iter()
                .map(|&(v, e, n)| Leg {
                    entry_value: Wei(v),
                    entry_index: Wad(e),
                    index_now: Wad(n),
                })
                .collect();
            let rust = guarantee::payout(&terms, Wei(c.amount), &legs, t).expect("in range");
            let (chain_t, chain) = rt.block_on(async {
                let t = harness.elapsed(c.settled_at, now, c.horizon).call().await.unwrap();
                let sol: Vec<GuaranteeRule::Leg> = c
                    .legs
                    .iter()
                    .map(|&(v, e, n)| GuaranteeRule::Leg {
                        entryValue: v,
                        entryIndex: e,
                        indexNow: n,
                    })
                    .collect();
                let r = harness
                    .payout(U256::from(c.amount), c.floor, t, U256::from(c.cap), sol)
                    .call()
                    .await
                    .unwrap();
                (t, r)
            });
            prop_assert_eq!(chain_t, U256::from(t), "elapsed");
            prop_assert_eq!(
                chain.owed,
                guarantee::promised(Wei(c.amount), Bps(c.floor), t),
                "promised"
            );
            prop_assert_eq!(Some(chain.value), guarantee::value_now(&legs), "value");
            prop_assert_eq!(chain.paid, U256::from(rust.0), "payout");
            if rust.0 > 0 {
                paid_some.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        })
        .unwrap();
    let n = paid_some.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("{cases} cases, {n} with a payout");
    // Both branches of the rule were exercised, not only one.
    assert!(n > cases / 10 && n < cases * 9 / 10, "{n} of {cases} paid");
}

/// `a` / `b` in parts per billion.
fn ppb(a: u128, b: u128) -> u128 {
    (U256::from(a) * U256::from(1_000_000_000u64) / U256::from(b)).to::<u128>()
}

#[tokio::test]
async fn a_positions_index_moves_with_the_protocols_not_with_what_its_owner_holds() {
    use alloy::primitives::Address;
    use stakebid_settlement::contracts::PositionHolder;
    use stakebid_settlement::guarantee::index;
    use stakebid_settlement::Confirm;
    let fx = Fx::new().await;
    let owner = fx.addr(USER);
    fx.escrow(USER, eth("3")).await;
    let si = fx.sign(fx.intent(owner, Address::ZERO, eth("2"), 1), USER);
    let plan = [("stETH@p2p", eth("0.99")), ("rETH@p2p", eth("0.5")), ("rETH", eth("0.5"))];
    let b = fx.bid(1, SOLVER, &[(&si, &plan, eth("0.01"))]);
    fx.settle(vec![fx.arg(&b, &[&si])]).await;
    let p = fx.as_(DEPLOYER);
    let read = |pos: &'static str| {
        let (p, d) = (p.clone(), fx.d.clone());
        async move { index(&p, &d, pos).await.unwrap().0 }
    };
    let (st0, rr0, r0) = (read("stETH@p2p").await, read("rETH@p2p").await, read("rETH").await);
    let strategy = fx.d.strategies["stETH"];
    let h = crate::batch::holding(&fx, owner, "p2p", "stETH").await;
    let w0 = withdrawable(&fx, h.holder, strategy).await;

    // EigenDA slashes half of what p2p allocated to it: 15 % of its stake.
    slash_p2p(&fx).await;
    let st1 = read("stETH@p2p").await;
    let w1 = withdrawable(&fx, h.holder, strategy).await;
    // The index fell by what EigenLayer says the staker can withdraw less.
    assert_eq!(ppb(st1, st0), ppb(w1.to(), w0.to()), "{st1}/{st0} vs {w1}/{w0}");
    assert_eq!(ppb(st1, st0), 850_000_000);
    // rETH's oracle reports 2 % less: the liquid and the restaked rETH
    // indexes fall by it (the restaked one also by the slashing).
    let pool = fx.pool("rETH", DEPLOYER);
    let rate = pool.getExchangeRate().call().await.unwrap();
    pool.setExchangeRate(rate * U256::from(98) / U256::from(100)).confirm().await.unwrap();
    assert_eq!(ppb(read("rETH").await, r0), 980_000_000);
    assert_eq!(ppb(read("rETH@p2p").await, rr0), 833_000_000, "0.85 × 0.98");

    // The owner takes every restaked share out: the position's measure
    // does not move (a guarantee cannot be faked by emptying the holder).
    let before = read("stETH@p2p").await;
    let shares =
        fx.strategies(DEPLOYER).stakerDepositShares(h.holder, strategy).call().await.unwrap();
    PositionHolder::new(h.holder, fx.as_(USER))
        .queueWithdrawal(strategy, shares)
        .confirm()
        .await
        .unwrap();
    assert_eq!(withdrawable(&fx, h.holder, strategy).await, U256::ZERO);
    assert_eq!(read("stETH@p2p").await, before);
}
