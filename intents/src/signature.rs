//! Signing intents with a local key and recovering their signer.
//!
//! alloy's recovery normalises `s`, so a high-s (malleable) signature would
//! recover the same address; we reject it explicitly so one intent has one
//! valid signature encoding, as Ethereum has required since EIP-2.

use alloy::primitives::{Address, Signature, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;

use crate::error::IntentError;
use crate::intent::{Domain, Intent, IntentId};

/// n/2 for secp256k1: the largest low-s value.
const HALF_ORDER: U256 = U256::from_limbs([
    0xDFE92F46681B20A0,
    0x5D576E7357A4501D,
    0xFFFFFFFFFFFFFFFF,
    0x7FFFFFFFFFFFFFFF,
]);

/// A signed intent as it travels: the intent, its domain and 65-byte signature.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedIntent {
    /// The intent (decimal strings, EIP-55 addresses).
    #[serde(with = "crate::encoding::intent_json")]
    pub intent: Intent,
    /// Where it is valid.
    pub domain: Domain,
    /// r ‖ s ‖ v, 65 bytes.
    pub signature: alloy::primitives::Bytes,
    /// An EIP-2612 permit funding a token intent (no approve transaction),
    /// checked at submit (`permit::check`) and passed to the Settlement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permit: Option<crate::permit::IntentPermit>,
}

/// Signs `intent` under `domain` with a local key.
pub fn sign(intent: &Intent, domain: &Domain, key: &PrivateKeySigner) -> Signature {
    key.sign_hash_sync(&intent.id(domain).0).expect("k256 signing of a 32-byte digest cannot fail")
}

/// Parses a 65-byte r‖s‖v signature (v ∈ {0, 1, 27, 28}).
pub fn parse_signature(bytes: &[u8]) -> Result<Signature, IntentError> {
    if bytes.len() != 65 {
        return Err(IntentError::BadSignature(format!(
            "expected 65 bytes (r, s, v), got {}",
            bytes.len()
        )));
    }
    Signature::try_from(bytes).map_err(|e| IntentError::BadSignature(e.to_string()))
}

/// Recovers who signed the 32-byte `digest`, rejecting high-s. Every
/// signature the marketplace accepts (intents, cancellations, commitments,
/// reveals, bus envelopes) goes through here, so one message has exactly
/// one valid signature encoding everywhere.
pub fn recover_prehash(digest: &B256, sig: &Signature) -> Result<Address, IntentError> {
    if sig.s() > HALF_ORDER {
        return Err(IntentError::HighS);
    }
    // libsecp256k1 recovers ~5x faster than k256 here (docs/benchmarks.md).
    let pk = sig
        .recover_from_prehash_secp256k1(digest)
        .map_err(|e| IntentError::BadSignature(e.to_string()))?;
    Ok(Address::from_raw_public_key(&pk.serialize_uncompressed()[1..]))
}

/// Parses 65 bytes and recovers the signer of `digest` (high-s refused).
pub fn recover_bytes(digest: &B256, sig: &[u8]) -> Result<Address, IntentError> {
    recover_prehash(digest, &parse_signature(sig)?)
}

/// Recovers the signer of `intent` under `domain`, rejecting high-s.
pub fn recover(
    intent: &Intent,
    domain: &Domain,
    sig: &Signature,
) -> Result<(Address, IntentId), IntentError> {
    let id = intent.id(domain);
    Ok((recover_prehash(&id.0, sig)?, id))
}

/// Recovers and checks that the owner signed. Returns the intent id.
pub fn verify(intent: &Intent, domain: &Domain, sig: &Signature) -> Result<IntentId, IntentError> {
    let (signer, id) = recover(intent, domain, sig)?;
    if signer != intent.owner {
        return Err(IntentError::WrongSigner { signer, owner: intent.owner });
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secp256k1_and_k256_recover_the_same_signer() {
        for k in 1u64..20 {
            let key =
                PrivateKeySigner::from_bytes(&alloy::primitives::B256::from(U256::from(k * 7919)))
                    .unwrap();
            let digest = alloy::primitives::keccak256(k.to_be_bytes());
            let sig = key.sign_hash_sync(&digest).unwrap();
            let pk = sig.recover_from_prehash_secp256k1(&digest).unwrap();
            let a = Address::from_raw_public_key(&pk.serialize_uncompressed()[1..]);
            assert_eq!(a, key.address());
            assert_eq!(sig.recover_address_from_prehash(&digest).unwrap(), a);
        }
    }

    #[test]
    fn half_order_is_n_over_two() {
        let n = U256::from_str_radix(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
            16,
        )
        .unwrap();
        assert_eq!(HALF_ORDER, n >> 1);
    }

    #[test]
    fn a_high_s_twin_of_a_good_signature_is_refused() {
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(3)).unwrap();
        let digest = alloy::primitives::keccak256(b"x");
        let sig = key.sign_hash_sync(&digest).unwrap();
        assert_eq!(recover_prehash(&digest, &sig).unwrap(), key.address());
        let n = U256::from_str_radix(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
            16,
        )
        .unwrap();
        let twin = Signature::new(sig.r(), n - sig.s(), !sig.v());
        assert_eq!(twin.recover_address_from_prehash(&digest).unwrap(), key.address());
        assert_eq!(recover_prehash(&digest, &twin), Err(IntentError::HighS));
        assert_eq!(recover_bytes(&digest, &twin.as_bytes()), Err(IntentError::HighS));
    }
}
