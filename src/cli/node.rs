//! `stakebid node`: the marketplace node. This release serves intake and
//! intent status over HTTP from a sled store; auction rounds, buses and
//! settlement join it in later releases.

use alloy::primitives::Address;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

use super::intent::{now, DEV_CHAIN_ID, DEV_SETTLEMENT};
use super::participants::demo_solvers;
use super::{load_market, CliError};
use stakebid_auction::auctioneer::Auctioneer;
use stakebid_auction::domain::registry::Registry;
use stakebid_auction::infra::api::{router, AppState, Intake};
use stakebid_auction::infra::store::Store;
use stakebid_intents::{Domain, Market, Policy, Wei};

/// Runs a round every `every` seconds until the process ends.
fn rounds(store: &Store, market: Market, domain: Domain, every: u64) {
    let (mut solvers, names) = demo_solvers(false);
    let mut registry = Registry::new();
    for s in &solvers {
        registry.bond(s.address(), Wei(2 * 10u128.pow(18)));
    }
    let key = alloy::signers::local::PrivateKeySigner::from_bytes(
        &alloy::primitives::B256::repeat_byte(0xa0),
    )
    .expect("constant key");
    // Continue numbering after the auctions already stored.
    let recovered = store.recover().map(|r| r.voided.len() + r.resumed.len()).unwrap_or(0);
    let mut a = Auctioneer {
        store,
        registry,
        market,
        key,
        domain,
        scenarios: 200,
        batch_size: 100,
        commit_secs: 2,
        reveal_secs: 2,
        last_award: alloy::primitives::B256::ZERO,
        next_id: 1,
    };
    if let Err(e) = a.load_state() {
        eprintln!("cannot restore the auctioneer's state: {e} ({})", e.code());
        return;
    }
    if recovered > 0 {
        eprintln!("recovered {recovered} auctions from the store");
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(every));
        match a.round(now(), &mut solvers) {
            Ok(None) => {}
            Ok(Some(r)) => {
                eprintln!("auction {}: {} intents, {} bids", r.auction, r.batch, r.revealed);
                for (award, _) in &r.awards {
                    eprintln!(
                        "  won by {} for {} intents, score {:.6} ETH",
                        names.get(&award.solver).copied().unwrap_or("?"),
                        award.intentIds.len(),
                        i128::try_from(award.score).unwrap_or(0) as f64 / 1e18
                    );
                }
            }
            Err(e) => eprintln!("round failed: {} ({})", e, e.code()),
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct NodeArgs {
    /// Where the node keeps its sled store.
    #[arg(long, default_value = ".stakebid/node")]
    data_dir: PathBuf,
    /// HTTP listen address (keep it on 127.0.0.1 unless a proxy fronts it).
    #[arg(long, default_value = "127.0.0.1:8645")]
    http: String,
    /// Chain id intents must be signed for.
    #[arg(long, default_value_t = DEV_CHAIN_ID)]
    chain_id: u64,
    /// Settlement contract intents must name.
    #[arg(long, default_value_t = DEV_SETTLEMENT)]
    settlement: Address,
    /// Market JSON (default: the shipped snapshot).
    #[arg(long)]
    market: Option<PathBuf>,
    /// Run auction rounds with the three shipped strategies as in-process
    /// solvers (a demo stand-in for networked solvers).
    #[arg(long)]
    demo_solvers: bool,
    /// Seconds between rounds with `--demo-solvers`.
    #[arg(long, default_value_t = 5)]
    round_secs: u64,
}

pub(crate) fn run(a: NodeArgs) -> Result<(), CliError> {
    let market = load_market(a.market.as_deref())?;
    let store = Store::open(&a.data_dir).map_err(|e| {
        CliError::new(e.code(), format!("cannot open {}: {e}", a.data_dir.display()))
    })?;
    let mut policy = Policy::new(Domain { chain_id: a.chain_id, settlement: a.settlement });
    policy.accepted_assets = Some(market.accepted_inputs());
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::new("node.runtime", format!("cannot start the runtime: {e}")))?;
    let store = Arc::new(store);
    if a.demo_solvers {
        let store = store.clone();
        let (market, domain, every) = (market.clone(), policy.domain, a.round_secs.max(1));
        // Rounds are CPU-bound (LP solves): a plain thread, not the async workers.
        std::thread::spawn(move || rounds(&store, market, domain, every));
    }
    rt.block_on(async move {
        let state = AppState {
            store: store.clone(),
            intake: Intake::start(store.clone()),
            policy: Arc::new(policy),
            market: Arc::new(market),
            now: Arc::new(now),
        };
        let listener = tokio::net::TcpListener::bind(&a.http)
            .await
            .map_err(|e| CliError::new("node.bind", format!("cannot listen on {}: {e}", a.http)))?;
        eprintln!(
            "stakebid node: {} intents stored in {}; API on http://{}/v1/health",
            store.len(),
            a.data_dir.display(),
            a.http
        );
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| CliError::new("node.serve", e.to_string()))
    })
}
