//! The solver registry's rules: bonds, penalties, suspension. Pure; the
//! node keeps it in its store and, with a chain configured, mirrors the
//! on-chain SolverRegistry.
//!
//! Penalized: signed commitments never revealed, plans the evaluator
//! rejects, settlements that fail by the solver's fault. Only registered
//! solvers are ever recorded: a message in the name of an unknown address
//! leaves no entry. Not penalized: a settlement
//! that reverts because chain state moved (a cap used up in between) — that
//! is nobody's fault. A solver whose bond falls under the minimum is
//! suspended: its commitments are refused until it tops up.

use alloy::primitives::{Address, B256};
use std::collections::BTreeMap;

use stakebid_intents::Wei;

pub use stakebid_intents::protocol::Offence;

/// One entry of a solver's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Penalty {
    /// Auction.
    pub auction: u64,
    /// What.
    pub offence: Offence,
    /// Wei taken from the bond.
    pub amount: Wei,
    /// Hash of the evidence (commitment, bid, or transaction).
    pub evidence: B256,
}

/// A registered solver.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Solver {
    /// Bond left.
    pub bond: Wei,
    /// Everything recorded against it.
    pub record: Vec<Penalty>,
}

/// Registry rules and state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    /// Bond needed to take part.
    pub min_bond: Wei,
    /// Solvers by address.
    pub solvers: BTreeMap<Address, Solver>,
}

impl Registry {
    /// Minimum bond 1 ETH; penalties are [`Offence::penalty`], the one
    /// schedule the on-chain SolverRegistry also charges.
    pub fn new() -> Registry {
        Registry { min_bond: Wei(1_000_000_000_000_000_000), solvers: BTreeMap::new() }
    }

    /// Registers or tops up `solver` with `amount`.
    pub fn bond(&mut self, solver: Address, amount: Wei) {
        let s = self.solvers.entry(solver).or_default();
        s.bond.0 = s.bond.0.saturating_add(amount.0);
    }

    /// Whether `solver` may commit: registered and at or above the minimum bond.
    pub fn eligible(&self, solver: &Address) -> bool {
        self.solvers.get(solver).is_some_and(|s| s.bond >= self.min_bond)
    }

    /// Every solver eligible now.
    pub fn eligible_set(&self) -> std::collections::BTreeSet<Address> {
        self.solvers.keys().filter(|a| self.eligible(a)).copied().collect()
    }

    /// Records `offence` and takes its penalty from the bond (never below
    /// zero). Returns the wei taken; an unregistered address is not
    /// recorded at all (it has no bond, and the registry lists only
    /// solvers that bonded).
    pub fn penalize(
        &mut self,
        solver: Address,
        auction: u64,
        offence: Offence,
        evidence: B256,
    ) -> Wei {
        let due = offence.penalty();
        let Some(s) = self.solvers.get_mut(&solver) else { return Wei::ZERO };
        // At most one record per (auction, solver, offence, evidence), as
        // on-chain: each unopened commitment and each rejected bid once.
        if s.record
            .iter()
            .any(|p| p.auction == auction && p.offence == offence && p.evidence == evidence)
        {
            return Wei::ZERO;
        }
        let amount = Wei(due.0.min(s.bond.0));
        s.bond.0 -= amount.0;
        s.record.push(Penalty { auction, offence, amount, evidence });
        amount
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_penalty_is_recorded_once_per_auction_solver_offence_and_evidence() {
        let mut r = Registry::new();
        let s = Address::repeat_byte(1);
        r.bond(s, Wei(10u128.pow(18)));
        let first = r.penalize(s, 7, Offence::SettlementFault, B256::ZERO);
        assert!(first > Wei::ZERO);
        assert_eq!(r.penalize(s, 7, Offence::SettlementFault, B256::ZERO), Wei::ZERO);
        assert_eq!(r.solvers[&s].record.len(), 1);
        assert_eq!(r.solvers[&s].bond, Wei(10u128.pow(18) - first.0));
        // Another auction, offence or evidence (a second unopened
        // commitment of one round) is another record.
        assert!(r.penalize(s, 8, Offence::SettlementFault, B256::ZERO) > Wei::ZERO);
        assert!(r.penalize(s, 7, Offence::Unrevealed, B256::ZERO) > Wei::ZERO);
        assert!(r.penalize(s, 7, Offence::Unrevealed, B256::repeat_byte(2)) > Wei::ZERO);
        assert_eq!(r.solvers[&s].record.len(), 4);
    }

    #[test]
    fn penalties_suspend_a_solver_under_the_minimum_bond_and_state_moves_cost_nothing() {
        let mut r = Registry::new();
        let s = Address::repeat_byte(1);
        assert!(!r.eligible(&s));
        r.bond(s, Wei(1_200_000_000_000_000_000));
        assert!(r.eligible(&s));
        assert_eq!(r.penalize(s, 1, Offence::StateMoved, B256::ZERO), Wei::ZERO);
        assert!(r.eligible(&s));
        assert_eq!(r.penalize(s, 1, Offence::InvalidPlan, B256::ZERO).0, 250_000_000_000_000_000);
        assert!(!r.eligible(&s), "0.95 ETH left, under the 1 ETH minimum");
        assert_eq!(r.solvers[&s].record.len(), 2);
        r.bond(s, Wei(100_000_000_000_000_000));
        assert!(r.eligible(&s));
        // The bond never goes negative.
        for auction in 2..22 {
            r.penalize(s, auction, Offence::Unrevealed, B256::ZERO);
        }
        assert_eq!(r.solvers[&s].bond, Wei::ZERO);
        // An address that never bonded is not recorded.
        let stranger = Address::repeat_byte(9);
        assert_eq!(r.penalize(stranger, 3, Offence::InvalidPlan, B256::ZERO), Wei::ZERO);
        assert!(!r.solvers.contains_key(&stranger));
    }
}
