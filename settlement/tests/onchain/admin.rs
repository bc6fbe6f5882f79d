//! Admin powers you can watch: after the deploy's setup window every change
//! of auctioneer, executor, adapter or route waits in the Settlement's
//! timelock (queued as a public event, executable only after the delay),
//! `pause` stops `settle` at once, the three keys stay separate and the
//! auctioneer is never zero, and the minimum out of a liquid position is
//! measured in the owner's balance, so an adapter that lies about what it
//! delivered settles nothing.

use alloy::primitives::{Address, Bytes, U256};
use alloy::sol_types::{SolCall, SolEvent};
use stakebid_settlement::contracts::{LyingAdapter, Settlement};
use stakebid_settlement::Confirm;

use crate::fixture::*;

fn call_bytes(c: impl SolCall) -> Bytes {
    Bytes::from(c.abi_encode())
}

/// `settle`'s argument for one intent all (less a 0.01 fee) into
/// `position`, built by hand: the executor would not price a position the
/// market does not list. Minimum out zero.
fn hand_built(fx: &Fx, si: &stakebid_intents::SignedIntent, position: &str) -> Settlement::Settle {
    let b = fx.bid(1, SOLVER, &[(si, &[(position, eth("0.99"))], eth("0.01"))]);
    let mut arg =
        fx.arg(&fx.bid(1, SOLVER, &[(si, &[("stETH", eth("0.99"))], eth("0.01"))]), &[si]);
    let (award, sig) = fx.award(&b, AUCTIONEER);
    arg.bid = stakebid_settlement::calldata::bid(&b);
    arg.award = stakebid_settlement::calldata::award(&award);
    arg.awardSignature = Bytes::from(sig.as_bytes());
    arg.minOut = vec![vec![U256::ZERO]];
    arg
}

async fn revert_of_tx<T>(r: Result<T, alloy::contract::Error>) -> String {
    match r {
        Ok(_) => "no revert".into(),
        Err(e) => revert_name(&e),
    }
}

#[tokio::test]
async fn a_route_change_waits_in_the_timelock_and_is_unusable_before_its_delay() {
    let fx = Fx::new().await;
    let admin = fx.settlement(DEPLOYER);
    let u = USER;
    fx.escrow(u, eth("5")).await;
    let si = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 1), u);
    let delay = admin.delay().call().await.unwrap();
    assert_eq!(delay, 60, "the devnet's delay, set at deploy");
    assert!(admin.configured().call().await.unwrap(), "deploy closes the setup window");

    // Directly, even the admin cannot change a route, an adapter or a key any more.
    let set_route = Settlement::setRouteCall {
        id: "stETH-NEW".into(),
        adapter: fx.d.minters["stETH"],
        token: fx.asset("stETH"),
        operator: Address::ZERO,
    };
    let direct = admin
        .setRoute("stETH-NEW".into(), fx.d.minters["stETH"], fx.asset("stETH"), Address::ZERO)
        .call()
        .await;
    assert_eq!(revert_of_tx(direct).await, "TimelockRequired");
    let direct = admin.allowAdapter(Address::repeat_byte(9), true).call().await;
    assert_eq!(revert_of_tx(direct).await, "TimelockRequired");
    let direct = admin.setAuctioneer(fx.addr(USER + 5)).call().await;
    assert_eq!(revert_of_tx(direct).await, "TimelockRequired");
    // Nobody but the admin queues.
    let stranger = fx.settlement(u).queue(call_bytes(set_route.clone())).call().await;
    assert_eq!(revert_of_tx(stranger).await, "NotAdmin");

    // Queued: public, with its call and when it may run.
    let r = admin.queue(call_bytes(set_route.clone())).confirm().await.unwrap();
    let ev = r
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<Settlement::ChangeQueued>().ok())
        .expect("ChangeQueued");
    assert_eq!(ev.inner.data.call, call_bytes(set_route.clone()));
    let arg = hand_built(&fx, &si, "stETH-NEW");
    // Before the delay: not executable, and the route does not exist.
    let early = admin.execute(call_bytes(set_route.clone())).call().await;
    assert_eq!(revert_of_tx(early).await, "TooEarly");
    fx.warp(delay - 10).await;
    let early = admin.execute(call_bytes(set_route.clone())).call().await;
    assert_eq!(revert_of_tx(early).await, "TooEarly");
    assert_eq!(fx.revert_of(vec![arg.clone()]).await, "UnknownPosition");
    // After it: anyone may execute it, once; then the route is usable.
    fx.warp(11).await;
    fx.settlement(u).execute(call_bytes(set_route.clone())).confirm().await.unwrap();
    let again = admin.execute(call_bytes(set_route)).call().await;
    assert_eq!(revert_of_tx(again).await, "NotQueued");
    assert_eq!(fx.outcome_of(vec![arg]).await, "settled");

    // A queued change can be cancelled before it runs.
    let allow = call_bytes(Settlement::allowAdapterCall {
        adapter: Address::repeat_byte(9),
        allowed: true,
    });
    admin.queue(allow.clone()).confirm().await.unwrap();
    let id = alloy::primitives::keccak256(&allow);
    admin.cancel(id).confirm().await.unwrap();
    fx.warp(delay + 1).await;
    assert_eq!(revert_of_tx(admin.execute(allow).call().await).await, "NotQueued");
}

#[tokio::test]
async fn pause_stops_settle_at_once_and_withdrawals_stay_open() {
    let fx = Fx::new().await;
    let u = USER;
    fx.escrow(u, eth("3")).await;
    let si = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 1), u);
    let b = fx.bid(1, SOLVER, &[(&si, &[("stETH", eth("0.99"))], eth("0.01"))]);
    let arg = fx.arg(&b, &[&si]);
    // Only the admin pauses.
    let stranger = fx.settlement(u).setPaused(true).call().await;
    assert_eq!(revert_of_tx(stranger).await, "NotAdmin");
    let r = fx.settlement(DEPLOYER).setPaused(true).confirm().await.unwrap();
    assert!(r
        .inner
        .logs()
        .iter()
        .any(|l| l.topic0() == Some(&Settlement::PausedSet::SIGNATURE_HASH)));
    assert_eq!(fx.revert_of(vec![arg.clone()]).await, "IsPaused");
    // Owners still get their ETH out while settlement is stopped.
    fx.settlement(u).withdraw(eth("1")).confirm().await.unwrap();
    assert_eq!(fx.settlement(DEPLOYER).escrowOf(fx.addr(u)).call().await.unwrap(), eth("2"));
    fx.settlement(DEPLOYER).setPaused(false).confirm().await.unwrap();
    assert_eq!(fx.outcome_of(vec![arg]).await, "settled");
}

#[tokio::test]
async fn admin_auctioneer_and_executor_are_separate_keys_and_the_auctioneer_is_never_zero() {
    let fx = Fx::new().await;
    let p = fx.as_(USER + 6);
    let reg = fx.d.registry;
    let (me, auctioneer, executor) = (fx.addr(USER + 6), fx.addr(AUCTIONEER), fx.addr(EXECUTOR));
    // The deployer (admin) as auctioneer or executor, the auctioneer as
    // executor, a zero auctioneer: refused at deploy.
    for (a, e, want) in [
        (me, executor, "SharedKey"),
        (auctioneer, me, "SharedKey"),
        (auctioneer, auctioneer, "SharedKey"),
        (Address::ZERO, executor, "ZeroAddress"),
    ] {
        let r = Settlement::deploy(p.clone(), a, reg, e, 60).await;
        assert_eq!(revert_of_tx(r).await, want, "auctioneer {a}, executor {e}");
    }
    // Through the timelock: a zero auctioneer, or the admin as executor,
    // fails when executed and changes nothing.
    let admin = fx.settlement(DEPLOYER);
    for call in [
        call_bytes(Settlement::setAuctioneerCall { a: Address::ZERO }),
        call_bytes(Settlement::setExecutorCall { e: fx.addr(DEPLOYER), allowed: true }),
    ] {
        admin.queue(call.clone()).confirm().await.unwrap();
        fx.warp(61).await;
        assert_eq!(revert_of_tx(admin.execute(call).call().await).await, "ChangeFailed");
    }
    assert_eq!(admin.auctioneer().call().await.unwrap(), auctioneer);
    assert!(!admin.isExecutor(fx.addr(DEPLOYER)).call().await.unwrap());
    // A proper rotation goes through.
    fx.configure(Settlement::setAuctioneerCall { a: fx.addr(USER + 7) }).await;
    assert_eq!(admin.auctioneer().call().await.unwrap(), fx.addr(USER + 7));
}

#[tokio::test]
async fn a_liquid_positions_minimum_out_is_measured_in_the_owners_balance() {
    let fx = Fx::new().await;
    let u = USER;
    fx.escrow(u, eth("3")).await;
    // An adapter that reports full output and delivers nothing, routed for
    // stETH through the timelock (what a stolen admin key could do, slowly).
    let liar = LyingAdapter::deploy(fx.as_(DEPLOYER)).await.unwrap();
    fx.configure(Settlement::setRouteCall {
        id: "stETH-LIE".into(),
        adapter: *liar.address(),
        token: fx.asset("stETH"),
        operator: Address::ZERO,
    })
    .await;
    fx.configure(Settlement::allowAdapterCall { adapter: *liar.address(), allowed: true }).await;
    let si = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 1), u);
    let mut arg = hand_built(&fx, &si, "stETH-LIE");
    // The executor's minimum: 0.98 stETH. The adapter claims 0.99; the owner got 0.
    arg.minOut = vec![vec![eth("0.98")]];
    assert_eq!(fx.revert_of(vec![arg]).await, "MinOutNotMet");
    assert_eq!(fx.settlement(DEPLOYER).escrowOf(fx.addr(u)).call().await.unwrap(), eth("3"));

    // Two intents of one owner into stETH in one award share one measured
    // gain (0.99 + 0.99): their minimums are summed, not each checked
    // against the whole gain.
    let a1 = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 2), u);
    let a2 = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 3), u);
    let plan = [("stETH", eth("0.99"))];
    let b = fx.bid(1, SOLVER, &[(&a1, &plan, eth("0.01")), (&a2, &plan, eth("0.01"))]);
    let mut arg = fx.arg(&b, &[&a1, &a2]);
    arg.minOut = vec![vec![eth("0.99")], vec![eth("0.99") + U256::from(1)]];
    assert_eq!(fx.revert_of(vec![arg.clone()]).await, "MinOutNotMet");
    arg.minOut = vec![vec![eth("0.99")], vec![eth("0.99")]];
    assert_eq!(fx.outcome_of(vec![arg]).await, "settled");
}
