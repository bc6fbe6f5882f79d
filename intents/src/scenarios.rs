//! Risk scenarios, generated deterministically from (market hash, seed,
//! count, generator version) so every solver and the auctioneer compute the
//! same numbers: ChaCha20 seeded with keccak256 of their ABI encoding, and
//! integer sampling only.
//!
//! Scenario 0 is the calm year (no fault). The others share the yearly
//! fault mass F = min(Σ fault probabilities, 50 %) equally; each draws a
//! kind and an entity in proportion to their probabilities:
//! - operator fault: the operator is slashed on every service it runs;
//! - service fault: every operator allocated to the service is slashed;
//! - cascade: a service fault whose operators are also slashed, at half
//!   weight, on every other service they run;
//! - depeg: every position in the asset loses up to its historical discount.
//!
//! Losses are sparse per-position fractions (WAD) and linear in the
//! allocation, so the solver keeps an LP.

use alloy::primitives::{keccak256, B256};
use alloy::sol_types::SolValue;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::Serialize;

use crate::market::{Index, Market};
use crate::units::{Wad, WAD};

/// Bumped whenever generation changes; part of the seed.
pub const GENERATOR_VERSION: u32 = 1;

/// What a scenario models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "index")]
pub enum Kind {
    /// Nothing goes wrong.
    Calm,
    /// An operator is slashed on all its services.
    OperatorFault(usize),
    /// A service slashes all its operators.
    ServiceFault(usize),
    /// A service fault cascading into its operators' other services.
    Cascade(usize),
    /// An asset trades at a discount.
    Depeg(usize),
}

/// One scenario: a probability and the fraction each touched position loses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Scenario {
    /// What happens.
    pub kind: Kind,
    /// Probability (WAD); all scenarios' sum to exactly 1e18.
    pub probability: Wad,
    /// (position index, fraction lost), sorted by position.
    pub losses: Vec<(u32, Wad)>,
}

/// An auction's scenarios, with a per-position transpose for fast evaluation.
#[derive(Clone, Debug)]
pub struct Scenarios {
    /// The inputs they were generated from.
    pub market_hash: B256,
    /// Auction seed.
    pub seed: B256,
    /// Generator version.
    pub version: u32,
    /// The scenarios.
    pub list: Vec<Scenario>,
    /// Per position: (scenario index, fraction lost).
    pub by_position: Vec<Vec<(u32, Wad)>>,
}

struct Rng(ChaCha20Rng);

impl Rng {
    fn below(&mut self, n: u128) -> u128 {
        let hi = self.0.next_u64() as u128;
        let lo = self.0.next_u64() as u128;
        ((hi << 64) | lo) % n
    }
    /// Severity in [25 %, 100 %], whole percent.
    fn severity(&mut self) -> u128 {
        (25 + self.below(76)) * WAD / 100
    }
}

fn pick(rng: &mut Rng, weights: &[u128]) -> Option<usize> {
    let total: u128 = weights.iter().sum();
    if total == 0 {
        return None;
    }
    let mut r = rng.below(total);
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return Some(i);
        }
        r -= w;
    }
    None
}

impl Scenarios {
    /// Generates `count` (≥ 1) scenarios for market `m`.
    pub fn generate(m: &Market, index: &Index, seed: B256, count: u32) -> Scenarios {
        let market_hash = m.hash();
        let key = keccak256((market_hash, seed, count, GENERATOR_VERSION).abi_encode());
        let mut rng = Rng(ChaCha20Rng::from_seed(key.0));
        let count = count.max(1);
        let ops: Vec<u128> = m.operators.iter().map(|o| o.fault_probability.0).collect();
        let svcs: Vec<u128> = m.services.iter().map(|s| s.fault_probability.0).collect();
        let depegs: Vec<u128> = m.assets.iter().map(|a| a.depeg_probability.0).collect();
        let svc_total: u128 = svcs.iter().sum();
        let kinds =
            [ops.iter().sum(), svc_total - svc_total / 4, svc_total / 4, depegs.iter().sum()];
        let mass = kinds.iter().sum::<u128>().min(WAD / 2);
        let faults = count as u128 - 1;
        let each = mass.checked_div(faults).unwrap_or(0);
        let mut list = vec![Scenario {
            kind: Kind::Calm,
            probability: Wad(WAD - each * faults),
            losses: vec![],
        }];
        for _ in 0..faults {
            let kind = match pick(&mut rng, &kinds) {
                Some(0) => pick(&mut rng, &ops).map(Kind::OperatorFault),
                Some(1) => pick(&mut rng, &svcs).map(Kind::ServiceFault),
                Some(2) => pick(&mut rng, &svcs).map(Kind::Cascade),
                Some(3) => pick(&mut rng, &depegs).map(Kind::Depeg),
                _ => None,
            }
            .unwrap_or(Kind::Calm);
            let severity = rng.severity();
            let losses = losses(m, index, kind, severity);
            list.push(Scenario { kind, probability: Wad(each), losses });
        }
        let mut by_position = vec![Vec::new(); index.positions.len()];
        for (s, sc) in list.iter().enumerate() {
            for &(p, f) in &sc.losses {
                by_position[p as usize].push((s as u32, f));
            }
        }
        Scenarios { market_hash, seed, version: GENERATOR_VERSION, list, by_position }
    }
}

/// Loss of a service fault on an operator: magnitude × loss-given-slash.
fn svc_loss(m: &Market, mag: Wad, service: &str) -> u128 {
    m.service(service).map_or(0, |s| mag.0 * s.loss_given_slash.0 / WAD)
}

fn losses(m: &Market, index: &Index, kind: Kind, severity: u128) -> Vec<(u32, Wad)> {
    let scale = |f: u128| f.min(WAD) * severity / WAD;
    let mut out = Vec::new();
    for (p, info) in index.positions.iter().enumerate() {
        let f = match (kind, info.operator) {
            (Kind::Depeg(a), _) if a == info.asset => m.assets[a].max_depeg.0,
            (Kind::OperatorFault(o), Some(po)) if o == po => {
                let op = &m.operators[o];
                let slashed: u128 =
                    op.allocations.iter().map(|al| svc_loss(m, al.magnitude, &al.service)).sum();
                // An operator with no services still risks its beacon-chain
                // slashing: at least 1 %.
                slashed.max(WAD / 100)
            }
            (Kind::ServiceFault(s) | Kind::Cascade(s), Some(po)) => {
                let op = &m.operators[po];
                let sid = &m.services[s].id;
                match op.allocations.iter().find(|al| &al.service == sid) {
                    None => 0,
                    Some(hit) => {
                        let mut f = svc_loss(m, hit.magnitude, sid);
                        if matches!(kind, Kind::Cascade(_)) {
                            let others: u128 = op
                                .allocations
                                .iter()
                                .filter(|al| &al.service != sid)
                                .map(|al| svc_loss(m, al.magnitude, &al.service))
                                .sum();
                            f += others / 2;
                        }
                        f
                    }
                }
            }
            _ => 0,
        };
        let f = scale(f);
        if f > 0 {
            out.push((p as u32, Wad(f)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{generate, GeneratorParams};

    #[test]
    fn probabilities_sum_to_one_and_generation_is_reproducible() {
        let m = generate(&GeneratorParams::with_positions(300, 7));
        let ix = Index::new(&m);
        let a = Scenarios::generate(&m, &ix, B256::repeat_byte(1), 200);
        let b = Scenarios::generate(&m, &ix, B256::repeat_byte(1), 200);
        let c = Scenarios::generate(&m, &ix, B256::repeat_byte(2), 200);
        assert_eq!(a.list.iter().map(|s| s.probability.0).sum::<u128>(), WAD);
        assert_eq!(a.list, b.list);
        assert_ne!(a.list, c.list);
        // Every kind shows up in 200 draws on this market.
        for k in ["operator_fault", "service_fault", "cascade", "depeg"] {
            assert!(
                a.list.iter().any(|s| serde_json::to_value(s.kind).unwrap()["kind"] == k),
                "{k} missing"
            );
        }
    }

    #[test]
    fn an_operator_fault_hits_only_that_operators_positions() {
        let m = generate(&GeneratorParams::with_positions(300, 3));
        let ix = Index::new(&m);
        let s = Scenarios::generate(&m, &ix, B256::ZERO, 300);
        let sc = s.list.iter().find(|s| matches!(s.kind, Kind::OperatorFault(_))).unwrap();
        let Kind::OperatorFault(o) = sc.kind else { unreachable!() };
        assert!(!sc.losses.is_empty());
        for (p, f) in &sc.losses {
            assert_eq!(ix.positions[*p as usize].operator, Some(o));
            assert!(f.0 > 0 && f.0 <= WAD);
        }
    }
}
