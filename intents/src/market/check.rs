//! Market validation: unique ids, references resolve, rates and caps sane.

use std::collections::HashSet;

use super::{AssetKind, Market};
use crate::units::{BPS, WAD};

/// Why a market was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketError {
    /// Not a market JSON.
    #[error("the market is malformed: {0}")]
    Malformed(String),
    /// Two entities share an id (or operators an address).
    #[error("{kind} id `{id}` appears twice")]
    DuplicateId {
        /// assets, operators, services or positions.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// A reference to an id that does not exist.
    #[error("{from} refers to unknown {kind} `{id}`")]
    UnknownReference {
        /// Who refers.
        from: String,
        /// What kind of thing.
        kind: &'static str,
        /// The missing id.
        id: String,
    },
    /// A figure outside its sane range.
    #[error("{what} is out of range: {why}")]
    OutOfRange {
        /// Which figure.
        what: String,
        /// The rule it breaks.
        why: String,
    },
    /// A restaking position on an asset that cannot be restaked.
    #[error("position `{0}` restakes an asset that has no restaking strategy")]
    NotRestakeable(String),
    /// Nothing to allocate to.
    #[error("the market has no positions")]
    Empty,
}

impl crate::Coded for MarketError {
    fn code(&self) -> &str {
        match self {
            Self::Malformed(_) => "market.malformed",
            Self::DuplicateId { .. } => "market.duplicate_id",
            Self::UnknownReference { .. } => "market.unknown_reference",
            Self::OutOfRange { .. } => "market.out_of_range",
            Self::NotRestakeable(_) => "market.not_restakeable",
            Self::Empty => "market.empty",
        }
    }
}

fn unique<'a>(kind: &'static str, ids: impl Iterator<Item = &'a str>) -> Result<(), MarketError> {
    let mut seen = HashSet::new();
    for id in ids {
        if id.is_empty() || !seen.insert(id) {
            return Err(MarketError::DuplicateId { kind, id: id.to_string() });
        }
    }
    Ok(())
}

fn range(what: String, ok: bool, why: &str) -> Result<(), MarketError> {
    if ok {
        Ok(())
    } else {
        Err(MarketError::OutOfRange { what, why: why.to_string() })
    }
}

impl Market {
    /// Validates the whole market.
    pub fn check(&self) -> Result<(), MarketError> {
        if self.positions.is_empty() {
            return Err(MarketError::Empty);
        }
        unique("asset", self.assets.iter().map(|a| a.id.as_str()))?;
        unique("operator", self.operators.iter().map(|o| o.id.as_str()))?;
        unique("service", self.services.iter().map(|s| s.id.as_str()))?;
        unique("position", self.positions.iter().map(|p| p.id.as_str()))?;
        let addrs: Vec<String> = self.operators.iter().map(|o| o.address.to_string()).collect();
        unique("operator address", addrs.iter().map(String::as_str))?;
        // Half the yearly return as an APR would be no staking market.
        const MAX_RATE: u128 = WAD / 2;
        let bps = |b: u16| (b as u128) <= BPS;
        for a in &self.assets {
            let w = |f: &str| format!("asset `{}` {f}", a.id);
            range(w("apr"), a.apr.0 <= MAX_RATE, "must be at most 50 %")?;
            range(w("protocol_fee"), bps(a.protocol_fee.0), "must be ≤ 10000 bps")?;
            range(w("deposit_fee"), a.deposit_fee.0 <= 1000, "must be ≤ 1000 bps")?;
            range(w("exchange_rate"), a.exchange_rate.0 > 0, "must be positive")?;
            range(w("max_depeg"), a.max_depeg.0 <= WAD, "must be ≤ 100 %")?;
            range(w("depeg_probability"), a.depeg_probability.0 <= WAD, "must be ≤ 100 %")?;
            if a.kind == AssetKind::Native {
                range(w("token"), a.token.is_zero(), "native ETH has the zero address")?;
            }
        }
        let svc: HashSet<&str> = self.services.iter().map(|s| s.id.as_str()).collect();
        for o in &self.operators {
            let w = |f: &str| format!("operator `{}` {f}", o.id);
            range(w("commission"), bps(o.commission.0), "must be ≤ 10000 bps")?;
            range(w("fault_probability"), o.fault_probability.0 <= WAD, "must be ≤ 100 %")?;
            let mut total = 0u128;
            let mut seen = HashSet::new();
            for al in &o.allocations {
                if !svc.contains(al.service.as_str()) {
                    return Err(MarketError::UnknownReference {
                        from: format!("operator `{}`", o.id),
                        kind: "service",
                        id: al.service.clone(),
                    });
                }
                if !seen.insert(al.service.as_str()) {
                    return Err(MarketError::DuplicateId {
                        kind: "allocation",
                        id: format!("{}→{}", o.id, al.service),
                    });
                }
                total = total.saturating_add(al.magnitude.0);
            }
            // EigenLayer: allocated magnitudes per strategy sum to ≤ maxMagnitude (1e18).
            range(w("allocations"), total <= WAD, "magnitudes must sum to at most 1e18")?;
        }
        for s in &self.services {
            let w = |f: &str| format!("service `{}` {f}", s.id);
            range(w("reward_rate"), s.reward_rate.0 <= MAX_RATE, "must be at most 50 %")?;
            range(w("loss_given_slash"), s.loss_given_slash.0 <= WAD, "must be ≤ 100 %")?;
            range(
                w("attack_threshold"),
                s.attack_threshold.0 > 0 && bps(s.attack_threshold.0),
                "must be in (0, 10000] bps",
            )?;
            range(w("fault_probability"), s.fault_probability.0 <= WAD, "must be ≤ 100 %")?;
        }
        for p in &self.positions {
            let asset = self.asset(&p.asset).ok_or_else(|| MarketError::UnknownReference {
                from: format!("position `{}`", p.id),
                kind: "asset",
                id: p.asset.clone(),
            })?;
            if let Some(op) = &p.operator {
                if self.operator(op).is_none() {
                    return Err(MarketError::UnknownReference {
                        from: format!("position `{}`", p.id),
                        kind: "operator",
                        id: op.clone(),
                    });
                }
                if !asset.restakeable {
                    return Err(MarketError::NotRestakeable(p.id.clone()));
                }
            }
        }
        for st in &self.stress {
            for (a, f) in &st.asset_losses {
                range(format!("stress `{}` loss for {a}", st.name), f.0 <= WAD, "must be ≤ 100 %")?;
            }
            for (o, f) in &st.operator_losses {
                range(format!("stress `{}` loss for {o}", st.name), f.0 <= WAD, "must be ≤ 100 %")?;
            }
        }
        Ok(())
    }
}
