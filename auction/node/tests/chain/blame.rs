//! Blame decided from what the chain did (issue 15, defect 4): a settlement
//! mined in the same block as a transaction that changed the state it
//! needed. A staker that cancels its own intent with a higher tip in the
//! settlement's block is skipped (the others settle, nobody is penalized);
//! a solver that pulls its bond the same way makes the settlement revert,
//! which the node reads from the mined transaction's trace — a replay on
//! the parent block would succeed and blame nobody — and slashes on-chain,
//! once.

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use stakebid_auction::domain::registry::Offence;
use stakebid_intents::protocol::SkipReason;
use stakebid_intents::{IntentId, SignedIntent, Wei};
use stakebid_node::auctioneer::{Auctioneer, Participant};
use stakebid_node::chain::{ChainLink, Event};
use stakebid_node::port::prelude::*;
use stakebid_node::port::Status;
use stakebid_node::store::Store;
use stakebid_settlement::registry::{OnChainRegistry, SolverRegistry};
use stakebid_settlement::revert::Blame;

use crate::fallback::Scripted;
use crate::fixture::*;

const GWEI: u128 = 1_000_000_000;

/// Three stakers' intents awarded to SOLVER (RUNNER_UP bids too, dearer).
async fn awarded<'a>(
    fx: &Fx,
    store: &'a Store,
    chain: &ChainLink,
) -> (Auctioneer<'a>, u64, Vec<(IntentId, SignedIntent)>) {
    let mut signed = vec![];
    for u in [USER, USER + 1, USER + 2] {
        fx.escrow(u, eth("1")).await;
        let si = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), 0), u);
        signed.push((si.intent.id(&fx.domain), si));
    }
    assert!(store.accept(&signed).unwrap().iter().all(|r| r.is_ok()));
    let mut a = crate::auctioneer(fx, store, chain);
    for who in [fx.addr(SOLVER), fx.addr(RUNNER_UP)] {
        a.registry.bond(who, Wei(1));
    }
    chain.sync_bonds(&mut a.registry).await.unwrap();
    let script = |k: usize, fee| -> Box<dyn Participant> {
        Box::new(Scripted {
            key: fx.key(k).clone(),
            position: "stETH",
            fee,
            reveals: true,
            sealed: vec![],
        })
    };
    let mut ps = vec![script(SOLVER, 0), script(RUNNER_UP, 10u128.pow(16))];
    let report = a.round(unix_now(), &mut ps).unwrap().expect("a round runs");
    assert_eq!(report.awards.len(), 1);
    assert_eq!(report.awards[0].0.solver, fx.addr(SOLVER));
    (a, report.auction, signed)
}

pub(crate) async fn automine(fx: &Fx, on: bool) {
    let _: serde_json::Value =
        fx.as_(DEPLOYER).raw_request("evm_setAutomine".into(), (on,)).await.unwrap();
}

/// Waits until the executor's settlement sits in the pool, then sends
/// `front` (built by the caller with a higher tip), mines one block holding
/// both, and turns automine back on.
pub(crate) async fn front_run<F, Fut>(fx: &Fx, front: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let p = fx.as_(DEPLOYER);
    let ex = fx.addr(EXECUTOR);
    for _ in 0..200 {
        let pending = p.get_transaction_count(ex).pending().await.unwrap();
        let latest = p.get_transaction_count(ex).latest().await.unwrap();
        if pending > latest {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    front().await;
    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
    automine(fx, true).await;
}

/// Sends `call` with a 50 gwei tip (ahead of the executor's settlement in
/// the same block), without waiting for it to be mined.
pub(crate) async fn tipped<P, D>(call: alloy::contract::CallBuilder<P, D>)
where
    P: Provider,
    D: alloy::contract::CallDecoder,
{
    let _ = call
        .max_priority_fee_per_gas(50 * GWEI)
        .max_fee_per_gas(200 * GWEI)
        .gas(100_000)
        .send()
        .await
        .unwrap();
}

pub(crate) fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("stakebid-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn a_staker_cancelling_in_the_settlements_block_is_skipped_and_nobody_is_blamed() {
    let fx = Fx::new().await;
    let dir = temp("blame-staker");
    let store = Store::open(&dir).unwrap();
    let chain = crate::link(&fx, &store).await;
    let (mut a, auction, signed) = awarded(&fx, &store, &chain).await;
    automine(&fx, false).await;
    // USER cancels its intent on-chain, tipping to go first.
    let settlement = fx.settlement(USER);
    let cancel = || tipped(settlement.invalidateNonces(vec![U256::ZERO]));
    let (events, ()) = tokio::join!(chain.settle_auction(&mut a, auction), front_run(&fx, cancel));
    assert!(
        matches!(events.as_slice(), [Event::Settled { intents: 2, skipped, .. }] if skipped == &vec![SkipReason::NonceUsed]),
        "{events:?}"
    );
    assert_eq!(store.get(&signed[0].0).unwrap().unwrap().status, Status::Cancelled);
    for (id, _) in &signed[1..] {
        assert_eq!(store.get(id).unwrap().unwrap().status, Status::Settled);
    }
    // Nobody penalized, on-chain or off.
    let reg = OnChainRegistry::at(fx.d.registry, fx.as_(DEPLOYER));
    assert_eq!(reg.bond_of(fx.addr(SOLVER)).await.unwrap(), eth("1.5"));
    assert!(a.registry.solvers[&fx.addr(SOLVER)].record.is_empty());
    drop(a);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_solver_pulling_its_bond_in_the_settlements_block_is_blamed_from_the_trace_and_slashed_once(
) {
    let fx = Fx::new().await;
    let dir = temp("blame-solver");
    let store = Store::open(&dir).unwrap();
    let chain = crate::link(&fx, &store).await;
    let (mut a, auction, signed) = awarded(&fx, &store, &chain).await;
    automine(&fx, false).await;
    let registry = SolverRegistry::new(fx.d.registry, fx.as_(SOLVER));
    let pull = || tipped(registry.queueWithdrawal(eth("1.5")));
    let (events, ()) = tokio::join!(chain.settle_auction(&mut a, auction), front_run(&fx, pull));
    let failed = events.iter().find_map(|e| match e {
        Event::Failed { solver, reason, blame, .. } => Some((*solver, reason.clone(), *blame)),
        _ => None,
    });
    assert_eq!(
        failed,
        Some((fx.addr(SOLVER), "SolverNotEligible".into(), Blame::Solver)),
        "{events:?}"
    );
    // The settlement was mined (and reverted) in the block that queued the bond out.
    let p = fx.as_(DEPLOYER);
    let block = p.get_block_number().await.unwrap();
    assert!(block > 0);
    // Slashed on-chain once: the fixed 0.25 ETH, from the queued bond.
    let reg = OnChainRegistry::at(fx.d.registry, fx.as_(DEPLOYER));
    assert_eq!(reg.bond_of(fx.addr(SOLVER)).await.unwrap(), eth("1.25"));
    let slashes = events.iter().filter(|e| matches!(e, Event::Slashed { .. })).count();
    assert_eq!(slashes, 1, "{events:?}");
    let last = a.registry.solvers[&fx.addr(SOLVER)].record.last().unwrap();
    assert_eq!(last.offence, Offence::SettlementFault);
    // The runner-up settled the intents in the same auction.
    for (id, _) in &signed {
        assert_eq!(store.get(id).unwrap().unwrap().status, Status::Settled);
    }
    // A restart sends nothing again: the penalty is journalled as done.
    let again = chain.resume(&mut a).await;
    assert!(!again.iter().any(|e| matches!(e, Event::Slashed { .. })), "{again:?}");
    assert_eq!(reg.bond_of(fx.addr(SOLVER)).await.unwrap(), eth("1.25"));
    drop(a);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
