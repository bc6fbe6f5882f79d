//! Hostile input: 55 malformed or hostile requests against a running node,
//! each answered with its stable code; afterwards the store holds only
//! the one intent that was legitimately accepted.

use alloy::primitives::{address, Address, Bytes, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use serde_json::{json, Value};
use stakebid_node::port::prelude::*;
use std::time::Duration;

use stakebid_intents::batch::Profile;
use stakebid_intents::envelope::{CommitMsg, RevealMsg};
use stakebid_intents::protocol::{Bid, Cancellation, RoundBinding};
use stakebid_intents::{sign, Domain, Intent, NATIVE_ETH};
use stakebid_tests::{get, http, http_raw, scratch, solver_key, unix_now, wait_for, Node};

use crate::{args, BIN};

fn key(b: u8) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&B256::repeat_byte(b)).unwrap()
}

fn intent(owner: &PrivateKeySigner, nonce: u64) -> Intent {
    Profile::Balanced.intent(
        owner.address(),
        NATIVE_ETH,
        U256::from(5u128 * 10u128.pow(18)),
        U256::from(nonce),
        unix_now() + 86_400,
    )
}

fn body(i: &Intent, d: &Domain, k: &PrivateKeySigner) -> String {
    json!({ "typed_data": i.typed_data(d), "signature": Bytes::from(sign(i, d, k).as_bytes()) })
        .to_string()
}

fn phase(addr: &str, id: u64) -> Value {
    get(addr, &format!("/v1/auctions/{id}"))["phase"].clone()
}

struct Checker {
    addr: String,
    checked: usize,
    failures: Vec<String>,
}

impl Checker {
    fn expect(&mut self, what: &str, method: &str, path: &str, body: &[u8], code: &str) {
        self.checked += 1;
        let got = http_raw(&self.addr, method, path, body).and_then(|(s, b)| {
            let v: Value = serde_json::from_slice(&b).ok()?;
            Some((s, v["code"].as_str()?.to_string(), v["message"].as_str()?.to_string()))
        });
        match got {
            Some((s, c, m)) if c == code && (400..500).contains(&s) && !m.is_empty() => {}
            other => self.failures.push(format!("{what}: expected {code}, got {other:?}")),
        }
    }
}

#[test]
fn fifty_five_hostile_requests_each_get_their_code_and_store_nothing() {
    let dir = scratch("hostile");
    let registered = solver_key(5);
    let extra = args(&[
        "--round-secs",
        "1",
        "--commit-secs",
        "4",
        "--reveal-secs",
        "3",
        "--solver",
        &registered.address().to_string(),
    ]);
    let node = Node::start(BIN, &dir, None, &extra);
    let d = node.domain();
    let mut c = Checker { addr: node.addr.clone(), checked: 0, failures: vec![] };
    let owner = key(0x31);
    let good = intent(&owner, 1);
    let good_body = body(&good, &d, &owner);
    let (s, v) = http(&node.addr, "POST", "/v1/intents", &good_body).unwrap();
    assert_eq!(s, 201, "{v}");
    let id = good.id(&d).0;

    // Intake.
    let post = |c: &mut Checker, what: &str, b: &str, code: &str| {
        c.expect(what, "POST", "/v1/intents", b.as_bytes(), code)
    };
    // Mixed-case addresses must carry their EIP-55 checksum; lowercase is fine.
    let owner_text = owner.address().to_checksum(None);
    let flip = |t: &str| -> String {
        // Swap the case of the first letter in the hex part: a one-character typo in the checksum.
        let i = t[2..].find(|ch: char| ch.is_ascii_alphabetic()).unwrap() + 2;
        let ch = t.as_bytes()[i] as char;
        let swapped =
            if ch.is_ascii_uppercase() { ch.to_ascii_lowercase() } else { ch.to_ascii_uppercase() };
        format!("{}{}{}", &t[..i], swapped, &t[i + 1..])
    };
    let bad_case = body(&good, &d, &owner).replace(&owner_text, &flip(&owner_text));
    assert_ne!(bad_case, body(&good, &d, &owner), "the owner appears checksummed in the body");
    post(&mut c, "owner with a wrong checksum", &bad_case, "address.bad_checksum");
    c.expect(
        "owner URL with a wrong checksum",
        "GET",
        &format!("/v1/owners/{}/intents", flip(&owner_text)),
        b"",
        "address.bad_checksum",
    );
    let (s, v) =
        http(&node.addr, "GET", &format!("/v1/owners/{}/intents", owner_text.to_lowercase()), "")
            .unwrap();
    assert_eq!(
        (s, v["intents"].as_array().map(Vec::len)),
        (200, Some(1)),
        "lowercase is accepted: {v}"
    );
    post(&mut c, "not JSON", "{not json", "request.malformed_json");
    post(&mut c, "empty body", "", "request.malformed_json");
    post(&mut c, "JSON null", "null", "request.missing_field");
    post(&mut c, "array", "[]", "request.missing_field");
    post(&mut c, "empty object", "{}", "request.missing_field");
    post(
        &mut c,
        "no signature",
        &json!({ "typed_data": good.typed_data(&d) }).to_string(),
        "request.missing_field",
    );
    post(
        &mut c,
        "typed_data a number",
        r#"{"typed_data": 5, "signature": "0x00"}"#,
        "intent.malformed",
    );
    post(
        &mut c,
        "signature not hex",
        &json!({ "typed_data": good.typed_data(&d), "signature": "zz" }).to_string(),
        "intent.bad_signature",
    );
    post(
        &mut c,
        "signature 2 bytes",
        &json!({ "typed_data": good.typed_data(&d), "signature": "0x1234" }).to_string(),
        "intent.bad_signature",
    );
    post(&mut c, "replayed", &good_body, "intent.replayed");
    let mut again = intent(&owner, 1);
    again.amount = U256::from(6u128 * 10u128.pow(18));
    post(&mut c, "nonce reused", &body(&again, &d, &owner), "intent.nonce_reused");
    post(
        &mut c,
        "signed by someone else",
        &body(&intent(&owner, 2), &d, &key(0x32)),
        "intent.wrong_signer",
    );
    let mut altered: Value = serde_json::from_str(&body(&intent(&owner, 3), &d, &owner)).unwrap();
    altered["typed_data"]["message"]["amount"] = json!("7000000000000000000");
    post(&mut c, "altered after signing", &altered.to_string(), "intent.wrong_signer");
    let mut typo = altered.clone();
    typo["typed_data"]["message"]["amount"] = json!("seven");
    post(&mut c, "amount not a number", &typo.to_string(), "intent.malformed");
    let mut prim = altered.clone();
    prim["typed_data"]["primaryType"] = json!("Mail");
    post(&mut c, "other primaryType", &prim.to_string(), "intent.malformed");
    let mut name = altered.clone();
    name["typed_data"]["domain"]["name"] = json!("other");
    post(&mut c, "other domain name", &name.to_string(), "intent.wrong_domain");
    let chain1 = Domain { chain_id: 1, ..d };
    post(&mut c, "wrong chain", &body(&intent(&owner, 4), &chain1, &owner), "intent.wrong_chain");
    let other = Domain { settlement: address!("1111111111111111111111111111111111111111"), ..d };
    post(
        &mut c,
        "wrong contract",
        &body(&intent(&owner, 5), &other, &owner),
        "intent.wrong_contract",
    );
    let mut old = intent(&owner, 6);
    old.deadline = unix_now() - 10;
    post(&mut c, "expired", &body(&old, &d, &owner), "intent.deadline_passed");
    let mut far = intent(&owner, 7);
    far.deadline = unix_now() + 365 * 86_400;
    post(&mut c, "deadline a year out", &body(&far, &d, &owner), "intent.deadline_too_far");
    let mut zero = intent(&owner, 8);
    zero.amount = U256::ZERO;
    post(&mut c, "amount zero", &body(&zero, &d, &owner), "intent.amount_zero");
    let mut tiny = intent(&owner, 9);
    tiny.amount = U256::from(1000u64);
    post(&mut c, "amount dust", &body(&tiny, &d, &owner), "intent.amount_too_small");
    let mut bps = intent(&owner, 10);
    bps.maxOperatorBps = 10_001;
    post(&mut c, "bps over 10000", &body(&bps, &d, &owner), "intent.bps_out_of_range");
    let mut conf = intent(&owner, 11);
    conf.lossConfidenceBps = 100;
    post(&mut c, "confidence too low", &body(&conf, &d, &owner), "intent.confidence_too_low");
    let mut excl = intent(&owner, 12);
    excl.excludedOperators = vec![Address::repeat_byte(1); 40];
    post(&mut c, "40 exclusions", &body(&excl, &d, &owner), "intent.too_many_exclusions");
    let mut dup = intent(&owner, 13);
    dup.excludedOperators = vec![Address::repeat_byte(1), Address::repeat_byte(1)];
    post(&mut c, "duplicate exclusion", &body(&dup, &d, &owner), "intent.duplicate_exclusion");
    let mut asset = intent(&owner, 14);
    asset.asset = Address::repeat_byte(0xee);
    post(&mut c, "unknown asset", &body(&asset, &d, &owner), "intent.unsupported_asset");
    let mut nobody = intent(&owner, 15);
    nobody.owner = Address::ZERO;
    post(&mut c, "zero owner", &body(&nobody, &d, &owner), "intent.owner_zero");
    // High-s twin of a valid signature: s' = n - s, v flipped.
    let hs = intent(&owner, 16);
    let sig = sign(&hs, &d, &owner);
    let n = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let high = alloy::primitives::Signature::new(sig.r(), n - sig.s(), !sig.v());
    let hb = json!({ "typed_data": hs.typed_data(&d), "signature": Bytes::from(high.as_bytes()) });
    post(&mut c, "high-s signature", &hb.to_string(), "intent.high_s_signature");
    let huge = format!(r#"{{"typed_data": "{}", "signature": "0x"}}"#, "a".repeat(100 * 1024));
    post(&mut c, "100 KiB body", &huge, "request.too_large");

    // Reads and cancellations.
    c.expect("bad intent id", "GET", "/v1/intents/xyz", b"", "request.bad_id");
    c.expect(
        "unknown intent",
        "GET",
        &format!("/v1/intents/{}", B256::ZERO),
        b"",
        "intent.unknown",
    );
    c.expect("bad auction id", "GET", "/v1/auctions/abc", b"", "request.bad_id");
    c.expect("unknown auction", "GET", "/v1/auctions/999", b"", "auction.unknown");
    c.expect("bad page", "GET", "/v1/auctions?limit=x", b"", "request.bad_id");
    c.expect("bad owner", "GET", "/v1/owners/nothex/intents", b"", "request.bad_id");
    c.expect("no route", "GET", "/v1/nothing", b"", "request.no_route");
    c.expect(
        "cancel without signature",
        "POST",
        &format!("/v1/intents/{id}/cancel"),
        b"{}",
        "request.missing_field",
    );
    // The owner's own cancellation, re-encoded with a high s: refused as at intake.
    let own = Cancellation { intentId: id }.sign(&d, &owner);
    let n = U256::from_str_radix(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
        16,
    )
    .unwrap();
    let high = alloy::primitives::Signature::new(own.r(), n - own.s(), !own.v());
    let hb = json!({ "signature": Bytes::from(high.as_bytes()) }).to_string();
    c.expect(
        "cancel with a high-s signature",
        "POST",
        &format!("/v1/intents/{id}/cancel"),
        hb.as_bytes(),
        "intent.high_s_signature",
    );
    let forged = Cancellation { intentId: id }.sign(&d, &key(0x32));
    let fb = json!({ "signature": Bytes::from(forged.as_bytes()) }).to_string();
    c.expect(
        "cancel by a stranger",
        "POST",
        &format!("/v1/intents/{id}/cancel"),
        fb.as_bytes(),
        "intent.wrong_signer",
    );
    c.expect(
        "cancel unknown",
        "POST",
        &format!("/v1/intents/{}/cancel", B256::ZERO),
        fb.as_bytes(),
        "intent.unknown",
    );
    c.expect("quote without intent", "POST", "/v1/quote", b"{}", "request.missing_field");
    c.expect(
        "quote of garbage",
        "POST",
        "/v1/quote",
        br#"{"typed_data": {"x": 1}}"#,
        "intent.malformed",
    );

    // Commitments and reveals around a live auction.
    let auction = wait_for(Duration::from_secs(20), || {
        let l = get(&node.addr, "/v1/auctions");
        l["auctions"]
            .as_array()?
            .iter()
            .find(|a| a["phase"] == "committing")
            .and_then(|a| a["id"].as_u64())
    })
    .expect("an auction opened for the accepted intent");
    let cpath = format!("/v1/auctions/{auction}/commitments");
    let rpath = format!("/v1/auctions/{auction}/reveals");
    // What the node says this round's messages are signed for.
    let round = get(&node.addr, &format!("/v1/auctions/{auction}"))["round"]
        .as_str()
        .expect("a live round names its announcement hash")
        .parse()
        .unwrap();
    let at = RoundBinding { domain: d, auction, round };
    let commit = |k: &PrivateKeySigner, h: B256, a: u64| {
        let digest = RoundBinding { auction: a, ..at }.commit_digest(k.address(), h);
        json!(CommitMsg {
            auction: a,
            solver: k.address(),
            commitment: h,
            signature: Bytes::from(k.sign_hash_sync(&digest).unwrap().as_bytes())
        })
        .to_string()
    };
    c.expect("commitment not JSON", "POST", &cpath, b"{", "request.malformed_json");
    c.expect("commitment empty", "POST", &cpath, b"{}", "request.invalid_body");
    c.expect(
        "commitment wrong types",
        "POST",
        &cpath,
        br#"{"auction":"x","solver":1,"commitment":2,"signature":3}"#,
        "request.invalid_body",
    );
    c.expect(
        "commitment to a closed auction",
        "POST",
        "/v1/auctions/999/commitments",
        commit(&registered, B256::repeat_byte(1), 999).as_bytes(),
        "auction.not_open",
    );
    c.expect(
        "commitment URL/body mismatch",
        "POST",
        &cpath,
        commit(&registered, B256::repeat_byte(1), auction + 7).as_bytes(),
        "round.wrong_auction",
    );
    c.expect(
        "unknown solver",
        "POST",
        &cpath,
        commit(&key(0x44), B256::repeat_byte(1), auction).as_bytes(),
        "round.not_eligible",
    );
    let mut spoofed: Value =
        serde_json::from_str(&commit(&key(0x44), B256::repeat_byte(1), auction)).unwrap();
    spoofed["solver"] = json!(registered.address());
    c.expect(
        "signed by another key",
        "POST",
        &cpath,
        spoofed.to_string().as_bytes(),
        "round.bad_signature",
    );
    let mut short = spoofed.clone();
    short["signature"] = json!("0x010203");
    c.expect(
        "3-byte signature",
        "POST",
        &cpath,
        short.to_string().as_bytes(),
        "round.bad_signature",
    );
    let (s, v) =
        http(&node.addr, "POST", &cpath, &commit(&registered, B256::repeat_byte(1), auction))
            .unwrap();
    assert_eq!(s, 202, "a registered solver's commitment is taken: {v}");
    c.expect(
        "same commitment twice",
        "POST",
        &cpath,
        commit(&registered, B256::repeat_byte(1), auction).as_bytes(),
        "round.duplicate_commitment",
    );
    for b in [2u8, 3] {
        let (s, _) =
            http(&node.addr, "POST", &cpath, &commit(&registered, B256::repeat_byte(b), auction))
                .unwrap();
        assert_eq!(s, 202);
    }
    c.expect(
        "a fourth bid",
        "POST",
        &cpath,
        commit(&registered, B256::repeat_byte(4), auction).as_bytes(),
        "round.too_many_bids",
    );
    let bid = Bid { auctionId: auction, solver: registered.address(), plans: vec![] };
    let signed = RevealMsg::seal(&at, bid.clone(), B256::repeat_byte(9), &registered);
    let reveal = json!(signed).to_string();
    c.expect("reveal during commit", "POST", &rpath, reveal.as_bytes(), "round.early_reveal");
    c.expect("reveal wrong types", "POST", &rpath, br#"{"bid": 5}"#, "request.invalid_body");
    let big = format!(r#"{{"bid": "{}"}}"#, "b".repeat(1100 * 1024));
    c.expect("2 MiB reveal", "POST", &rpath, big.as_bytes(), "request.too_large");
    assert!(
        wait_for(Duration::from_secs(15), || (phase(&node.addr, auction) == "revealing")
            .then_some(()))
        .is_some(),
        "the auction reached its reveal phase"
    );
    c.expect(
        "late commitment",
        "POST",
        &cpath,
        commit(&registered, B256::repeat_byte(5), auction).as_bytes(),
        "round.late_commit",
    );
    c.expect(
        "reveal matching no commitment",
        "POST",
        &rpath,
        reveal.as_bytes(),
        "round.reveal_mismatch",
    );
    let unsigned = json!(RevealMsg { signature: Bytes::new(), ..signed.clone() }).to_string();
    c.expect("unsigned reveal", "POST", &rpath, unsigned.as_bytes(), "round.bad_signature");
    let forged = RevealMsg::seal(&at, bid.clone(), B256::repeat_byte(9), &key(0x44));
    let forged = json!(forged).to_string();
    c.expect(
        "reveal signed by another key",
        "POST",
        &rpath,
        forged.as_bytes(),
        "round.bad_signature",
    );
    let mut other_auction = bid;
    other_auction.auctionId = auction + 1;
    let ob = json!(RevealMsg::seal(&at, other_auction, B256::ZERO, &registered)).to_string();
    c.expect("reveal URL/body mismatch", "POST", &rpath, ob.as_bytes(), "round.wrong_auction");
    assert!(
        wait_for(Duration::from_secs(15), || (phase(&node.addr, auction) == "scored")
            .then_some(()))
        .is_some(),
        "the auction closed"
    );
    c.expect("reveal after close", "POST", &rpath, reveal.as_bytes(), "auction.not_open");

    assert!(
        c.failures.is_empty(),
        "{} of {} wrong:\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n")
    );
    assert!(c.checked >= 55, "{} hostile requests", c.checked);
    // Refusals are counted once each, by code.
    let (_, metrics) = http_raw(&node.addr, "GET", "/metrics", b"").unwrap();
    let metrics = String::from_utf8(metrics).unwrap();
    for (code, n) in [
        ("round.late_commit", 1),
        ("intent.replayed", 1),
        ("round.too_many_bids", 1),
        ("request.too_large", 2),
    ] {
        assert!(
            metrics.contains(&format!("stakebid_refused_total{{code=\"{code}\"}} {n}\n")),
            "{code} x{n}:\n{metrics}"
        );
    }
    // The round recorded the registered solver's faults (and took its bond).
    let out = get(&node.addr, &format!("/v1/auctions/{auction}"))["outcome"].clone();
    let faults: Vec<&str> =
        out["faults"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(faults.iter().filter(|f| **f == "round.unrevealed").count(), 3, "{out}");
    // Nothing partial stored: exactly the one accepted intent, back in the pool.
    let mut node = node;
    node.proc.kill();
    let store = stakebid_node::store::Store::open(&node.dir.join("store")).unwrap();
    assert_eq!(store.count().unwrap(), 1, "only the accepted intent is stored");
    assert!(store.get(&stakebid_intents::IntentId(id)).unwrap().is_some());
}
