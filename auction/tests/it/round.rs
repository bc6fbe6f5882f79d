//! Sealed commit–reveal rounds with injected time.

use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use stakebid_auction::domain::round::{Round, RoundError};
use stakebid_intents::plan::Allocation;
use stakebid_intents::protocol::{commitment, AuctionOpen, Bid};
use stakebid_intents::{IntentId, Plan, Wei};

const CHAIN: u64 = 31337;

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
        intent: IntentId(B256::repeat_byte(3)),
        allocations: vec![Allocation { position: "stETH".into(), amount: Wei(wei) }],
        fee: Wei(0),
    };
    Bid::from_plans(7, key.address(), &[plan])
}

/// (commitment, signature) for `bid` with `salt`.
fn seal(key: &PrivateKeySigner, b: &Bid, salt: B256) -> (B256, alloy::primitives::Signature) {
    let h = commitment(CHAIN, 7, key.address(), b.hash(), salt);
    (h, key.sign_hash_sync(&h).unwrap())
}

#[test]
fn a_committed_bid_reveals_and_stays_sealed_until_the_deadline() {
    let mut r = Round::new(open(), CHAIN);
    let k = solver(9);
    let b = bid(&k, 5);
    let salt = B256::repeat_byte(0x55);
    let (h, sig) = seal(&k, &b, salt);
    r.commit(50, k.address(), h, &sig, true).unwrap();
    // Before the commit deadline nobody can reveal, and nothing but the hash is visible.
    let early = r.reveal(99, b.clone(), salt).unwrap_err();
    assert_eq!(early.code(), "round.early_reveal");
    assert!(r.public(105).iter().all(|(_, _, bid)| bid.is_none()));
    r.reveal(105, b.clone(), salt).unwrap();
    assert!(
        r.public(105).iter().all(|(_, _, bid)| bid.is_none()),
        "visible before reveal deadline"
    );
    assert_eq!(r.close(111).unwrap(), vec![b.clone()]);
    assert_eq!(r.public(111)[0].2, Some(&b));
    assert!(r.faults().is_empty());
}

#[test]
fn late_mismatched_and_unrevealed_bids_are_faults() {
    let mut r = Round::new(open(), CHAIN);
    let (a, b, c) = (solver(1), solver(2), solver(3));
    let salt = B256::repeat_byte(7);
    let (ha, sa) = seal(&a, &bid(&a, 1), salt);
    let (hb, sb) = seal(&b, &bid(&b, 1), salt);
    let (hc, sc) = seal(&c, &bid(&c, 1), salt);
    r.commit(10, a.address(), ha, &sa, true).unwrap();
    r.commit(10, b.address(), hb, &sb, true).unwrap();
    assert_eq!(r.commit(101, c.address(), hc, &sc, true).unwrap_err().code(), "round.late_commit");
    // b reveals a different bid than it committed to.
    assert_eq!(r.reveal(105, bid(&b, 2), salt).unwrap_err().code(), "round.reveal_mismatch");
    // a goes silent.
    assert_eq!(r.reveal(120, bid(&b, 1), salt).unwrap_err().code(), "round.late_reveal");
    assert!(r.close(111).unwrap().is_empty());
    let codes: Vec<(Address, String)> =
        r.faults().iter().map(|f| (f.solver, f.code.clone())).collect();
    assert!(codes.contains(&(c.address(), "round.late_commit".into())));
    assert!(codes.contains(&(b.address(), "round.reveal_mismatch".into())));
    assert!(codes.contains(&(a.address(), "round.unrevealed".into())));
    assert!(codes.contains(&(b.address(), "round.unrevealed".into())));
    // Closing again adds nothing.
    let n = r.faults().len();
    r.close(200);
    assert_eq!(r.faults().len(), n);
}

#[test]
fn commit_rules_signature_limit_eligibility() {
    let mut r = Round::new(open(), CHAIN);
    let k = solver(4);
    let other = solver(5);
    let b = bid(&k, 1);
    let (h, _) = seal(&k, &b, B256::ZERO);
    let forged = other.sign_hash_sync(&h).unwrap();
    assert_eq!(
        r.commit(1, k.address(), h, &forged, true).unwrap_err(),
        RoundError::BadSignature(k.address())
    );
    let (h, s) = seal(&k, &b, B256::ZERO);
    assert_eq!(r.commit(1, k.address(), h, &s, false).unwrap_err().code(), "round.not_eligible");
    for n in 0..3u8 {
        let (h, s) = seal(&k, &b, B256::repeat_byte(n + 1));
        r.commit(1, k.address(), h, &s, true).unwrap();
    }
    let (h4, s4) = seal(&k, &b, B256::repeat_byte(9));
    assert_eq!(r.commit(1, k.address(), h4, &s4, true).unwrap_err().code(), "round.too_many_bids");
    let (h1, s1) = seal(&k, &b, B256::repeat_byte(1));
    assert!(r.commit(1, k.address(), h1, &s1, true).is_err());
    assert_eq!(r.commitments()[&k.address()], 3);
}
