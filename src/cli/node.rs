//! `stakebid node`: the marketplace node — HTTP API on a sled store, the
//! auctioneer running sealed rounds on the wall clock, the bus (in-process
//! by default, NATS with `--nats`), and optionally in-process solvers.

use alloy::primitives::{Address, B256};
use alloy::providers::Provider;
use alloy::signers::local::PrivateKeySigner;
use clap::Args;
use stakebid_intents::Coded;
use stakebid_wire as wire;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::config::{set, ExecutorConfig, HttpConfig, NodeConfig};
use super::feed::{chain_reader_for, market_feed, FeedArgs};
use super::intent::{now, DEV_CHAIN_ID, DEV_SETTLEMENT};
use super::lead;
use super::{keys, load_market, CliError};
use stakebid_auction::domain::registry::Registry;
use stakebid_intents::market::Index;
use stakebid_intents::{Context, Domain, Intent, Market, Policy, Scenarios, Wei};
use stakebid_node::api::{router, serve, AppState, Intake, Limits, Quoter};
use stakebid_node::auctioneer::{Auctioneer, Report};
use stakebid_node::chain::{ChainLink, Event as ChainEvent};
use stakebid_node::live::{drive, Live};
use stakebid_node::market::MarketFeed;
use stakebid_node::metrics::Metrics;
use stakebid_node::pg::PgStore;
use stakebid_node::port::prelude::*;
use stakebid_node::port::LeaseState;
use stakebid_node::port::NodeState;
use stakebid_node::store::Store;
use stakebid_sdk::{Bus, Client};
use stakebid_settlement::deploy::Deployment;
use stakebid_settlement::registry::ensure_bond;
use stakebid_settlement::revert::Blame;
use stakebid_solver::runtime::{Event, Runtime};
use stakebid_solver::{by_name, Optimal, Strategy, View};

#[derive(Args, Debug)]
pub(crate) struct NodeArgs {
    /// Where the node keeps its sled store.
    #[arg(long, default_value = ".stakebid/node")]
    data_dir: PathBuf,
    /// A Postgres store shared by several nodes (`postgres://user@host/db`)
    /// instead of the sled store in `--data-dir`. Every node serves the
    /// API; the one holding the leader lease runs rounds and settles.
    #[arg(long, env = "STAKEBID_STORE")]
    store: Option<String>,
    /// Lifetime of the leader lease, ms (with `--store`) [default: 3/5 of
    /// the round interval, at least 1,000]: a standby takes over within
    /// about 4/3 of it after the leader dies.
    #[arg(long)]
    lease_ms: Option<u64>,
    /// This node's name in the lease (with `--store`) [default:
    /// `<http address>#<pid>`; must be unique among the nodes].
    #[arg(long)]
    node_name: Option<String>,
    /// HTTP listen address (keep it on 127.0.0.1 unless a proxy fronts it).
    #[arg(long, default_value = "127.0.0.1:8645")]
    http: String,
    /// NATS server for the bus (default: the in-process bus).
    #[arg(long)]
    nats: Option<String>,
    /// Chain id intents must be signed for.
    #[arg(long, default_value_t = DEV_CHAIN_ID)]
    chain_id: u64,
    /// Settlement contract intents must name.
    #[arg(long, default_value_t = DEV_SETTLEMENT)]
    settlement: Address,
    /// Market JSON: the risk-parameter file the chain figures are read
    /// over, or the whole market with `--market-source snapshot`
    /// (default: the shipped, dated file).
    #[arg(long)]
    market: Option<PathBuf>,
    /// Where each round's market comes from, and when rounds stop.
    #[command(flatten)]
    pub(crate) feed: FeedArgs,
    /// The auctioneer's private key (signs announcements and awards).
    /// Devnet chains (31337, 1337) default to a published dev key; any
    /// other chain needs one of your own, best from the environment or a file.
    #[arg(long, env = "STAKEBID_AUCTIONEER_KEY", hide_env_values = true)]
    auctioneer_key: Option<String>,
    /// A file holding the auctioneer's private key.
    #[arg(long)]
    auctioneer_key_file: Option<PathBuf>,
    /// A solver address to register with the dev bond (repeatable).
    #[arg(long = "solver")]
    solvers: Vec<Address>,
    /// Dev bond credited to each registered solver, in ETH.
    #[arg(long, default_value_t = 2)]
    dev_bond_eth: u64,
    /// Run these shipped strategies as in-process solvers on the bus
    /// (comma-separated: optimal,greedy,waterfill), registered and bonded.
    #[arg(long, value_delimiter = ',')]
    run_solvers: Vec<String>,
    /// Same as `--run-solvers optimal,greedy,waterfill`.
    #[arg(long)]
    demo_solvers: bool,
    /// Tunables from a TOML file (`[rounds]`, `[http]`, `[executor]`;
    /// docs/config.md); each flag below overrides its key.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seconds between rounds [default 5; `rounds.every_secs`].
    #[arg(long)]
    round_secs: Option<u64>,
    /// Commit window, s [default 3; `rounds.commit_secs`].
    #[arg(long)]
    commit_secs: Option<u64>,
    /// Reveal window, s [default 2; `rounds.reveal_secs`].
    #[arg(long)]
    reveal_secs: Option<u64>,
    /// Most intents per auction [default 100; `rounds.batch_size`].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Risk scenarios per auction [default 200; `rounds.scenarios`].
    #[arg(long)]
    scenarios: Option<u32>,
    /// Run no auctions (intake and reads only).
    #[arg(long)]
    no_auctions: bool,
    /// Deployment file from `stakebid deploy`: the node then settles its
    /// awards on that chain, executes penalties on its SolverRegistry, and
    /// takes the chain id, Settlement and token and operator addresses from it.
    #[arg(long)]
    deployment: Option<PathBuf>,
    /// JSON-RPC endpoint of the deployment's chain.
    #[arg(long, env = "STAKEBID_RPC_URL", default_value = "http://127.0.0.1:8545")]
    rpc_url: String,
    /// Seconds a client has to send a request's head [default 10; `http.header_timeout_secs`].
    #[arg(long)]
    header_timeout_secs: Option<u64>,
    /// Seconds a client has to send a whole request body [default 30; `http.body_timeout_secs`].
    #[arg(long)]
    body_timeout_secs: Option<u64>,
    /// Seconds a connection may sit idle before it is closed [default 60; `http.idle_timeout_secs`].
    #[arg(long)]
    idle_timeout_secs: Option<u64>,
    /// Most open HTTP connections (capped below the open-file limit); more
    /// get a coded 503 [default 4096; `http.max_connections`].
    #[arg(long)]
    max_connections: Option<usize>,
    /// Most concurrent `/v1/events` streams [default 1000; `http.max_event_streams`].
    #[arg(long)]
    max_event_streams: Option<usize>,
    /// Writes (POST) a second from one peer address, bursts of ten
    /// seconds' worth; past it a coded 429 (0: no limit) [default 200; `http.rate_per_ip`].
    #[arg(long)]
    rate_per_ip: Option<u32>,
    /// Signed intents and cancellations a second from one signer, bursts
    /// of ten seconds' worth (0: no limit) [default 5; `http.rate_per_signer`].
    #[arg(long)]
    rate_per_signer: Option<u32>,
    /// Milliseconds to wait for a settlement's receipt before re-sending
    /// it with higher fees [default 24000; `executor.replace_after_ms`].
    #[arg(long)]
    replace_after_ms: Option<u64>,
    /// Replacements before an award is given up [default 5; `executor.max_replacements`].
    #[arg(long)]
    max_replacements: Option<u32>,
    /// Fee increase per replacement, bps [default 1250; `executor.fee_bump_bps`].
    #[arg(long)]
    fee_bump_bps: Option<u32>,
    /// Slack under the quoted output for minimum outs, bps [default 50; `executor.min_out_tolerance_bps`].
    #[arg(long)]
    min_out_tolerance_bps: Option<u16>,
    /// The executor's private key: sends `settle` and pays its gas (devnet
    /// default: anvil's first dev key; any other chain needs one of your own).
    #[arg(long, env = "STAKEBID_EXECUTOR_KEY", hide_env_values = true)]
    executor_key: Option<String>,
    /// A file holding the executor's private key.
    #[arg(long)]
    executor_key_file: Option<PathBuf>,
}

fn print_chain(e: &ChainEvent, names: &BTreeMap<Address, String>, metrics: &Metrics) {
    metrics.chain(e);
    let name = |a: &Address| names.get(a).cloned().unwrap_or_else(|| a.to_string());
    match e {
        ChainEvent::Settled { auction, solver, intents, skipped, tx, gas_used } => {
            let skipped: Vec<&str> = skipped.iter().map(|s| s.name()).collect();
            let skipped = if skipped.is_empty() {
                String::new()
            } else {
                format!(" ({} skipped by the Settlement: {})", skipped.len(), skipped.join(", "))
            };
            eprintln!(
                "[node] auction {auction}: settled {intents} intents of {} on-chain{skipped}, tx {tx}, {gas_used} gas",
                name(solver)
            )
        }
        ChainEvent::Failed { auction, solver, reason, blame, runner_ups } => eprintln!(
            "[node] auction {auction}: settlement of {} reverted ({reason}; {}); {runner_ups} runner-up award(s)",
            name(solver),
            match blame {
                Blame::Solver => "the solver's fault, penalized",
                Blame::StateMoved => "chain state moved, no penalty",
                Blame::Staker => "a staker's doing, no penalty",
                Blame::Unknown => "cause unknown, no penalty",
            }
        ),
        ChainEvent::Slashed { solver, amount, tx } => eprintln!(
            "[node] slashed {:.4} ETH of {}'s bond on-chain, tx {tx}",
            *amount as f64 / 1e18,
            name(solver)
        ),
        ChainEvent::Problem { code, message } => {
            eprintln!("[node] settlement: {message} ({code}); will retry")
        }
    }
}

/// The quote: the reference optimal strategy on the current market, one
/// intent alone.
fn quoter(feed: Arc<MarketFeed>, domain: Domain) -> Quoter {
    // The scenarios are the same for every quote on one market: generated
    // once per market hash.
    type Cached = Option<(B256, Arc<Scenarios>)>;
    let cache: Arc<std::sync::Mutex<Cached>> = Arc::default();
    Arc::new(move |intent: &Intent| {
        let market = feed.get();
        let sc = {
            let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
            match c.as_ref().filter(|(h, _)| *h == market.hash()) {
                Some((_, sc)) => sc.clone(),
                None => {
                    let sc = Arc::new(Scenarios::generate(
                        &market,
                        &Index::new(&market),
                        B256::ZERO,
                        200,
                    ));
                    *c = Some((market.hash(), sc.clone()));
                    sc
                }
            }
        };
        let ctx = Context::new(&market, &sc);
        let id = intent.id(&domain);
        let batch = [(id, intent.clone())];
        let sol = Optimal::new(stakebid_solver::Backend::default_backend(), 5)
            .solve(&View { ctx: &ctx, intents: &batch }, None);
        match (sol.plans.first(), sol.evaluations.first()) {
            (Some(p), Some(e)) => Ok(wire::Quote {
                net_apy_bps: e.net_apy_bps,
                cvar_bps: e.cvar_bps,
                liquid_bps: e.liquid_bps,
                operator_bps: e.operator_bps.clone(),
                fee_wei: wire::Dec(e.fee.0),
                positions: p
                    .allocations
                    .iter()
                    .map(|a| wire::QuotePosition {
                        position: a.position.clone(),
                        amount: wire::Dec(a.amount.0),
                    })
                    .collect(),
                note: format!(
                    "the reference optimal strategy, this intent alone, on the node's market (hash {}, {}; risk parameters of {}); auctions may do better or worse",
                    market.hash(),
                    market.live.as_ref().map_or_else(|| "a fixed snapshot".to_string(), |l| format!("chain read at block {}", l.block)),
                    market.live.as_ref().map_or(market.as_of.as_str(), |l| l.params_as_of.as_str()),
                ),
            }),
            _ => Err(sol
                .left_out
                .first()
                .map(|l| format!("no plan meets this intent: {}", l.reason))
                .unwrap_or_else(|| "no plan meets this intent on this market".into())),
        }
    })
}

fn print_report(r: &Report, names: &BTreeMap<Address, String>) {
    let name = |a: &Address| names.get(a).cloned().unwrap_or_else(|| a.to_string());
    eprintln!("[node] auction {}: {} intents, {} bids revealed", r.auction, r.batch, r.revealed);
    for (award, _) in &r.awards {
        eprintln!(
            "[node]   won by {} for {} intents, score {:.6} ETH",
            name(&award.solver),
            award.intentIds.len(),
            i128::try_from(award.score).unwrap_or(0) as f64 / 1e18
        );
    }
    for (who, reasons) in &r.rejected {
        let codes: Vec<&str> = reasons.iter().map(|x| x.code.as_str()).collect();
        eprintln!("[node]   bid of {} rejected: {}", name(who), codes.join(", "));
    }
    for f in &r.faults {
        eprintln!("[node]   fault: {} {}", name(&f.solver), f.code);
    }
    for (who, wei) in &r.penalties() {
        eprintln!("[node]   penalty: {} loses {:.4} ETH of bond", name(who), *wei as f64 / 1e18);
    }
}

/// A stable-coded CLI error from any coded error.
fn coded<E: std::fmt::Display>(code: &str) -> impl Fn(E) -> CliError + '_ {
    move |e| CliError::new(code, e.to_string())
}

/// What every auctioneer of this node is built from.
#[derive(Clone)]
struct Rounds {
    feed: Arc<MarketFeed>,
    key: PrivateKeySigner,
    domain: Domain,
    scenarios: u32,
    batch_size: usize,
    commit_secs: u64,
    reveal_secs: u64,
}

impl Rounds {
    /// A fresh auctioneer over `store` (call `load_state` before use).
    fn auctioneer<'s>(&self, store: &'s dyn NodeStore) -> Auctioneer<'s> {
        Auctioneer {
            store,
            registry: Registry::new(),
            market: (*self.feed.get()).clone(),
            key: self.key.clone(),
            domain: self.domain,
            scenarios: self.scenarios,
            batch_size: self.batch_size,
            commit_secs: self.commit_secs,
            reveal_secs: self.reveal_secs,
            last_award: B256::ZERO,
            next_id: 1,
            reserved: Default::default(),
            held: Default::default(),
            paused: false,
            fairness: Default::default(),
            markets: Some(self.feed.clone()),
        }
    }
}

/// The node: keys, store, bus, in-process solvers, chain link, rounds, API —
/// built in that order, then served until Ctrl-C.
/// The tunables: defaults, then `--config`, then each flag given.
fn tunables(a: &NodeArgs) -> Result<NodeConfig, CliError> {
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
    Ok(c)
}

pub(crate) fn run(a: NodeArgs) -> Result<(), CliError> {
    // A bad config file stops the node before anything is created.
    let cfg = tunables(&a)?;
    let market = load_market(a.market.as_deref())?;
    let deployment = match &a.deployment {
        Some(p) => Some(stakebid_settlement::deploy::load(p).map_err(CliError::from)?),
        None => None,
    };
    let (key, exec) = node_keys(&a, deployment.as_ref())?;
    let chain_id = deployment.as_ref().map_or(a.chain_id, |d| d.chain_id);
    keys::refuse_dev_solvers(chain_id, a.demo_solvers || !a.run_solvers.is_empty())?;
    let (store, pg) = open_store(&a)?;
    let (domain, market) = match &deployment {
        Some(d) => (Domain { chain_id: d.chain_id, settlement: d.settlement }, d.apply(&market)),
        None => (Domain { chain_id: a.chain_id, settlement: a.settlement }, market),
    };
    let mut policy = Policy::new(domain);
    policy.accepted_assets = Some(market.accepted_inputs());
    let rt = tokio::runtime::Runtime::new().map_err(coded("node.runtime"))?;
    let clock: Arc<dyn Fn() -> u64 + Send + Sync> = Arc::new(now);
    let metrics = Arc::new(Metrics::new());
    let bus = match &a.nats {
        Some(url) => rt.block_on(Bus::nats(url)).map_err(CliError::from)?,
        None => Bus::local(),
    };
    let base = format!("http://{}", a.http);
    let live = Live::new(key.clone(), domain, Some(bus.clone()), clock.clone(), metrics.clone());
    rt.block_on(live.clone().listen(bus.clone())).map_err(CliError::from)?;
    let (names, in_process) = in_process_solvers(&a, &base, &bus, key.address())?;
    let chain_info = deployment.clone().map(Arc::new);
    // A read-only provider for the API's chain reads (restaked withdrawals).
    let chain_reader = chain_info.as_ref().and_then(|_| a.rpc_url.parse().ok()).map(|url| {
        use alloy::providers::{Provider, ProviderBuilder};
        ProviderBuilder::new().connect_http(url).erased()
    });
    let feed = market_feed(
        &cfg.market,
        &a.rpc_url,
        &rt,
        &*store,
        deployment.as_ref(),
        &market,
        domain.chain_id,
    )?;
    let chain = match deployment.zip(exec) {
        Some((d, exec)) => {
            let link = connect_chain(
                &a,
                &rt,
                &*store,
                d,
                &market,
                (&key, &exec),
                cfg.executor,
                &in_process,
                &names,
            )?;
            let mut link = link;
            if let Some(d) = &chain_info {
                // Minimum outs from the rates at the block the executor sends on.
                link.rates = Some(chain_reader_for(&a.rpc_url, &cfg.market, d)?);
            }
            eprintln!(
                "[node] settling on chain {} via {}: Settlement {}, executor {}",
                domain.chain_id,
                a.rpc_url,
                domain.settlement,
                link.executor.address()
            );
            Some(Arc::new(link))
        }
        None => None,
    };
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(&a.http))
        .map_err(|e| CliError::new("node.bind", format!("cannot listen on {}: {e}", a.http)))?;
    let stop = Arc::new(AtomicBool::new(false));
    let every = Duration::from_secs(cfg.rounds.every_secs.max(1));
    let lead = pg.map(|pg| {
        let ttl = Duration::from_millis(a.lease_ms.unwrap_or(every.as_millis() as u64 * 3 / 5));
        let name =
            a.node_name.clone().unwrap_or_else(|| format!("{}#{}", a.http, std::process::id()));
        lead::spawn(pg, name, ttl.max(Duration::from_secs(1)), !a.no_auctions, stop.clone())
    });
    // The round driver reads the market before each round it runs. A node
    // that runs none — a standby, or `--no-auctions` — reads it here as
    // often, so its quotes and `/v1/market` follow the chain too.
    if a.no_auctions || lead.is_some() {
        let (feed, stop, lead) = (feed.clone(), stop.clone(), lead.clone());
        rt.spawn(async move {
            let mut tick = tokio::time::interval(every);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                tick.tick().await;
                if !lead.as_ref().is_some_and(|l| l.leading()) {
                    // A failure is kept in the feed's status (served).
                    let _ = feed.follow(now()).await;
                }
            }
        });
    }
    if !a.no_auctions {
        let rounds = Rounds {
            feed: feed.clone(),
            key: key.clone(),
            domain,
            scenarios: cfg.rounds.scenarios,
            batch_size: cfg.rounds.batch_size,
            commit_secs: cfg.rounds.commit_secs,
            reveal_secs: cfg.rounds.reveal_secs,
        };
        // One node: recover now (a failure stops the start). Shared store:
        // each term recovers when it begins (see RoundThread::spawn).
        let register: Vec<Address> = a.solvers.iter().chain(names.keys()).copied().collect();
        let bond = Wei(u128::from(a.dev_bond_eth) * 10u128.pow(18));
        if lead.is_none() {
            recover_and_register(&*store, &register, bond)?;
        }
        let market_url = format!("{base}/v1/markets");
        let ctx = RoundThread {
            store: store.clone(),
            live: live.clone(),
            chain: chain.clone(),
            metrics: metrics.clone(),
            lead: lead.clone(),
            register: (register, bond),
        };
        ctx.spawn(rounds, rt.handle().clone(), every, market_url, stop.clone(), names.clone());
    }
    for (name, r) in in_process {
        rt.spawn(async move {
            let n = name.clone();
            let out = r.run(move |e| print_event(&n, &e)).await;
            if let Err(e) = out {
                eprintln!("[{name}] stopped: {e} ({})", e.code());
            }
        });
    }
    let limits = limits(&cfg.http);
    let state = AppState {
        store: stakebid_node::port::AsyncStore::new(store.clone()),
        intake: rt.block_on(async { Intake::start(store.clone()) }),
        policy: Arc::new(policy),
        market: feed.clone(),
        now: clock,
        live: Some(live),
        quoter: Some(quoter(feed.clone(), domain)),
        metrics,
        chain: chain_info,
        event_streams: Arc::new(tokio::sync::Semaphore::new(limits.max_event_streams)),
        solver_names: Arc::new(names.clone()),
        chain_reader,
        leader: lead.clone().map(|l| {
            let f: stakebid_node::api::LeaderFn =
                Arc::new(move || l.state().map(|s| leader_view(&l, s)));
            f
        }),
        withdrawal_log: Default::default(),
        stats: Default::default(),
        rates: Arc::new(stakebid_node::api::RateLimits::new(stakebid_node::api::Rates {
            per_ip: cfg.http.rate_per_ip,
            per_signer: cfg.http.rate_per_signer,
        })),
    };
    eprintln!(
        "[node] {} intents stored in {}; {} bus; API {base}/v1/health; explorer {base}/",
        store.count().map_err(CliError::from)?,
        a.store
            .as_deref()
            .map_or_else(|| a.data_dir.display().to_string(), stakebid_sdk::bus::redacted),
        bus.name(),
    );
    eprintln!(
        "[node] limits: {} connections, {} event streams; timeouts: headers {:?}, body {:?}, idle {:?}",
        limits.max_connections, limits.max_event_streams, limits.header_read, limits.body, limits.idle
    );
    let out = rt.block_on(async move {
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        serve(listener, router(state), limits, stop).await.map_err(coded("node.serve"))
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    out
}

/// The store: sled in `--data-dir`, or Postgres with `--store` (then also
/// returned as such, for the lease).
type Stores = (Arc<dyn NodeStore>, Option<Arc<PgStore>>);

fn open_store(a: &NodeArgs) -> Result<Stores, CliError> {
    match &a.store {
        None => {
            let s = Store::open(&a.data_dir).map_err(|e| {
                CliError::new(e.code(), format!("cannot open {}: {e}", a.data_dir.display()))
            })?;
            Ok((Arc::new(s), None))
        }
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let s = Arc::new(PgStore::open(url).map_err(|e| {
                CliError::new(e.code(), format!("cannot open the store at {}: {e}", stakebid_sdk::bus::redacted(url)))
            })?);
            Ok((s.clone(), Some(s)))
        }
        Some(url) => Err(CliError::new(
            "cli.bad_store",
            format!(
                "--store {} is not a postgres:// URL; leave it out to use the sled store in --data-dir",
                stakebid_sdk::bus::redacted(url)
            ),
        )),
    }
}

/// The lease as `/v1/health` and `/v1/node` show it.
fn leader_view(l: &lead::Leadership, s: LeaseState) -> stakebid_wire::Leader {
    stakebid_wire::Leader {
        this_node: s.holder == l.holder && l.leading(),
        holder: s.holder,
        epoch: s.epoch,
        since: s.since,
        live: s.live,
    }
}

/// The auctioneer's key, and the executor's when the node settles on a chain.
fn node_keys(
    a: &NodeArgs,
    deployment: Option<&Deployment>,
) -> Result<(PrivateKeySigner, Option<PrivateKeySigner>), CliError> {
    let chain_id = deployment.map_or(a.chain_id, |d| d.chain_id);
    let key = keys::resolve(
        &keys::AUCTIONEER,
        a.auctioneer_key.as_deref(),
        a.auctioneer_key_file.as_deref(),
        chain_id,
    )?;
    // The executor's key is needed only to settle on a chain.
    let exec = deployment
        .map(|_| {
            let file = a.executor_key_file.as_deref();
            keys::resolve(&keys::EXECUTOR, a.executor_key.as_deref(), file, chain_id)
        })
        .transpose()?;
    Ok((key, exec))
}

/// The shipped strategies the node runs itself (`--run-solvers`,
/// `--demo-solvers`), each with its dev key: (names by address, runtimes).
type InProcess = (BTreeMap<Address, String>, Vec<(String, Runtime)>);

fn in_process_solvers(
    a: &NodeArgs,
    base: &str,
    bus: &Bus,
    auctioneer: Address,
) -> Result<InProcess, CliError> {
    let mut strategies = a.run_solvers.clone();
    if a.demo_solvers {
        strategies = stakebid_solver::STRATEGIES.iter().map(|s| s.to_string()).collect();
    }
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for (n, s) in strategies.iter().enumerate() {
        let strategy: Arc<dyn Strategy> = by_name(s, 5)
            .ok_or_else(|| {
                CliError::new(
                    "cli.unknown_strategy",
                    format!("no strategy {s:?}; use optimal, greedy or waterfill"),
                )
            })?
            .into();
        let k = keys::dev_solver_key(n as u8);
        names.insert(k.address(), format!("solver-{s}"));
        let runtime = Runtime {
            key: k,
            strategy,
            node: Some(Client::new(base)),
            bus: Some(bus.clone()),
            auctioneer: Some(auctioneer),
            // Asked of the node (its own domain).
            domain: None,
            margin: Duration::from_millis(700),
            withhold_reveals: false,
        };
        out.push((format!("solver-{s}"), runtime));
    }
    Ok((names, out))
}

/// Connects the chain link and bonds the in-process solvers on-chain.
// The link's own inputs plus what bonding needs; a struct would only
// rename them.
#[allow(clippy::too_many_arguments)]
fn connect_chain(
    a: &NodeArgs,
    rt: &tokio::runtime::Runtime,
    store: &dyn NodeStore,
    d: Deployment,
    market: &Market,
    (key, exec): (&PrivateKeySigner, &PrivateKeySigner),
    executor: ExecutorConfig,
    in_process: &[(String, Runtime)],
    names: &BTreeMap<Address, String>,
) -> Result<ChainLink, CliError> {
    let url = a
        .rpc_url
        .parse()
        .map_err(|_| CliError::new("cli.bad_url", format!("{} is not a URL", a.rpc_url)))?;
    let registry = d.registry;
    let link = rt
        .block_on(ChainLink::connect(&url, d, market, key, exec, store, executor))
        .map_err(|e| CliError::new(e.code(), format!("cannot use the chain: {e}")))?;
    if a.dev_bond_eth > 0 {
        let bond = alloy::primitives::U256::from(a.dev_bond_eth)
            * alloy::primitives::U256::from(10u128.pow(18));
        for (_, r) in in_process {
            // The executor funds each in-process solver, which then bonds
            // from its own wallet as any solver does.
            let done = rt.block_on(dev_fund_and_bond(&url, registry, exec, &r.key, bond)).map_err(
                |e| CliError::new(e.code(), format!("cannot bond {}: {e}", r.key.address())),
            )?;
            if done {
                eprintln!(
                    "[node] bonded {} ETH on-chain for {}",
                    a.dev_bond_eth,
                    names[&r.key.address()]
                );
            }
        }
    }
    Ok(link)
}

/// After a restart (or when a term begins): voids unscored rounds; then
/// registers `--solver`s and the in-process solvers with the dev bond
/// (once) before any round runs.
fn recover_and_register(
    store: &dyn NodeStore,
    solvers: &[Address],
    bond: Wei,
) -> Result<(), CliError> {
    let recovered = store.recover().map_err(CliError::from)?;
    if !recovered.voided.is_empty() || !recovered.resumed.is_empty() {
        eprintln!(
            "[node] restart: voided auctions {:?} (their intents back in the pool, no penalties); kept {:?}",
            recovered.voided, recovered.resumed
        );
    }
    let mut registry =
        store.node_state().map_err(CliError::from)?.registry.unwrap_or_else(Registry::new);
    for who in solvers {
        if !registry.solvers.contains_key(who) {
            registry.bond(*who, bond);
        }
    }
    let state = NodeState { registry: Some(registry), ..NodeState::default() };
    store.save_node_state(&state).map_err(CliError::from)
}

/// What the round thread shares with the rest of the node.
struct RoundThread {
    store: Arc<dyn NodeStore>,
    live: Arc<Live>,
    chain: Option<Arc<ChainLink>>,
    metrics: Arc<Metrics>,
    /// With a shared store: rounds run only while this node leads.
    lead: Option<Arc<lead::Leadership>>,
    /// Solvers to register (with this dev bond) when a term begins.
    register: (Vec<Address>, Wei),
}

impl RoundThread {
    /// Runs rounds on a plain thread (scoring is CPU-bound, not async work):
    /// restores the auctioneer, syncs bonds and resumes unsettled awards
    /// with a chain, then drives rounds until `stop`.
    fn spawn(
        self,
        rounds: Rounds,
        handle: tokio::runtime::Handle,
        every: Duration,
        market_url: String,
        stop: Arc<AtomicBool>,
        names: BTreeMap<Address, String>,
    ) {
        std::thread::spawn(move || {
            let RoundThread { store, live, chain, metrics, lead, register } = self;
            loop {
                // With a shared store, a term is the time this node leads.
                let term = match &lead {
                    None => stop.clone(),
                    Some(l) => {
                        while !l.leading() {
                            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(100));
                        }
                        let term = l.new_term();
                        // This term's announcements carry its epoch.
                        if let Some(st) = l.state() {
                            live.set_epoch(st.epoch.max(0) as u64);
                        }
                        // The previous leader's unscored rounds are voided
                        // (no penalties), scored ones resumed below.
                        if let Err(e) = recover_and_register(&*store, &register.0, register.1) {
                            eprintln!("[node] cannot take over: {} ({})", e.message, e.code);
                            std::thread::sleep(Duration::from_millis(500));
                            continue;
                        }
                        term
                    }
                };
                term_of_rounds(
                    &rounds,
                    &*store,
                    &live,
                    chain.as_deref(),
                    &metrics,
                    &handle,
                    every,
                    &market_url,
                    &term,
                    &names,
                );
                if lead.is_none() || stop.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                eprintln!("[node] stopped leading; rounds stop here, the API keeps serving");
            }
        });
    }
}

/// One term of rounds: restores the auctioneer, syncs bonds and resumes
/// unsettled awards with a chain, then drives rounds until `term` is set.
#[allow(clippy::too_many_arguments)]
fn term_of_rounds(
    rounds: &Rounds,
    store: &dyn NodeStore,
    live: &Live,
    chain: Option<&ChainLink>,
    metrics: &Metrics,
    handle: &tokio::runtime::Handle,
    every: Duration,
    market_url: &str,
    term: &AtomicBool,
    names: &BTreeMap<Address, String>,
) {
    {
        {
            let mut auctioneer = rounds.auctioneer(store);
            if let Err(e) = auctioneer.load_state() {
                eprintln!("[node] cannot restore the auctioneer's state: {e} ({})", e.code());
                return;
            }
            if let Some(c) = &chain {
                // The chain's bonds are the registry's; finish what a
                // previous run left awarded (never resending what it sent).
                if let Err(e) = handle.block_on(c.sync_bonds(&mut auctioneer.registry)) {
                    eprintln!("[node] cannot read bonds: {e} ({})", e.code());
                }
                for e in handle.block_on(c.resume(&mut auctioneer)) {
                    print_chain(&e, names, metrics);
                }
            }
            let hold = |a: &mut Auctioneer<'_>| {
                // Each round's market: read now, or the rounds stop.
                if let Some(feed) = &a.markets {
                    match handle.block_on(feed.refresh(now())) {
                        Ok(m) => {
                            if m.hash() != a.market.hash() {
                                a.market = (*m).clone();
                            }
                            a.paused = false;
                        }
                        Err(_) => a.paused = true,
                    }
                }
                if let Some(c) = &chain {
                    for e in handle.block_on(c.prepare_round(a)) {
                        print_chain(&e, names, metrics);
                    }
                }
            };
            drive(auctioneer, live, handle, every, market_url, term, hold, |a, r| {
                print_report(r, names);
                let Some(c) = &chain else { return };
                for e in handle.block_on(c.execute_penalties(r)) {
                    print_chain(&e, names, metrics);
                }
                for e in handle.block_on(c.settle_pending(a)) {
                    print_chain(&e, names, metrics);
                }
            });
        }
    }
}

/// The HTTP server's limits from the flags, the connection limit kept
/// below the open-file limit (raised to its hard maximum first), with a
/// reserve for sled, NATS and the chain.
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

/// One line per runtime event.
pub(crate) fn print_event(name: &str, e: &Event) {
    match e {
        Event::Listening { source } => eprintln!("[{name}] listening on {source}"),
        Event::Committed { auction, planned, batch, solve_ms } => eprintln!(
            "[{name}] auction {auction}: sealed a bid for {planned}/{batch} intents (solved in {solve_ms} ms)"
        ),
        Event::Revealed { auction } => eprintln!("[{name}] auction {auction}: revealed"),
        Event::Won { auction, intents } => eprintln!("[{name}] auction {auction}: won {intents} intents"),
        Event::Problem { code, message } => eprintln!("[{name}] {message} ({code})"),
    }
}

/// Funds `solver` from `funder` (bond plus gas) and bonds it, unless it is
/// already eligible. Returns whether it bonded.
pub(crate) async fn dev_fund_and_bond(
    rpc: &alloy::transports::http::reqwest::Url,
    registry: Address,
    funder: &alloy::signers::local::PrivateKeySigner,
    solver: &alloy::signers::local::PrivateKeySigner,
    bond: alloy::primitives::U256,
) -> Result<bool, stakebid_settlement::ChainError> {
    use alloy::providers::ProviderBuilder;
    let reader = stakebid_settlement::registry::OnChainRegistry::at(
        registry,
        ProviderBuilder::new().connect_http(rpc.clone()).erased(),
    );
    if reader.eligible(solver.address()).await? {
        return Ok(false);
    }
    let gas = alloy::primitives::U256::from(10u128.pow(17));
    let f = stakebid_settlement::deploy::wallet_provider(rpc, funder);
    stakebid_settlement::deploy::send_eth(&f, solver.address(), bond + gas).await?;
    ensure_bond(rpc, registry, solver, bond).await
}
