//! The node's state beside intents and auctions: the solver registry.

use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use stakebid_auction::domain::registry::{Offence, Penalty, Registry, Solver};
use stakebid_intents::Wei;

use crate::port::StoreError;

/// `Registry` as stored. Stores written when the penalty schedule was a
/// field carry it still; it is ignored (the schedule is
/// `Offence::penalty`, the one the on-chain registry charges).
#[derive(Serialize, Deserialize)]
struct RegistryRow {
    min_bond: Wei,
    solvers: BTreeMap<Address, SolverRow>,
}

#[derive(Serialize, Deserialize)]
struct SolverRow {
    bond: Wei,
    record: Vec<PenaltyRow>,
}

#[derive(Serialize, Deserialize)]
struct PenaltyRow {
    auction: u64,
    offence: Offence,
    amount: Wei,
    evidence: B256,
}

impl RegistryRow {
    fn from_domain(r: &Registry) -> RegistryRow {
        RegistryRow {
            min_bond: r.min_bond,
            solvers: r
                .solvers
                .iter()
                .map(|(a, s)| {
                    let record = s
                        .record
                        .iter()
                        .map(|p| PenaltyRow {
                            auction: p.auction,
                            offence: p.offence,
                            amount: p.amount,
                            evidence: p.evidence,
                        })
                        .collect();
                    (*a, SolverRow { bond: s.bond, record })
                })
                .collect(),
        }
    }

    fn into_domain(self) -> Registry {
        Registry {
            min_bond: self.min_bond,
            solvers: self
                .solvers
                .into_iter()
                .map(|(a, s)| {
                    let record = s
                        .record
                        .into_iter()
                        .map(|p| Penalty {
                            auction: p.auction,
                            offence: p.offence,
                            amount: p.amount,
                            evidence: p.evidence,
                        })
                        .collect();
                    (a, Solver { bond: s.bond, record })
                })
                .collect(),
        }
    }
}

/// The registry's stored bytes.
pub(crate) fn encode_registry(r: &Registry) -> Result<Vec<u8>, StoreError> {
    super::to_bytes(&RegistryRow::from_domain(r))
}

/// The registry from its stored bytes.
pub(crate) fn decode_registry(b: &[u8]) -> Result<Registry, StoreError> {
    Ok(super::from_bytes::<RegistryRow>(b)?.into_domain())
}
