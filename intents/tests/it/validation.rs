//! Every validation code is triggered by the input it names, through the
//! same intake path the API and CLI use (`accept`), and a valid intent passes.

use alloy::primitives::{Address, U256};
use serde_json::Value;
use stakebid_intents::signature::sign;
use stakebid_intents::Coded;
use stakebid_intents::{accept, Domain, Intent, IntentError, Policy};
use std::collections::BTreeSet;

use crate::common::*;

fn signed(i: &Intent, d: &Domain) -> (Value, Vec<u8>) {
    (i.typed_data(d), sign(i, d, &key()).as_bytes().to_vec())
}

fn code_of(td: &Value, sig: &[u8], policy: &Policy) -> String {
    match accept(td, sig, NOW, policy) {
        Ok(_) => "ok".into(),
        Err(e) => {
            // Every error reads as a sentence, not a debug dump.
            let msg = e.to_string();
            assert!(msg.len() > 15 && !msg.contains("{"), "{msg}");
            e.code().to_string()
        }
    }
}

/// (mutation of a valid intent, the code it must produce)
type Case = Box<dyn Fn() -> (Value, Vec<u8>, Policy)>;

fn cases() -> Vec<(&'static str, Case)> {
    let with = |f: fn(&mut Intent)| {
        move || {
            let mut i = intent();
            f(&mut i);
            let (td, sig) = signed(&i, &domain());
            (td, sig, policy())
        }
    };
    vec![
        ("ok", Box::new(with(|_| {}))),
        ("intent.malformed", Box::new(|| (serde_json::json!({"types": 1}), vec![0; 65], policy()))),
        (
            "intent.malformed",
            Box::new(|| {
                let (mut td, sig) = signed(&intent(), &domain());
                td["message"]["amount"] = "ten ether".into();
                (td, sig, policy())
            }),
        ),
        (
            "intent.undeclared_field",
            Box::new(|| {
                let (mut td, sig) = signed(&intent(), &domain());
                td["message"]["referrer"] = "0x0000000000000000000000000000000000000001".into();
                (td, sig, policy())
            }),
        ),
        (
            "intent.wrong_domain",
            Box::new(|| {
                let (mut td, sig) = signed(&intent(), &domain());
                td["domain"]["name"] = "uniswap".into();
                (td, sig, policy())
            }),
        ),
        (
            "intent.wrong_chain",
            Box::new(|| {
                let d = Domain { chain_id: 1, ..domain() };
                let (td, sig) = signed(&intent(), &d);
                (td, sig, policy())
            }),
        ),
        (
            "intent.wrong_contract",
            Box::new(|| {
                let d = Domain { settlement: Address::repeat_byte(7), ..domain() };
                let (td, sig) = signed(&intent(), &d);
                (td, sig, policy())
            }),
        ),
        ("intent.owner_zero", Box::new(with(|i| i.owner = Address::ZERO))),
        ("intent.amount_zero", Box::new(with(|i| i.amount = U256::ZERO))),
        ("intent.amount_too_small", Box::new(with(|i| i.amount = U256::from(1000)))),
        ("intent.amount_too_large", Box::new(with(|i| i.amount = U256::MAX))),
        ("intent.bps_out_of_range", Box::new(with(|i| i.maxFeeBps = 10_001))),
        ("intent.bps_out_of_range", Box::new(with(|i| i.minLiquidBps = u16::MAX))),
        ("intent.confidence_too_low", Box::new(with(|i| i.lossConfidenceBps = 4999))),
        ("intent.deadline_passed", Box::new(with(|i| i.deadline = NOW - 1))),
        ("intent.deadline_passed", Box::new(with(|i| i.deadline = NOW + 5))),
        ("intent.deadline_too_far", Box::new(with(|i| i.deadline = NOW + 31 * 86_400))),
        (
            "intent.too_many_exclusions",
            Box::new(with(|i| {
                i.excludedOperators = (1..=33u8).map(Address::repeat_byte).collect()
            })),
        ),
        (
            "intent.duplicate_exclusion",
            Box::new(with(|i| i.excludedOperators = vec![Address::repeat_byte(3); 2])),
        ),
        (
            "intent.unsupported_asset",
            Box::new(|| {
                let (td, sig) = signed(&intent(), &domain());
                let mut p = policy();
                p.accepted_assets = Some(vec![Address::repeat_byte(0xee)]);
                (td, sig, p)
            }),
        ),
        (
            "intent.bad_signature",
            Box::new(|| (signed(&intent(), &domain()).0, vec![1; 64], policy())),
        ),
        (
            "intent.high_s_signature",
            Box::new(|| {
                let i = intent();
                let s = sign(&i, &domain(), &key());
                let high = high_s(&s);
                (i.typed_data(&domain()), high.as_bytes().to_vec(), policy())
            }),
        ),
        (
            "intent.wrong_signer",
            Box::new(|| {
                let i = intent();
                let other: alloy::signers::local::PrivateKeySigner =
                    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
                        .parse()
                        .unwrap();
                let sig = sign(&i, &domain(), &other);
                (i.typed_data(&domain()), sig.as_bytes().to_vec(), policy())
            }),
        ),
    ]
}

#[test]
fn every_code_is_triggered_by_its_input() {
    let mut covered = BTreeSet::new();
    for (want, make) in cases() {
        let (td, sig, p) = make();
        assert_eq!(code_of(&td, &sig, &p), want);
        covered.insert(want);
    }
    for code in IntentError::CODES {
        assert!(covered.contains(code), "no test triggers {code}");
    }
}

#[test]
fn each_bps_field_is_range_checked_by_name() {
    for field in [
        "minNetApyBps",
        "maxLossBps",
        "lossConfidenceBps",
        "maxOperatorBps",
        "maxServiceBps",
        "minLiquidBps",
        "maxFeeBps",
    ] {
        let i = intent();
        let mut td = i.typed_data(&domain());
        td["message"][field] = "10001".into();
        let (bad, d) = Intent::from_typed_data(&td).unwrap();
        let sig = sign(&bad, &d, &key()).as_bytes();
        let e = accept(&td, &sig, NOW, &policy()).unwrap_err();
        assert_eq!(e, IntentError::BpsOutOfRange { field: field_static(field), value: 10001 });
    }
}

fn field_static(f: &str) -> &'static str {
    stakebid_intents::validate::bps_fields(&intent())
        .iter()
        .find(|(n, _)| *n == f)
        .map(|(n, _)| *n)
        .unwrap()
}

#[test]
fn a_tampered_message_does_not_verify() {
    let (mut td, sig) = signed(&intent(), &domain());
    td["message"]["maxLossBps"] = "9000".into();
    assert_eq!(code_of(&td, &sig, &policy()), "intent.wrong_signer");
}
