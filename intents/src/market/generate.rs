//! Seeded synthetic markets of any size, for tests and benchmarks. ChaCha20
//! with integer sampling: the same parameters give the same market on every
//! machine and every `rand` version.

use alloy::primitives::{keccak256, Address};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::*;
use crate::units::{Bps, Wad, Wei, WAD};

/// Size and seed of a synthetic market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratorParams {
    /// Assets besides native ETH.
    pub assets: usize,
    /// Restaking operators.
    pub operators: usize,
    /// Services.
    pub services: usize,
    /// Restakeable assets each operator takes (its positions).
    pub fanout: usize,
    /// Seed.
    pub seed: u64,
}

impl GeneratorParams {
    /// A market with about `positions` positions: 8 assets, fan-out 4,
    /// operators to fill the rest, a service per 10 operators.
    pub fn with_positions(positions: usize, seed: u64) -> Self {
        let operators = positions.saturating_sub(9).div_ceil(4).max(1);
        GeneratorParams { assets: 8, operators, services: (operators / 10).max(2), fanout: 4, seed }
    }
}

struct Rng(ChaCha20Rng);

impl Rng {
    /// Uniform integer in [lo, hi].
    fn range(&mut self, lo: u128, hi: u128) -> u128 {
        lo + (self.0.next_u64() as u128) % (hi - lo + 1)
    }
    fn pct(&mut self, lo_bps: u128, hi_bps: u128) -> Wad {
        Wad::from_bps(self.range(lo_bps, hi_bps))
    }
    fn eth(&mut self, lo: u128, hi: u128) -> Wei {
        Wei(self.range(lo, hi) * WAD)
    }
}

fn address(seed: u64, kind: &str, i: usize) -> Address {
    let h = keccak256(format!("stakebid-synthetic/{seed}/{kind}/{i}"));
    Address::from_slice(&h[12..])
}

/// Generates a valid market.
pub fn generate(p: &GeneratorParams) -> Market {
    let mut rng = Rng(ChaCha20Rng::seed_from_u64(p.seed));
    let mut assets = vec![Asset {
        id: "ETH".into(),
        name: "Native ether".into(),
        token: Address::ZERO,
        kind: AssetKind::Native,
        mint_from_eth: false,
        apr: Wad::ZERO,
        protocol_fee: Bps(0),
        deposit_fee: Bps(0),
        exchange_rate: Wad::ONE,
        exit_days: 0,
        min_deposit: Wei::ZERO,
        deposit_cap: Wei(u128::MAX / 4),
        max_depeg: Wad::ZERO,
        depeg_probability: Wad::ZERO,
        restakeable: false,
        sources: BTreeMap::new(),
    }];
    for i in 0..p.assets {
        let lrt = i % 4 == 3;
        assets.push(Asset {
            id: format!("{}{i}", if lrt { "lrt" } else { "lst" }),
            name: format!("Synthetic {} {i}", if lrt { "LRT" } else { "LST" }),
            token: address(p.seed, "asset", i),
            kind: if lrt { AssetKind::Lrt } else { AssetKind::Lst },
            mint_from_eth: i % 5 != 4,
            apr: rng.pct(240, 360),
            protocol_fee: Bps(rng.range(500, 1500) as u16),
            deposit_fee: Bps(rng.range(0, 10) as u16),
            exchange_rate: Wad(WAD + rng.range(0, WAD / 5)),
            exit_days: rng.range(1, 7) as u16,
            min_deposit: Wei::ZERO,
            deposit_cap: rng.eth(2_000, 200_000),
            max_depeg: rng.pct(100, 1000),
            depeg_probability: rng.pct(50, 500),
            restakeable: !lrt,
            sources: BTreeMap::new(),
        });
    }
    let services: Vec<Service> = (0..p.services)
        .map(|i| Service {
            id: format!("svc{i}"),
            name: format!("Synthetic service {i}"),
            reward_rate: rng.pct(50, 400),
            loss_given_slash: rng.pct(100, 5000),
            stake_cap: rng.eth(5_000, 500_000),
            profit_from_corruption: rng.eth(100, 50_000),
            attack_threshold: Bps(if rng.range(0, 1) == 0 { 3334 } else { 5000 }),
            fault_probability: rng.pct(10, 300),
            sources: BTreeMap::new(),
        })
        .collect();
    let restakeable: Vec<usize> = (0..assets.len()).filter(|&a| assets[a].restakeable).collect();
    let mut operators = Vec::new();
    let mut positions: Vec<Position> = assets
        .iter()
        .map(|a| Position { id: a.id.clone(), asset: a.id.clone(), operator: None })
        .collect();
    for i in 0..p.operators {
        let id = format!("op{i}");
        let k = if services.is_empty() { 0 } else { rng.range(1, 4.min(services.len()) as u128) };
        let mut allocations: Vec<Allocation> = Vec::new();
        let mut left = WAD;
        for _ in 0..k {
            let s = rng.range(0, services.len() as u128 - 1) as usize;
            if allocations.iter().any(|a| a.service == services[s].id) {
                continue;
            }
            let mag = rng.pct(500, 4000).0.min(left);
            left -= mag;
            allocations.push(Allocation { service: services[s].id.clone(), magnitude: Wad(mag) });
        }
        let start = rng.range(0, restakeable.len().max(1) as u128 - 1) as usize;
        for j in 0..p.fanout.min(restakeable.len()) {
            let a = restakeable[(start + j) % restakeable.len()];
            positions.push(Position {
                id: format!("{}@{id}", assets[a].id),
                asset: assets[a].id.clone(),
                operator: Some(id.clone()),
            });
        }
        operators.push(Operator {
            id,
            name: format!("Synthetic operator {i}"),
            address: address(p.seed, "operator", i),
            commission: Bps(rng.range(500, 2000) as u16),
            delegated: rng.eth(1_000, 500_000),
            capacity: rng.eth(1_000, 50_000),
            allocations,
            fault_probability: rng.pct(10, 200),
            slashing_events: 0,
            allocation_delay_days: 17,
            sources: BTreeMap::new(),
        });
    }
    Market {
        name: format!(
            "synthetic a{} o{} s{} f{} seed {}",
            p.assets, p.operators, p.services, p.fanout, p.seed
        ),
        as_of: "synthetic".into(),
        restaking: Restaking { withdrawal_delay_days: 14 },
        gas: GasModel {
            per_settlement: 60_000,
            per_intent: 90_000,
            per_position: 70_000,
            per_restaked_position: 180_000,
            gas_price: Wei(5_000_000_000),
        },
        min_position: super::MinPosition::DEFAULT,
        assets,
        operators,
        services,
        positions,
        stress: vec![StressScenario {
            name: "lst0 discount".into(),
            source: "synthetic".into(),
            asset_losses: [("lst0".to_string(), Wad::from_bps(650))].into(),
            operator_losses: BTreeMap::new(),
        }],
        sources: BTreeMap::new(),
        live: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_markets_are_valid_and_deterministic() {
        for seed in 0..20 {
            let p = GeneratorParams::with_positions(200 + seed as usize * 50, seed);
            let m = generate(&p);
            m.check().unwrap();
            assert_eq!(m.hash(), generate(&p).hash());
            assert!(m.positions.len() >= 200 + seed as usize * 50 - 4);
        }
        let a = generate(&GeneratorParams::with_positions(100, 1));
        let b = generate(&GeneratorParams::with_positions(100, 2));
        assert_ne!(a.hash(), b.hash());
    }
}
