//! What the node must take from the chain before offering work: funding
//! per owner (issue 15, defect 2) — an owner's pending intents share its
//! escrow, so the node offers only what the escrow covers rather than let
//! an award revert whole — and a solver's eligible bond (defect 4c).

use alloy::primitives::Address;
use stakebid_auction::domain::registry::Registry;
use stakebid_node::port::prelude::*;
use stakebid_node::store::Store;

use crate::fixture::*;

/// Parked intents are not re-read every round, so a deposit must wake its
/// owner's: with more parked than one pass re-checks, the one parked last
/// in the rotation is offered in the very next pass after its owner escrows.
#[tokio::test]
async fn a_deposit_wakes_its_owners_parked_intent_before_its_turn() {
    use stakebid_node::funding::RECHECK_PER_ROUND;
    let fx = Fx::new().await;
    let dir = std::env::temp_dir().join(format!("stakebid-parked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let mut signed = vec![];
    for nonce in 0..(RECHECK_PER_ROUND as u64 + 40) {
        let si = fx.sign(fx.intent(fx.addr(USER + 1), Address::ZERO, eth("1"), nonce), USER + 1);
        signed.push((si.intent.id(&fx.domain), si));
    }
    // USER's intent sorts last (its id starts 0xff), past one pass's turn.
    let mine = (1_000u64..)
        .map(|n| fx.sign(fx.intent(fx.addr(USER), Address::ZERO, eth("1"), n), USER))
        .find(|s| s.intent.id(&fx.domain).0[0] == 0xff)
        .unwrap();
    let my_id = mine.intent.id(&fx.domain);
    signed.push((my_id, mine));
    assert!(store.accept(&signed).unwrap().iter().all(|r| r.is_ok()));
    let chain = crate::link(&fx, &store).await;
    assert_eq!(chain.held_back(&store).await.len(), signed.len(), "nothing is escrowed");
    fx.escrow(USER, eth("1")).await;
    let held = chain.held_back(&store).await;
    assert!(!held.contains_key(&my_id), "the deposit woke USER's intent");
    assert_eq!(held.len(), signed.len() - 1, "everyone else still waits");
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_owners_pending_intents_share_its_escrow() {
    let fx = Fx::new().await;
    let dir = std::env::temp_dir().join(format!("stakebid-funding-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    // USER escrows for one of its two 1 ETH intents; USER+1 for its one.
    fx.escrow(USER, eth("1")).await;
    fx.escrow(USER + 1, eth("1")).await;
    let mut signed = vec![];
    for (u, nonce) in [(USER, 0u64), (USER, 1), (USER + 1, 0)] {
        let si = fx.sign(fx.intent(fx.addr(u), Address::ZERO, eth("1"), nonce), u);
        signed.push((si.intent.id(&fx.domain), si));
    }
    assert!(store.accept(&signed).unwrap().iter().all(|r| r.is_ok()));
    let chain = crate::link(&fx, &store).await;
    let held: Vec<_> = chain.held_back(&store).await.into_keys().collect();
    assert_eq!(held.len(), 1, "one of USER's two intents is held back: {held:?}");
    assert!(held[0] == signed[0].0 || held[0] == signed[1].0, "only USER's");
    // Topped up to cover both, nothing is held.
    fx.escrow(USER, eth("1")).await;
    assert!(chain.held_back(&store).await.is_empty());
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_solver_that_queued_its_bond_out_is_not_eligible() {
    let fx = Fx::new().await;
    let dir = std::env::temp_dir().join(format!("stakebid-queued-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let chain = crate::link(&fx, &store).await;
    let who = fx.addr(SOLVER);
    let mut reg = Registry::new();
    reg.bond(who, stakebid_intents::Wei(1));
    chain.sync_bonds(&mut reg).await.unwrap();
    assert!(reg.eligible(&who), "bonded 1.5 ETH, minimum 1 ETH");
    // It queues its whole bond to leave: still slashable on-chain, but not
    // eligible there, and so not here either.
    let r = stakebid_settlement::registry::SolverRegistry::new(fx.d.registry, fx.as_(SOLVER));
    use stakebid_settlement::Confirm;
    r.queueWithdrawal(eth("1.5")).confirm().await.unwrap();
    assert!(!r.eligible(who).call().await.unwrap());
    chain.sync_bonds(&mut reg).await.unwrap();
    assert!(!reg.eligible(&who), "a queued-out bond does not count");
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
