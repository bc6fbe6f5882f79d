//! `stakebid node`'s flags: where the node's store, bus, chain and keys
//! are, and each tunable over its `--config` key (`docs/config.md`).

use alloy::primitives::Address;
use clap::Args;
use std::path::PathBuf;

use super::feed::FeedArgs;
use super::intent::{DEV_CHAIN_ID, DEV_SETTLEMENT};

#[derive(Args, Debug)]
pub(crate) struct NodeArgs {
    /// Where the node keeps its sled store.
    #[arg(long, default_value = ".stakebid/node")]
    pub(crate) data_dir: PathBuf,
    /// A Postgres store shared by several nodes (`postgres://user@host/db`)
    /// instead of the sled store in `--data-dir`. Every node serves the
    /// API; the one holding the leader lease runs rounds and settles.
    #[arg(long, env = "STAKEBID_STORE")]
    pub(crate) store: Option<String>,
    /// Lifetime of the leader lease, ms (with `--store`) [default: 3/5 of
    /// the round interval, at least 1,000]: a standby takes over within
    /// about 4/3 of it after the leader dies.
    #[arg(long)]
    pub(crate) lease_ms: Option<u64>,
    /// This node's name in the lease (with `--store`) [default:
    /// `<http address>#<pid>`; must be unique among the nodes].
    #[arg(long)]
    pub(crate) node_name: Option<String>,
    /// HTTP listen address (keep it on 127.0.0.1 unless a proxy fronts it).
    #[arg(long, default_value = "127.0.0.1:8645")]
    pub(crate) http: String,
    /// NATS server for the bus (default: the in-process bus).
    #[arg(long)]
    pub(crate) nats: Option<String>,
    /// Chain id intents must be signed for.
    #[arg(long, default_value_t = DEV_CHAIN_ID)]
    pub(crate) chain_id: u64,
    /// Settlement contract intents must name.
    #[arg(long, default_value_t = DEV_SETTLEMENT)]
    pub(crate) settlement: Address,
    /// Market JSON: the risk-parameter file the chain figures are read
    /// over, or the whole market with `--market-source snapshot`
    /// (default: the shipped, dated file).
    #[arg(long)]
    pub(crate) market: Option<PathBuf>,
    /// Where each round's market comes from, and when rounds stop.
    #[command(flatten)]
    pub(crate) feed: FeedArgs,
    /// The auctioneer's private key (signs announcements and awards).
    /// Devnet chains (31337, 1337) default to a published dev key; any
    /// other chain needs one of your own, best from the environment or a file.
    #[arg(long, env = "STAKEBID_AUCTIONEER_KEY", hide_env_values = true)]
    pub(crate) auctioneer_key: Option<String>,
    /// A file holding the auctioneer's private key.
    #[arg(long)]
    pub(crate) auctioneer_key_file: Option<PathBuf>,
    /// A solver address to register with the dev bond (repeatable).
    #[arg(long = "solver")]
    pub(crate) solvers: Vec<Address>,
    /// Dev bond credited to each registered solver, in ETH.
    #[arg(long, default_value_t = 2)]
    pub(crate) dev_bond_eth: u64,
    /// Run these shipped strategies as in-process solvers on the bus
    /// (comma-separated: optimal,greedy,waterfill), registered and bonded.
    #[arg(long, value_delimiter = ',')]
    pub(crate) run_solvers: Vec<String>,
    /// Same as `--run-solvers optimal,greedy,waterfill`.
    #[arg(long)]
    pub(crate) demo_solvers: bool,
    /// Tunables from a TOML file (`[rounds]`, `[http]`, `[executor]`;
    /// docs/config.md); each flag below overrides its key.
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Seconds between rounds [default 5; `rounds.every_secs`].
    #[arg(long)]
    pub(crate) round_secs: Option<u64>,
    /// Commit window, s [default 3; `rounds.commit_secs`].
    #[arg(long)]
    pub(crate) commit_secs: Option<u64>,
    /// Reveal window, s [default 2; `rounds.reveal_secs`].
    #[arg(long)]
    pub(crate) reveal_secs: Option<u64>,
    /// Most intents per auction [default 100; `rounds.batch_size`].
    #[arg(long)]
    pub(crate) batch_size: Option<usize>,
    /// Risk scenarios per auction [default 200; `rounds.scenarios`].
    #[arg(long)]
    pub(crate) scenarios: Option<u32>,
    /// Run no auctions (intake and reads only).
    #[arg(long)]
    pub(crate) no_auctions: bool,
    /// Deployment file from `stakebid deploy`: the node then settles its
    /// awards on that chain, executes penalties on its SolverRegistry, and
    /// takes the chain id, Settlement and token and operator addresses from it.
    #[arg(long)]
    pub(crate) deployment: Option<PathBuf>,
    /// JSON-RPC endpoint of the deployment's chain.
    #[arg(long, env = "STAKEBID_RPC_URL", default_value = "http://127.0.0.1:8545")]
    pub(crate) rpc_url: String,
    /// Seconds a client has to send a request's head [default 10; `http.header_timeout_secs`].
    #[arg(long)]
    pub(crate) header_timeout_secs: Option<u64>,
    /// Seconds a client has to send a whole request body [default 30; `http.body_timeout_secs`].
    #[arg(long)]
    pub(crate) body_timeout_secs: Option<u64>,
    /// Seconds a connection may sit idle before it is closed [default 60; `http.idle_timeout_secs`].
    #[arg(long)]
    pub(crate) idle_timeout_secs: Option<u64>,
    /// Most open HTTP connections (capped below the open-file limit); more
    /// get a coded 503 [default 4096; `http.max_connections`].
    #[arg(long)]
    pub(crate) max_connections: Option<usize>,
    /// Most concurrent `/v1/events` streams [default 1000; `http.max_event_streams`].
    #[arg(long)]
    pub(crate) max_event_streams: Option<usize>,
    /// Writes (POST) a second from one peer address, bursts of ten
    /// seconds' worth; past it a coded 429 (0: no limit) [default 200; `http.rate_per_ip`].
    #[arg(long)]
    pub(crate) rate_per_ip: Option<u32>,
    /// Signed intents and cancellations a second from one signer, bursts
    /// of ten seconds' worth (0: no limit) [default 5; `http.rate_per_signer`].
    #[arg(long)]
    pub(crate) rate_per_signer: Option<u32>,
    /// Milliseconds to wait for a settlement's receipt before re-sending
    /// it with higher fees [default 24000; `executor.replace_after_ms`].
    #[arg(long)]
    pub(crate) replace_after_ms: Option<u64>,
    /// Replacements before an award is given up [default 5; `executor.max_replacements`].
    #[arg(long)]
    pub(crate) max_replacements: Option<u32>,
    /// Fee increase per replacement, bps [default 1250; `executor.fee_bump_bps`].
    #[arg(long)]
    pub(crate) fee_bump_bps: Option<u32>,
    /// Slack under the quoted output for minimum outs, bps [default 50; `executor.min_out_tolerance_bps`].
    #[arg(long)]
    pub(crate) min_out_tolerance_bps: Option<u16>,
    /// The executor's private key: sends `settle` and pays its gas (devnet
    /// default: anvil's first dev key; any other chain needs one of your own).
    #[arg(long, env = "STAKEBID_EXECUTOR_KEY", hide_env_values = true)]
    pub(crate) executor_key: Option<String>,
    /// A file holding the executor's private key.
    #[arg(long)]
    pub(crate) executor_key_file: Option<PathBuf>,
}
