//! `stakebid deploy`: the SolverRegistry, the Settlement, the adapters and
//! the liquid-staking stand-ins, configured from a market, recorded in a
//! deployment file the node reads; the restaking protocol comes in through
//! [`Restaking`] (the devnet crate deploys EigenLayer's own contracts).
//!
//! [`Deployment::apply`] rewrites a market's token and operator addresses
//! to the deployed ones, so intents and plans refer to what is on this chain.

use std::collections::BTreeMap;
use std::path::Path;

use alloy::network::TransactionBuilder;
use alloy::network::{Ethereum, EthereumWallet};
use alloy::primitives::{Address, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::http::reqwest::Url;

use stakebid_intents::market::{AssetKind, Market};

use crate::contracts::{
    EigenLayerAdapter, LidoAdapter, MockLido, MockRocketPool, RocketPoolAdapter, Settlement,
};
use crate::registry::SolverRegistry;
use crate::{ChainError, Confirm};

pub use stakebid_intents::deployment::Deployment;

/// What `deploy` needs besides the market.
#[derive(Clone, Debug)]
pub struct DeployParams {
    /// Who signs awards (and slashes bonds).
    pub auctioneer: Address,
    /// Who may call `settle` (the node's executor key).
    pub executor: Address,
    /// Where slashed bonds go.
    pub treasury: Address,
    /// Least bond to be awarded.
    pub min_bond: U256,
    /// Seconds a bond withdrawal waits.
    pub bond_withdrawal_delay: u64,
    /// Blocks a restaking withdrawal waits (EigenLayer: 14 days of blocks).
    pub withdrawal_delay_blocks: u32,
    /// Seconds a Lido withdrawal request waits to be claimable.
    pub lido_withdrawal_delay: u64,
    /// ETH the deployer sends the auctioneer for the gas of slashing (devnet).
    pub fund_auctioneer: U256,
    /// ETH the deployer sends the executor for the gas of settling (devnet).
    pub fund_executor: U256,
    /// Seconds a configuration change (auctioneer, executor, adapter,
    /// route) waits in the Settlement's timelock once setup is closed.
    pub config_delay: u64,
}

/// ETH already pooled in the devnet's Lido (mainnet held ~9.4M in 2025):
/// the stake limit is a fraction of a real supply, as on mainnet.
pub const LIDO_POOLED_ETH: u128 = 9_000_000 * 10u128.pow(18);

/// The timelock on a real chain: two days to see a change coming.
pub const MAINNET_CONFIG_DELAY: u64 = 2 * 86_400;

impl DeployParams {
    /// The devnet defaults: 1 ETH minimum bond, one-day bond delay, 14 days
    /// of 12-second blocks for restaking withdrawals, 5 days for Lido's, a
    /// one-minute configuration timelock.
    pub fn devnet(auctioneer: Address, executor: Address, treasury: Address) -> DeployParams {
        DeployParams {
            auctioneer,
            executor,
            treasury,
            min_bond: U256::from(10u128.pow(18)),
            bond_withdrawal_delay: 86_400,
            withdrawal_delay_blocks: 100_800,
            lido_withdrawal_delay: 5 * 86_400,
            fund_auctioneer: U256::from(10u128.pow(18)),
            fund_executor: U256::from(10u128.pow(19)),
            config_delay: 60,
        }
    }
}

/// A devnet's restaking protocol, as `deploy_with` needs it: its core
/// deployed, a strategy per restakeable token, and the market's operators
/// and services registered, allocating and holding stake. The devnet
/// crate (`stakebid-devnet`) implements it with EigenLayer's own contracts;
/// nothing here knows which contracts those are.
pub trait Restaking {
    /// Deploys the protocol's core, owned by `owner` (the deployer); the
    /// Settlement's restaking adapter is built against what this returns.
    fn core(
        &mut self,
        provider: &DynProvider,
        owner: Address,
    ) -> impl std::future::Future<Output = Result<RestakingCore, ChainError>>;

    /// A strategy holding `token`, whitelisted for deposits.
    fn strategy(
        &mut self,
        provider: &DynProvider,
        token: Address,
    ) -> impl std::future::Future<Output = Result<Address, ChainError>>;

    /// The market's operators registered (with the stake the market says
    /// they hold, in `d.strategies`), its services' operator sets created,
    /// the operators allocating to them; fills `d.operators` and
    /// `d.services`.
    fn operators(
        &mut self,
        provider: &DynProvider,
        market: &Market,
        d: &mut Deployment,
    ) -> impl std::future::Future<Output = Result<(), ChainError>>;
}

/// Where a restaking protocol's core sits, and which release it is.
#[derive(Clone, Debug)]
pub struct RestakingCore {
    /// DelegationManager.
    pub delegation_manager: Address,
    /// StrategyManager.
    pub strategy_manager: Address,
    /// AllocationManager.
    pub allocation_manager: Address,
    /// RewardsCoordinator (zero: none; holders then cannot name a claimer).
    pub rewards_coordinator: Address,
    /// Release and provenance, written into the deployment file.
    pub version: String,
}

fn wad_fee(bps: u16) -> U256 {
    U256::from(bps) * U256::from(10u64.pow(14))
}

/// Deploys and configures everything for `market` with the deployer's
/// `key` on `rpc`, the restaking protocol through `restaking`; returns the
/// deployment (write it with [`save`]).
pub async fn deploy_with<R: Restaking>(
    rpc: &str,
    key: &PrivateKeySigner,
    market: &Market,
    p: &DeployParams,
    restaking: &mut R,
) -> Result<Deployment, ChainError> {
    let url: Url = rpc.parse().map_err(|_| ChainError::Config(format!("bad RPC URL {rpc}")))?;
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(key.clone()))
        .connect_http(url.clone())
        .erased();
    let chain_id = provider.get_chain_id().await?;
    let deployed_at = provider.get_block_number().await?;
    // The Settlement goes first so that on a fresh devnet it sits at the
    // deployer's first CREATE address (anvil: 0x5FbDB…0aa3, the CLI's
    // default verifying contract); the registry's address is known ahead.
    let nonce = provider.get_transaction_count(key.address()).await?;
    let registry_at = key.address().create(nonce + 1);
    let settlement =
        Settlement::deploy(provider.clone(), p.auctioneer, registry_at, p.executor, p.config_delay)
            .await?;
    let registry = SolverRegistry::deploy(
        provider.clone(),
        p.auctioneer,
        p.treasury,
        p.min_bond,
        p.bond_withdrawal_delay,
        *settlement.address(),
    )
    .await?;
    if *registry.address() != registry_at {
        return Err(ChainError::Config(
            "the registry did not land where the Settlement expects it".into(),
        ));
    }
    let core = restaking.core(&provider, key.address()).await?;
    let restaking_adapter = EigenLayerAdapter::deploy(
        provider.clone(),
        core.strategy_manager,
        core.delegation_manager,
        core.rewards_coordinator,
    )
    .await?;
    settlement.allowAdapter(*restaking_adapter.address(), true).confirm().await?;

    let mut d = Deployment {
        chain_id,
        settlement: *settlement.address(),
        registry: *registry.address(),
        auctioneer: p.auctioneer,
        executor: p.executor,
        eigenlayer: core.delegation_manager,
        strategy_manager: Some(core.strategy_manager),
        allocation_manager: Some(core.allocation_manager),
        rewards_coordinator: (!core.rewards_coordinator.is_zero())
            .then_some(core.rewards_coordinator),
        eigenlayer_version: Some(core.version.clone()),
        withdrawal_delay_blocks: p.withdrawal_delay_blocks,
        restaking_adapter: *restaking_adapter.address(),
        assets: BTreeMap::new(),
        minters: BTreeMap::new(),
        strategies: BTreeMap::new(),
        operators: BTreeMap::new(),
        positions: vec![],
        services: BTreeMap::new(),
        deployed_at,
        ready_at: 0,
    };
    // Assets: Lido's stand-in for stETH, deposit-pool stand-ins for the rest.
    for a in &market.assets {
        let cap = U256::from(a.deposit_cap.0);
        let (token, minter) = match (a.kind, a.id.as_str()) {
            (AssetKind::Native, _) => (Address::ZERO, None),
            (_, "stETH") => {
                let lido = MockLido::deploy(
                    provider.clone(),
                    cap,
                    cap / U256::from(7200),
                    p.lido_withdrawal_delay,
                    U256::from(LIDO_POOLED_ETH),
                )
                .await?;
                let ad = LidoAdapter::deploy(provider.clone(), *lido.address()).await?;
                (*lido.address(), Some(*ad.address()))
            }
            _ => {
                let pool = MockRocketPool::deploy(
                    provider.clone(),
                    a.name.clone(),
                    a.id.clone(),
                    U256::from(a.exchange_rate.0),
                    wad_fee(a.deposit_fee.0),
                    cap,
                    a.mint_from_eth,
                )
                .await?;
                let ad = if a.mint_from_eth {
                    Some(
                        *RocketPoolAdapter::deploy(
                            provider.clone(),
                            *pool.address(),
                            *pool.address(),
                        )
                        .await?
                        .address(),
                    )
                } else {
                    None
                };
                (*pool.address(), ad)
            }
        };
        d.assets.insert(a.id.clone(), token);
        if let Some(m) = minter {
            settlement.allowAdapter(m, true).confirm().await?;
            d.minters.insert(a.id.clone(), m);
        }
        if a.restakeable {
            let strategy = restaking.strategy(&provider, token).await?;
            restaking_adapter
                .setToken(token, strategy, minter.unwrap_or_default())
                .confirm()
                .await?;
            d.strategies.insert(a.id.clone(), strategy);
        }
    }
    // The auctioneer signs slashing transactions: it needs gas money.
    if p.fund_auctioneer > U256::ZERO
        && provider.get_balance(p.auctioneer).await? < p.fund_auctioneer
    {
        send_eth(&provider, p.auctioneer, p.fund_auctioneer).await?;
    }
    if p.fund_executor > U256::ZERO && provider.get_balance(p.executor).await? < p.fund_executor {
        send_eth(&provider, p.executor, p.fund_executor).await?;
    }
    // Operators: registered, holding stake, allocating to their services.
    restaking.operators(&provider, market, &mut d).await?;
    // Routes: every position the market lists.
    for pos in &market.positions {
        let token = d.assets[&pos.asset];
        let (adapter, operator) = match &pos.operator {
            Some(o) => (*restaking_adapter.address(), d.operators[o]),
            None => (d.minters.get(&pos.asset).copied().unwrap_or_default(), Address::ZERO),
        };
        settlement.setRoute(pos.id.clone(), adapter, token, operator).confirm().await?;
        d.positions.push(pos.id.clone());
    }
    // From here on every change waits `config_delay` in the timelock.
    settlement.closeSetup().confirm().await?;
    d.ready_at = provider.get_block_number().await?;
    Ok(d)
}

/// Sends `value` wei to `to` and waits for the receipt.
pub async fn send_eth(
    provider: &impl Provider<Ethereum>,
    to: Address,
    value: U256,
) -> Result<(), ChainError> {
    let tx = TransactionRequest::default().with_to(to).with_value(value);
    let r = provider.send_transaction(tx).await?.get_receipt().await?;
    if !r.status() {
        return Err(ChainError::Reverted(r.transaction_hash));
    }
    Ok(())
}

/// Writes a deployment file (JSON).
pub fn save(d: &Deployment, path: &Path) -> Result<(), ChainError> {
    let json = serde_json::to_string_pretty(d).expect("a deployment serializes");
    std::fs::write(path, json + "\n")
        .map_err(|e| ChainError::Config(format!("cannot write {}: {e}", path.display())))
}

/// Reads a deployment file.
pub fn load(path: &Path) -> Result<Deployment, ChainError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ChainError::Config(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        ChainError::Config(format!("{} is not a deployment file: {e}", path.display()))
    })
}

/// A provider that signs with `key`.
pub fn wallet_provider(rpc: &Url, key: &PrivateKeySigner) -> impl Provider<Ethereum> + Clone {
    ProviderBuilder::new().wallet(EthereumWallet::from(key.clone())).connect_http(rpc.clone())
}
