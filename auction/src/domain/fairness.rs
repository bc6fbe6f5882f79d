//! Who gets into the next batch, pure: arrival order, a per-owner share of
//! each batch, and a per-owner backoff for owners whose intents no valid
//! bid covered.
//!
//! ```text
//! pending pool ──sorted by arrival (seq)──▶ owners in good standing first,
//!              owners backing off after them ──at most OWNER_BATCH_CAP per
//!              owner──▶ first batch_size ──▶ batch
//! round closes: an owner none of whose intents a valid bid covered backs
//!               off 2^(strikes-1) rounds (capped); one covered intent clears it
//! ```
//!
//! Why per owner and not per intent: re-signing the same unplannable
//! intent with a new nonce makes a new id, so a per-intent rule is escaped
//! for free; the owner's address is what the attacker pays for (each owner
//! must fund its escrow). Ids are never the order: they are EIP-712 hashes
//! anyone can grind.

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// At most this many of one owner's intents enter one batch.
pub const OWNER_BATCH_CAP: usize = 10;

/// The longest backoff, in rounds.
pub const MAX_BACKOFF_ROUNDS: u64 = 32;

/// Why a pending intent did not enter a round (wire: `waiting.reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Waiting {
    /// Its owner's earlier intents got no valid bid: until this round id it
    /// enters only batches with room left after everyone else.
    Backoff {
        /// The first round it may enter again.
        until: u64,
    },
    /// The batch was full, or its owner's share of it was.
    BatchFull,
}

/// One owner's record of uncovered rounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strikes {
    /// Consecutive rounds in which one of its intents got no valid bid.
    pub count: u32,
    /// The first round id it may enter again.
    pub until: u64,
}

/// The per-owner state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fairness {
    /// Owners with strikes.
    pub owners: BTreeMap<Address, Strikes>,
}

impl Fairness {
    /// Whether `owner`'s intents may enter round `round`.
    pub fn admits(&self, owner: &Address, round: u64) -> Option<Waiting> {
        match self.owners.get(owner) {
            Some(s) if s.until > round => Some(Waiting::Backoff { until: s.until }),
            _ => None,
        }
    }

    /// Fills a batch of at most `size` from `pool` (already in arrival
    /// order) for round `round`: owners not backing off first, in arrival
    /// order; owners backing off only in the room left (so spam that no
    /// solver can plan never delays anyone else, and an owner who erred
    /// once still gets served when the batch has room). Each owner takes at
    /// most [`OWNER_BATCH_CAP`]. Returns the indices taken, in batch order.
    pub fn fill<'a>(
        &self,
        round: u64,
        size: usize,
        pool: impl IntoIterator<Item = &'a Address>,
    ) -> Vec<usize> {
        let pool: Vec<&Address> = pool.into_iter().collect();
        let mut per_owner: BTreeMap<Address, usize> = BTreeMap::new();
        let mut taken = Vec::new();
        for backing_off in [false, true] {
            for (i, owner) in pool.iter().enumerate() {
                if taken.len() == size {
                    return taken;
                }
                if self.admits(owner, round).is_some() != backing_off {
                    continue;
                }
                let n = per_owner.entry(**owner).or_default();
                if *n == OWNER_BATCH_CAP {
                    continue;
                }
                *n += 1;
                taken.push(i);
            }
        }
        taken
    }

    /// After round `round` closed: owners none of whose intents in the
    /// batch a valid bid covered back off (doubling per consecutive
    /// strike, at most [`MAX_BACKOFF_ROUNDS`]); owners with a covered
    /// intent are cleared.
    pub fn record(
        &mut self,
        round: u64,
        uncovered: &BTreeSet<Address>,
        covered: &BTreeSet<Address>,
    ) {
        for o in covered {
            self.owners.remove(o);
        }
        for o in uncovered.difference(covered) {
            let s = self.owners.entry(*o).or_default();
            s.count = s.count.saturating_add(1);
            let rounds = (1u64 << (s.count - 1).min(6)).min(MAX_BACKOFF_ROUNDS);
            s.until = round + 1 + rounds;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: u8) -> Address {
        Address::repeat_byte(n)
    }

    #[test]
    fn an_owner_takes_at_most_its_share_and_arrival_order_decides() {
        let f = Fairness::default();
        // 15 of owner 1 arrived first, then 1 of owner 2.
        let pool: Vec<Address> = std::iter::repeat_n(a(1), 15).chain([a(2)]).collect();
        let got = f.fill(1, 100, &pool);
        assert_eq!(got.len(), OWNER_BATCH_CAP + 1);
        assert_eq!(*got.last().unwrap(), 15, "the later owner is in");
        // A full batch is the first `size` admitted, in arrival order.
        assert_eq!(f.fill(1, 3, &pool), vec![0, 1, 2]);
    }

    #[test]
    fn uncovered_owners_back_off_doubling_and_come_back() {
        let mut f = Fairness::default();
        let bad: BTreeSet<Address> = [a(1)].into();
        let good: BTreeSet<Address> = [a(2)].into();
        f.record(5, &bad, &good);
        // Round 6: owner 1 goes after everyone else; round 7 it is back in line.
        assert!(f.admits(&a(1), 6).is_some());
        assert!(f.admits(&a(1), 7).is_none());
        assert!(f.admits(&a(2), 6).is_none());
        // It arrived first, yet a full batch is the later owner's; a
        // re-signed intent of the same owner waits the same way.
        let pool = [a(1), a(1), a(2)];
        assert_eq!(f.fill(6, 1, &pool), vec![2]);
        // With room, it is served after the others.
        assert_eq!(f.fill(6, 100, &pool), vec![2, 0, 1]);
        f.record(7, &bad, &BTreeSet::new());
        assert_eq!(f.admits(&a(1), 8), Some(Waiting::Backoff { until: 10 }));
        for r in 10..20 {
            f.record(r, &bad, &BTreeSet::new());
        }
        assert_eq!(f.owners[&a(1)].until, 19 + 1 + MAX_BACKOFF_ROUNDS);
        // One intent covered: cleared, even if another of its intents was not.
        f.record(100, &bad, &bad);
        assert!(f.admits(&a(1), 101).is_none());
    }
}
