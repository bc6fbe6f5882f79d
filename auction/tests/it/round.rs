//! Sealed commit–reveal rounds with injected time.

use alloy::primitives::{Address, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use stakebid_auction::domain::round::{Revealed, Round};
use stakebid_intents::envelope::{CommitMsg, RevealMsg, Verified};
use stakebid_intents::plan::Allocation;
use stakebid_intents::protocol::{commitment, AuctionOpen, Bid, RoundBinding};
use stakebid_intents::Coded;
use stakebid_intents::{Domain, IntentId, Plan, Wei};

const CHAIN: u64 = 31337;

fn at() -> RoundBinding {
    RoundBinding::of(Domain { chain_id: CHAIN, settlement: Address::repeat_byte(1) }, &open())
}

fn open() -> AuctionOpen {
    AuctionOpen {
        version: 1,
        auctionId: 7,
        marketHash: B256::repeat_byte(1),
        generatorVersion: 1,
        seed: B256::repeat_byte(2),
        scenarioCount: 100,
        commitDeadline: 100,
        revealDeadline: 110,
        intentIds: vec![B256::repeat_byte(3)],
    }
}

fn solver(n: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(n)).unwrap()
}

fn bid(key: &PrivateKeySigner, wei: u128) -> Bid {
    let plan = Plan {
        guarantee: None,
        intent: IntentId(B256::repeat_byte(3)),
        allocations: vec![Allocation { position: "stETH".into(), amount: Wei(wei) }],
        fee: Wei(0),
    };
    Bid::from_plans(7, key.address(), &[plan])
}

/// A signed commitment to `bid` with `salt`, and the signed reveal that opens it.
fn seal(key: &PrivateKeySigner, b: &Bid, salt: B256) -> (Verified<CommitMsg>, Verified<RevealMsg>) {
    let h = commitment(CHAIN, 7, key.address(), b.hash(), salt);
    let sig = key.sign_hash_sync(&at().commit_digest(key.address(), h)).unwrap();
    let c = CommitMsg {
        auction: 7,
        solver: key.address(),
        commitment: h,
        signature: sig.as_bytes().into(),
    };
    (c.verify(&at()).unwrap(), RevealMsg::seal(&at(), b.clone(), salt, key).verify(&at()).unwrap())
}

#[test]
fn a_committed_bid_reveals_and_stays_sealed_until_the_deadline() {
    let mut r = Round::new(open(), CHAIN);
    let k = solver(9);
    let b = bid(&k, 5);
    let (c, rv) = seal(&k, &b, B256::repeat_byte(0x55));
    r.commit(50, &c, true).unwrap();
    // Before the commit deadline nobody can reveal, and nothing but the hash is visible.
    let early = r.reveal(99, &rv).unwrap_err();
    assert_eq!(early.code(), "round.early_reveal");
    assert!(r.public(105).iter().all(|(_, _, bid)| bid.is_none()));
    assert_eq!(r.reveal(105, &rv).unwrap(), Revealed::Opened);
    // The same reveal again (a replay, or the solver retrying) answers the same and changes nothing.
    assert_eq!(r.reveal(106, &rv).unwrap(), Revealed::Repeat);
    assert!(
        r.public(105).iter().all(|(_, _, bid)| bid.is_none()),
        "visible before reveal deadline"
    );
    assert_eq!(r.close(111).unwrap(), vec![b.clone()]);
    assert_eq!(r.public(111)[0].2, Some(&b));
    assert!(r.faults().is_empty());
}

#[test]
fn only_an_unopened_signed_commitment_is_a_fault() {
    let mut r = Round::new(open(), CHAIN);
    let (a, b, c) = (solver(1), solver(2), solver(3));
    let salt = B256::repeat_byte(7);
    let (ca, _) = seal(&a, &bid(&a, 1), salt);
    let (cb, rb) = seal(&b, &bid(&b, 1), salt);
    let (cc, _) = seal(&c, &bid(&c, 1), salt);
    r.commit(10, &ca, true).unwrap();
    r.commit(10, &cb, true).unwrap();
    assert_eq!(r.commit(101, &cc, true).unwrap_err().code(), "round.late_commit");
    // A reveal of a different bid than b committed to: refused, and no fault —
    // anyone holding b's key could only hurt b, anyone else cannot sign it.
    let (_, other) = seal(&b, &bid(&b, 2), salt);
    assert_eq!(r.reveal(105, &other).unwrap_err().code(), "round.reveal_mismatch");
    // b's genuine reveal, too late.
    assert_eq!(r.reveal(120, &rb).unwrap_err().code(), "round.late_reveal");
    assert!(r.close(111).unwrap().is_empty());
    let mut got: Vec<(Address, String, B256)> =
        r.faults().iter().map(|f| (f.solver, f.code.clone(), f.commitment)).collect();
    got.sort();
    let mut want = vec![
        (a.address(), "round.unrevealed".to_string(), ca.commitment()),
        (b.address(), "round.unrevealed".to_string(), cb.commitment()),
    ];
    want.sort();
    assert_eq!(got, want, "c's late commitment and b's mismatch leave no fault");
    // Closing again adds nothing.
    r.close(200);
    assert_eq!(r.faults().len(), 2);
}

#[test]
fn forged_messages_never_reach_the_round_and_leave_nothing() {
    let mut r = Round::new(open(), CHAIN);
    let (victim, attacker) = (solver(4), solver(5));
    let b = bid(&victim, 1);
    let (c, rv) = seal(&victim, &b, B256::repeat_byte(1));
    let c = c.msg().clone();
    // A commitment in the victim's name signed by someone else, unsigned,
    // or a high-s twin of the genuine signature: `verify` refuses each, so
    // no `Verified` exists to hand the round.
    let forged =
        attacker.sign_hash_sync(&at().commit_digest(victim.address(), c.commitment)).unwrap();
    let sig = alloy::primitives::Signature::try_from(c.signature.as_ref()).unwrap();
    let n = U256::from_str_radix(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
        16,
    )
    .unwrap();
    let twin = alloy::primitives::Signature::new(sig.r(), n - sig.s(), !sig.v());
    for s in [forged.as_bytes().to_vec(), vec![], twin.as_bytes().to_vec()] {
        assert!(CommitMsg { signature: s.into(), ..c.clone() }.verify(&at()).is_err());
    }
    let mut claimed = c.clone();
    claimed.solver = attacker.address();
    assert!(claimed.verify(&at()).is_err());
    // Reveals: unsigned, signed by the attacker in the victim's name, or
    // the commitment's signature reused.
    let genuine = rv.msg().clone();
    let unsigned = RevealMsg { signature: Default::default(), ..genuine.clone() };
    let mut by_attacker = RevealMsg::seal(&at(), b.clone(), B256::repeat_byte(1), &attacker);
    by_attacker.bid.solver = victim.address();
    let reused = RevealMsg { signature: c.signature.clone(), ..genuine.clone() };
    for m in [&unsigned, &by_attacker, &reused] {
        assert!(m.verify(&at()).is_err());
    }
    // The victim's own messages still work, and nothing was recorded.
    r.commit(1, &c.verify(&at()).unwrap(), true).unwrap();
    assert_eq!(r.reveal(105, &rv).unwrap(), Revealed::Opened);
    assert_eq!(r.close(111).unwrap(), vec![b]);
    assert!(r.faults().is_empty());
}

#[test]
fn commit_rules_signature_limit_eligibility() {
    let mut r = Round::new(open(), CHAIN);
    let k = solver(4);
    let b = bid(&k, 1);
    let (c, _) = seal(&k, &b, B256::ZERO);
    assert_eq!(r.commit(1, &c, false).unwrap_err().code(), "round.not_eligible");
    for n in 0..3u8 {
        let (c, _) = seal(&k, &b, B256::repeat_byte(n + 1));
        r.commit(1, &c, true).unwrap();
    }
    let (c4, _) = seal(&k, &b, B256::repeat_byte(9));
    assert_eq!(r.commit(1, &c4, true).unwrap_err().code(), "round.too_many_bids");
    let (c1, _) = seal(&k, &b, B256::repeat_byte(1));
    assert_eq!(r.commit(1, &c1, true).unwrap_err().code(), "round.duplicate_commitment");
    assert_eq!(r.commitments()[&k.address()], 3);
}
