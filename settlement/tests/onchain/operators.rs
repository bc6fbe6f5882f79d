//! EigenLayer's operator and staker options the market meets on its own
//! contracts: an operator that names a delegation approver after the
//! market was read (a settlement into it fails as chain state moved, never
//! the solver's fault), and a position holder's owner naming who claims the
//! AVS rewards the holder earns in EigenLayer's RewardsCoordinator.

use alloy::primitives::Address;
use stakebid_devnet::avs::set_delegation_approver;
use stakebid_devnet::el::RewardsCoordinator;
use stakebid_settlement::contracts::PositionHolder;
use stakebid_settlement::executor::Outcome;
use stakebid_settlement::revert::{Blame, Revert};
use stakebid_settlement::Confirm;

use crate::batch::holding;
use crate::executor::{executor, one_job, tempdir};
use crate::fixture::*;

#[tokio::test]
async fn an_operator_that_starts_requiring_an_approver_fails_a_settlement_into_it_unblamed() {
    let fx = Fx::new().await;
    let db = sled::open(tempdir()).unwrap();
    let ex = executor(&fx, &db).await;
    // Open: a first staker's holder delegates to p2p.
    let o = ex.settle(&one_job(&fx, 1, "stETH@p2p").await).await.unwrap();
    assert!(matches!(o, Outcome::Settled { .. }), "{o:?}");
    // p2p now wants to approve each new delegator; the award was made on
    // a market read before that.
    let approver = fx.addr(RUNNER_UP + 10);
    set_delegation_approver(fx.url.as_str(), &fx.d, "p2p", approver).await.unwrap();
    let dm = fx.delegation(DEPLOYER);
    assert_eq!(dm.delegationApprover(fx.operator("p2p")).call().await.unwrap(), approver);
    let job = one_job(&fx, 2, "stETH@p2p").await;
    // USER's holder for p2p exists and is delegated: a second deposit needs
    // no approval. A new owner's holder would: use another staker.
    let mut job2 = job.clone();
    let other = USER + 1;
    fx.escrow(other, eth("2")).await;
    let si = fx.sign(fx.intent(fx.addr(other), Address::ZERO, eth("1"), 1), other);
    let b = fx.bid(1, SOLVER, &[(&si, &[("stETH@p2p", eth("0.99"))], eth("0.01"))]);
    job2.arg = fx.arg(&b, &[&si]);
    job2.key = alloy::primitives::B256::repeat_byte(9);
    let o = ex.settle(&job2).await.unwrap();
    assert_eq!(
        o,
        Outcome::Failed { reason: "SignatureExpired".into(), blame: Blame::StateMoved },
        "EigenLayer refuses the holder's unsigned delegation; nobody's fault"
    );
    // The already-delegated holder still takes more stake.
    let o = ex.settle(&job).await.unwrap();
    assert!(matches!(o, Outcome::Settled { .. }), "{o:?}");
    // The name the decoder gives is EigenLayer's own error.
    let data = stakebid_chain::protocols::IEigenLayerErrors::SignatureExpired {};
    let r = Revert::decode(&alloy::sol_types::SolError::abi_encode(&data)).unwrap();
    assert_eq!((r.name(), r.blame()), ("SignatureExpired", Blame::StateMoved));
}

#[tokio::test]
async fn a_holders_owner_names_who_claims_its_avs_rewards_and_nobody_else_can() {
    let fx = Fx::new().await;
    let owner = fx.addr(USER);
    fx.escrow(USER, eth("2")).await;
    let si = fx.sign(fx.intent(owner, Address::ZERO, eth("1"), 1), USER);
    let b = fx.bid(1, SOLVER, &[(&si, &[("stETH@p2p", eth("0.99"))], eth("0.01"))]);
    fx.settle(vec![fx.arg(&b, &[&si])]).await;
    let h = holding(&fx, owner, "p2p", "stETH").await;
    let rc_at =
        fx.d.rewards_coordinator.expect("the devnet deploys EigenLayer's RewardsCoordinator");
    let rc = RewardsCoordinator::new(rc_at, fx.as_(DEPLOYER));
    assert_eq!(rc.claimerFor(h.holder).call().await.unwrap(), Address::ZERO);
    // A stranger cannot redirect the holder's rewards.
    let thief = fx.addr(USER + 1);
    let e = PositionHolder::new(h.holder, fx.as_(USER + 1))
        .setRewardsClaimer(thief)
        .call()
        .await
        .expect_err("only the owner names the claimer");
    assert_eq!(revert_name(&e), "NotOwner");
    assert_eq!(rc.claimerFor(h.holder).call().await.unwrap(), Address::ZERO);
    // The owner names a wallet of its own: EigenLayer records it for the holder.
    let wallet = fx.addr(USER + 2);
    PositionHolder::new(h.holder, fx.as_(USER)).setRewardsClaimer(wallet).confirm().await.unwrap();
    assert_eq!(rc.claimerFor(h.holder).call().await.unwrap(), wallet);
}
