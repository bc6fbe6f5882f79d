//! EIP-2612 permits that fund a token intent without an approve transaction.
//!
//! The Settlement calls `token.permit(owner, settlement, intent.amount,
//! deadline, v, r, s)` just before it pulls the intent's tokens, so a permit
//! is only useful if it is exactly that: value = the intent's amount,
//! spender = the Settlement, signed by the owner, under the token's own
//! EIP-712 domain, with the owner's current permit nonce and a deadline no
//! earlier than the intent's. [`check`] holds a permit to all of that
//! before the node stores it (the I/O — the token's `DOMAIN_SEPARATOR()` and
//! `nonces(owner)` — is the caller's). Permit nonces are sequential per
//! owner and token, so an owner has at most one permit-funded intent per
//! token pending: a second permit signed with the same nonce would be dead
//! once the first is used.

use alloy::primitives::{keccak256, Address, Bytes, B256, U256};
use alloy::sol_types::SolValue;
use serde::{Deserialize, Serialize};

use crate::intent::Intent;

alloy::sol! {
    /// EIP-2612's signed struct.
    struct Permit { address owner; address spender; uint256 value; uint256 nonce; uint256 deadline; }
}

/// A permit as it travels with an intent (`POST /v1/intents`'s `permit`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentPermit {
    /// Unix seconds after which the token refuses it.
    #[serde(with = "crate::decimal")]
    pub deadline: U256,
    /// The owner's permit nonce at the token it was signed with.
    #[serde(with = "crate::decimal")]
    pub nonce: U256,
    /// r ‖ s ‖ v, 65 bytes, over the token's EIP-712 `Permit` digest.
    pub signature: Bytes,
}

/// Why a permit is refused; each has a stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PermitError {
    /// A permit on an ETH intent: ETH is escrowed, not approved.
    #[error("a permit funds a token intent; an ETH intent is funded by escrow")]
    ForEth,
    /// Its deadline is before the intent's.
    #[error("the permit's deadline ({permit}) is before the intent's ({intent}): the Settlement could not use it for the intent's whole life")]
    DeadlineShort {
        /// The permit's.
        permit: U256,
        /// The intent's.
        intent: u64,
    },
    /// Signed with another nonce than the token's current one for the owner.
    #[error("the permit was signed with nonce {signed}, but the token's next permit nonce for this owner is {current}; sign a new permit")]
    StaleNonce {
        /// In the permit.
        signed: U256,
        /// `token.nonces(owner)` now.
        current: U256,
    },
    /// Not the owner's signature over this exact permit (value = the
    /// intent's amount, spender = the Settlement, the token's domain).
    #[error("the permit is not the owner's signature over value = the intent's amount, spender = the Settlement, under the token's domain")]
    BadSignature,
}

impl PermitError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            PermitError::ForEth => "permit.for_eth",
            PermitError::DeadlineShort { .. } => "permit.deadline_short",
            PermitError::StaleNonce { .. } => "permit.stale_nonce",
            PermitError::BadSignature => "permit.bad_signature",
        }
    }
}

/// The EIP-712 digest the owner signs: `Permit(owner, settlement,
/// value, nonce, deadline)` under the token's `domain_separator`.
pub fn digest(
    domain_separator: B256,
    owner: Address,
    spender: Address,
    value: U256,
    nonce: U256,
    deadline: U256,
) -> B256 {
    use alloy::sol_types::SolStruct;
    let p = Permit { owner, spender, value, nonce, deadline };
    let mut buf = Vec::with_capacity(66);
    buf.extend_from_slice(b"\x19\x01");
    buf.extend_from_slice(domain_separator.as_slice());
    buf.extend_from_slice(p.eip712_hash_struct().as_slice());
    keccak256(buf)
}

/// Holds `permit` to what the Settlement will do with it for `intent`
/// (spender `settlement`), given the token's `domain_separator` and the
/// owner's `current_nonce` there, both read from the chain.
pub fn check(
    permit: &IntentPermit,
    intent: &Intent,
    settlement: Address,
    domain_separator: B256,
    current_nonce: U256,
) -> Result<(), PermitError> {
    if intent.asset.is_zero() {
        return Err(PermitError::ForEth);
    }
    if permit.deadline < U256::from(intent.deadline) {
        return Err(PermitError::DeadlineShort {
            permit: permit.deadline,
            intent: intent.deadline,
        });
    }
    if permit.nonce != current_nonce {
        return Err(PermitError::StaleNonce { signed: permit.nonce, current: current_nonce });
    }
    let d = digest(
        domain_separator,
        intent.owner,
        settlement,
        intent.amount,
        permit.nonce,
        permit.deadline,
    );
    let sig = crate::signature::parse_signature(&permit.signature)
        .map_err(|_| PermitError::BadSignature)?;
    match sig.recover_address_from_prehash(&d) {
        Ok(a) if a == intent.owner => Ok(()),
        _ => Err(PermitError::BadSignature),
    }
}

impl IntentPermit {
    /// What `SignedIntent.permit` carries on-chain:
    /// `abi.encode(uint256 deadline, uint8 v, bytes32 r, bytes32 s)`.
    pub fn encode(&self) -> Bytes {
        let Ok(sig) = crate::signature::parse_signature(&self.signature) else {
            return Bytes::new();
        };
        let v = U256::from(27 + sig.v() as u8);
        let r = B256::from(sig.r());
        let s = B256::from(sig.s());
        Bytes::from((self.deadline, v, r, s).abi_encode_params())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::signers::local::PrivateKeySigner;
    use alloy::signers::SignerSync;

    fn setup() -> (PrivateKeySigner, Intent, Address, B256) {
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap();
        let i = crate::batch::Profile::Balanced.intent(
            key.address(),
            Address::repeat_byte(0x11),
            U256::from(10u64).pow(U256::from(18)),
            U256::from(1),
            1_800_000_000,
        );
        (key, i, Address::repeat_byte(0x22), B256::repeat_byte(0x33))
    }

    fn signed(
        key: &PrivateKeySigner,
        i: &Intent,
        spender: Address,
        ds: B256,
        value: U256,
    ) -> IntentPermit {
        let deadline = U256::from(i.deadline + 60);
        let d = digest(ds, i.owner, spender, value, U256::from(4), deadline);
        let sig = key.sign_hash_sync(&d).unwrap();
        IntentPermit { deadline, nonce: U256::from(4), signature: Bytes::from(sig.as_bytes()) }
    }

    #[test]
    fn a_permit_is_bound_to_the_amount_the_spender_the_nonce_and_the_deadline() {
        let (key, i, settlement, ds) = setup();
        let p = signed(&key, &i, settlement, ds, i.amount);
        assert_eq!(check(&p, &i, settlement, ds, U256::from(4)), Ok(()));
        // Another value, spender or token domain: not this permit.
        let more = signed(&key, &i, settlement, ds, i.amount + U256::from(1));
        assert_eq!(check(&more, &i, settlement, ds, U256::from(4)), Err(PermitError::BadSignature));
        let other = signed(&key, &i, Address::repeat_byte(9), ds, i.amount);
        assert_eq!(
            check(&other, &i, settlement, ds, U256::from(4)),
            Err(PermitError::BadSignature)
        );
        assert_eq!(
            check(&p, &i, settlement, B256::repeat_byte(1), U256::from(4)),
            Err(PermitError::BadSignature)
        );
        assert!(matches!(
            check(&p, &i, settlement, ds, U256::from(5)),
            Err(PermitError::StaleNonce { .. })
        ));
        let mut late = i.clone();
        late.deadline += 61;
        assert!(matches!(
            check(&p, &late, settlement, ds, U256::from(4)),
            Err(PermitError::DeadlineShort { .. })
        ));
        let mut eth = i.clone();
        eth.asset = Address::ZERO;
        assert_eq!(check(&p, &eth, settlement, ds, U256::from(4)), Err(PermitError::ForEth));
        // The on-chain encoding is four words: deadline, v, r, s.
        assert_eq!(p.encode().len(), 128);
    }
}
