//! Where a stakebid deployment sits on one chain: the Settlement, the
//! registry, the adapters and the protocol contracts by id. Written by
//! `stakebid deploy`, served by the node at `/v1/node`, read by wallets.

use alloy::primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::market::Market;

/// Where everything is on one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// The Settlement contract (the intents' EIP-712 verifying contract).
    #[serde(with = "crate::encoding::checksummed")]
    pub settlement: Address,
    /// The SolverRegistry.
    #[serde(with = "crate::encoding::checksummed")]
    pub registry: Address,
    /// Who signs awards.
    #[serde(with = "crate::encoding::checksummed")]
    pub auctioneer: Address,
    /// Who may call `settle`.
    #[serde(with = "crate::encoding::checksummed")]
    pub executor: Address,
    /// EigenLayer's DelegationManager (deployments before EigenLayer's own
    /// contracts ran on devnets: the stand-in, which served all three roles).
    #[serde(with = "crate::encoding::checksummed")]
    pub eigenlayer: Address,
    /// EigenLayer's StrategyManager (absent: `eigenlayer` serves it).
    #[serde(
        with = "crate::encoding::checksummed_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub strategy_manager: Option<Address>,
    /// EigenLayer's AllocationManager (absent: `eigenlayer` serves it).
    #[serde(
        with = "crate::encoding::checksummed_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub allocation_manager: Option<Address>,
    /// EigenLayer's RewardsCoordinator, where position holders name their
    /// rewards claimer (absent: none deployed).
    #[serde(
        with = "crate::encoding::checksummed_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub rewards_coordinator: Option<Address>,
    /// Which EigenLayer runs there: its release and where its bytecode came
    /// from (absent: the stand-in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eigenlayer_version: Option<String>,
    /// Blocks a restaking withdrawal waits.
    pub withdrawal_delay_blocks: u32,
    /// The restaking adapter (position-holder factory).
    #[serde(with = "crate::encoding::checksummed")]
    pub restaking_adapter: Address,
    /// Asset id → token (zero for ETH).
    #[serde(with = "crate::encoding::checksummed_values")]
    pub assets: BTreeMap<String, Address>,
    /// Asset id → minting adapter, for assets minted from ETH.
    #[serde(with = "crate::encoding::checksummed_values")]
    pub minters: BTreeMap<String, Address>,
    /// Asset id → EigenLayer strategy, for restakeable assets.
    #[serde(with = "crate::encoding::checksummed_values")]
    pub strategies: BTreeMap<String, Address>,
    /// Operator id → its address on this chain.
    #[serde(with = "crate::encoding::checksummed_values")]
    pub operators: BTreeMap<String, Address>,
    /// Position ids with a route in the Settlement.
    pub positions: Vec<String>,
    /// Service id → the address its operator sets are under.
    #[serde(with = "crate::encoding::checksummed_values", default)]
    pub services: BTreeMap<String, Address>,
    /// The block the deployment started at (event scans start here).
    #[serde(default)]
    pub deployed_at: u64,
    /// The block every contract existed by (rate history starts here).
    #[serde(default)]
    pub ready_at: u64,
}

impl Deployment {
    /// EigenLayer's DelegationManager.
    pub fn delegation_manager(&self) -> Address {
        self.eigenlayer
    }

    /// EigenLayer's StrategyManager.
    pub fn strategy_manager(&self) -> Address {
        self.strategy_manager.unwrap_or(self.eigenlayer)
    }

    /// EigenLayer's AllocationManager.
    pub fn allocation_manager(&self) -> Address {
        self.allocation_manager.unwrap_or(self.eigenlayer)
    }

    /// The market as seen on this chain: token and operator addresses
    /// replaced by the deployed ones.
    pub fn apply(&self, market: &Market) -> Market {
        let mut m = market.clone();
        for a in &mut m.assets {
            if let Some(t) = self.assets.get(&a.id) {
                a.token = *t;
            }
        }
        for o in &mut m.operators {
            if let Some(addr) = self.operators.get(&o.id) {
                o.address = *addr;
            }
        }
        m
    }
}
