//! Command-line parsing and dispatch. Each subcommand lives in its own file.

mod auction;
mod cluster;
mod deploy;
mod dev;
mod devnet;
mod feed;
mod intent;
mod keys;
mod market;
mod node;
mod node_args;
mod participants;
mod practice;
mod replay;
mod solve;
mod solver;
mod staker;

use clap::{Parser, Subcommand};
use std::path::Path;

/// stakebid: an intent-based staking solver marketplace.
#[derive(Parser, Debug)]
#[command(name = "stakebid", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Log output of the node, chain link and settlement: `human` lines or
    /// `json` (one object per line, with the auction and settlement spans).
    /// The level comes from `STAKEBID_LOG` (e.g. `debug`, `stakebid_auction=debug`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
    #[command(subcommand)]
    cmd: Cmd,
}

/// How logs are written.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogFormat {
    /// Compact lines for people.
    Human,
    /// One JSON object per line.
    Json,
}

impl Cli {
    /// Installs the log subscriber on stderr (once, before anything logs).
    pub(crate) fn init_logs(&self) {
        use tracing_subscriber::EnvFilter;
        let filter =
            EnvFilter::try_from_env("STAKEBID_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
        let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
        let _ = match self.log_format {
            LogFormat::Human => b.with_target(false).compact().try_init(),
            LogFormat::Json => b.json().with_current_span(true).with_span_list(true).try_init(),
        };
    }
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Build, sign and verify single intents (EIP-712 typed data).
    #[command(subcommand)]
    Intent(intent::IntentCmd),
    /// Inspect and generate market snapshots.
    #[command(subcommand)]
    Market(market::MarketCmd),
    /// Batches of intents for offline solving.
    #[command(subcommand)]
    Intents(solve::IntentsCmd),
    /// Solve a batch of intents offline: plans as JSON on stdout, a table on stderr.
    Solve(solve::SolveArgs),
    /// Evaluate plans against their intents; prints the verdict per intent.
    Evaluate(solve::EvaluateArgs),
    /// A complete local marketplace with a demo: anvil, the contracts, the
    /// node with three bonded solvers, stakers whose intents settle on-chain.
    Dev(dev::DevArgs),
    /// The replicated marketplace on this machine with the same demo: a
    /// private Postgres, a 3-node NATS cluster, two nodes sharing the store
    /// (one leads, one stands by), three solver processes, anvil and the
    /// contracts (`stakebid dev --cluster`).
    Cluster(dev::DevArgs),
    /// Deploy the contracts (Settlement, SolverRegistry, adapters, protocol
    /// stand-ins) and write the deployment file the node reads.
    Deploy(deploy::DeployArgs),
    /// Run the marketplace node: HTTP API, sealed auctions, the bus.
    Node(Box<node_args::NodeArgs>),
    /// Run a solver against a node.
    #[command(subcommand)]
    Solver(solver::SolverCmd),
    /// A staker's positions on-chain (wallet tokens and restaked holders) and escrow.
    Positions(staker::Conn),
    /// Queue the withdrawal of a restaked position (only its owner can), or
    /// with --complete finish the queued ones whose delay has passed (the
    /// others are listed with the blocks left).
    Withdraw {
        #[command(flatten)]
        conn: staker::Conn,
        /// The position id, e.g. stETH@p2p (with --complete: only that one).
        #[arg(long, required_unless_present = "complete")]
        position: Option<String>,
        /// Complete queued withdrawals instead of queueing one.
        #[arg(long)]
        complete: bool,
    },
    /// Name who may claim the AVS rewards a restaked position earns in
    /// EigenLayer's RewardsCoordinator (default: yourself).
    RewardsClaimer {
        #[command(flatten)]
        conn: staker::Conn,
        /// The restaked position id, e.g. stETH@p2p.
        #[arg(long)]
        position: String,
        /// The claimer's address (default: the staker's own).
        #[arg(long)]
        claimer: Option<alloy::primitives::Address>,
    },
    /// A settled plan's delivered-yield guarantee: its floor, cap, horizon,
    /// the yield delivered so far (the protocols' own indexes) and, in the
    /// day after the horizon, the claim (anyone may claim; what it pays is
    /// credited to the intent owner's escrow).
    Claim {
        #[command(flatten)]
        conn: staker::Conn,
        /// The intent id (0x…).
        #[arg(long)]
        intent: alloy::primitives::B256,
        /// Only show where the guarantee stands; do not claim.
        #[arg(long)]
        status: bool,
    },
    /// Read auctions from a node: list, or one auction's bids, winners and settlements.
    #[command(subcommand)]
    Auctions(staker::AuctionsCmd),
    /// Auction rounds (in-process demo for now).
    #[command(subcommand)]
    Auction(auction::AuctionCmd),
}

/// A failure with a stable code, a sentence and an exit status.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) exit: u8,
}

impl CliError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        CliError { code: code.to_string(), message: message.into(), exit: 1 }
    }
}

/// Every coded error ends a command the same way: its code and sentence.
impl<E: stakebid_intents::Coded> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError::new(e.code(), e.message())
    }
}

pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    match cli.cmd {
        Cmd::Intent(c) => intent::run(c),
        Cmd::Market(c) => market::run(c),
        Cmd::Intents(c) => solve::run_intents(c),
        Cmd::Solve(a) => solve::solve(a),
        Cmd::Evaluate(a) => solve::evaluate(a),
        Cmd::Dev(a) => dev::run(a),
        Cmd::Cluster(a) => dev::run_cluster(a),
        Cmd::Deploy(a) => deploy::run(a),
        Cmd::Node(a) => node::run(*a),
        Cmd::Solver(c) => solver::run(c),
        Cmd::Auction(c) => auction::run(c),
        Cmd::Positions(c) => staker::positions(c),
        Cmd::Withdraw { conn, position, complete: false } => {
            staker::withdraw(conn, position.unwrap_or_default())
        }
        Cmd::Withdraw { conn, position, complete: true } => staker::complete(conn, position),
        Cmd::RewardsClaimer { conn, position, claimer } => {
            staker::rewards_claimer(conn, position, claimer)
        }
        Cmd::Claim { conn, intent, status } => staker::claim(conn, intent, status),
        Cmd::Auctions(c) => staker::auctions(c),
    }
}

/// Reads a file (or `-` for stdin) with a clear error.
pub(crate) fn read(path: &Path) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| CliError::new("cli.io", format!("cannot read standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| CliError::new("cli.io", format!("cannot read {}: {e}", path.display())))
}

/// Parses JSON with a clear error naming the file.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, CliError> {
    serde_json::from_str(text)
        .map_err(|e| CliError::new("cli.malformed_json", format!("{what} is not valid: {e}")))
}

/// Loads a market file, or the shipped snapshot when none is given.
pub(crate) fn load_market(path: Option<&Path>) -> Result<stakebid_intents::Market, CliError> {
    match path {
        None => Ok(stakebid_intents::Market::snapshot()),
        Some(p) => Ok(stakebid_intents::Market::from_json(&read(p)?)?),
    }
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).expect("serializable"));
}

/// Parses "1.5" ether into wei.
pub(crate) fn parse_eth(s: &str) -> Result<alloy::primitives::U256, CliError> {
    alloy::primitives::utils::parse_ether(s)
        .map_err(|e| CliError::new("cli.bad_amount", format!("`{s}` is not an ether amount: {e}")))
}
