//! Owners exit: a restaked position is withdrawn through its holder after
//! EigenLayer's delay, LST positions are redeemed through the stand-ins'
//! withdrawal paths; funds arrive at the owner and nobody else can take them.

use alloy::primitives::{Address, U256};
use alloy::rpc::types::TransactionReceipt;
use stakebid_settlement::Confirm;

use stakebid_devnet::el::DelegationManager;
use stakebid_settlement::contracts::PositionHolder;

use stakebid_settlement::withdrawals::{pending, pending_with, QueuedLog};

use crate::batch::holding;
use crate::fixture::*;

fn gas_cost(r: &TransactionReceipt) -> U256 {
    U256::from(r.gas_used) * U256::from(r.effective_gas_price)
}

#[tokio::test]
async fn owners_withdraw_restaked_and_redeem_liquid_positions_and_nobody_else_can() {
    let fx = Fx::new().await;
    let (a, stranger) = (USER, USER + 1);
    let owner = fx.addr(a);
    fx.escrow(a, eth("3")).await;
    let si = fx.sign(fx.intent(owner, Address::ZERO, eth("2"), 1), a);
    let b = fx.bid(
        1,
        SOLVER,
        &[(
            &si,
            &[("stETH@p2p", eth("1")), ("rETH", eth("0.5")), ("stETH", eth("0.49"))],
            eth("0.01"),
        )],
    );
    fx.settle(vec![fx.arg(&b, &[&si])]).await;
    let lido = fx.lido(DEPLOYER);
    let steth = fx.asset("stETH");
    let strategy = fx.d.strategies["stETH"];
    let h = holding(&fx, owner, "p2p", "stETH").await;
    assert_eq!(h.shares, eth("1"));

    // Restaked: only the owner queues, only after the delay, only the owner completes.
    let theirs = PositionHolder::new(h.holder, fx.as_(stranger));
    let e = theirs.queueWithdrawal(strategy, eth("1")).call().await.unwrap_err();
    assert_eq!(revert_name(&e), "NotOwner");
    let mine = PositionHolder::new(h.holder, fx.as_(a));
    let r = mine.queueWithdrawal(strategy, eth("1")).confirm().await.unwrap();
    let queued = r
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<DelegationManager::SlashingWithdrawalQueued>().ok())
        .expect("EigenLayer logs the queued withdrawal")
        .inner
        .data;
    let w = holder_withdrawal(queued.withdrawal.clone());
    assert_eq!(holding(&fx, owner, "p2p", "stETH").await.shares, U256::ZERO);
    // The reader finds it, from the deployment's block; read again with no
    // new block it reads no log at all (the node keeps one `QueuedLog`).
    let reader = fx.as_(DEPLOYER);
    let held = vec![("stETH@p2p".to_string(), h.holder, strategy)];
    let mut log = QueuedLog::default();
    let (head, list) = pending_with(&reader, &fx.d, &held, &mut log).await.unwrap();
    assert_eq!(list.iter().map(|p| p.root).collect::<Vec<_>>(), vec![queued.withdrawalRoot]);
    assert_eq!(log.catch_up(&reader, &fx.d, head).await.unwrap(), 0, "nothing read twice");
    assert_eq!(pending(&reader, &fx.d, &held).await.unwrap().1.len(), 1, "a fresh read agrees");
    let mut later = fx.d.clone();
    later.deployed_at = head + 1;
    assert_eq!(QueuedLog::default().catch_up(&reader, &later, head).await.unwrap(), 0);
    let e = mine.completeWithdrawal(w.clone(), steth).call().await.unwrap_err();
    assert_eq!(revert_name(&e), "WithdrawalDelayNotElapsed");
    fx.mine(DELAY_BLOCKS as u64).await;
    let e = theirs.completeWithdrawal(w.clone(), steth).call().await.unwrap_err();
    assert_eq!(revert_name(&e), "NotOwner");
    let direct = fx.delegation(stranger);
    let e = direct
        .completeQueuedWithdrawal(queued.withdrawal.clone(), vec![steth], true)
        .call()
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(revert_name(&e), "WithdrawerNotCaller");
    let before = lido.balanceOf(owner).call().await.unwrap();
    mine.completeWithdrawal(w.clone(), steth).confirm().await.unwrap();
    assert_eq!(lido.balanceOf(owner).call().await.unwrap(), before + eth("1"));
    let e = mine.completeWithdrawal(w, steth).call().await.unwrap_err();
    assert_eq!(revert_name(&e), "WithdrawalNotQueued", "a withdrawal completes once");
    let (_, list) = pending_with(&reader, &fx.d, &held, &mut log).await.unwrap();
    assert!(list.is_empty(), "a completed withdrawal is no longer pending");

    // rETH: burned for ETH at the exchange rate, by its holder.
    let pool = fx.pool("rETH", a);
    let reth = pool.balanceOf(owner).call().await.unwrap();
    let value = pool.getEthValue(reth).call().await.unwrap();
    let eth_before = fx.balance(owner).await;
    let r = pool.burn(reth).confirm().await.unwrap();
    assert_eq!(fx.balance(owner).await, eth_before + value - gas_cost(&r));
    assert_eq!(pool.balanceOf(owner).call().await.unwrap(), U256::ZERO);

    // stETH: a withdrawal request, claimable once finalized, by its owner only.
    let lido_a = fx.lido(a);
    let r = lido_a.requestWithdrawals(vec![eth("0.49")], owner).confirm().await.unwrap();
    assert!(r.status());
    let id = U256::ZERO;
    let e = fx.lido(stranger).claimWithdrawal(id).call().await.unwrap_err();
    assert_eq!(revert_name(&e), "NotRequestOwner");
    let e = lido_a.claimWithdrawal(id).call().await.unwrap_err();
    assert_eq!(revert_name(&e), "NotFinalized");
    fx.warp(3_601).await;
    let eth_before = fx.balance(owner).await;
    let r = lido_a.claimWithdrawal(id).confirm().await.unwrap();
    assert_eq!(fx.balance(owner).await, eth_before + eth("0.49") - gas_cost(&r));
}
