//! Per-position figures for people comparing positions (the explorer's
//! market page, `GET /v1/market`): first-year yield, tail loss of 1 ETH held
//! there alone, exit time and the caps that bound it. Derived from the same
//! [`Index`] and [`Scenarios`] the evaluator uses, so what the page shows is
//! what a one-position plan would be scored on.

use serde::{Deserialize, Serialize};

use super::{Index, Market};
use crate::evaluate::cvar;
use crate::scenarios::Scenarios;
use crate::units::{Wei, BPS, WAD};

/// One position's figures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionFigures {
    /// Position id.
    pub id: String,
    /// Its asset.
    pub asset: String,
    /// Its operator, when restaked.
    pub operator: Option<String>,
    /// First-year yield (bps): the asset's APR plus, when restaked, the
    /// operator's service rewards after commission; before deposit fees.
    pub apy_bps: u64,
    /// Deposit fee when minted from ETH (bps).
    pub deposit_fee_bps: u16,
    /// Expected loss in the worst 5 % of the scenarios (bps of what is held
    /// there): CVaR at 95 % of a plan that holds only this position.
    pub cvar_bps: u64,
    /// Days to exit to ETH (restaking adds the withdrawal delay).
    pub exit_days: u32,
    /// The asset's deposit cap left (wei).
    pub asset_capacity: Wei,
    /// The operator's delegation capacity left (wei), when restaked.
    pub operator_capacity: Option<Wei>,
    /// Services it is exposed to, with the operator's magnitude (bps).
    pub services: Vec<(String, u64)>,
}

/// Figures for every position of `m`, with `s` generated from `m`.
pub fn position_figures(m: &Market, s: &Scenarios) -> Vec<PositionFigures> {
    let index = Index::new(m);
    let probs: Vec<u128> = s.list.iter().map(|x| x.probability.0).collect();
    m.positions
        .iter()
        .zip(&index.positions)
        .enumerate()
        .map(|(i, (p, info))| {
            let mut losses = vec![0u128; probs.len()];
            for (sc, f) in s.by_position.get(i).into_iter().flatten() {
                losses[*sc as usize] = f.0;
            }
            // Fractions of WAD: CVaR of "1 WAD held there" is a fraction too.
            let tail = cvar(&losses, &probs, 9_500);
            PositionFigures {
                id: p.id.clone(),
                asset: p.asset.clone(),
                operator: p.operator.clone(),
                apy_bps: (info.rate.0 * BPS / WAD) as u64,
                deposit_fee_bps: info.deposit_fee_bps,
                cvar_bps: (tail.0 * BPS / WAD) as u64,
                exit_days: info.exit_days,
                asset_capacity: m.assets[info.asset].deposit_cap,
                operator_capacity: info.operator.map(|o| m.operators[o].capacity),
                services: info
                    .exposure
                    .iter()
                    .filter(|(_, mag)| mag.0 > 0)
                    .map(|(sv, mag)| (m.services[*sv].id.clone(), (mag.0 * BPS / WAD) as u64))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::B256;

    #[test]
    fn restaked_positions_yield_more_and_risk_more_than_their_liquid_token() {
        let m = Market::snapshot();
        let s = Scenarios::generate(&m, &Index::new(&m), B256::ZERO, 300);
        let f = position_figures(&m, &s);
        assert_eq!(f.len(), m.positions.len());
        let eth = f.iter().find(|p| p.id == "ETH").unwrap();
        assert_eq!((eth.apy_bps, eth.cvar_bps), (0, 0), "ether held as is earns and loses nothing");
        let liquid = f.iter().find(|p| p.operator.is_none() && p.asset == "stETH").unwrap();
        let restaked: Vec<_> =
            f.iter().filter(|p| p.operator.is_some() && p.asset == "stETH").collect();
        assert!(!restaked.is_empty());
        for r in restaked {
            assert!(r.apy_bps >= liquid.apy_bps, "{r:?} vs {liquid:?}");
            assert!(r.cvar_bps >= liquid.cvar_bps, "{r:?} vs {liquid:?}");
            assert!(r.exit_days > liquid.exit_days && r.operator_capacity.is_some());
            assert!(!r.services.is_empty());
        }
        assert!(liquid.apy_bps > 0);
    }
}
