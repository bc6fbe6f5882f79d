//! One sealed commit–reveal round, pure: time is passed in, nothing is
//! read or written here (the node persists every transition before it
//! announces it).
//!
//! ```text
//! Committing ──commit deadline──▶ Revealing ──reveal deadline──▶ Closed
//!   commit(): signed commitment       reveal(): (bid, salt) must match
//!   only hashes are visible           unrevealed commitments become faults
//! ```
//!
//! Sealed: until the commit deadline a round holds only commitment hashes,
//! and `reveal` refuses anything before it, so no bid content exists
//! anywhere a reader could see it. At most `MAX_BIDS_PER_SOLVER` per solver.

use alloy::primitives::{Address, Signature, B256};
use serde::Serialize;
use std::collections::BTreeMap;

use stakebid_intents::protocol::{commitment, AuctionOpen, Bid};

/// Bids one solver may commit per round (as CoW Protocol).
pub const MAX_BIDS_PER_SOLVER: usize = 3;

/// Why a commit or reveal was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    /// After the commit deadline.
    #[error("the commit deadline {deadline} has passed (now {now})")]
    LateCommit {
        /// Deadline.
        deadline: u64,
        /// Now.
        now: u64,
    },
    /// Solver not registered or suspended.
    #[error("solver {0} is not registered with a sufficient bond")]
    NotEligible(Address),
    /// The commitment's signature is not the solver's.
    #[error("the commitment is not signed by solver {0}")]
    BadSignature(Address),
    /// More than the allowed number of bids.
    #[error("solver {0} already committed {MAX_BIDS_PER_SOLVER} bids this round")]
    TooManyBids(Address),
    /// Same commitment twice.
    #[error("this commitment was already received")]
    DuplicateCommitment,
    /// Reveal before the commit deadline (would break the seal).
    #[error("reveals open at the commit deadline {deadline} (now {now})")]
    EarlyReveal {
        /// Commit deadline.
        deadline: u64,
        /// Now.
        now: u64,
    },
    /// After the reveal deadline.
    #[error("the reveal deadline {deadline} has passed (now {now})")]
    LateReveal {
        /// Deadline.
        deadline: u64,
        /// Now.
        now: u64,
    },
    /// The bid is for another auction.
    #[error("the bid is for auction {got}, this is auction {expected}")]
    WrongAuction {
        /// In the bid.
        got: u64,
        /// This round.
        expected: u64,
    },
    /// No commitment of this solver matches (bid, salt).
    #[error("the revealed bid and salt match no commitment of solver {0}")]
    Mismatch(Address),
}

impl RoundError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::LateCommit { .. } => "round.late_commit",
            Self::NotEligible(_) => "round.not_eligible",
            Self::BadSignature(_) => "round.bad_signature",
            Self::TooManyBids(_) => "round.too_many_bids",
            Self::DuplicateCommitment => "round.duplicate_commitment",
            Self::EarlyReveal { .. } => "round.early_reveal",
            Self::LateReveal { .. } => "round.late_reveal",
            Self::WrongAuction { .. } => "round.wrong_auction",
            Self::Mismatch(_) => "round.reveal_mismatch",
        }
    }

    /// Whether the solver is at fault (recorded, may be penalized).
    pub fn is_fault(&self) -> bool {
        matches!(self, Self::LateCommit { .. } | Self::LateReveal { .. } | Self::Mismatch(_))
    }
}

/// A recorded fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// Who.
    pub solver: Address,
    /// Stable code (`round.*`, or `round.unrevealed`).
    pub code: String,
}

/// One commitment and, once revealed, its bid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The solver.
    pub solver: Address,
    /// The commitment hash.
    pub commitment: B256,
    /// The revealed bid.
    pub bid: Option<Bid>,
}

/// A round.
#[derive(Clone, Debug)]
pub struct Round {
    /// What was announced.
    pub open: AuctionOpen,
    /// Chain id (part of every commitment).
    pub chain_id: u64,
    entries: Vec<Entry>,
    faults: Vec<Fault>,
    closed: bool,
}

impl Round {
    /// A new round in its commit phase.
    pub fn new(open: AuctionOpen, chain_id: u64) -> Round {
        Round { open, chain_id, entries: Vec::new(), faults: Vec::new(), closed: false }
    }

    fn fault(&mut self, solver: Address, e: &RoundError) {
        if e.is_fault() {
            self.faults.push(Fault { solver, code: e.code().into() });
        }
    }

    /// Accepts a signed commitment from `solver` (eligibility decided by the registry).
    pub fn commit(
        &mut self,
        now: u64,
        solver: Address,
        hash: B256,
        sig: &Signature,
        eligible: bool,
    ) -> Result<(), RoundError> {
        let deadline = self.open.commitDeadline;
        let r = if now > deadline {
            Err(RoundError::LateCommit { deadline, now })
        } else if !eligible {
            Err(RoundError::NotEligible(solver))
        } else if sig.recover_address_from_prehash(&hash).ok() != Some(solver) {
            Err(RoundError::BadSignature(solver))
        } else if self.entries.iter().any(|e| e.commitment == hash) {
            Err(RoundError::DuplicateCommitment)
        } else if self.entries.iter().filter(|e| e.solver == solver).count() >= MAX_BIDS_PER_SOLVER
        {
            Err(RoundError::TooManyBids(solver))
        } else {
            Ok(())
        };
        match &r {
            Ok(()) => self.entries.push(Entry { solver, commitment: hash, bid: None }),
            Err(e) => self.fault(solver, &e.clone()),
        }
        r
    }

    /// Accepts a reveal: (bid, salt) must match one of the solver's commitments.
    pub fn reveal(&mut self, now: u64, bid: Bid, salt: B256) -> Result<(), RoundError> {
        let solver = bid.solver;
        let r = (|| {
            if now <= self.open.commitDeadline {
                return Err(RoundError::EarlyReveal { deadline: self.open.commitDeadline, now });
            }
            if now > self.open.revealDeadline {
                return Err(RoundError::LateReveal { deadline: self.open.revealDeadline, now });
            }
            if bid.auctionId != self.open.auctionId {
                return Err(RoundError::WrongAuction {
                    got: bid.auctionId,
                    expected: self.open.auctionId,
                });
            }
            let h = commitment(self.chain_id, bid.auctionId, solver, bid.hash(), salt);
            self.entries
                .iter()
                .position(|e| e.solver == solver && e.commitment == h && e.bid.is_none())
                .ok_or(RoundError::Mismatch(solver))
        })();
        match r {
            Ok(i) => {
                self.entries[i].bid = Some(bid);
                Ok(())
            }
            Err(e) => {
                self.fault(solver, &e);
                Err(e)
            }
        }
    }

    /// After the reveal deadline: every unrevealed commitment becomes a
    /// fault; returns the revealed bids, in commit order. Idempotent.
    pub fn close(&mut self, now: u64) -> Option<Vec<Bid>> {
        if now <= self.open.revealDeadline {
            return None;
        }
        if !self.closed {
            let unrevealed: Vec<Address> =
                self.entries.iter().filter(|e| e.bid.is_none()).map(|e| e.solver).collect();
            for solver in unrevealed {
                self.faults.push(Fault { solver, code: "round.unrevealed".into() });
            }
            self.closed = true;
        }
        Some(self.entries.iter().filter_map(|e| e.bid.clone()).collect())
    }

    /// What anyone may see now: commitment hashes always; bids only after
    /// the reveal deadline.
    pub fn public(&self, now: u64) -> Vec<(Address, B256, Option<&Bid>)> {
        let open = now > self.open.revealDeadline;
        self.entries
            .iter()
            .map(|e| (e.solver, e.commitment, if open { e.bid.as_ref() } else { None }))
            .collect()
    }

    /// Faults so far.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Commitments per solver.
    pub fn commitments(&self) -> BTreeMap<Address, usize> {
        let mut m = BTreeMap::new();
        for e in &self.entries {
            *m.entry(e.solver).or_default() += 1;
        }
        m
    }
}
