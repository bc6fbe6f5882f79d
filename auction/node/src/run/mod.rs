//! Building and running a node: `NodeConfig` → `NodeBuilder` →
//! `NodeHandle`. The same path serves the CLI, the tests, the benches and
//! any program that embeds a node.
//!
//! ```text
//! NodeBuilder::start: store (sled | Postgres) ──▶ bus ──▶ live round + listener
//!   ──▶ in-process solvers ──▶ market feed (first read) ──▶ chain link (with a deployment)
//!   ──▶ lease task (shared store) ──▶ round thread ──▶ HTTP server
//! NodeHandle: the bound address, the store, leadership; shutdown().await
//!   stops rounds, releases the lease, stops the server, in that order.
//! ```

mod feed;
mod quote;
pub mod report;
mod rounds;
mod solvers;

pub use solvers::dev_fund_and_bond;

use alloy::primitives::Address;
use alloy::providers::{Provider, ProviderBuilder};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use stakebid_bus::Bus;
use stakebid_intents::{Coded, Policy, Wei};

use crate::api::{router, serve, AppState, Limits, RateLimits, Rates};
use crate::chain::ChainLink;
use crate::clock::{unix_now, Clock};
use crate::config::{HttpConfig, NodeConfig, StoreConfig};
use crate::leader::{self, Leadership, LeaseConfig, LeaseTask};
use crate::live::Live;
use crate::metrics::Metrics;
use crate::pg::PgStore;
use crate::port::{LeaseStore, NodeStore};
use crate::store::Store;
use report::Names;
use rounds::{recover_and_register, RoundThread, Rounds};

/// A node that cannot start, with the code of its cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct NodeError {
    code: String,
    message: String,
}

impl NodeError {
    /// An error with a declared code.
    pub fn new(code: &str, message: impl Into<String>) -> NodeError {
        NodeError { code: code.into(), message: message.into() }
    }

    /// Any coded error, with `context` before its sentence.
    pub fn of(e: &impl Coded, context: &str) -> NodeError {
        NodeError::new(e.code(), format!("{context}{}", e.message()))
    }
}

impl Coded for NodeError {
    fn code(&self) -> &str {
        &self.code
    }
}

macro_rules! coded_from {
    ($($t:ty),*) => {$(
        impl From<$t> for NodeError {
            fn from(e: $t) -> Self {
                NodeError::of(&e, "")
            }
        }
    )*};
}
coded_from!(
    crate::port::StoreError,
    stakebid_settlement::ChainError,
    stakebid_bus::BusError,
    crate::live::LiveError
);

/// Builds a node from its configuration.
pub struct NodeBuilder {
    cfg: NodeConfig,
    clock: Clock,
    stores: Option<Stores>,
}

/// The store: the node's port, and the lease when the backend has one.
type Stores = (Arc<dyn NodeStore>, Option<Arc<dyn LeaseStore>>);

fn open_store(cfg: &StoreConfig, clock: &Clock) -> Result<Stores, NodeError> {
    match cfg {
        StoreConfig::Sled(dir) => {
            let s = Store::open_with_clock(dir, clock.clone())
                .map_err(|e| NodeError::of(&e, &format!("cannot open {}: ", dir.display())))?;
            Ok((Arc::new(s), None))
        }
        StoreConfig::Postgres(url) => {
            let s = Arc::new(PgStore::open_with_clock(url, clock.clone()).map_err(|e| {
                let at = stakebid_bus::bus::redacted(url);
                NodeError::of(&e, &format!("cannot open the store at {at}: "))
            })?);
            Ok((s.clone(), Some(s)))
        }
    }
}

/// The HTTP server's limits from the config, the connection limit kept
/// below the open-file limit (raised to its hard maximum first), with a
/// reserve for the store, NATS and the chain.
fn limits(h: &HttpConfig) -> Limits {
    let nofile = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    Limits {
        header_read: Duration::from_secs(h.header_timeout_secs.max(1)),
        body: Duration::from_secs(h.body_timeout_secs.max(1)),
        idle: Duration::from_secs(h.idle_timeout_secs.max(1)),
        max_connections: h.max_connections.max(1),
        max_event_streams: h.max_event_streams,
    }
    .within_files(nofile, 256)
}

impl NodeBuilder {
    /// A builder for `cfg`, on the wall clock.
    pub fn new(cfg: NodeConfig) -> NodeBuilder {
        NodeBuilder { cfg, clock: Arc::new(unix_now), stores: None }
    }

    /// Runs on `store` (and `lease`, when it is shared) instead of opening
    /// the one `NodeConfig::store` names: an embedding program's own
    /// adapter, or a test's.
    pub fn store(mut self, store: Arc<dyn NodeStore>, lease: Option<Arc<dyn LeaseStore>>) -> Self {
        self.stores = Some((store, lease));
        self
    }

    /// Dates deadlines and lifecycle moves with `clock` (unix seconds).
    pub fn clock(mut self, clock: Clock) -> NodeBuilder {
        self.clock = clock;
        self
    }

    /// Starts the node inside the current tokio runtime (multi-threaded:
    /// the round thread blocks on it). Nothing is served before the store
    /// opened, the first market was read and the chain link connected.
    pub async fn start(self) -> Result<NodeHandle, NodeError> {
        let NodeBuilder { cfg, clock, stores } = self;
        let key = cfg.auctioneer_key.clone().ok_or_else(|| {
            NodeError::new("node.key_missing", "the node needs the auctioneer's key")
        })?;
        let (store, lease) = match stores {
            Some(s) => s,
            // Opening blocks (sled's files, Postgres's synchronous client).
            None => {
                let (at, c) = (cfg.store.clone(), clock.clone());
                tokio::task::spawn_blocking(move || open_store(&at, &c))
                    .await
                    .map_err(|e| NodeError::new("node.runtime", e.to_string()))??
            }
        };
        let domain = cfg.effective_domain();
        let market = match &cfg.deployment {
            Some(d) => d.apply(&cfg.params),
            None => cfg.params.clone(),
        };
        let mut policy = Policy::new(domain);
        policy.accepted_assets = Some(market.accepted_inputs());
        let metrics = Arc::new(Metrics::new());
        let bus = match &cfg.nats {
            Some(url) => Bus::nats(url).await?,
            None => Bus::local(),
        };
        let listener = tokio::net::TcpListener::bind(&cfg.listen).await.map_err(|e| {
            NodeError::new("node.bind", format!("cannot listen on {}: {e}", cfg.listen))
        })?;
        let api = listener
            .local_addr()
            .map_err(|e| NodeError::new("node.bind", format!("cannot read the address: {e}")))?;
        let base = format!("http://{api}");
        let live =
            Live::new(key.clone(), domain, Some(bus.clone()), clock.clone(), metrics.clone());
        live.clone().listen(bus.clone()).await?;
        let (names, in_process) = solvers::runtimes(&cfg.run_solvers, &base, &bus, key.address())?;
        // A read-only provider for the API's chain reads (restaked withdrawals).
        let chain_reader = cfg
            .deployment
            .as_ref()
            .and_then(|_| cfg.rpc_url.parse().ok())
            .map(|url| ProviderBuilder::new().connect_http(url).erased());
        let feed = feed::market_feed(
            &cfg.market,
            &cfg.rpc_url,
            &*store,
            cfg.deployment.as_ref(),
            &market,
            domain.chain_id,
        )
        .await?;
        let chain = match (&cfg.deployment, &cfg.executor_key) {
            (Some(d), Some(exec)) => Some(Arc::new(
                connect_chain(&cfg, &*store, d, &market, (&key, exec), &names, &in_process).await?,
            )),
            _ => None,
        };
        let (stop, stopped) = watch::channel(false);
        let every = Duration::from_secs(cfg.rounds.every_secs.max(1));
        let (leadership, lease_task) = match lease {
            Some(lease) => {
                let ttl = cfg
                    .lease
                    .ttl
                    .unwrap_or(Duration::from_millis(every.as_millis() as u64 * 3 / 5))
                    .max(Duration::from_secs(1));
                let holder = cfg
                    .lease
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("{api}#{}", std::process::id()));
                let lc = LeaseConfig { holder, ttl, contend: cfg.run_auctions };
                let (l, t) = leader::spawn(lease, lc, metrics.clone());
                (Some(l), Some(t))
            }
            None => (None, None),
        };
        let mut tasks = vec![];
        // The round driver reads the market before each round it runs. A
        // node that runs none — a standby, or one without auctions — reads
        // it here as often, so its quotes and `/v1/market` follow the chain.
        if !cfg.run_auctions || leadership.is_some() {
            let (feed, lead, mut halt) = (feed.clone(), leadership.clone(), stopped.clone());
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tokio::select! {
                        _ = tick.tick() => {}
                        _ = halt.wait_for(|s| *s) => return,
                    }
                    if !lead.as_ref().is_some_and(|l| l.leading()) {
                        // A failure is kept in the feed's status (served).
                        let _ = feed.follow(unix_now()).await;
                    }
                }
            }));
        }
        let mut round_thread = None;
        if cfg.run_auctions {
            let register: Vec<Address> = cfg.solvers.iter().chain(names.keys()).copied().collect();
            let bond = Wei(u128::from(cfg.dev_bond_eth) * 10u128.pow(18));
            // One node: recover now (a failure stops the start). Shared
            // store: each term recovers when it begins.
            if leadership.is_none() {
                let s = store.clone();
                let r = register.clone();
                tokio::task::spawn_blocking(move || recover_and_register(&*s, &r, bond))
                    .await
                    .map_err(|e| NodeError::new("node.runtime", e.to_string()))??;
            }
            let rounds = Rounds {
                feed: feed.clone(),
                key: key.clone(),
                domain,
                scenarios: cfg.rounds.scenarios,
                batch_size: cfg.rounds.batch_size,
                commit_secs: cfg.rounds.commit_secs,
                reveal_secs: cfg.rounds.reveal_secs,
                every,
                market_url: format!("{base}/v1/markets"),
            };
            let thread = RoundThread {
                rounds,
                store: store.clone(),
                live: live.clone(),
                chain: chain.clone(),
                metrics: metrics.clone(),
                lead: leadership.clone(),
                register: (register, bond),
                names: names.clone(),
            };
            round_thread = Some(thread.spawn(tokio::runtime::Handle::current(), stopped.clone()));
        }
        for (name, r) in in_process {
            tasks.push(tokio::spawn(async move {
                let n = name.clone();
                if let Err(e) = r.run(move |e| report::solver(&n, &e)).await {
                    tracing::warn!(solver = name.as_str(), "[{name}] stopped: {e} ({})", e.code());
                }
            }));
        }
        let limits = limits(&cfg.http);
        let mut state = AppState::new(store.clone(), policy, feed.clone(), clock);
        state.live = Some(live);
        state.quoter = Some(quote::quoter(feed.clone(), domain));
        state.metrics = metrics;
        state.chain = cfg.deployment.clone().map(Arc::new);
        state.event_streams = Arc::new(tokio::sync::Semaphore::new(limits.max_event_streams));
        state.solver_names = Arc::new(names);
        state.chain_reader = chain_reader;
        state.leader = leadership.clone().map(|l| {
            let f: crate::api::LeaderFn = Arc::new(move || {
                l.lease().map(|s| stakebid_wire::Leader {
                    this_node: s.holder == l.holder() && l.leading(),
                    holder: s.holder,
                    epoch: s.epoch,
                    since: s.since,
                    live: s.live,
                })
            });
            f
        });
        state.rates = Arc::new(RateLimits::new(Rates {
            per_ip: cfg.http.rate_per_ip,
            per_signer: cfg.http.rate_per_signer,
        }));
        let stored = {
            let s = store.clone();
            tokio::task::spawn_blocking(move || s.count()).await.ok().and_then(Result::ok)
        };
        let where_ = match &cfg.store {
            StoreConfig::Sled(d) => d.display().to_string(),
            StoreConfig::Postgres(url) => stakebid_bus::bus::redacted(url),
        };
        tracing::info!(
            "{} intents stored in {where_}; {} bus; API {base}/v1/health; explorer {base}/",
            stored.map_or_else(|| "?".to_string(), |n| n.to_string()),
            bus.name(),
        );
        tracing::info!(
            "limits: {} connections, {} event streams; timeouts: headers {:?}, body {:?}, idle {:?}",
            limits.max_connections,
            limits.max_event_streams,
            limits.header_read,
            limits.body,
            limits.idle
        );
        let mut halt = stopped.clone();
        let server = tokio::spawn(async move {
            let until = async move {
                let _ = halt.wait_for(|s| *s).await;
            };
            serve(listener, router(state), limits, until).await
        });
        Ok(NodeHandle { api, store, leadership, lease_task, stop, round_thread, server, tasks })
    }
}

/// Connects the chain link and bonds the in-process solvers on-chain.
async fn connect_chain(
    cfg: &NodeConfig,
    store: &dyn NodeStore,
    d: &stakebid_intents::deployment::Deployment,
    market: &stakebid_intents::Market,
    (key, exec): (
        &alloy::signers::local::PrivateKeySigner,
        &alloy::signers::local::PrivateKeySigner,
    ),
    names: &Names,
    in_process: &[(String, stakebid_solver::runtime::Runtime)],
) -> Result<ChainLink, NodeError> {
    let url = cfg
        .rpc_url
        .parse()
        .map_err(|_| NodeError::new("cli.bad_url", format!("{} is not a URL", cfg.rpc_url)))?;
    let mut link = ChainLink::connect(&url, d.clone(), market, key, exec, store, cfg.executor)
        .await
        .map_err(|e| NodeError::of(&e, "cannot use the chain: "))?;
    if cfg.dev_bond_eth > 0 {
        let bond = alloy::primitives::U256::from(cfg.dev_bond_eth)
            * alloy::primitives::U256::from(10u128.pow(18));
        for (_, r) in in_process {
            // The executor funds each in-process solver, which then bonds
            // from its own wallet as any solver does.
            let who = r.key.address();
            let done = dev_fund_and_bond(&url, d.registry, exec, &r.key, bond)
                .await
                .map_err(|e| NodeError::of(&e, &format!("cannot bond {who}: ")))?;
            if done {
                tracing::info!("bonded {} ETH on-chain for {}", cfg.dev_bond_eth, names[&who]);
            }
        }
    }
    // Minimum outs from the rates at the block the executor sends on.
    link.rates = Some(feed::chain_reader_for(&cfg.rpc_url, &cfg.market, d)?);
    tracing::info!(
        "settling on chain {} via {}: Settlement {}, executor {}",
        d.chain_id,
        stakebid_bus::bus::redacted(&cfg.rpc_url),
        d.settlement,
        link.executor.address()
    );
    Ok(link)
}

/// A running node.
pub struct NodeHandle {
    api: SocketAddr,
    store: Arc<dyn NodeStore>,
    leadership: Option<Leadership>,
    lease_task: Option<LeaseTask>,
    stop: watch::Sender<bool>,
    round_thread: Option<std::thread::JoinHandle<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// A node's health as its handle sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// The HTTP server still runs.
    pub serving: bool,
    /// The round thread still runs (`None`: the node runs no rounds).
    pub rounds: Option<bool>,
    /// This node leads (`None`: no shared store, no lease).
    pub leading: Option<bool>,
}

impl NodeHandle {
    /// The address the API listens on.
    pub fn api(&self) -> SocketAddr {
        self.api
    }

    /// The API's base URL (`http://127.0.0.1:port`).
    pub fn url(&self) -> String {
        format!("http://{}", self.api)
    }

    /// The node's store.
    pub fn store(&self) -> &Arc<dyn NodeStore> {
        &self.store
    }

    /// Leadership, with a shared store.
    pub fn leadership(&self) -> Option<&Leadership> {
        self.leadership.as_ref()
    }

    /// What runs.
    pub fn health(&self) -> Health {
        Health {
            serving: !self.server.is_finished(),
            rounds: self.round_thread.as_ref().map(|t| !t.is_finished()),
            leading: self.leadership.as_ref().map(Leadership::leading),
        }
    }

    /// Runs until the server stops by itself (an error) or `until`
    /// finishes, then shuts down.
    pub async fn serve_until(
        mut self,
        until: impl std::future::Future<Output = ()>,
    ) -> Result<(), NodeError> {
        let out = tokio::select! {
            r = &mut self.server => Some(r),
            () = until => None,
        };
        self.shutdown().await;
        match out {
            Some(Ok(Err(e))) => Err(NodeError::new("node.serve", e.to_string())),
            Some(Err(e)) => Err(NodeError::new("node.serve", e.to_string())),
            _ => Ok(()),
        }
    }

    /// Stops rounds (the one running finishes its step), releases the
    /// lease so another node leads at once, and stops the server.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.round_thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
        if let Some(l) = self.lease_task.take() {
            l.shutdown().await;
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
        let _ = (&mut self.server).await;
    }

    /// Stops as a crash would: the lease is not released (another node
    /// leads once it expires), the server and rounds stop.
    pub async fn abort(mut self) {
        if let Some(l) = self.lease_task.take() {
            l.abort();
        }
        let _ = self.stop.send(true);
        if let Some(t) = self.round_thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
        self.server.abort();
    }
}
