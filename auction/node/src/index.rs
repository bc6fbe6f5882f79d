//! The store's secondary indexes, as sled key layouts. Every index entry
//! is written in the same transaction as the record it points at, so an
//! index never disagrees with the data after a crash.
//!
//! | tree | key | value | serves |
//! |---|---|---|---|
//! | `by_status` | status byte ‖ intent id | — | the pool (`Pending`) each round, counts |
//! | `by_owner` | owner ‖ sequence (u64 BE) | intent id | an owner's intents, newest first, by cursor |
//! | `by_phase` | phase byte ‖ auction id (u64 BE) | — | auctions awaiting settlement |
//! | `pending_by_owner` | owner ‖ intent id | — | the per-owner cap at intake (counts an owner's pending intents, not its history) |
//!
//! Auctions are keyed by their id in big-endian, so the auction listing is
//! a reverse range scan of the `auctions` tree itself.

use alloy::primitives::Address;

use stakebid_intents::IntentId;

use crate::port::Status;
use stakebid_auction::domain::phase::Phase;

/// A status as one byte (index keys; the Postgres `status` column).
pub(crate) fn status_byte(s: Status) -> u8 {
    match s {
        Status::Pending => 1,
        Status::InAuction => 2,
        Status::Awarded => 3,
        Status::Settled => 4,
        Status::Expired => 5,
        Status::Cancelled => 6,
    }
}

/// A phase as one byte (index keys; the Postgres `phase` column).
pub(crate) fn phase_byte(p: Phase) -> u8 {
    match p {
        Phase::Committing => 1,
        Phase::Revealing => 2,
        Phase::Scored => 3,
        Phase::Awarded => 4,
        Phase::Settled => 5,
        Phase::Failed => 6,
        Phase::Voided => 7,
    }
}

/// `by_status` key.
pub(crate) fn status_key(s: Status, id: &IntentId) -> Vec<u8> {
    let mut k = Vec::with_capacity(33);
    k.push(status_byte(s));
    k.extend_from_slice(id.0.as_slice());
    k
}

/// `by_status` prefix of one status.
pub(crate) fn status_prefix(s: Status) -> [u8; 1] {
    [status_byte(s)]
}

/// `pending_by_owner` key.
pub(crate) fn pending_owner_key(owner: &Address, id: &IntentId) -> Vec<u8> {
    let mut k = owner.as_slice().to_vec();
    k.extend_from_slice(id.0.as_slice());
    k
}

/// `by_owner` key.
pub(crate) fn owner_key(owner: &Address, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(28);
    k.extend_from_slice(owner.as_slice());
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The sequence number in a `by_owner` key.
pub(crate) fn owner_seq(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[20..28]);
    u64::from_be_bytes(b)
}

/// `by_phase` key.
pub(crate) fn phase_key(p: Phase, auction: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(phase_byte(p));
    k.extend_from_slice(&auction.to_be_bytes());
    k
}

/// `by_phase` prefix of one phase.
pub(crate) fn phase_prefix(p: Phase) -> [u8; 1] {
    [phase_byte(p)]
}

/// The auction id in a `by_phase` key.
pub(crate) fn phase_auction(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[1..9]);
    u64::from_be_bytes(b)
}
