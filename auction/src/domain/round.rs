//! One sealed commit–reveal round, pure: time is passed in, nothing is
//! read or written here (the node persists every transition before it
//! announces it).
//!
//! ```text
//! Committing ──commit deadline──▶ Revealing ──reveal deadline──▶ Closed
//!   commit(): signed commitment       reveal(): signed, must open a commitment
//!   only hashes are visible           unrevealed commitments become faults
//! ```
//!
//! Every message is checked for its solver's signature before anything
//! else; a refused message changes nothing and records nothing. The one
//! fault is a signed commitment not opened by the reveal deadline.
//!
//! ```text
//! ```
//!
//! Sealed: until the commit deadline a round holds only commitment hashes,
//! and `reveal` refuses anything before it, so no bid content exists
//! anywhere a reader could see it. At most `MAX_BIDS_PER_SOLVER` per solver.

use alloy::primitives::{Address, B256};
use std::collections::BTreeMap;

use stakebid_intents::envelope::{CommitMsg, RevealMsg, Verified};
use stakebid_intents::protocol::{AuctionOpen, Bid};

/// Bids one solver may commit per round (as CoW Protocol).
pub use stakebid_intents::protocol::MAX_BIDS_PER_SOLVER;

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

impl stakebid_intents::Coded for RoundError {
    fn code(&self) -> &str {
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
}

/// A recorded fault: a signed commitment left unopened at the reveal
/// deadline — the only offence a round can record. Refused messages
/// (unsigned, late, mismatched) leave no trace: anyone can send those in a
/// solver's name, so they can prove nothing against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Who.
    pub solver: Address,
    /// Stable code (`round.unrevealed`).
    pub code: String,
    /// The unopened commitment (the solver signed it: the evidence).
    pub commitment: B256,
}

/// What an accepted reveal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revealed {
    /// It opened a commitment.
    Opened,
    /// It repeats one already accepted: answered the same, changes nothing.
    Repeat,
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

    /// Accepts a commitment whose signature was checked (a [`Verified`]
    /// can only come from `CommitMsg::verify`, so a forgery never gets
    /// here); eligibility is decided by the registry.
    pub fn commit(
        &mut self,
        now: u64,
        msg: &Verified<CommitMsg>,
        eligible: bool,
    ) -> Result<(), RoundError> {
        let msg = msg.msg();
        let solver = msg.solver;
        let deadline = self.open.commitDeadline;
        if msg.auction != self.open.auctionId {
            return Err(RoundError::WrongAuction {
                got: msg.auction,
                expected: self.open.auctionId,
            });
        }
        if now > deadline {
            return Err(RoundError::LateCommit { deadline, now });
        }
        if !eligible {
            return Err(RoundError::NotEligible(solver));
        }
        if self.entries.iter().any(|e| e.commitment == msg.commitment) {
            return Err(RoundError::DuplicateCommitment);
        }
        if self.entries.iter().filter(|e| e.solver == solver).count() >= MAX_BIDS_PER_SOLVER {
            return Err(RoundError::TooManyBids(solver));
        }
        self.entries.push(Entry { solver, commitment: msg.commitment, bid: None });
        Ok(())
    }

    /// Accepts a checked reveal that opens one of its solver's commitments.
    /// A reveal that opens nothing is refused and recorded nowhere; a
    /// repeat of an accepted one is [`Revealed::Repeat`].
    pub fn reveal(&mut self, now: u64, v: &Verified<RevealMsg>) -> Result<Revealed, RoundError> {
        let (msg, h) = (v.msg(), v.commitment());
        let solver = msg.bid.solver;
        if msg.bid.auctionId != self.open.auctionId {
            return Err(RoundError::WrongAuction {
                got: msg.bid.auctionId,
                expected: self.open.auctionId,
            });
        }
        if now <= self.open.commitDeadline {
            return Err(RoundError::EarlyReveal { deadline: self.open.commitDeadline, now });
        }
        if now > self.open.revealDeadline {
            return Err(RoundError::LateReveal { deadline: self.open.revealDeadline, now });
        }
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.solver == solver && e.commitment == h)
            .ok_or(RoundError::Mismatch(solver))?;
        // The commitment fixes the bid, so a second opening is the same bid.
        if e.bid.is_some() {
            return Ok(Revealed::Repeat);
        }
        e.bid = Some(msg.bid.clone());
        Ok(Revealed::Opened)
    }
    /// Whether `solver` committed `commitment` here and has not opened it
    /// yet (read before any signature is checked: rate limits never refuse
    /// such a reveal).
    pub fn awaits(&self, solver: Address, commitment: B256) -> bool {
        self.entries
            .iter()
            .any(|e| e.solver == solver && e.commitment == commitment && e.bid.is_none())
    }

    /// After the reveal deadline: every unrevealed commitment becomes a
    /// fault; returns the revealed bids, in commit order. Idempotent.
    pub fn close(&mut self, now: u64) -> Option<Vec<Bid>> {
        if now <= self.open.revealDeadline {
            return None;
        }
        if !self.closed {
            let unrevealed = self.entries.iter().filter(|e| e.bid.is_none());
            self.faults = unrevealed
                .map(|e| Fault {
                    solver: e.solver,
                    code: "round.unrevealed".into(),
                    commitment: e.commitment,
                })
                .collect();
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
