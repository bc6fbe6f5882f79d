//! `stakebid deploy`: the SolverRegistry, the Settlement, the adapters and
//! the protocol stand-ins, configured from a market, recorded in a
//! deployment file the node reads.
//!
//! The market's operator and service addresses are placeholders with no
//! keys, so the devnet's operators get keys derived from their ids
//! ([`operator_key`]) and register with the EigenLayer stand-in under those;
//! [`Deployment::apply`] rewrites a market's token and operator addresses to
//! the deployed ones, so intents and plans refer to what is on this chain.

use std::collections::BTreeMap;
use std::path::Path;

use alloy::network::TransactionBuilder;
use alloy::network::{Ethereum, EthereumWallet};
use alloy::primitives::{keccak256, Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::http::reqwest::Url;

use stakebid_intents::market::{AssetKind, Market};

use crate::contracts::{
    EigenLayerAdapter, LidoAdapter, MockEigenLayer, MockLido, MockRocketPool, RocketPoolAdapter,
    Settlement,
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

/// The devnet key of operator `id` (its address registers with the stand-in).
pub fn operator_key(id: &str) -> PrivateKeySigner {
    let seed = keccak256(format!("stakebid devnet operator {id}"));
    PrivateKeySigner::from_bytes(&seed)
        .expect("a keccak digest is a valid key with overwhelming probability")
}

/// The devnet address standing for service `id` (its operator set's AVS).
pub fn service_address(id: &str) -> Address {
    Address::from_slice(&keccak256(format!("stakebid devnet service {id}"))[12..])
}

fn wad_fee(bps: u16) -> U256 {
    U256::from(bps) * U256::from(10u64.pow(14))
}

/// Deploys and configures everything for `market` with the deployer's
/// `key` on `rpc`; returns the deployment (write it with [`Deployment::save`]).
pub async fn deploy(
    rpc: &str,
    key: &PrivateKeySigner,
    market: &Market,
    p: &DeployParams,
) -> Result<Deployment, ChainError> {
    let url: Url = rpc.parse().map_err(|_| ChainError::Config(format!("bad RPC URL {rpc}")))?;
    let provider =
        ProviderBuilder::new().wallet(EthereumWallet::from(key.clone())).connect_http(url.clone());
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
    )
    .await?;
    let eigen = MockEigenLayer::deploy(provider.clone(), p.withdrawal_delay_blocks).await?;
    let restaking =
        EigenLayerAdapter::deploy(provider.clone(), *eigen.address(), *eigen.address()).await?;
    if *registry.address() != registry_at {
        return Err(ChainError::Config(
            "the registry did not land where the Settlement expects it".into(),
        ));
    }
    settlement.allowAdapter(*restaking.address(), true).confirm().await?;

    let mut d = Deployment {
        chain_id,
        settlement: *settlement.address(),
        registry: *registry.address(),
        auctioneer: p.auctioneer,
        executor: p.executor,
        eigenlayer: *eigen.address(),
        withdrawal_delay_blocks: p.withdrawal_delay_blocks,
        restaking_adapter: *restaking.address(),
        assets: BTreeMap::new(),
        minters: BTreeMap::new(),
        strategies: BTreeMap::new(),
        operators: BTreeMap::new(),
        positions: vec![],
        services: market.services.iter().map(|s| (s.id.clone(), service_address(&s.id))).collect(),
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
            let strategy = eigen.addStrategy(token).call().await?;
            eigen.addStrategy(token).confirm().await?;
            restaking.setToken(token, strategy, minter.unwrap_or_default()).confirm().await?;
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
    // Operators: funded, registered, allocating to their services.
    for o in &market.operators {
        let k = operator_key(&o.id);
        send_eth(&provider, k.address(), U256::from(10u128.pow(17))).await?;
        let op = ProviderBuilder::new()
            .wallet(EthereumWallet::from(k.clone()))
            .connect_http(url.clone());
        let as_op = MockEigenLayer::new(*eigen.address(), op);
        as_op.registerAsOperator(Address::ZERO, 0, String::new()).confirm().await?;
        for (set, al) in o.allocations.iter().enumerate() {
            let mag: u64 = al.magnitude.0.try_into().unwrap_or(u64::MAX);
            as_op
                .modifyAllocations(k.address(), service_address(&al.service), set as u32, mag)
                .confirm()
                .await?;
        }
        // The stake it already holds (the market's figure), in the first
        // restakeable asset's strategy.
        if let Some(s) = d.strategies.values().next() {
            eigen.seedOperatorShares(k.address(), *s, U256::from(o.delegated.0)).confirm().await?;
        }
        d.operators.insert(o.id.clone(), k.address());
    }
    // Routes: every position the market lists.
    for pos in &market.positions {
        let token = d.assets[&pos.asset];
        let (adapter, operator) = match &pos.operator {
            Some(o) => (*restaking.address(), d.operators[o]),
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
