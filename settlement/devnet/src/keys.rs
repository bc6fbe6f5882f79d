//! Devnet keys derived from market ids: the market's operator and service
//! addresses are placeholders nobody holds keys for, so a devnet's
//! operators, services (AVSs) and the stakers delegating the operators'
//! existing stake sign with keys derived from their ids.

use alloy::primitives::{keccak256, Address};
use alloy::signers::local::PrivateKeySigner;

fn derived(what: &str, id: &str) -> PrivateKeySigner {
    let seed = keccak256(format!("stakebid devnet {what} {id}"));
    PrivateKeySigner::from_bytes(&seed)
        .expect("a keccak digest is a valid key with overwhelming probability")
}

/// The devnet key of operator `id` (it registers as an EigenLayer operator).
pub fn operator_key(id: &str) -> PrivateKeySigner {
    derived("operator", id)
}

/// The devnet key of service `id` (the AVS its operator set is under).
pub fn service_key(id: &str) -> PrivateKeySigner {
    derived("service", id)
}

/// The devnet address of service `id`.
pub fn service_address(id: &str) -> Address {
    service_key(id).address()
}

/// The staker that delegates operator `id`'s pre-existing stake (what the
/// market says it already holds) on a devnet.
pub fn delegator_key(id: &str) -> PrivateKeySigner {
    derived("delegator", id)
}
