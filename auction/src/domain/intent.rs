//! An intent's lifecycle, pure: the states, the legal moves, and the
//! record the node keeps (the signed intent and its dated history). Time
//! is passed in; the store supplies its clock.

use stakebid_intents::SignedIntent;

/// An intent's lifecycle: Pending → InAuction → Awarded → Settled, or
/// Expired / Cancelled. A round not won returns InAuction → Pending; an
/// award the Settlement skipped returns Awarded → Pending (funds short),
/// Expired or Cancelled (nonce used on-chain, signature withdrawn).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// In the pool, waiting for a round.
    Pending,
    /// In an open round.
    InAuction,
    /// Won; settlement under way.
    Awarded,
    /// Settled on-chain (final).
    Settled,
    /// Deadline passed unsettled (final).
    Expired,
    /// Cancelled by its owner (final).
    Cancelled,
}

impl Status {
    /// Whether `self → next` is a legal transition.
    pub fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Pending, InAuction)
                | (Pending, Expired)
                | (Pending, Cancelled)
                | (InAuction, Pending)
                | (InAuction, Awarded)
                | (InAuction, Expired)
                | (Awarded, Settled)
                | (Awarded, Pending)
                | (Awarded, Expired)
                | (Awarded, Cancelled)
        )
    }
}

/// What the store keeps per intent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The signed intent as submitted.
    pub signed: SignedIntent,
    /// Where it is in its lifecycle.
    pub status: Status,
    /// Every status it has had, with the unix second it got it.
    pub history: Vec<(Status, u64)>,
    /// The last auction it entered (its plan and settlement are there).
    pub auction: Option<u64>,
    /// Arrival order at this node's store (strictly increasing per accepted
    /// intent): batches are filled in this order, never by id, so nobody
    /// can grind ids to the front of every batch.
    pub seq: u64,
}

impl Record {
    /// A newly accepted intent, pending from `now` (unix s).
    pub fn new(signed: SignedIntent, now: u64) -> Record {
        Record {
            signed,
            status: Status::Pending,
            history: vec![(Status::Pending, now)],
            auction: None,
            seq: 0,
        }
    }

    /// Enters auction `id` at `now` (Pending → InAuction).
    pub fn enter_auction(&mut self, id: u64, now: u64) -> Result<(), (Status, Status)> {
        self.move_to(Status::InAuction, now)?;
        self.auction = Some(id);
        Ok(())
    }

    /// Moves to `to` at `now`, if the lifecycle allows it; otherwise
    /// returns the refused move (from, to) and changes nothing.
    pub fn move_to(&mut self, to: Status, now: u64) -> Result<(), (Status, Status)> {
        if !self.status.can_become(to) {
            return Err((self.status, to));
        }
        self.status = to;
        self.history.push((to, now));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_states_stay_final_and_each_move_is_dated() {
        use Status::*;
        for s in [Settled, Expired, Cancelled] {
            for t in [Pending, InAuction, Awarded, Settled, Expired, Cancelled] {
                assert!(!s.can_become(t), "{s:?} → {t:?}");
            }
        }
        let signed = stakebid_intents::batch::generate(
            &stakebid_intents::Market::snapshot(),
            &stakebid_intents::Domain { chain_id: 1, settlement: Default::default() },
            1,
            1,
            1_790_000_000,
        )
        .remove(0);
        let mut r = Record::new(signed, 10);
        r.move_to(InAuction, 11).unwrap();
        assert_eq!(r.move_to(Cancelled, 12), Err((InAuction, Cancelled)));
        r.move_to(Awarded, 13).unwrap();
        assert_eq!(r.history, vec![(Pending, 10), (InAuction, 11), (Awarded, 13)]);
    }
}
