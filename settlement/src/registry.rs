//! The on-chain solver registry: bonds, slashing, withdrawals.

use alloy::network::{Ethereum, EthereumWallet};
use alloy::primitives::{Address, B256, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::http::reqwest::Url;

use crate::{ChainError, Confirm};

alloy::sol!(
    #[sol(rpc)]
    #[derive(Debug)]
    SolverRegistry,
    "artifacts/SolverRegistry.json"
);

/// Offence codes the contract records (mirrors the node's registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Offence {
    /// A commitment never revealed.
    Unrevealed = 1,
    /// A reveal that matches no commitment. The contract keeps the code,
    /// the node no longer charges it: anyone can send such a reveal in a
    /// solver's name, so it proves nothing.
    RevealMismatch = 2,
    /// A plan the evaluator rejected.
    InvalidPlan = 3,
    /// A settlement that failed by the solver's fault.
    SettlementFault = 4,
}

/// A deployed `SolverRegistry`, driven by whoever `provider`'s wallet is.
pub struct OnChainRegistry<P> {
    /// The contract.
    pub contract: SolverRegistry::SolverRegistryInstance<P, Ethereum>,
}

impl<P: Provider<Ethereum> + Clone> OnChainRegistry<P> {
    /// Deploys a registry whose `auctioneer` may slash into `treasury`.
    pub async fn deploy(
        provider: P,
        auctioneer: Address,
        treasury: Address,
        min_bond: U256,
        withdrawal_delay: u64,
    ) -> Result<Self, ChainError> {
        let contract =
            SolverRegistry::deploy(provider, auctioneer, treasury, min_bond, withdrawal_delay)
                .await?;
        Ok(OnChainRegistry { contract })
    }

    /// The registry at `address`.
    pub fn at(address: Address, provider: P) -> Self {
        OnChainRegistry { contract: SolverRegistry::new(address, provider) }
    }

    /// A solver's slashable bond.
    pub async fn bond_of(&self, solver: Address) -> Result<U256, ChainError> {
        Ok(self.contract.bonds(solver).call().await?.amount)
    }

    /// Whether a solver may be awarded.
    pub async fn eligible(&self, solver: Address) -> Result<bool, ChainError> {
        Ok(self.contract.eligible(solver).call().await?)
    }

    /// Executes a penalty the auction decided: takes up to `amount` from
    /// `solver`'s bond, recording `evidence`. Returns the transaction hash.
    pub async fn slash(
        &self,
        solver: Address,
        amount: U256,
        evidence: B256,
        offence: Offence,
    ) -> Result<B256, ChainError> {
        let pending = self.contract.slash(solver, amount, evidence, offence as u8).send().await?;
        Ok(pending.watch().await?)
    }
}

/// Devnet convenience: funds `solver` from `funder` and bonds `amount` on
/// the SolverRegistry in the solver's name, unless it is already bonded at
/// the minimum. Returns whether it bonded.
pub async fn dev_bond(
    rpc: &Url,
    registry: Address,
    funder: &PrivateKeySigner,
    solver: &PrivateKeySigner,
    amount: U256,
) -> Result<bool, ChainError> {
    let read =
        OnChainRegistry::at(registry, ProviderBuilder::new().connect_http(rpc.clone()).erased());
    if read.eligible(solver.address()).await? {
        return Ok(false);
    }
    let f = ProviderBuilder::new()
        .wallet(EthereumWallet::from(funder.clone()))
        .connect_http(rpc.clone());
    crate::deploy::send_eth(&f, solver.address(), amount + U256::from(10u128.pow(17))).await?;
    let s = ProviderBuilder::new()
        .wallet(EthereumWallet::from(solver.clone()))
        .connect_http(rpc.clone());
    let reg = SolverRegistry::new(registry, s);
    reg.bond().value(amount).confirm().await?;
    Ok(true)
}
