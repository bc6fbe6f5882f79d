//! `stakebid node`'s market flags, laid over the `[market]` section of the
//! node's configuration (the feed itself is `stakebid_node`'s).

use stakebid_node::config::{set, MarketConfig};

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
