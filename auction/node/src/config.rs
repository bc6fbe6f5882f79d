//! The node's one configuration: the tunables (defaults, then a TOML file,
//! then whatever a program sets over them, e.g. the CLI's flags; one struct
//! per section, `docs/config.md` lists every key) and what the node is
//! wired to (its store, address, bus, chain and keys), which a file does
//! not hold (keys are secrets; the rest is per process).
//!
//! ```text
//! NodeConfig::load(file) ──▶ set(&mut cfg.rounds.every_secs, flag) … ──▶ NodeBuilder::new(cfg).start()
//! ```

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

use stakebid_intents::deployment::Deployment;
use stakebid_intents::{Coded, Domain, Market};
pub use stakebid_settlement::executor::ExecutorConfig;

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Coded for ConfigError {
    fn code(&self) -> &str {
        "node.config"
    }
}

/// Where the node keeps what it must not lose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreConfig {
    /// A sled store in this directory (one node).
    Sled(PathBuf),
    /// A Postgres store shared by several nodes (`postgres://…`): every
    /// node serves the API; the holder of the leader lease runs rounds.
    Postgres(String),
}

/// The leader lease, with a shared store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeaseOptions {
    /// The lease's lifetime [default: 3/5 of the round interval, at least
    /// one second]: a standby takes over within about 4/3 of it.
    pub ttl: Option<Duration>,
    /// This node's name in the lease [default: `<http address>#<pid>`].
    pub name: Option<String>,
}

/// A shipped strategy the node runs itself as a solver.
#[derive(Clone, Debug)]
pub struct InProcessSolver {
    /// Its display name (`solver-optimal`).
    pub name: String,
    /// The strategy (`optimal`, `greedy`, `waterfill`).
    pub strategy: String,
    /// Its key.
    pub key: PrivateKeySigner,
}

/// Everything a node is built from.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    /// Auction rounds.
    pub rounds: RoundConfig,
    /// The HTTP server's limits.
    pub http: HttpConfig,
    /// The settlement executor.
    pub executor: ExecutorConfig,
    /// `[market]`: where each round's market comes from, when rounds stop.
    pub market: MarketConfig,
    /// The store.
    #[serde(skip)]
    pub store: StoreConfig,
    /// HTTP listen address (`127.0.0.1:0` picks a free port; the handle
    /// says which).
    #[serde(skip)]
    pub listen: String,
    /// NATS server for the bus (default: the in-process bus).
    #[serde(skip)]
    pub nats: Option<String>,
    /// The chain and Settlement intents must be signed for (a deployment's
    /// replaces it).
    #[serde(skip)]
    pub domain: Domain,
    /// The market: the risk parameters chain figures are read over, or the
    /// whole market with `market.source = "snapshot"`.
    #[serde(skip)]
    pub params: Market,
    /// The deployment the node settles on, if any.
    #[serde(skip)]
    pub deployment: Option<Deployment>,
    /// JSON-RPC endpoint of the deployment's chain.
    #[serde(skip)]
    pub rpc_url: String,
    /// The auctioneer's key (signs announcements and awards). Required.
    #[serde(skip)]
    pub auctioneer_key: Option<PrivateKeySigner>,
    /// The executor's key (sends settlements; with a deployment only).
    #[serde(skip)]
    pub executor_key: Option<PrivateKeySigner>,
    /// Solvers registered with the dev bond.
    #[serde(skip)]
    pub solvers: Vec<Address>,
    /// Dev bond per registered solver, in ETH (also bonded on-chain for
    /// the in-process solvers).
    #[serde(skip)]
    pub dev_bond_eth: u64,
    /// Shipped strategies the node runs itself as solvers, each with its
    /// own key, registered and (with a deployment) bonded on-chain.
    #[serde(skip)]
    pub run_solvers: Vec<InProcessSolver>,
    /// Whether this node runs auctions (off: intake and reads only).
    #[serde(skip)]
    pub run_auctions: bool,
    /// The leader lease, with a shared store.
    #[serde(skip)]
    pub lease: LeaseOptions,
}

/// `[market]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketConfig {
    /// `chain` or `snapshot`; `None`: chain with a deployment, else snapshot.
    pub source: Option<String>,
    /// Days of exchange-rate history an APR is computed over.
    pub apr_window_days: u64,
    /// Rounds the previous market may stand in while the chain is unreadable.
    pub max_stale_rounds: u32,
    /// Largest fall of a rate between two reads before auctions stop (bps).
    pub max_rate_drop_bps: u16,
    /// Oldest risk-parameter file auctions run on off a devnet (days).
    pub max_params_age_days: u64,
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig {
            source: None,
            apr_window_days: 7,
            max_stale_rounds: 3,
            max_rate_drop_bps: 500,
            max_params_age_days: 30,
        }
    }
}

/// Auction rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoundConfig {
    /// Seconds between rounds (default 5).
    pub every_secs: u64,
    /// Commit window, seconds (default 3).
    pub commit_secs: u64,
    /// Reveal window, seconds (default 2).
    pub reveal_secs: u64,
    /// Most intents per auction (default 100).
    pub batch_size: usize,
    /// Risk scenarios per auction (default 200).
    pub scenarios: u32,
}

impl Default for RoundConfig {
    fn default() -> Self {
        RoundConfig {
            every_secs: 5,
            commit_secs: 3,
            reveal_secs: 2,
            batch_size: 100,
            scenarios: 200,
        }
    }
}

/// The HTTP server's limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Seconds a client has to send a request's head (default 10).
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a whole body (default 30).
    pub body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection stays open (default 60).
    pub idle_timeout_secs: u64,
    /// Open connections at most (default 4096; capped below the open-file limit).
    pub max_connections: usize,
    /// Concurrent `/v1/events` streams at most (default 1000).
    pub max_event_streams: usize,
    /// Writes a second from one peer address (default 200; 0: no limit).
    pub rate_per_ip: u32,
    /// Signed intents and cancellations a second from one signer (default 5; 0: no limit).
    pub rate_per_signer: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            idle_timeout_secs: 60,
            max_connections: 4096,
            max_event_streams: 1000,
            rate_per_ip: 200,
            rate_per_signer: 5,
        }
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            rounds: RoundConfig::default(),
            http: HttpConfig::default(),
            executor: ExecutorConfig::default(),
            market: MarketConfig::default(),
            store: StoreConfig::Sled(PathBuf::from(".stakebid/node")),
            listen: "127.0.0.1:8645".into(),
            nats: None,
            domain: Domain::DEV,
            params: Market::snapshot(),
            deployment: None,
            rpc_url: "http://127.0.0.1:8545".into(),
            auctioneer_key: None,
            executor_key: None,
            solvers: vec![],
            dev_bond_eth: 2,
            run_solvers: vec![],
            run_auctions: true,
            lease: LeaseOptions::default(),
        }
    }
}

impl NodeConfig {
    /// The defaults with `file` (TOML) over them; an unknown key or a value
    /// of the wrong type is refused with `node.config`, naming it.
    pub fn load(file: Option<&Path>) -> Result<NodeConfig, ConfigError> {
        let Some(path) = file else { return Ok(NodeConfig::default()) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
    }

    /// The chain intents are signed for: the deployment's, else `domain`.
    pub fn effective_domain(&self) -> Domain {
        match &self.deployment {
            Some(d) => Domain { chain_id: d.chain_id, settlement: d.settlement },
            None => self.domain,
        }
    }

    /// The tunables in a TOML text over the defaults.
    pub fn parse(text: &str) -> Result<NodeConfig, String> {
        toml::from_str(text).map_err(|e| e.message().to_string())
    }
}

/// `slot = flag` when the flag was given.
pub fn set<T>(slot: &mut T, flag: Option<T>) {
    if let Some(v) = flag {
        *slot = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_market_section_sets_the_feed_and_an_unknown_market_key_is_named() {
        let c =
            NodeConfig::parse("[market]\nsource = \"snapshot\"\nmax_stale_rounds = 7\n").unwrap();
        assert_eq!(c.market.source.as_deref(), Some("snapshot"));
        assert_eq!(c.market.max_stale_rounds, 7);
        assert_eq!(c.market.apr_window_days, MarketConfig::default().apr_window_days);
        let e = NodeConfig::parse("[market]\nmax_stale = 7\n").unwrap_err();
        assert!(e.contains("max_stale"), "{e}");
    }

    #[test]
    fn a_file_sets_what_it_names_and_keeps_every_other_default() {
        let c = NodeConfig::parse(
            "[executor]\nreplace_after_ms = 6000\nfee_bump_bps = 2000\n[rounds]\ncommit_secs = 9\n",
        )
        .unwrap();
        assert_eq!(c.executor.replace_after_ms, 6000);
        assert_eq!(c.executor.fee_bump_bps, 2000);
        assert_eq!(c.executor.max_replacements, ExecutorConfig::default().max_replacements);
        assert_eq!(c.rounds.commit_secs, 9);
        assert_eq!(c.rounds.every_secs, 5);
        assert_eq!(c.http, HttpConfig::default());
        let mut n = c.rounds.commit_secs;
        set(&mut n, Some(4));
        assert_eq!(n, 4);
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused_by_name() {
        let e = NodeConfig::parse("[executor]\nreplace_after = 6\n").unwrap_err();
        assert!(e.contains("replace_after"), "{e}");
        let e = NodeConfig::parse("[rounds]\ncommit_secs = \"three\"\n").unwrap_err();
        assert!(e.contains("invalid type"), "{e}");
    }
}
