//! Slashing on EigenLayer's own contracts: a service (AVS) slashes an
//! operator that holds a settled staker's restaked position and a queued
//! withdrawal. What the staker can withdraw, what its queued withdrawal
//! pays (the view the node's API and the explorer serve) and what the
//! tokens that arrive are, agree to the wei — all computed by EigenLayer —
//! and are the operator's slashed fraction less than before.

use alloy::primitives::{Address, U256};
use stakebid_devnet::el::{DelegationManager, IDelegationManagerTypes, StrategyBase};
use stakebid_settlement::contracts::PositionHolder;
use stakebid_settlement::withdrawals::pending;
use stakebid_settlement::Confirm;

use crate::batch::holding;
use crate::fixture::*;

const WAD: u128 = 1_000_000_000_000_000_000;

/// What the holder could withdraw now, in tokens (the SDK's `positions`).
pub(crate) async fn withdrawable(fx: &Fx, holder: Address, strategy: Address) -> U256 {
    let dm = fx.delegation(DEPLOYER);
    let s = dm.getWithdrawableShares(holder, vec![strategy]).call().await.unwrap();
    StrategyBase::new(strategy, fx.as_(DEPLOYER))
        .sharesToUnderlyingView(s.withdrawableShares[0])
        .call()
        .await
        .unwrap()
}

/// EigenDA slashes half of what p2p allocated to it (30 % of p2p's
/// magnitude): 15 % of every p2p staker's stake, computed by EigenLayer.
pub(crate) async fn slash_p2p(fx: &Fx) {
    let (rpc, p2p, half) = (fx.url.as_str(), fx.operator("p2p"), U256::from(WAD / 2));
    stakebid_devnet::avs::slash(rpc, &fx.d, "eigenda", p2p, half, "test").await.unwrap();
}

/// Queues `shares` of the holder's strategy; returns the queued withdrawal.
async fn queue(
    fx: &Fx,
    who: usize,
    holder: Address,
    strategy: Address,
    shares: U256,
) -> IDelegationManagerTypes::Withdrawal {
    let r = PositionHolder::new(holder, fx.as_(who))
        .queueWithdrawal(strategy, shares)
        .confirm()
        .await
        .unwrap();
    r.inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<DelegationManager::SlashingWithdrawalQueued>().ok())
        .expect("EigenLayer logs the queued withdrawal")
        .inner
        .data
        .withdrawal
}

#[tokio::test]
async fn a_slashed_operator_costs_its_stakers_exactly_what_eigenlayer_computes() {
    let fx = Fx::new().await;
    let a = USER;
    let owner = fx.addr(a);
    fx.escrow(a, eth("3")).await;
    let si = fx.sign(fx.intent(owner, Address::ZERO, eth("2"), 1), a);
    let b = fx.bid(1, SOLVER, &[(&si, &[("stETH@p2p", eth("1.99"))], eth("0.01"))]);
    fx.settle(vec![fx.arg(&b, &[&si])]).await;
    let strategy = fx.d.strategies["stETH"];
    let steth = fx.asset("stETH");
    let h = holding(&fx, owner, "p2p", "stETH").await;
    assert_eq!(h.delegated, fx.operator("p2p"), "held in EigenLayer, delegated to p2p");

    // Half of it queued out; the rest stays restaked.
    let queued = queue(&fx, a, h.holder, strategy, h.shares / U256::from(2)).await;
    let (_, before) =
        pending(&fx.as_(DEPLOYER), &fx.d, &[("stETH@p2p".into(), h.holder, strategy)])
            .await
            .unwrap();
    let queued_before = before[0].withdrawable;
    let held_before = withdrawable(&fx, h.holder, strategy).await;

    // EigenDA slashes half of what p2p allocated to it: 30 % of p2p's
    // magnitude → 15 % of every p2p staker's stake.
    slash_p2p(&fx).await;

    // Independently: 85 % of what each was worth (EigenLayer rounds down).
    let (_, after) = pending(&fx.as_(DEPLOYER), &fx.d, &[("stETH@p2p".into(), h.holder, strategy)])
        .await
        .unwrap();
    let queued_after = after[0].withdrawable;
    let held_after = withdrawable(&fx, h.holder, strategy).await;
    let expect = |x: U256| x * U256::from(85) / U256::from(100);
    for (what, was, is) in [
        ("queued withdrawal", queued_before, queued_after),
        ("restaked position", held_before, held_after),
    ] {
        assert!(is < was, "{what}: nothing lost ({is} vs {was})");
        assert!(expect(was).abs_diff(is) <= U256::from(2), "{what}: {is} is not 85 % of {was}");
    }

    // The queued withdrawal, completed after EigenLayer's delay, pays
    // exactly what the view said; so does the rest once withdrawn.
    let mine = PositionHolder::new(h.holder, fx.as_(a));
    fx.mine(DELAY_BLOCKS as u64 + 1).await;
    let lido = fx.lido(DEPLOYER);
    let t0 = lido.balanceOf(owner).call().await.unwrap();
    mine.completeWithdrawal(holder_withdrawal(queued), steth).confirm().await.unwrap();
    let t1 = lido.balanceOf(owner).call().await.unwrap();
    assert_eq!(t1 - t0, queued_after, "the queued withdrawal paid what the view said, to the wei");
    let rest =
        fx.strategies(DEPLOYER).stakerDepositShares(h.holder, strategy).call().await.unwrap();
    let w = queue(&fx, a, h.holder, strategy, rest).await;
    fx.mine(DELAY_BLOCKS as u64 + 1).await;
    // A fresh provider: `queue` signed with its own (nonces are cached per provider).
    let mine = PositionHolder::new(h.holder, fx.as_(a));
    mine.completeWithdrawal(holder_withdrawal(w), steth).confirm().await.unwrap();
    let t2 = lido.balanceOf(owner).call().await.unwrap();
    assert_eq!(t2 - t1, held_after, "the position paid what the view said, to the wei");
}
