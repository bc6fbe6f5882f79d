//! An auction's lifecycle: Committing → Revealing → Scored → Awarded →
//! Settled | Failed, or Voided (a restart before scoring: no penalties, its
//! intents return to the pool).

/// Where an auction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Taking commitments.
    Committing,
    /// Taking reveals.
    Revealing,
    /// Bids evaluated, winners chosen.
    Scored,
    /// Award signed, settlement under way.
    Awarded,
    /// Settled on-chain (final).
    Settled,
    /// Settlement failed with no runner-up left (final).
    Failed,
    /// Voided by a restart before scoring (final).
    Voided,
}

impl Phase {
    /// Whether `self → next` is legal.
    pub fn can_become(self, next: Phase) -> bool {
        use Phase::*;
        matches!(
            (self, next),
            (Committing, Revealing)
                | (Committing, Voided)
                | (Revealing, Scored)
                | (Revealing, Voided)
                | (Scored, Awarded)
                | (Scored, Failed)
                | (Awarded, Settled)
                | (Awarded, Scored) // settlement failed: re-select among the rest
                | (Awarded, Failed)
        )
    }

    /// Whether a round in `self` may be concluded into `to` (Scored, or a
    /// phase Scored may become: Awarded with winners, Failed without).
    pub fn may_conclude(self, to: Phase) -> bool {
        self.can_become(Phase::Scored) && (to == Phase::Scored || Phase::Scored.can_become(to))
    }

    /// Whether a failed settlement may move an awarded round to `to`
    /// (Awarded while an award stands, or a legal move from Awarded).
    pub fn may_refallback(self, to: Phase) -> bool {
        self == Phase::Awarded && (to == Phase::Awarded || self.can_become(to))
    }

    /// Whether a landed settlement may move an awarded round to `to`
    /// (Awarded while other awards are open, Settled once all have landed).
    pub fn may_record_settlement(self, to: Phase) -> bool {
        self == Phase::Awarded && matches!(to, Phase::Awarded | Phase::Settled)
    }

    /// Whether a restart voids an auction in this phase.
    pub fn voided_by_restart(self) -> bool {
        matches!(self, Phase::Committing | Phase::Revealing)
    }
}
