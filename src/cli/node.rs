//! `stakebid node`: the flags (`node_args.rs`) become a `NodeConfig`; the
//! node itself is `stakebid_node`'s (`NodeBuilder`), served until Ctrl-C
//! or SIGTERM.

use stakebid_intents::Domain;
use stakebid_node::config::{set, InProcessSolver, LeaseOptions, StoreConfig};
use stakebid_node::{NodeBuilder, NodeConfig};
use std::time::Duration;

use super::keys;
use super::node_args::NodeArgs;
use super::{load_market, CliError};

/// The configuration: defaults, then `--config`, then each flag given.
fn config(a: &NodeArgs) -> Result<NodeConfig, CliError> {
    let mut c = NodeConfig::load(a.config.as_deref())?;
    set(&mut c.rounds.every_secs, a.round_secs);
    set(&mut c.rounds.commit_secs, a.commit_secs);
    set(&mut c.rounds.reveal_secs, a.reveal_secs);
    set(&mut c.rounds.batch_size, a.batch_size);
    set(&mut c.rounds.scenarios, a.scenarios);
    set(&mut c.http.header_timeout_secs, a.header_timeout_secs);
    set(&mut c.http.body_timeout_secs, a.body_timeout_secs);
    set(&mut c.http.idle_timeout_secs, a.idle_timeout_secs);
    set(&mut c.http.max_connections, a.max_connections);
    set(&mut c.http.max_event_streams, a.max_event_streams);
    set(&mut c.http.rate_per_ip, a.rate_per_ip);
    set(&mut c.http.rate_per_signer, a.rate_per_signer);
    set(&mut c.executor.replace_after_ms, a.replace_after_ms);
    set(&mut c.executor.max_replacements, a.max_replacements);
    set(&mut c.executor.fee_bump_bps, a.fee_bump_bps);
    set(&mut c.executor.min_out_tolerance_bps, a.min_out_tolerance_bps);
    a.feed.over(&mut c.market);
    c.store = match &a.store {
        None => StoreConfig::Sled(a.data_dir.clone()),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            StoreConfig::Postgres(url.clone())
        }
        Some(url) => {
            return Err(CliError::new(
                "cli.bad_store",
                format!(
                    "--store {} is not a postgres:// URL; leave it out to use the sled store in --data-dir",
                    stakebid_sdk::bus::redacted(url)
                ),
            ))
        }
    };
    c.listen = a.http.clone();
    c.nats = a.nats.clone();
    c.domain = Domain { chain_id: a.chain_id, settlement: a.settlement };
    c.params = load_market(a.market.as_deref())?;
    c.deployment = match &a.deployment {
        Some(p) => Some(stakebid_settlement::deploy::load(p).map_err(CliError::from)?),
        None => None,
    };
    c.rpc_url = a.rpc_url.clone();
    c.solvers = a.solvers.clone();
    c.dev_bond_eth = a.dev_bond_eth;
    c.run_auctions = !a.no_auctions;
    c.lease =
        LeaseOptions { ttl: a.lease_ms.map(Duration::from_millis), name: a.node_name.clone() };
    // Keys: the auctioneer's always, the executor's only to settle on a chain.
    let chain_id = c.effective_domain().chain_id;
    c.auctioneer_key = Some(keys::resolve(
        &keys::AUCTIONEER,
        a.auctioneer_key.as_deref(),
        a.auctioneer_key_file.as_deref(),
        chain_id,
    )?);
    if c.deployment.is_some() {
        let file = a.executor_key_file.as_deref();
        c.executor_key =
            Some(keys::resolve(&keys::EXECUTOR, a.executor_key.as_deref(), file, chain_id)?);
    }
    // The shipped strategies the node runs itself, with the demo keys.
    let mut strategies = a.run_solvers.clone();
    if a.demo_solvers {
        strategies = stakebid_solver::STRATEGIES.iter().map(|s| s.to_string()).collect();
    }
    keys::refuse_dev_solvers(chain_id, !strategies.is_empty())?;
    c.run_solvers = strategies
        .iter()
        .enumerate()
        .map(|(n, s)| InProcessSolver {
            name: format!("solver-{s}"),
            strategy: s.clone(),
            key: keys::dev_solver_key(n as u8),
        })
        .collect();
    Ok(c)
}

pub(crate) fn run(a: NodeArgs) -> Result<(), CliError> {
    // A bad config file or flag stops the node before anything is created.
    let cfg = config(&a)?;
    let rt =
        tokio::runtime::Runtime::new().map_err(|e| CliError::new("node.runtime", e.to_string()))?;
    rt.block_on(async {
        let node = NodeBuilder::new(cfg).start().await?;
        node.serve_until(stop_signal()).await?;
        Ok(())
    })
}

/// Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
