//! Cross-check against an independent EIP-712 implementation: viem (npm),
//! installed by the test command into `tests/js`.

use alloy::primitives::{Address, B256, U256};
use stakebid_intents::signature::{parse_signature, verify};
use stakebid_intents::Intent;
use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

fn js_dir() -> PathBuf {
    // At run time: a test binary cargo reuses from another checkout sharing
    // the target directory must still use this checkout's tools.
    let here =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    PathBuf::from(here).join("../tests/js")
}

fn viem(i: &Intent) -> serde_json::Value {
    viem_typed(&i.id(&domain()).to_string(), &i.typed_data(&domain()))
}

/// viem's digest and signature (with `KEY`) of the `eth_signTypedData_v4`
/// object `td`; `name` names its scratch file.
fn viem_typed(name: &str, td: &serde_json::Value) -> serde_json::Value {
    let dir = js_dir();
    assert!(
        dir.join("node_modules/viem").exists(),
        "viem is not installed: run the README's test command (scripts/test.sh), which runs `npm ci` in tests/js"
    );
    let file = std::env::temp_dir().join(format!("stakebid-viem-{name}.json"));
    std::fs::write(&file, td.to_string()).unwrap();
    let out = Command::new("node")
        .arg(dir.join("eip712-check.mjs"))
        .arg(&file)
        .arg(KEY)
        .output()
        .expect("node runs");
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "viem failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn viem_signs_the_same_digest_and_rust_accepts_its_signature() {
    let mut variants = vec![intent()];
    let mut i = intent();
    i.excludedOperators = vec![];
    i.amount = U256::from(123_456_789_012_345_678_901u128);
    variants.push(i);
    let mut i = intent();
    i.excludedOperators = (1..=5u8).map(Address::repeat_byte).collect();
    i.asset = Address::repeat_byte(0xae);
    i.nonce = U256::MAX;
    i.deadline = u64::MAX;
    i.maxFeeBps = 0;
    variants.push(i);
    for i in variants {
        let out = viem(&i);
        let digest: B256 = out["digest"].as_str().unwrap().parse().unwrap();
        assert_eq!(digest, i.id(&domain()).0, "viem's hashTypedData differs");
        let sig: alloy::primitives::Bytes = out["signature"].as_str().unwrap().parse().unwrap();
        let sig = parse_signature(&sig).unwrap();
        assert_eq!(verify(&i, &domain(), &sig).unwrap(), i.id(&domain()));
        let who: Address = out["address"].as_str().unwrap().parse().unwrap();
        assert_eq!(who, i.owner);
    }
}

/// The solver-side typed data (what `intents::protocol` binds commitments,
/// reveals and bus envelopes to) hashes the same in viem, and a commitment
/// viem signs for the round verifies here — so a solver written in another
/// language can sign what the node checks.
#[test]
fn viem_agrees_on_the_commitment_reveal_envelope_and_name_digests() {
    use stakebid_intents::envelope::CommitMsg;
    use stakebid_intents::protocol::{bus_digest, RoundBinding};
    let d = domain();
    let at = RoundBinding { domain: d, auction: 42, round: B256::repeat_byte(0xab) };
    let solver: Address = key().address();
    let commitment = B256::repeat_byte(0xcd);
    let dom = serde_json::json!({
        "name": "stakebid", "version": "1", "chainId": d.chain_id.to_string(),
        "verifyingContract": d.settlement.to_checksum(None),
    });
    let eip712_domain = serde_json::json!([
        { "name": "name", "type": "string" }, { "name": "version", "type": "string" },
        { "name": "chainId", "type": "uint256" }, { "name": "verifyingContract", "type": "address" },
    ]);
    let bid_fields = serde_json::json!([
        { "name": "auctionId", "type": "uint64" }, { "name": "round", "type": "bytes32" },
        { "name": "solver", "type": "address" }, { "name": "commitment", "type": "bytes32" },
    ]);
    let bid_msg = serde_json::json!({
        "auctionId": "42", "round": at.round.to_string(),
        "solver": solver.to_checksum(None), "commitment": commitment.to_string(),
    });
    let body = br#"{"auction":42}"#;
    let cases = [
        ("SealedBid", bid_fields.clone(), bid_msg.clone(), at.commit_digest(solver, commitment)),
        ("OpenedBid", bid_fields, bid_msg, at.reveal_digest(solver, commitment)),
        (
            "BusMessage",
            serde_json::json!([{ "name": "subject", "type": "string" }, { "name": "body", "type": "bytes32" }]),
            serde_json::json!({
                "subject": "stakebid.auctions.42.commitment",
                "body": alloy::primitives::keccak256(body).to_string(),
            }),
            bus_digest(&d, "stakebid.auctions.42.commitment", body),
        ),
        (
            "SolverName",
            serde_json::json!([
                { "name": "solver", "type": "address" }, { "name": "name", "type": "string" },
                { "name": "nonce", "type": "uint64" },
            ]),
            serde_json::json!({
                "solver": solver.to_checksum(None), "name": "engine-5", "nonce": "1796000000000",
            }),
            stakebid_intents::protocol::SolverName {
                solver,
                name: "engine-5".into(),
                nonce: 1_796_000_000_000,
            }
            .digest(&d),
        ),
    ];
    for (name, fields, message, ours) in cases {
        let td = serde_json::json!({
            "types": { "EIP712Domain": eip712_domain, name: fields },
            "primaryType": name, "domain": dom, "message": message,
        });
        let out = viem_typed(name, &td);
        let digest: B256 = out["digest"].as_str().unwrap().parse().unwrap();
        assert_eq!(digest, ours, "{name}: viem's hashTypedData differs");
        if name == "SealedBid" {
            let signature: alloy::primitives::Bytes =
                out["signature"].as_str().unwrap().parse().unwrap();
            let m = CommitMsg { auction: 42, solver, commitment, signature };
            m.verify(&at).expect("viem's SealedBid signature is a valid commitment");
            // The same signature is nothing in another round.
            let other = RoundBinding { round: B256::repeat_byte(1), ..at };
            assert!(m.verify(&other).is_err());
        }
        if name == "SolverName" {
            // What viem signs registers the name here.
            let signature: alloy::primitives::Bytes =
                out["signature"].as_str().unwrap().parse().unwrap();
            let m = stakebid_intents::protocol::SolverName {
                solver,
                name: "engine-5".into(),
                nonce: 1_796_000_000_000,
            };
            m.verify(&d, &signature).expect("viem's SolverName signature registers the name");
        }
    }
}
