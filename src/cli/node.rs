//! `stakebid node`: the marketplace node. This release serves intake and
//! intent status over HTTP from a sled store; auction rounds, buses and
//! settlement join it in later releases.

use alloy::primitives::Address;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

use super::intent::{now, DEV_CHAIN_ID, DEV_SETTLEMENT};
use super::{load_market, CliError};
use stakebid_auction::infra::api::{router, AppState, Intake};
use stakebid_auction::infra::store::Store;
use stakebid_intents::{Domain, Policy};

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
    rt.block_on(async move {
        let store = Arc::new(store);
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
