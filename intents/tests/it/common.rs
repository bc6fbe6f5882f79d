//! Shared fixtures.

use alloy::primitives::{address, Address, Signature, U256};
use alloy::signers::local::PrivateKeySigner;
use stakebid_intents::{Domain, Intent, Policy, NATIVE_ETH};

pub(crate) const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub(crate) const NOW: u64 = 1_750_000_000;

pub(crate) fn key() -> PrivateKeySigner {
    KEY.parse().unwrap()
}

pub(crate) fn domain() -> Domain {
    Domain { chain_id: 31337, settlement: address!("5FbDB2315678afecb367f032d93F642f64180aa3") }
}

pub(crate) fn policy() -> Policy {
    Policy::new(domain())
}

/// A valid 10 ETH intent owned by `key()`.
pub(crate) fn intent() -> Intent {
    Intent {
        owner: key().address(),
        asset: NATIVE_ETH,
        amount: U256::from(10u128 * 10u128.pow(18)),
        minNetApyBps: 250,
        maxLossBps: 300,
        lossConfidenceBps: 9500,
        maxOperatorBps: 4000,
        maxServiceBps: 3000,
        minLiquidBps: 3000,
        liquidWithinDays: 7,
        maxFeeBps: 10,
        excludedOperators: vec![Address::repeat_byte(0x11)],
        nonce: U256::from(42u64 << 8 | 3),
        deadline: NOW + 3600,
    }
}

/// The malleated twin of `sig`: (r, n − s, !v). Valid for the same key.
pub(crate) fn high_s(sig: &Signature) -> Signature {
    let n = U256::from_str_radix(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
        16,
    )
    .unwrap();
    Signature::new(sig.r(), n - sig.s(), !sig.v())
}
