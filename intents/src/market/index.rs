//! A market resolved for fast evaluation: ids become indices and each
//! position's rate, exit horizon and service exposure are computed once.

use alloy::primitives::Address;
use std::collections::HashMap;

use super::{AssetKind, Market};
use crate::units::{Wad, BPS, WAD};

/// A position with everything the evaluator needs.
#[derive(Clone, Debug)]
pub struct PositionInfo {
    /// Index of its asset.
    pub asset: usize,
    /// Index of its operator, for restaking positions.
    pub operator: Option<usize>,
    /// First-year yield rate (WAD): asset APR plus, when restaked, the
    /// operator's service rewards after commission.
    pub rate: Wad,
    /// Deposit fee charged when ETH is minted into the asset (bps).
    pub deposit_fee_bps: u16,
    /// Days to exit to ETH.
    pub exit_days: u32,
    /// (service index, magnitude) of the operator's allocations.
    pub exposure: Vec<(usize, Wad)>,
    /// Gas this position adds to a settlement.
    pub gas: u64,
}

/// The resolved market.
#[derive(Clone, Debug)]
pub struct Index {
    /// Positions, in market order.
    pub positions: Vec<PositionInfo>,
    /// Position id → index.
    pub position_ids: HashMap<String, usize>,
    /// Operator address → index.
    pub operator_by_address: HashMap<Address, usize>,
}

impl Index {
    /// Resolves `m`. The market must have passed [`Market::check`].
    pub fn new(m: &Market) -> Index {
        let asset_ix: HashMap<&str, usize> =
            m.assets.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect();
        let op_ix: HashMap<&str, usize> =
            m.operators.iter().enumerate().map(|(i, o)| (o.id.as_str(), i)).collect();
        let svc_ix: HashMap<&str, usize> =
            m.services.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        let positions = m
            .positions
            .iter()
            .map(|p| {
                let a = asset_ix[p.asset.as_str()];
                let asset = &m.assets[a];
                let operator = p.operator.as_deref().map(|o| op_ix[o]);
                let mut rate = asset.apr.0;
                let mut exposure = Vec::new();
                let mut exit_days = asset.exit_days as u32;
                let mut gas = m.gas.per_position;
                if let Some(o) = operator {
                    let op = &m.operators[o];
                    let keep = BPS - op.commission.0 as u128;
                    for al in &op.allocations {
                        let s = svc_ix[al.service.as_str()];
                        let reward = al.magnitude.0 * m.services[s].reward_rate.0 / WAD;
                        rate += reward * keep / BPS;
                        exposure.push((s, al.magnitude));
                    }
                    exit_days += m.restaking.withdrawal_delay_days as u32;
                    gas += m.gas.per_restaked_position;
                }
                PositionInfo {
                    asset: a,
                    operator,
                    rate: Wad(rate),
                    deposit_fee_bps: asset.deposit_fee.0,
                    exit_days,
                    exposure,
                    gas,
                }
            })
            .collect();
        Index {
            positions,
            position_ids: m.positions.iter().enumerate().map(|(i, p)| (p.id.clone(), i)).collect(),
            operator_by_address: m
                .operators
                .iter()
                .enumerate()
                .map(|(i, o)| (o.address, i))
                .collect(),
        }
    }

    /// Whether an intent paying in `input` may use position `p`, and whether
    /// that means minting (so the deposit fee applies).
    pub fn accepts(&self, m: &Market, p: usize, input: Address) -> Option<bool> {
        let asset = &m.assets[self.positions[p].asset];
        match asset.kind {
            AssetKind::Native => (input == Address::ZERO).then_some(false),
            _ if input == asset.token => Some(false),
            _ if input == Address::ZERO && asset.mint_from_eth => Some(true),
            _ => None,
        }
    }

    /// Units of position `p` that `amount` of `input` becomes: the same
    /// amount when held or restaked as is; when minted, the amount less the
    /// deposit fee, at the asset's exchange rate (ETH per token, WAD).
    /// `None` when the position does not take `input`.
    pub fn tokens_out(
        &self,
        m: &Market,
        p: usize,
        input: Address,
        amount: alloy::primitives::U256,
    ) -> Option<alloy::primitives::U256> {
        use alloy::primitives::U256;
        if !self.accepts(m, p, input)? {
            return Some(amount);
        }
        let asset = &m.assets[self.positions[p].asset];
        let after_fee = amount - amount * U256::from(asset.deposit_fee.0) / U256::from(BPS);
        Some(after_fee * U256::from(WAD) / U256::from(asset.exchange_rate.0))
    }
}
