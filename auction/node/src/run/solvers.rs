//! The shipped strategies a node runs itself as solvers (`--run-solvers`,
//! `--demo-solvers`), and the devnet bonding they need on a chain.

use alloy::primitives::{Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use alloy::transports::http::reqwest::Url;
use std::sync::Arc;
use std::time::Duration;

use stakebid_bus::{Bus, Client};
use stakebid_settlement::registry::{ensure_bond, OnChainRegistry};
use stakebid_settlement::ChainError;
use stakebid_solver::runtime::Runtime;
use stakebid_solver::{by_name, Strategy};

use super::report::Names;
use super::NodeError;
use crate::config::InProcessSolver;

/// The runtimes of `solvers` against the node at `base` on `bus`, with
/// their names by address.
pub(crate) fn runtimes(
    solvers: &[InProcessSolver],
    base: &str,
    bus: &Bus,
    auctioneer: Address,
) -> Result<(Names, Vec<(String, Runtime)>), NodeError> {
    let mut names = Names::new();
    let mut out = Vec::new();
    for s in solvers {
        let strategy: Arc<dyn Strategy> = by_name(&s.strategy, 5)
            .ok_or_else(|| {
                NodeError::new(
                    "cli.unknown_strategy",
                    format!("no strategy {:?}; use optimal, greedy or waterfill", s.strategy),
                )
            })?
            .into();
        names.insert(s.key.address(), s.name.clone());
        let runtime = Runtime {
            key: s.key.clone(),
            strategy,
            node: Some(Client::new(base)),
            bus: Some(bus.clone()),
            auctioneer: Some(auctioneer),
            // Asked of the node (its own domain).
            domain: None,
            margin: Duration::from_millis(700),
            withhold_reveals: false,
            // In the node's own process: a restart restarts the round too
            // (voided, no penalties), so there is nothing to reveal later.
            book: None,
            engine: None,
        };
        out.push((s.name.clone(), runtime));
    }
    Ok((names, out))
}

/// Funds `solver` from `funder` (bond plus gas) and bonds it, unless it is
/// already eligible. Returns whether it bonded.
pub async fn dev_fund_and_bond(
    rpc: &Url,
    registry: Address,
    funder: &PrivateKeySigner,
    solver: &PrivateKeySigner,
    bond: U256,
) -> Result<bool, ChainError> {
    let reader =
        OnChainRegistry::at(registry, ProviderBuilder::new().connect_http(rpc.clone()).erased());
    if reader.eligible(solver.address()).await? {
        return Ok(false);
    }
    let gas = U256::from(10u128.pow(17));
    let f = stakebid_settlement::deploy::wallet_provider(rpc, funder);
    stakebid_settlement::deploy::send_eth(&f, solver.address(), bond + gas).await?;
    ensure_bond(rpc, registry, solver, bond).await
}
