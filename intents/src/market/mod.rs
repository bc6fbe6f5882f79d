//! The market: assets, operators, services and the positions a plan may
//! allocate to, plus the gas model the score uses.
//!
//! A position is `(asset)` for plain liquid staking or `(asset, operator)`
//! for restaking. A staker never picks services: the operator allocates its
//! delegated stake to services by magnitudes (EigenLayer's model), so a
//! position's service exposure is its operator's magnitudes.

mod check;
mod figures;
mod generate;
mod hash;
mod index;
pub mod live;
mod security;

pub use check::MarketError;
pub use figures::{position_figures, PositionFigures};
pub use generate::{generate, GeneratorParams};
pub use index::{Index, PositionInfo};
pub use live::{ChainRead, LiveStamp};
pub use security::{security, OperatorSecurity, SecurityReport};

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::units::{Bps, Wad, Wei};

/// Where each figure comes from: field name → `"public: …"` or `"modelled: …"`.
pub type Provenance = BTreeMap<String, String>;

/// A market snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Market {
    /// Human name of the snapshot.
    pub name: String,
    /// The date its figures hold for (ISO 8601).
    pub as_of: String,
    /// Restaking protocol parameters.
    pub restaking: Restaking,
    /// Gas the settlement costs, for the score.
    pub gas: GasModel,
    /// The smallest position a plan may hold (the evaluator's dust rule,
    /// from protocol version 2); none when absent (markets recorded before
    /// it replay without it).
    #[serde(default, skip_serializing_if = "MinPosition::is_none")]
    pub min_position: MinPosition,
    /// Assets (native ETH, LSTs, LRTs).
    pub assets: Vec<Asset>,
    /// Restaking operators.
    pub operators: Vec<Operator>,
    /// Services (AVSs) operators allocate to.
    pub services: Vec<Service>,
    /// The allocatable units.
    pub positions: Vec<Position>,
    /// Named historical stress scenarios every plan is evaluated under.
    #[serde(default)]
    pub stress: Vec<StressScenario>,
    /// Where the market-level figures come from.
    #[serde(default)]
    pub sources: Provenance,
    /// The chain read it was built from, when it was (not hashed: the
    /// figures are, and two reads with equal figures are one market).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveStamp>,
}

/// Restaking protocol parameters (EigenLayer's, in the snapshot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restaking {
    /// Days from queueing a withdrawal to completing it (14 on mainnet).
    pub withdrawal_delay_days: u16,
}

/// Gas of a settlement, split so the score can charge each plan its share.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GasModel {
    /// Fixed gas per settlement transaction (shared by the batch).
    pub per_settlement: u64,
    /// Gas per settled intent (signature, nonce, transfer in, fee).
    pub per_intent: u64,
    /// Gas per plain liquid-staking position.
    pub per_position: u64,
    /// Extra gas per restaked position (position holder, deposit, delegation).
    pub per_restaked_position: u64,
    /// Gas price the score uses (wei per gas).
    pub gas_price: Wei,
}

/// The dust rule: every position of a plan gets at least the largest of a
/// fixed ticket, a multiple of the position's own settlement gas cost at
/// the market's gas price, and a share of what the plan allocates (the
/// amount less the fee) — capped at that allocation, so a plan of one
/// position is never dust. A position below it costs more gas and attention
/// than it earns; the share bounds a plan to `10_000 / share_bps` positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinPosition {
    /// Fixed minimum, in wei.
    pub ticket: Wei,
    /// Multiple of the position's own gas × gas price.
    pub gas_multiple: u32,
    /// Share of the plan's allocation (amount − fee), in bps.
    pub share_bps: u16,
}

impl MinPosition {
    /// The rule the shipped parameter file states (docs/market.md): 0.05 ETH,
    /// 50× the position's gas cost (a 3 % position repays its own gas in
    /// about eight months), a fifth of the allocation (at most five
    /// positions).
    pub const DEFAULT: MinPosition =
        MinPosition { ticket: Wei(50_000_000_000_000_000), gas_multiple: 50, share_bps: 2_000 };

    /// Whether the market has no dust rule.
    pub fn is_none(&self) -> bool {
        *self == MinPosition::default()
    }

    /// Most positions the share allows (`None`: no share).
    pub fn max_positions(&self) -> Option<usize> {
        (self.share_bps > 0).then(|| 10_000 / self.share_bps as usize)
    }

    /// The least wei one position using `gas` may get in a plan for an
    /// intent of `amount` paying `fee` (saturating; capped at `amount − fee`).
    pub fn minimum(&self, amount: u128, fee: u128, gas: u64, gas_price: Wei) -> u128 {
        let alloc = amount.saturating_sub(fee);
        // alloc · share / 1e4 without overflow for any u128 amount.
        let share = self.share_bps as u128;
        let by_share = alloc / 10_000 * share + alloc % 10_000 * share / 10_000;
        self.fixed(gas, gas_price).max(by_share).min(alloc)
    }

    /// The part that does not depend on the intent: the ticket or `gas`
    /// at `gas_price` times the multiple, the larger (saturating).
    pub fn fixed(&self, gas: u64, gas_price: Wei) -> u128 {
        let by_gas =
            (self.gas_multiple as u128).saturating_mul(gas as u128).saturating_mul(gas_price.0);
        self.ticket.0.max(by_gas)
    }
}

/// What kind of asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    /// Native ETH held as is.
    Native,
    /// A liquid staking token.
    Lst,
    /// A liquid restaking token.
    Lrt,
}

/// An asset positions hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Short unique id (`stETH`).
    pub id: String,
    /// Human name.
    pub name: String,
    /// Token address (zero for native ETH).
    #[serde(with = "crate::encoding::checksummed")]
    pub token: Address,
    /// Native, LST or LRT.
    pub kind: AssetKind,
    /// Whether native ETH can be deposited to mint it (cbETH: no).
    pub mint_from_eth: bool,
    /// Yield the holder earns per year, after the protocol's fee (WAD).
    pub apr: Wad,
    /// The protocol's fee on rewards (already taken out of `apr`).
    pub protocol_fee: Bps,
    /// One-off fee on deposit (Rocket Pool: 5 bps).
    pub deposit_fee: Bps,
    /// ETH per token (WAD).
    pub exchange_rate: Wad,
    /// Days to exit to ETH through the protocol's queue.
    pub exit_days: u16,
    /// Deposits still accepted (stake limit, deposit pool room), in wei.
    pub deposit_cap: Wei,
    /// The smallest deposit the protocol takes (Rocket Pool's 0.01 ETH);
    /// 0 when it has none. A plan routing ETH into it must route at least
    /// this much to each of its positions (`plan.below_minimum_deposit`).
    #[serde(default, skip_serializing_if = "Wei::is_zero")]
    pub min_deposit: Wei,
    /// Largest historical discount to ETH, the depeg scenarios' magnitude.
    pub max_depeg: Wad,
    /// Yearly probability of a depeg event (modelled).
    pub depeg_probability: Wad,
    /// Whether it can be restaked (an EigenLayer strategy exists).
    pub restakeable: bool,
    /// Sources of the figures above.
    #[serde(default)]
    pub sources: Provenance,
}

/// A restaking operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operator {
    /// Short unique id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// On-chain address (what intents exclude).
    #[serde(with = "crate::encoding::checksummed")]
    pub address: Address,
    /// Fee on service rewards.
    pub commission: Bps,
    /// Stake already delegated to it (wei).
    pub delegated: Wei,
    /// More stake it accepts (wei).
    pub capacity: Wei,
    /// Its allocations to services: magnitudes as WAD fractions of its stake.
    pub allocations: Vec<Allocation>,
    /// Yearly probability it faults (modelled).
    pub fault_probability: Wad,
    /// Past slashing events it suffered.
    #[serde(default)]
    pub slashing_events: u32,
    /// Days before a new allocation takes effect.
    pub allocation_delay_days: u16,
    /// Sources of the figures above.
    #[serde(default)]
    pub sources: Provenance,
}

/// One operator → service allocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Service id.
    pub service: String,
    /// Fraction of the operator's stake allocated (WAD, Σ ≤ 1 per operator).
    pub magnitude: Wad,
}

/// A service (AVS) secured by restaked stake.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// Short unique id.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Yearly reward on allocated stake (WAD), before operator commission.
    pub reward_rate: Wad,
    /// Fraction of allocated stake slashed when it faults (WAD).
    pub loss_given_slash: Wad,
    /// More allocated stake it accepts (wei).
    pub stake_cap: Wei,
    /// Profit an attacker makes by corrupting it (wei, modelled).
    pub profit_from_corruption: Wei,
    /// Fraction of its stake an attack needs (bps; 3334 for BFT-style).
    pub attack_threshold: Bps,
    /// Yearly probability it faults and slashes (modelled).
    pub fault_probability: Wad,
    /// Sources of the figures above.
    #[serde(default)]
    pub sources: Provenance,
}

/// An allocatable position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Unique id (`stETH` or `stETH@p2p`).
    pub id: String,
    /// Asset id.
    pub asset: String,
    /// Operator id for restaking positions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// A named historical stress event, applied as-is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StressScenario {
    /// Name.
    pub name: String,
    /// What happened and where it is documented.
    pub source: String,
    /// Fraction lost by every position in these assets (WAD).
    #[serde(default)]
    pub asset_losses: BTreeMap<String, Wad>,
    /// Fraction lost by every position with these operators (WAD).
    #[serde(default)]
    pub operator_losses: BTreeMap<String, Wad>,
}

/// The market shipped with stakebid, dated and sourced.
pub const SNAPSHOT_JSON: &str = include_str!("../../data/market-2025-06-03.json");

impl Market {
    /// Parses and validates a market JSON.
    pub fn from_json(json: &str) -> Result<Market, MarketError> {
        let m: Market =
            serde_json::from_str(json).map_err(|e| MarketError::Malformed(e.to_string()))?;
        m.check()?;
        Ok(m)
    }

    /// The shipped snapshot.
    pub fn snapshot() -> Market {
        Market::from_json(SNAPSHOT_JSON).expect("the shipped snapshot is valid (tested)")
    }

    /// Asset by id.
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.id == id)
    }

    /// Operator by id.
    pub fn operator(&self, id: &str) -> Option<&Operator> {
        self.operators.iter().find(|o| o.id == id)
    }

    /// Service by id.
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// Input assets (token addresses; zero for ETH) some position accepts.
    pub fn accepted_inputs(&self) -> Vec<Address> {
        let mut v: Vec<Address> = Vec::new();
        for a in &self.assets {
            if a.mint_from_eth || a.kind == AssetKind::Native {
                v.push(Address::ZERO);
            }
            if a.kind != AssetKind::Native {
                v.push(a.token);
            }
        }
        v.sort();
        v.dedup();
        v
    }
}
