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
    "../artifacts/SolverRegistry.json"
);

pub use stakebid_intents::protocol::Offence;

/// A deployed `SolverRegistry`, driven by whoever `provider`'s wallet is.
pub struct OnChainRegistry<P> {
    /// The contract.
    pub contract: SolverRegistry::SolverRegistryInstance<P, Ethereum>,
}

impl<P: Provider<Ethereum> + Clone> OnChainRegistry<P> {
    /// Deploys a registry whose `auctioneer` may slash into `treasury` and
    /// whose `settlement` reserves guarantee collateral and pays claims.
    pub async fn deploy(
        provider: P,
        auctioneer: Address,
        treasury: Address,
        min_bond: U256,
        withdrawal_delay: u64,
        settlement: Address,
    ) -> Result<Self, ChainError> {
        let contract = SolverRegistry::deploy(
            provider,
            auctioneer,
            treasury,
            min_bond,
            withdrawal_delay,
            settlement,
        )
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

    /// What of a solver's bond counts for eligibility: the bond less what
    /// it queued to withdraw and what is reserved as award collateral (the
    /// registry's own `eligible` rule).
    pub async fn eligible_bond(&self, solver: Address) -> Result<U256, ChainError> {
        Ok(self.contract.freeBond(solver).call().await?)
    }

    /// Whether a solver may be awarded.
    pub async fn eligible(&self, solver: Address) -> Result<bool, ChainError> {
        Ok(self.contract.eligible(solver).call().await?)
    }

    /// Whether the registry emitted `Slashed(solver, …, evidence, …)`: a
    /// penalty with this evidence was taken.
    pub async fn slashed_with(&self, solver: Address, evidence: B256) -> Result<bool, ChainError> {
        let logs = self
            .contract
            .Slashed_filter()
            .topic1(solver)
            .topic2(evidence)
            .from_block(0)
            .query()
            .await?;
        Ok(!logs.is_empty())
    }

    /// Executes a penalty the auction decided: the registry takes its fixed
    /// amount for `offence` from `solver`'s bond, once per (auction,
    /// solver, offence), recording `evidence`. `Ok(None)` when it was
    /// slashed for this before (a resend after a crash); else the transaction.
    pub async fn slash(
        &self,
        solver: Address,
        auction: u64,
        offence: Offence,
        evidence: B256,
    ) -> Result<Option<B256>, ChainError> {
        let code = offence.chain_code().ok_or_else(|| {
            ChainError::Config(format!("{} is never slashed on-chain", offence.name()))
        })?;
        let call = self.contract.slash(solver, auction, code, evidence);
        // Checked first: a reverting send would still take a nonce.
        if let Err(e) = call.call().await {
            if e.as_decoded_error::<SolverRegistry::AlreadySlashed>().is_some() {
                return Ok(None);
            }
            return Err(e.into());
        }
        Ok(Some(call.send().await?.watch().await?))
    }
}

alloy::sol!(
    /// What a bond migration needs from a registry of any earlier layout:
    /// every `SolverRegistry` so far returns (amount, queued, unlockAt) as
    /// the first words of `bonds`, and queues and withdraws the same way.
    #[sol(rpc)]
    interface IPreviousRegistry {
        function bonds(address solver) external view returns (uint256 amount, uint256 queued, uint64 unlockAt);
        function queueWithdrawal(uint256 amount) external;
        function withdraw() external;
        event Withdrawn(address indexed solver, uint256 amount);
    }
);

/// Where a bond migration stands after one [`migrate_bond`] step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migration {
    /// Nothing is bonded on the previous registry.
    Nothing,
    /// Queued this much to leave the previous registry; run again after `unlock_at`.
    Queued {
        /// Wei queued out.
        amount: U256,
        /// When the previous registry releases it (unix seconds).
        unlock_at: u64,
    },
    /// Already queued; the previous registry releases it at `unlock_at`.
    Waiting {
        /// When the previous registry releases it (unix seconds).
        unlock_at: u64,
    },
    /// Withdrew this much from the previous registry and bonded it on the new one.
    Moved {
        /// Wei bonded on the new registry.
        amount: U256,
    },
}

/// Moves a solver's bond from a previous `SolverRegistry` (say, one whose
/// auctioneer could not be rotated) to `to`, one step per call, because the
/// previous registry's withdrawal delay sits in the middle: the first call
/// queues the whole bond out, a call after the delay withdraws it and bonds
/// exactly what was paid out (less any penalty taken meanwhile) on `to`.
/// The solver stays slashable on the old registry until it has left.
pub async fn migrate_bond(
    rpc: &Url,
    from: Address,
    to: Address,
    solver: &PrivateKeySigner,
) -> Result<Migration, ChainError> {
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(solver.clone()))
        .connect_http(rpc.clone());
    let old = IPreviousRegistry::new(from, p.clone());
    let b = old.bonds(solver.address()).call().await?;
    if b.amount.is_zero() {
        return Ok(Migration::Nothing);
    }
    if b.queued < b.amount {
        let amount = b.amount - b.queued;
        old.queueWithdrawal(amount).confirm().await?;
        let unlock_at = old.bonds(solver.address()).call().await?.unlockAt;
        return Ok(Migration::Queued { amount, unlock_at });
    }
    let now = p
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .map(|blk| blk.header.timestamp)
        .unwrap_or_default();
    if now < b.unlockAt {
        return Ok(Migration::Waiting { unlock_at: b.unlockAt });
    }
    let receipt = old.withdraw().confirm().await?;
    let amount = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == from)
        .find_map(|l| l.log_decode::<IPreviousRegistry::Withdrawn>().ok())
        .map(|l| l.inner.amount)
        .ok_or_else(|| ChainError::Config("the previous registry paid nothing out".into()))?;
    SolverRegistry::new(to, p).bond().value(amount).confirm().await?;
    Ok(Migration::Moved { amount })
}

/// Bonds `amount` on the SolverRegistry from the solver's own wallet,
/// unless it is already eligible (bonded at the minimum, nothing queued
/// out). Returns whether it bonded. The wallet pays `amount` and the gas.
pub async fn ensure_bond(
    rpc: &Url,
    registry: Address,
    solver: &PrivateKeySigner,
    amount: U256,
) -> Result<bool, ChainError> {
    let read =
        OnChainRegistry::at(registry, ProviderBuilder::new().connect_http(rpc.clone()).erased());
    if read.eligible(solver.address()).await? {
        return Ok(false);
    }
    let s = ProviderBuilder::new()
        .wallet(EthereumWallet::from(solver.clone()))
        .connect_http(rpc.clone());
    SolverRegistry::new(registry, s).bond().value(amount).confirm().await?;
    Ok(true)
}
