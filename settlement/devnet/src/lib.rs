//! # stakebid-devnet
//!
//! A devnet with **EigenLayer's own contracts** under the Settlement: the
//! core (DelegationManager, StrategyManager, AllocationManager,
//! RewardsCoordinator, PermissionController, EigenPodManager,
//! PauserRegistry, behind
//! transparent proxies, `initialize(owner, 0)`: nothing paused), a
//! `StrategyBase` per restakeable token, the market's operators registered
//! and holding the stake the market says they hold (one delegating staker
//! each), every service an AVS with an operator set, a registrar and the
//! operators allocating to it after the allocation configuration delay,
//! mined. The liquid-staking protocols are still the project's stand-ins
//! (`settlement/contracts/mocks`), deployed by `stakebid_settlement::deploy`.
//!
//! ```text
//! market + keys ─▶ deploy_with(EigenDevnet) ─▶ Settlement, registry, stand-ins (settlement crate)
//!                                  └─ core(), strategy(token), operators(market) ─▶ EigenLayer (here)
//! ```
//!
//! **Licence.** The EigenLayer bytecode comes from the
//! `eigenlayer-contract-deployer` crate's bindings (the core revision that
//! `eigenlayer-middleware` v1.3.1 pins) and is EigenLayer's, under BUSL-1.1:
//! use on devnets and in tests only. This crate is the only one that
//! depends on it, and only the binary's `devnet` feature (on by default,
//! off in a production build) and the test crates depend on this one.
//!
//! - [`EigenDevnet`]: the [`Restaking`] implementation `deploy` uses.
//! - [`deploy`]: the whole devnet deployment for a market.
//! - [`avs`]: what services and operators do on a devnet (slash an
//!   operator, name a delegation approver).
//! - [`keys`]: the devnet keys of operators, services and delegators.
//! - [`el`]: EigenLayer's bindings, for tests acting on a devnet.

#![forbid(unsafe_code)]

pub mod avs;
pub mod core;
pub mod keys;

use alloy::providers::DynProvider;
use stakebid_intents::deployment::Deployment;
use stakebid_intents::market::Market;
use stakebid_settlement::deploy::{deploy_with, DeployParams, Restaking, RestakingCore};
use stakebid_settlement::ChainError;

pub use self::core::{Core, Delays, RELEASE};

/// EigenLayer's own contracts' bindings (with their BUSL-1.1 bytecode), for
/// tests that act as operators, services or stakers on a devnet.
pub mod el {
    pub use eigenlayer_contract_deployer::bindings::core::allocation_manager::AllocationManager::OperatorSet;
    pub use eigenlayer_contract_deployer::bindings::core::allocation_manager::IAllocationManagerTypes;
    pub use eigenlayer_contract_deployer::bindings::core::delegation_manager::IDelegationManagerTypes;
    pub use eigenlayer_contract_deployer::bindings::core::delegation_manager::ISignatureUtilsMixinTypes;
    pub use eigenlayer_contract_deployer::bindings::{
        AllocationManager, DelegationManager, RewardsCoordinator, StrategyBase, StrategyManager,
    };
}
pub use keys::{delegator_key, operator_key, service_address, service_key};

/// Deploys the Settlement, the registry, the stand-ins and EigenLayer's own
/// core for `market` on the devnet at `rpc` (anvil: the allocation
/// configuration delay is mined with `anvil_mine`).
pub async fn deploy(
    rpc: &str,
    key: &alloy::signers::local::PrivateKeySigner,
    market: &Market,
    p: &DeployParams,
) -> Result<Deployment, ChainError> {
    let mut el = EigenDevnet::new(rpc, Delays::devnet(p.withdrawal_delay_blocks))?;
    deploy_with(rpc, key, market, p, &mut el).await
}

/// EigenLayer's own contracts as the devnet's restaking protocol.
pub struct EigenDevnet {
    rpc: alloy::transports::http::reqwest::Url,
    delays: Delays,
    core: Option<Core>,
}

impl EigenDevnet {
    /// Nothing deployed yet; `rpc` is where the operators' and services'
    /// own transactions go.
    pub fn new(rpc: &str, delays: Delays) -> Result<EigenDevnet, ChainError> {
        let rpc = rpc.parse().map_err(|_| ChainError::Config(format!("bad RPC URL {rpc}")))?;
        Ok(EigenDevnet { rpc, delays, core: None })
    }

    fn core_or_err(&self) -> Result<&Core, ChainError> {
        self.core
            .as_ref()
            .ok_or_else(|| ChainError::Config("EigenLayer's core is not deployed".into()))
    }
}

impl Restaking for EigenDevnet {
    async fn core(
        &mut self,
        provider: &DynProvider,
        owner: alloy::primitives::Address,
    ) -> Result<RestakingCore, ChainError> {
        let c = Core::deploy(provider, owner, &self.delays).await?;
        tracing::info!(
            delegation_manager = %c.delegation_manager,
            strategy_manager = %c.strategy_manager,
            allocation_manager = %c.allocation_manager,
            rewards_coordinator = %c.rewards_coordinator,
            release = RELEASE,
            "EigenLayer's own core deployed"
        );
        let out = RestakingCore {
            delegation_manager: c.delegation_manager,
            strategy_manager: c.strategy_manager,
            allocation_manager: c.allocation_manager,
            rewards_coordinator: c.rewards_coordinator,
            version: RELEASE.to_string(),
        };
        self.core = Some(c);
        Ok(out)
    }

    async fn strategy(
        &mut self,
        provider: &DynProvider,
        token: alloy::primitives::Address,
    ) -> Result<alloy::primitives::Address, ChainError> {
        let c = self.core_or_err()?.clone();
        c.add_strategy(provider, token).await
    }

    async fn operators(
        &mut self,
        provider: &DynProvider,
        market: &Market,
        d: &mut Deployment,
    ) -> Result<(), ChainError> {
        let c = self.core_or_err()?.clone();
        c.setup_market(provider, &self.rpc, &self.delays, market, d).await
    }
}
