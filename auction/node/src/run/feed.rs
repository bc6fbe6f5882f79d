//! The node's market feed: which source each round's market comes from
//! (the deployment's chain over the parameter file, or a fixed snapshot),
//! the book of markets rounds used, and the reader the executor's minimum
//! outs come from.

use alloy::providers::{Provider, ProviderBuilder};
use std::sync::Arc;

use stakebid_intents::deployment::Deployment;
use stakebid_intents::market::live::LiveOpts;
use stakebid_intents::{Coded, Market};
use stakebid_settlement::market::read::{ReadOpts, Reader};
use stakebid_settlement::market::Protocols;

use super::NodeError;
use crate::clock::unix_now;
use crate::config::MarketConfig;
use crate::market::{ChainSource, FeedOpts, MarketBook, MarketFeed, MarketSource, SnapshotSource};
use crate::port::NodeStore;

/// A reader of `d`'s protocols over the node's RPC.
pub(crate) fn chain_reader_for(
    rpc_url: &str,
    a: &MarketConfig,
    d: &Deployment,
) -> Result<Reader, NodeError> {
    let url = rpc_url
        .parse()
        .map_err(|_| NodeError::new("cli.bad_url", format!("{rpc_url} is not a URL")))?;
    let provider = ProviderBuilder::new().connect_http(url).erased();
    let opts =
        ReadOpts { apr_window_secs: a.apr_window_days.max(1) * 86_400, ..ReadOpts::default() };
    Ok(Reader::new(provider, Protocols::from_deployment(d), opts))
}

/// The feed the node's rounds, quotes and API read the market from; reads
/// the first market before anything is served.
pub(crate) async fn market_feed(
    a: &MarketConfig,
    rpc_url: &str,
    store: &dyn NodeStore,
    deployment: Option<&Deployment>,
    params: &Market,
    chain_id: u64,
) -> Result<Arc<MarketFeed>, NodeError> {
    let kind = a
        .source
        .clone()
        .unwrap_or_else(|| if deployment.is_some() { "chain" } else { "snapshot" }.to_string());
    let journal = |name: &str| store.journal(name).map_err(NodeError::from);
    let source: Box<dyn MarketSource> =
        match (kind.as_str(), deployment) {
            ("snapshot", _) => Box::new(SnapshotSource(params.clone())),
            ("chain", Some(d)) => Box::new(ChainSource {
                reader: chain_reader_for(rpc_url, a, d)?,
                params: params.clone(),
                opts: LiveOpts::default(),
                journal: journal("market_cursor")?,
                timeout: std::time::Duration::from_secs(20),
            }),
            ("chain", None) => return Err(NodeError::new(
                "cli.no_deployment",
                "--market-source chain reads the protocols of a deployment: pass --deployment FILE",
            )),
            (other, _) => {
                return Err(NodeError::new(
                    "cli.bad_market_source",
                    format!("no market source {other:?}; use chain or snapshot"),
                ))
            }
        };
    let opts = FeedOpts {
        max_stale_rounds: a.max_stale_rounds,
        max_rate_drop_bps: a.max_rate_drop_bps,
        max_params_age_days: a.max_params_age_days,
    };
    let book = MarketBook::new(journal("markets")?, LiveOpts::default());
    let feed = MarketFeed::new(source, Some(book), opts, chain_id);
    match feed.refresh(unix_now()).await {
        Ok(m) => {
            let st = feed.status();
            match &m.live {
                Some(l) => tracing::info!(
                    "market: read from chain {} at block {} in {} round trips (hash {}); risk parameters of {}{}",
                    l.chain_id,
                    l.block,
                    st.round_trips,
                    m.hash(),
                    l.params_as_of,
                    if l.apr_fallback.is_empty() {
                        String::new()
                    } else {
                        format!("; APR from the parameters (too little rate history) for {}", l.apr_fallback.join(", "))
                    }
                ),
                None => tracing::info!("market: the snapshot {} of {} (hash {})", m.name, m.as_of, m.hash()),
            }
        }
        Err(e) => tracing::warn!("market: {e} ({}); intents are taken, auctions wait", e.code()),
    }
    Ok(feed)
}
