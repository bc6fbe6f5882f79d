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
    let dir = js_dir();
    assert!(
        dir.join("node_modules/viem").exists(),
        "viem is not installed: run the README's test command (scripts/test.sh), which runs `npm ci` in tests/js"
    );
    let file = std::env::temp_dir().join(format!("stakebid-viem-{}.json", i.id(&domain())));
    std::fs::write(&file, i.typed_data(&domain()).to_string()).unwrap();
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
