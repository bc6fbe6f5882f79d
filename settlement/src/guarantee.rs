//! A position's yield index as the guarantee rule reads it
//! (`stakebid_intents::guarantee`, `docs/guarantee.md`): the protocols' own
//! views, never a balance, so what an owner does with its tokens after
//! settlement cannot move a guarantee's measure.
//!
//! - stETH: `getPooledEthByShares(1e18)` (ETH per share);
//! - an exchange-rate token (rETH, cbETH): `getExchangeRate()`;
//! - restaked `asset@operator`: the strategy's `sharesToUnderlyingView(1e18)`
//!   × the operator's `getMaxMagnitude(operator, strategy)` (its slashing
//!   factor: the ratio of two reads is what EigenLayer's withdrawable shares
//!   lost) × the token's exchange rate — not stETH's, whose rebase already
//!   shows in the strategy's balance (counted once).

use alloy::primitives::U256;
use alloy::providers::DynProvider;
use stakebid_chain::protocols::{IAllocationViews, ILidoViews, IRocketViews, IStrategyViews};
use stakebid_intents::deployment::Deployment;
use stakebid_intents::units::{Wad, WAD};

use crate::market::{AssetSource, Protocols};
use crate::ChainError;

fn missing(what: &str) -> ChainError {
    ChainError::Config(format!("the deployment has no {what}"))
}

/// The yield index (WAD) of `position` (`stETH`, `rETH@p2p`) at the latest block.
pub async fn index(p: &DynProvider, d: &Deployment, position: &str) -> Result<Wad, ChainError> {
    let (asset, operator) = match position.split_once('@') {
        Some((a, o)) => (a, Some(o)),
        None => (position, None),
    };
    let protocols = Protocols::from_deployment(d);
    let src = protocols.assets.get(asset).ok_or_else(|| missing(&format!("asset {asset}")))?;
    let one = U256::from(WAD);
    let (token_index, rebases) = match *src {
        AssetSource::Lido { token } => {
            let lido = ILidoViews::new(token, p.clone());
            (lido.getPooledEthByShares(one).call().await?, true)
        }
        AssetSource::RocketPool { token, .. } => {
            (IRocketViews::new(token, p.clone()).getExchangeRate().call().await?, false)
        }
    };
    let Some(op) = operator else { return Ok(Wad(token_index.saturating_to())) };
    let strategy =
        *d.strategies.get(asset).ok_or_else(|| missing(&format!("strategy for {asset}")))?;
    let operator = *d.operators.get(op).ok_or_else(|| missing(&format!("operator {op}")))?;
    let per_share =
        IStrategyViews::new(strategy, p.clone()).sharesToUnderlyingView(one).call().await?;
    let am = IAllocationViews::new(d.allocation_manager(), p.clone());
    let magnitude = am.getMaxMagnitude(operator, strategy).call().await?;
    let mut idx = per_share * U256::from(magnitude) / one;
    if !rebases {
        idx = idx * token_index / one;
    }
    Ok(Wad(idx.saturating_to()))
}

// The commitments a settlement logs, proofs, status and claims live in
// `stakebid_chain::guarantee` (what a wallet, the SDK and the node share).
pub use stakebid_chain::guarantee::*;
