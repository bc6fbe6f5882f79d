//! Restaking security margins after Durvasula & Roughgarden, "Robust
//! Restaking Networks" (ITCS 2025): validators (here, operators) with stake
//! σ_v secure services s with profit from corruption π_s and attack
//! threshold α_s. The network is γ-overcollateralized when, for every
//! operator v, Σ_{s ∋ v} π_s / (α_s · σ(N(s))) ≤ 1/(1+γ) (their sufficient
//! condition). With EigenLayer magnitudes, σ(N(s)) is the stake *allocated*
//! to s: Σ_v σ_v · magnitude(v, s).
//!
//! A plan adds stake to operators, which raises σ(N(s)) and so the margin;
//! the report is computed before and after.

use alloy::primitives::U256;
use serde::Serialize;

use super::Market;
use crate::units::{Wei, BPS, WAD};

/// One operator's side of the sufficient condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OperatorSecurity {
    /// Operator id.
    pub operator: String,
    /// Σ π_s / (α_s σ(N(s))) as WAD; `None` when a service it runs has no stake.
    pub ratio: Option<u128>,
    /// Largest γ (WAD, may be negative) for which the condition holds.
    pub gamma: Option<i128>,
}

/// The network's margins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecurityReport {
    /// Per operator with allocations.
    pub operators: Vec<OperatorSecurity>,
    /// The network's γ: the smallest operator γ (WAD); `None` if unbounded below.
    pub gamma: Option<i128>,
}

/// The sufficient condition with `extra[o]` wei more delegated to operator `o`
/// (indices as in `m.operators`; an empty slice means no extra stake).
pub fn security(m: &Market, extra: &[Wei]) -> SecurityReport {
    let stake: Vec<U256> = m
        .operators
        .iter()
        .enumerate()
        .map(|(i, o)| o.delegated.u256() + extra.get(i).map_or(U256::ZERO, |w| w.u256()))
        .collect();
    let wad = U256::from(WAD);
    let mut svc_stake = vec![U256::ZERO; m.services.len()];
    for (i, o) in m.operators.iter().enumerate() {
        for al in &o.allocations {
            if let Some(s) = m.services.iter().position(|s| s.id == al.service) {
                svc_stake[s] += stake[i] * U256::from(al.magnitude.0) / wad;
            }
        }
    }
    let mut operators = Vec::new();
    let mut gamma: Option<i128> = None;
    let mut unbounded = false;
    for o in &m.operators {
        if o.allocations.iter().all(|a| a.magnitude.0 == 0) {
            continue;
        }
        let mut ratio = Some(U256::ZERO);
        for al in o.allocations.iter().filter(|a| a.magnitude.0 > 0) {
            let Some(s) = m.services.iter().position(|s| s.id == al.service) else { continue };
            let svc = &m.services[s];
            let den = U256::from(svc.attack_threshold.0) * svc_stake[s];
            ratio = match (ratio, den.is_zero()) {
                (Some(r), false) => {
                    Some(r + svc.profit_from_corruption.u256() * U256::from(BPS) * wad / den)
                }
                _ => None,
            };
        }
        let ratio = ratio.map(|r| r.saturating_to::<u128>());
        let g = ratio.map(|r| {
            if r == 0 {
                i128::MAX
            } else {
                let inv = (wad * wad / U256::from(r)).saturating_to::<u128>();
                (inv as i128).saturating_sub(WAD as i128)
            }
        });
        match g {
            Some(g) => gamma = Some(gamma.map_or(g, |x| x.min(g))),
            None => unbounded = true,
        }
        operators.push(OperatorSecurity { operator: o.id.clone(), ratio, gamma: g });
    }
    SecurityReport { operators, gamma: if unbounded { None } else { gamma } }
}
