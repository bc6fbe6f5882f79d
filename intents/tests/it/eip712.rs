//! The EIP-712 encoding is pinned: changing a field name, type or order
//! changes every digest wallets have signed, so these must fail loudly.

use alloy::primitives::{b256, U256};
use alloy::sol_types::SolStruct;
use stakebid_intents::signature::{parse_signature, recover, sign, verify};
use stakebid_intents::Coded;
use stakebid_intents::{Intent, IntentError};

use crate::common::*;

#[test]
fn encode_type_is_pinned() {
    assert_eq!(
        Intent::eip712_encode_type(),
        "Intent(address owner,address asset,uint256 amount,uint16 minNetApyBps,\
uint16 maxLossBps,uint16 lossConfidenceBps,uint16 maxOperatorBps,uint16 maxServiceBps,\
uint16 minLiquidBps,uint16 liquidWithinDays,uint16 maxFeeBps,address[] excludedOperators,\
uint256 nonce,uint64 deadline)"
    );
}

#[test]
fn digest_is_pinned() {
    // Pinned once from this implementation and confirmed equal to viem's
    // hashTypedData by `viem::viem_signs_the_same_digest`.
    assert_eq!(
        intent().id(&domain()).0,
        b256!("35a7d1433076dd90eddc90df4196538e1116bcbdf1c26e5cea3690e270e28c7f")
    );
}

#[test]
fn typed_data_round_trips() {
    let i = intent();
    let td = i.typed_data(&domain());
    let (back, d) = Intent::from_typed_data(&td).unwrap();
    assert_eq!(back, i);
    assert_eq!(d, domain());
}

#[test]
fn typed_data_with_altered_types_is_refused() {
    let mut td = intent().typed_data(&domain());
    td["types"]["Intent"][3]["type"] = "uint32".into();
    let e = Intent::from_typed_data(&td).unwrap_err();
    assert_eq!(e.code(), "intent.malformed");
    let mut td = intent().typed_data(&domain());
    td["primaryType"] = "Permit".into();
    assert_eq!(Intent::from_typed_data(&td).unwrap_err().code(), "intent.malformed");
}

#[test]
fn a_signature_recovers_the_owner_and_nothing_else_verifies() {
    let i = intent();
    let sig = sign(&i, &domain(), &key());
    assert_eq!(verify(&i, &domain(), &sig).unwrap(), i.id(&domain()));
    // Any change to the intent changes the signer.
    let mut other = i.clone();
    other.amount += U256::from(1);
    assert_eq!(verify(&other, &domain(), &sig).unwrap_err().code(), "intent.wrong_signer");
}

#[test]
fn a_signature_for_another_domain_is_refused() {
    let i = intent();
    let mut d2 = domain();
    d2.chain_id = 1;
    let sig = sign(&i, &d2, &key());
    assert!(matches!(verify(&i, &domain(), &sig), Err(IntentError::WrongSigner { .. })));
}

#[test]
fn high_s_is_refused_although_it_recovers_the_same_signer() {
    let i = intent();
    let sig = sign(&i, &domain(), &key());
    let high = high_s(&sig);
    // The malleated signature is mathematically valid for the same key ...
    let again = high.recover_address_from_prehash(&i.id(&domain()).0).unwrap();
    assert_eq!(again, i.owner);
    // ... and we refuse it anyway.
    assert_eq!(recover(&i, &domain(), &high).unwrap_err(), IntentError::HighS);
}

#[test]
fn garbage_signatures_are_bad_signatures() {
    assert_eq!(parse_signature(&[0u8; 64]).unwrap_err().code(), "intent.bad_signature");
    let zero = parse_signature(&[0u8; 65]);
    let code = match zero {
        Err(e) => e.code().to_string(),
        Ok(s) => recover(&intent(), &domain(), &s).unwrap_err().code().to_string(),
    };
    assert_eq!(code, "intent.bad_signature");
}
