//! The node's market feed: which source each round's market comes from
//! (the deployment's chain over the parameter file, or a fixed snapshot),
//! the book of markets rounds used, and the reader the executor's minimum
//! outs come from.

use alloy::providers::{Provider, ProviderBuilder};
use std::sync::Arc;

use stakebid_intents::deployment::Deployment;
use stakebid_intents::market::live::LiveOpts;
use stakebid_intents::{Coded, Market};
use stakebid_node::market::{
    ChainSource, FeedOpts, MarketBook, MarketFeed, MarketSource, SnapshotSource,
};
use stakebid_node::port::prelude::*;
use stakebid_settlement::market::read::{ReadOpts, Reader};
use stakebid_settlement::market::Protocols;

use super::config::{set, MarketConfig};
use super::intent::now;
use super::CliError;

/// `stakebid node`'s market flags (each over `[market]` in `--config`).
#[derive(clap::Args, Debug)]
pub(crate) struct FeedArgs {
    /// Where each round's market comes from: `chain` (read at every round
    /// from the deployment's protocols; the default with `--deployment`) or
    /// `snapshot` (the `--market` file as is; the default without)
    /// [`market.source`].
    #[arg(long)]
    pub(crate) market_source: Option<String>,
    /// Days of exchange-rate history an APR is computed over [default 7; `market.apr_window_days`].
    #[arg(long)]
    pub(crate) apr_window_days: Option<u64>,
    /// Rounds the previous market may stand in while the chain cannot be
    /// read [default 3; `market.max_stale_rounds`].
    #[arg(long)]
    pub(crate) max_stale_rounds: Option<u32>,
    /// Largest fall of an exchange rate between two reads (bps) before
    /// auctions stop [default 500; `market.max_rate_drop_bps`].
    #[arg(long)]
    pub(crate) max_rate_drop_bps: Option<u16>,
    /// Oldest risk-parameter file auctions run on off a devnet, in days
    /// [default 30; `market.max_params_age_days`].
    #[arg(long)]
    pub(crate) max_params_age_days: Option<u64>,
}

impl FeedArgs {
    /// The `[market]` tunables with these flags over them.
    pub(crate) fn over(&self, c: &mut MarketConfig) {
        if self.market_source.is_some() {
            c.source = self.market_source.clone();
        }
        set(&mut c.apr_window_days, self.apr_window_days);
        set(&mut c.max_stale_rounds, self.max_stale_rounds);
        set(&mut c.max_rate_drop_bps, self.max_rate_drop_bps);
        set(&mut c.max_params_age_days, self.max_params_age_days);
    }
}

/// A reader of `d`'s protocols over the node's RPC.
pub(crate) fn chain_reader_for(
    rpc_url: &str,
    a: &MarketConfig,
    d: &Deployment,
) -> Result<Reader, CliError> {
    let url = rpc_url
        .parse()
        .map_err(|_| CliError::new("cli.bad_url", format!("{rpc_url} is not a URL")))?;
    let provider = ProviderBuilder::new().connect_http(url).erased();
    let opts =
        ReadOpts { apr_window_secs: a.apr_window_days.max(1) * 86_400, ..ReadOpts::default() };
    Ok(Reader::new(provider, Protocols::from_deployment(d), opts))
}

/// The feed the node's rounds, quotes and API read the market from; reads
/// the first market before anything is served.
pub(crate) fn market_feed(
    a: &MarketConfig,
    rpc_url: &str,
    rt: &tokio::runtime::Runtime,
    store: &dyn NodeStore,
    deployment: Option<&Deployment>,
    params: &Market,
    chain_id: u64,
) -> Result<Arc<MarketFeed>, CliError> {
    let kind = a
        .source
        .clone()
        .unwrap_or_else(|| if deployment.is_some() { "chain" } else { "snapshot" }.to_string());
    let journal = |name: &str| store.journal(name).map_err(CliError::from);
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
            ("chain", None) => return Err(CliError::new(
                "cli.no_deployment",
                "--market-source chain reads the protocols of a deployment: pass --deployment FILE",
            )),
            (other, _) => {
                return Err(CliError::new(
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
    match rt.block_on(feed.refresh(now())) {
        Ok(m) => {
            let st = feed.status();
            match &m.live {
                Some(l) => eprintln!(
                    "[node] market: read from chain {} at block {} in {} round trips (hash {}); risk parameters of {}{}",
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
                None => eprintln!("[node] market: the snapshot {} of {} (hash {})", m.name, m.as_of, m.hash()),
            }
        }
        Err(e) => eprintln!("[node] market: {e} ({}); intents are taken, auctions wait", e.code()),
    }
    Ok(feed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_market_section_and_leave_the_rest() {
        let mut c = MarketConfig { max_stale_rounds: 7, ..MarketConfig::default() };
        let flags = FeedArgs {
            market_source: Some("snapshot".into()),
            apr_window_days: Some(3),
            max_stale_rounds: None,
            max_rate_drop_bps: None,
            max_params_age_days: None,
        };
        flags.over(&mut c);
        assert_eq!(c.source.as_deref(), Some("snapshot"));
        assert_eq!((c.apr_window_days, c.max_stale_rounds), (3, 7));
        assert_eq!(c.max_rate_drop_bps, MarketConfig::default().max_rate_drop_bps);
    }
}
