//! `stakebid solver run`: a networked solver process.

use alloy::primitives::Address;
use clap::{Args, Subcommand};
use std::sync::Arc;
use std::time::Duration;

use super::keys::parse_key;
use super::CliError;
use stakebid_node::run::report::solver as print_event;
use stakebid_sdk::{Bus, Client};
use stakebid_solver::runtime::Runtime;
use stakebid_solver::{by_name, Strategy};

#[derive(Subcommand, Debug)]
pub(crate) enum SolverCmd {
    /// Take part in a node's auctions: receive each round, solve it with a
    /// strategy within the commit window, send a sealed commitment, reveal
    /// when the auctioneer opens the reveal phase. Auctions come from NATS
    /// with `--nats`, else from the node's `/v1/events` stream (and bids go
    /// back over HTTP). The key must be registered with the node
    /// (`stakebid node --solver ADDRESS`), or, when the node settles on a
    /// chain, bonded there (`stakebid solver bond`).
    Run(RunArgs),
    /// Practice offline on a recorded auction: run a strategy or an
    /// engine on the round as its solvers saw it (intents, market by hash,
    /// seed) and print the score it would have got next to the winners'.
    Practice(super::practice::PracticeArgs),
    /// Give the solver a name on the node (shown in `/v1/solvers` and the
    /// explorer): signed by its key as EIP-712 `SolverName` with a nonce
    /// (unix milliseconds), so a later name replaces an earlier one. Names
    /// are 3–32 of a-z, 0-9 and inner hyphens (normalised: NFKC, lower
    /// case); one that is another solver's, or reads like it, is refused.
    Name(NameArgs),
    /// Bond ETH on the node's SolverRegistry (the node reads bonds from the
    /// chain each round; at or above the minimum, the solver may bid).
    Bond(BondArgs),
    /// Move the solver's bond from a previous SolverRegistry to the node's
    /// (after a redeploy). One step per run, because the previous
    /// registry's withdrawal delay sits in the middle: the first run queues
    /// the bond out, a run after the delay withdraws it and bonds it here.
    MigrateBond(MigrateArgs),
}

#[derive(Args, Debug)]
pub(crate) struct MigrateArgs {
    /// The solver's private key.
    #[arg(long, env = "STAKEBID_SOLVER_KEY")]
    key: String,
    /// The previous registry's address.
    #[arg(long)]
    from: Address,
    /// The new registry's address (default: the one the node names).
    #[arg(long)]
    to: Option<Address>,
    /// The node (its `/v1/node` names the registry).
    #[arg(long, env = "STAKEBID_NODE", default_value = "http://127.0.0.1:8645")]
    node: String,
    /// The chain's JSON-RPC.
    #[arg(long, env = "STAKEBID_RPC_URL", default_value = "http://127.0.0.1:8545")]
    rpc_url: String,
}

fn migrate_bond(a: MigrateArgs) -> Result<(), CliError> {
    use stakebid_settlement::registry::Migration;
    let key = parse_key(&a.key)?;
    let url = a
        .rpc_url
        .parse()
        .map_err(|_| CliError::new("cli.bad_url", format!("{} is not a URL", a.rpc_url)))?;
    let rt =
        tokio::runtime::Runtime::new().map_err(|e| CliError::new("cli.runtime", e.to_string()))?;
    rt.block_on(async {
        let to = match a.to {
            Some(to) => to,
            None => registry_of(&a.node).await?,
        };
        if to == a.from {
            return Err(CliError::new(
                "solver.same_registry",
                "--from names the registry the bond would move to; pass the previous one",
            ));
        }
        let step = stakebid_settlement::registry::migrate_bond(&url, a.from, to, &key)
            .await
            .map_err(CliError::from)?;
        match step {
            Migration::Nothing => println!("nothing bonded for {} on {}", key.address(), a.from),
            Migration::Queued { amount, unlock_at } => println!(
                "queued {amount} wei out of {}; run this again after unix time {unlock_at}",
                a.from
            ),
            Migration::Waiting { unlock_at } => {
                println!(
                    "{} releases the bond at unix time {unlock_at}; run this again then",
                    a.from
                )
            }
            Migration::Moved { amount } => {
                println!("moved {amount} wei from {} to {to} for {}", a.from, key.address())
            }
        }
        Ok(())
    })
}

/// The registry the node at `node` settles with.
async fn registry_of(node: &str) -> Result<Address, CliError> {
    let info = stakebid_sdk::Client::new(node).node().await.map_err(CliError::from)?;
    info.chain.as_ref().map(|c| c.registry).ok_or_else(|| {
        CliError::new(
            "solver.no_chain",
            "the node does not settle on a chain: register with `stakebid node --solver ADDRESS`",
        )
    })
}

#[derive(Args, Debug)]
pub(crate) struct BondArgs {
    /// The solver's private key (pays the bond).
    #[arg(long, env = "STAKEBID_SOLVER_KEY")]
    key: String,
    /// ETH to bond.
    #[arg(long, default_value = "2")]
    amount_eth: String,
    /// The node (its `/v1/node` names the registry).
    #[arg(long, env = "STAKEBID_NODE", default_value = "http://127.0.0.1:8645")]
    node: String,
    /// The chain's JSON-RPC.
    #[arg(long, env = "STAKEBID_RPC_URL", default_value = "http://127.0.0.1:8545")]
    rpc_url: String,
}

fn bond(a: BondArgs) -> Result<(), CliError> {
    let key = parse_key(&a.key)?;
    let amount = super::parse_eth(&a.amount_eth)?;
    let rt =
        tokio::runtime::Runtime::new().map_err(|e| CliError::new("cli.runtime", e.to_string()))?;
    rt.block_on(async {
        let registry = registry_of(&a.node).await?;
        let url = a
            .rpc_url
            .parse()
            .map_err(|_| CliError::new("cli.bad_url", format!("{} is not a URL", a.rpc_url)))?;
        let p = alloy::providers::ProviderBuilder::new()
            .wallet(alloy::network::EthereumWallet::from(key.clone()))
            .connect_http(url);
        let reg = stakebid_settlement::registry::SolverRegistry::new(registry, p);
        let r = reg
            .bond()
            .value(amount)
            .send()
            .await
            .map_err(|e| CliError::new("chain.call_failed", e.to_string()))?
            .get_receipt()
            .await
            .map_err(|e| CliError::new("chain.no_receipt", e.to_string()))?;
        let total = reg
            .bonds(key.address())
            .call()
            .await
            .map_err(|e| CliError::new("chain.call_failed", e.to_string()))?
            .amount;
        println!(
            "bonded {} ETH for {} (tx {}); total {} wei; the node lists it at its next round tick (`/v1/solvers`)",
            a.amount_eth,
            key.address(),
            r.transaction_hash,
            total
        );
        Ok(())
    })
}

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// optimal, greedy or waterfill (ignored with --engine).
    #[arg(long, default_value = "optimal")]
    strategy: String,
    /// An engine serving the engine API (`POST /solve`, `POST /notify`;
    /// docs/engine-openapi.json), e.g. http://127.0.0.1:7000: it solves,
    /// this driver checks, seals, commits and reveals.
    #[arg(long)]
    engine: Option<String>,
    /// Allow an engine that is not on this machine. Off by default: the
    /// plans travel to the engine in clear before they are sealed.
    #[arg(long)]
    allow_remote_engine: bool,
    /// The solver's private key (0x hex).
    #[arg(long, env = "STAKEBID_SOLVER_KEY")]
    key: String,
    /// The node's base URL (identity, market, and HTTP bids without NATS).
    #[arg(long)]
    node: Option<String>,
    /// NATS server carrying the auctions (e.g. nats://127.0.0.1:4222).
    #[arg(long)]
    nats: Option<String>,
    /// The auctioneer's address, when no `--node` is given.
    #[arg(long)]
    auctioneer: Option<Address>,
    /// The chain id of the deployment it bids in, when no `--node` is given.
    #[arg(long)]
    chain_id: Option<u64>,
    /// The deployment's Settlement address, when no `--node` is given
    /// (announcements and bids are signed for it).
    #[arg(long)]
    settlement: Option<Address>,
    /// Fee charged per intent, in bps of its amount.
    #[arg(long, default_value_t = 5)]
    fee_bps: u16,
    /// Stop solving this many milliseconds before the commit deadline.
    #[arg(long, default_value_t = 700)]
    margin_ms: u64,
    /// Commit but never reveal (a fault drill: the auction penalizes it).
    #[arg(long)]
    withhold_reveals: bool,
    /// Where the solver keeps its book of sealed bids (one directory per
    /// solver address under it): every reveal is written here before its
    /// commitment leaves, so a restart between commit and reveal still
    /// reveals (an unopened commitment is penalized).
    #[arg(long, default_value = ".stakebid/solver")]
    data_dir: std::path::PathBuf,
    /// Name in log lines; with `--node`, also registered on the node as
    /// the solver's name (as `stakebid solver name` does) unless it is
    /// already the solver's name there. A refused name is logged, and the
    /// solver runs on.
    #[arg(long)]
    name: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct NameArgs {
    /// The name.
    name: String,
    /// The solver's private key.
    #[arg(long, env = "STAKEBID_SOLVER_KEY")]
    key: String,
    /// The node.
    #[arg(long, env = "STAKEBID_NODE", default_value = "http://127.0.0.1:8645")]
    node: String,
}

/// Normalises `raw`, signs it for `key`'s solver under the node's domain
/// with the time as nonce, and records it on the node.
async fn register_name(
    client: &Client,
    key: &alloy::signers::local::PrivateKeySigner,
    raw: &str,
) -> Result<stakebid_sdk::wire::NameRegistration, CliError> {
    let name = stakebid_intents::names::normalise(raw)
        .map_err(|e| CliError::new(stakebid_intents::Coded::code(&e), e.to_string()))?;
    let domain = client.node().await.map_err(CliError::from)?.domain;
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let msg = stakebid_intents::protocol::SolverName { solver: key.address(), name, nonce };
    let r = stakebid_sdk::wire::NameRegistration {
        solver: msg.solver,
        signature: msg.sign(&domain, key),
        name: msg.name,
        nonce,
    };
    client.name_solver(&r).await.map_err(CliError::from)
}

/// The driver's `--name`: registered unless it already is the solver's
/// name; a solver that bonded a moment ago is known to the node from its
/// next round tick, so "unknown solver" is retried for half a minute.
async fn name_when_known(
    client: Client,
    key: alloy::signers::local::PrivateKeySigner,
    raw: String,
    log: String,
) {
    let wanted = stakebid_intents::names::normalise(&raw).ok();
    for _ in 0..15 {
        let have = client.solvers().await.ok().and_then(|s| {
            s.solvers.into_iter().find(|s| s.solver == key.address()).and_then(|s| s.name)
        });
        if have.is_some() && have == wanted {
            return;
        }
        match register_name(&client, &key, &raw).await {
            Ok(r) => return tracing::info!("[{log}] named {} on the node", r.name),
            Err(e) if e.code == "name.unknown_solver" => {
                tokio::time::sleep(Duration::from_secs(2)).await
            }
            Err(e) => {
                return tracing::warn!(
                    "[{log}] the node did not take the name: {} ({})",
                    e.message,
                    e.code
                )
            }
        }
    }
    tracing::warn!("[{log}] not named: the node does not know this solver (bond first)");
}

fn name(a: NameArgs) -> Result<(), CliError> {
    let key = parse_key(&a.key)?;
    let rt =
        tokio::runtime::Runtime::new().map_err(|e| CliError::new("cli.runtime", e.to_string()))?;
    let r = rt.block_on(register_name(&Client::new(&a.node), &key, &a.name))?;
    println!("{} is named {} on {} (nonce {})", r.solver, r.name, a.node, r.nonce);
    Ok(())
}

pub(crate) fn run(c: SolverCmd) -> Result<(), CliError> {
    let a = match c {
        SolverCmd::Run(a) => a,
        SolverCmd::Name(a) => return name(a),
        SolverCmd::Bond(a) => return bond(a),
        SolverCmd::Practice(a) => return super::practice::run(a),
        SolverCmd::MigrateBond(a) => return migrate_bond(a),
    };
    let strategy: Arc<dyn Strategy> = by_name(&a.strategy, a.fee_bps)
        .ok_or_else(|| {
            CliError::new(
                "cli.unknown_strategy",
                format!("no strategy {:?}; use optimal, greedy or waterfill", a.strategy),
            )
        })?
        .into();
    let engine = match &a.engine {
        Some(url) => Some(engine_at(url, a.allow_remote_engine)?),
        None => None,
    };
    let key = parse_key(&a.key)?;
    let domain = match (a.chain_id, a.settlement) {
        (Some(chain_id), Some(settlement)) => {
            Some(stakebid_intents::Domain { chain_id, settlement })
        }
        _ => None,
    };
    if a.node.is_none() && (a.nats.is_none() || a.auctioneer.is_none() || domain.is_none()) {
        return Err(CliError::new(
            "solver.no_auctioneer",
            "give --node URL, or --nats URL with --auctioneer ADDRESS, --chain-id and --settlement",
        ));
    }
    let what = match &engine {
        Some(e) => format!("engine {}", e.url()),
        None => a.strategy.clone(),
    };
    let chosen = a.name.clone();
    let name = a.name.unwrap_or_else(|| match &engine {
        Some(_) => "solver-engine".to_string(),
        None => format!("solver-{}", a.strategy),
    });
    let book_dir = a.data_dir.join(format!("{:#x}", key.address()));
    let book = stakebid_solver::book::SealedBook::open(&book_dir)
        .map_err(|e| CliError::new(stakebid_intents::Coded::code(&e), e.to_string()))?;
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("node.runtime", format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let bus = match &a.nats {
            Some(url) => Some(Bus::nats(url).await.map_err(CliError::from)?),
            None => None,
        };
        tracing::info!("[{name}] {} ({what}) starting", key.address());
        if let (Some(raw), Some(node)) = (chosen, &a.node) {
            tokio::spawn(name_when_known(Client::new(node), key.clone(), raw, name.clone()));
        }
        let r = Runtime {
            key,
            strategy,
            node: a.node.as_deref().map(Client::new),
            bus,
            auctioneer: a.auctioneer,
            domain,
            margin: Duration::from_millis(a.margin_ms),
            withhold_reveals: a.withhold_reveals,
            book: Some(Arc::new(book)),
            engine,
        };
        let n = name.clone();
        tokio::select! {
            out = r.run(move |e| print_event(&n, &e)) => out.map_err(CliError::from),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

/// The engine at `url`: an http URL on this machine unless `remote` is
/// allowed (plans travel to it in clear before they are sealed).
fn engine_at(url: &str, remote: bool) -> Result<stakebid_solver::engine::Engine, CliError> {
    let bad = |why: &str| CliError::new("cli.bad_engine_url", format!("--engine {url:?}: {why}"));
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| bad("give an http:// URL such as http://127.0.0.1:7000"))?;
    let host_port = rest.split('/').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    let loopback =
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback && !remote {
        return Err(bad(
            "not on this machine; plans travel to the engine in clear before they are sealed \
             (pass --allow-remote-engine if the link is yours)",
        ));
    }
    Ok(stakebid_solver::engine::Engine::new(url))
}
