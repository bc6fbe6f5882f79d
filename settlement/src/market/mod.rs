//! The market read from a chain: which contracts to read (a protocols
//! file), the reader (one block, JSON-RPC batches, a chunked event cursor)
//! and the source the node draws a market from every round.
//!
//! Data flow: [`Protocols`] (from `stakebid deploy` for a devnet, shipped
//! for mainnet) → [`read::Reader::read`] → a `ChainRead` keyed by the
//! parameter file's ids → `stakebid_intents::market::live::build` (pure)
//! → the round's `Market`.

pub mod read;
/// The protocols' interfaces the reader calls (`stakebid_chain::protocols`).
pub use stakebid_chain::protocols as views;

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

use stakebid_intents::deployment::Deployment;

use crate::ChainError;

/// The protocols file: where each figure's contract is on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protocols {
    /// Human name (`Ethereum mainnet`, `devnet deployment`).
    pub name: String,
    /// The chain it describes (a reader refuses an RPC serving another).
    pub chain_id: u64,
    /// Seconds per block, to turn block delays into days (12 on Ethereum).
    pub block_secs: u64,
    /// Per asset id of the parameter file: which contract reports it.
    pub assets: BTreeMap<String, AssetSource>,
    /// EigenLayer, when restaking is read.
    pub eigenlayer: Option<EigenLayer>,
    /// Operator id → address, for operators the parameter file names.
    #[serde(with = "stakebid_intents::encoding::checksummed_values", default)]
    pub operators: BTreeMap<String, Address>,
    /// Service id → the AVS's address, for services the parameter file names.
    #[serde(with = "stakebid_intents::encoding::checksummed_values", default)]
    pub services: BTreeMap<String, Address>,
    /// The first block the rate contracts answer at (the APR window never
    /// starts before it; 0 for a chain where they are long deployed).
    #[serde(default)]
    pub history_from: u64,
    /// Positions the Settlement routes, when reading for a deployment (the
    /// market offers no other); `None` reads every position.
    #[serde(default)]
    pub positions: Option<Vec<String>>,
    /// Where each address comes from.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
}

/// How one asset's figures are read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssetSource {
    /// Lido's stETH: rate per share, stake limit, pause, pooled ether.
    Lido {
        /// stETH.
        #[serde(with = "stakebid_intents::encoding::checksummed")]
        token: Address,
    },
    /// A Rocket-Pool-style token: exchange rate on the token, room and
    /// balance on the deposit pool, fee and switch on the settings.
    RocketPool {
        /// The token (`getExchangeRate`).
        #[serde(with = "stakebid_intents::encoding::checksummed")]
        token: Address,
        /// RocketDepositPool (`getBalance`).
        #[serde(with = "stakebid_intents::encoding::checksummed")]
        deposit_pool: Address,
        /// RocketDAOProtocolSettingsDeposit (maximum, fee, enabled); without
        /// it the room is the pool's `getMaximumDepositAmount` and the fee
        /// the parameter file's.
        #[serde(default)]
        settings: Option<Address>,
        /// Whether ETH mints it here (cbETH's stand-in serves a rate only).
        mintable: bool,
    },
}

/// EigenLayer's contracts and where their events start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EigenLayer {
    /// DelegationManager.
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    pub delegation_manager: Address,
    /// AllocationManager.
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    pub allocation_manager: Address,
    /// Asset id → its strategy.
    #[serde(with = "stakebid_intents::encoding::checksummed_values")]
    pub strategies: BTreeMap<String, Address>,
    /// The block the contracts were deployed at: the event cursor starts
    /// here, never at block 0.
    pub from_block: u64,
}

impl Protocols {
    /// What a devnet deployment reads: its stand-ins (a Rocket-Pool-style
    /// stand-in is token, deposit pool and settings in one contract).
    pub fn from_deployment(d: &Deployment) -> Protocols {
        let mut assets = BTreeMap::new();
        for (id, token) in &d.assets {
            if token.is_zero() {
                continue;
            }
            let src = if id == "stETH" {
                AssetSource::Lido { token: *token }
            } else {
                AssetSource::RocketPool {
                    token: *token,
                    deposit_pool: *token,
                    settings: Some(*token),
                    mintable: d.minters.contains_key(id),
                }
            };
            assets.insert(id.clone(), src);
        }
        Protocols {
            name: format!("stakebid deployment on chain {}", d.chain_id),
            chain_id: d.chain_id,
            block_secs: 12,
            assets,
            eigenlayer: Some(EigenLayer {
                delegation_manager: d.eigenlayer,
                allocation_manager: d.allocation_manager(),
                strategies: d.strategies.clone(),
                from_block: d.deployed_at,
            }),
            history_from: d.ready_at,
            operators: d.operators.clone(),
            services: d.services.clone(),
            positions: Some(d.positions.clone()),
            sources: BTreeMap::from([(
                "all".into(),
                "written by `stakebid deploy` from the contracts it deployed".into(),
            )]),
        }
    }

    /// Reads a protocols file.
    pub fn load(path: &Path) -> Result<Protocols, ChainError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ChainError::Config(format!("cannot read {}: {e}", path.display())))?;
        serde_json::from_str(&text).map_err(|e| {
            ChainError::Config(format!("{} is not a protocols file: {e}", path.display()))
        })
    }

    /// The Ethereum mainnet protocols file shipped with stakebid.
    pub fn mainnet() -> Protocols {
        serde_json::from_str(MAINNET_JSON)
            .expect("the shipped mainnet protocols file parses (tested)")
    }
}

/// The shipped Ethereum mainnet protocols file.
pub const MAINNET_JSON: &str = include_str!("../../data/protocols-mainnet.json");

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_mainnet_file_parses_and_names_a_source_for_each_part() {
        let p = super::Protocols::mainnet();
        assert_eq!(p.chain_id, 1);
        for k in ["stETH", "rETH", "eigenlayer", "strategies", "from_block"] {
            assert!(p.sources.contains_key(k), "no source for {k}");
        }
    }
}
