//! Penalties reach the SolverRegistry exactly once across crashes: the
//! node journals each before sending it, a restart sends what a crash left
//! unsent, and the registry refuses a second slash for the same (auction,
//! solver, offence, evidence), so a resend after a crash that lost the "done" mark
//! takes nothing twice.

use alloy::primitives::B256;
use stakebid_intents::protocol::Offence;
use stakebid_node::chain::Event;
use stakebid_node::store::Store;
use stakebid_settlement::registry::OnChainRegistry;

use crate::fixture::*;

fn slashed(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::Slashed { .. })).count()
}

#[tokio::test]
async fn a_penalty_is_taken_once_whatever_the_crash_point() {
    let fx = Fx::new().await;
    let dir = std::env::temp_dir().join(format!("stakebid-penalties-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).unwrap();
    let who = fx.addr(SOLVER); // bonded 1.5 ETH by the fixture
    let bond =
        || async { OnChainRegistry::at(fx.d.registry, fx.as_(SOLVER)).bond_of(who).await.unwrap() };
    let ev = B256::repeat_byte(0xe2);

    // Decided, journalled, sent: 0.1 ETH (the registry's schedule).
    let a = crate::link(&fx, &store).await;
    a.decide_penalty(who, 1, Offence::Unrevealed, 10u128.pow(17), ev).unwrap();
    assert_eq!(slashed(&a.send_penalties().await), 1);
    assert_eq!(bond().await, eth("1.4"));
    // The same decision again (a replayed round) changes nothing.
    a.decide_penalty(who, 1, Offence::Unrevealed, 10u128.pow(17), ev).unwrap();
    assert_eq!(slashed(&a.send_penalties().await), 0);
    assert_eq!(bond().await, eth("1.4"));

    // A crash after journalling, before sending: the restart sends it, once.
    a.decide_penalty(who, 2, Offence::InvalidPlan, 25 * 10u128.pow(16), ev).unwrap();
    drop(a);
    let b = crate::link(&fx, &store).await;
    assert_eq!(slashed(&b.send_penalties().await), 1);
    assert_eq!(bond().await, eth("1.15"));
    assert_eq!(slashed(&b.send_penalties().await), 0);

    // A crash after sending, before the "done" mark (here: a store that
    // never saw it): the resend is refused on-chain and nothing is taken.
    let lost_dir = dir.with_extension("lost");
    let _ = std::fs::remove_dir_all(&lost_dir);
    let lost = Store::open(&lost_dir).unwrap();
    let c = crate::link(&fx, &lost).await;
    c.decide_penalty(who, 2, Offence::InvalidPlan, 25 * 10u128.pow(16), ev).unwrap();
    assert_eq!(slashed(&c.send_penalties().await), 0);
    assert_eq!(bond().await, eth("1.15"));
    assert_eq!(slashed(&c.send_penalties().await), 0, "marked done");
    drop((c, lost, store));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&lost_dir);
}

/// The registry keys a penalty by (auction, solver, offence, evidence):
/// each unopened commitment is charged — two of one auction twice, so a
/// solver cannot commit several bids and open only the one that wins — and
/// after a store reset, when auction ids repeat, a new round's penalty
/// (another commitment) is taken rather than mistaken for an old one. A
/// resend of a taken penalty (its evidence on-chain) takes nothing.
#[tokio::test]
async fn each_unopened_commitment_is_charged_even_when_auction_ids_repeat() {
    let fx = Fx::new().await;
    let dir = std::env::temp_dir().join(format!("stakebid-pen-reset-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let who = fx.addr(SOLVER); // bonded 1.5 ETH by the fixture
    let bond =
        || async { OnChainRegistry::at(fx.d.registry, fx.as_(SOLVER)).bond_of(who).await.unwrap() };
    let old = Store::open(&dir).unwrap();
    let a = crate::link(&fx, &old).await;
    // Two commitments of auction 1 left unopened: two charges.
    a.decide_penalty(who, 1, Offence::Unrevealed, 10u128.pow(17), B256::repeat_byte(1)).unwrap();
    a.decide_penalty(who, 1, Offence::Unrevealed, 10u128.pow(17), B256::repeat_byte(2)).unwrap();
    assert_eq!(slashed(&a.send_penalties().await), 2);
    assert_eq!(bond().await, eth("1.3"));
    drop((a, old));
    // The store is reset; auction 1 again, another commitment left unopened.
    let _ = std::fs::remove_dir_all(&dir);
    let fresh = Store::open(&dir).unwrap();
    let b = crate::link(&fx, &fresh).await;
    b.decide_penalty(who, 1, Offence::Unrevealed, 10u128.pow(17), B256::repeat_byte(3)).unwrap();
    assert_eq!(slashed(&b.send_penalties().await), 1);
    assert_eq!(bond().await, eth("1.2"));
    drop((b, fresh));
    // A store that lost the "done" mark resends a taken one: quiet, nothing taken.
    let lost = dir.with_extension("lost");
    let _ = std::fs::remove_dir_all(&lost);
    let lost_store = Store::open(&lost).unwrap();
    let c = crate::link(&fx, &lost_store).await;
    c.decide_penalty(who, 1, Offence::Unrevealed, 10u128.pow(17), B256::repeat_byte(3)).unwrap();
    let events = c.send_penalties().await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(bond().await, eth("1.2"));
    drop((c, lost_store));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&lost);
}
