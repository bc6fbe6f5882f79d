//! The node's tunables: defaults, a TOML file (`stakebid node --config
//! FILE`), and flags over both. One struct per part; `docs/config.md`
//! lists every key.

use serde::{Deserialize, Serialize};
use std::path::Path;

use super::CliError;
pub(crate) use stakebid_settlement::executor::ExecutorConfig;

/// Everything `--config` can set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct NodeConfig {
    /// Auction rounds.
    pub(crate) rounds: RoundConfig,
    /// The HTTP server's limits.
    pub(crate) http: HttpConfig,
    /// The settlement executor.
    pub(crate) executor: ExecutorConfig,
    /// `[market]`: where each round's market comes from, when rounds stop.
    pub(crate) market: MarketConfig,
}

/// `[market]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct MarketConfig {
    /// `chain` or `snapshot`; `None`: chain with a deployment, else snapshot.
    pub(crate) source: Option<String>,
    /// Days of exchange-rate history an APR is computed over.
    pub(crate) apr_window_days: u64,
    /// Rounds the previous market may stand in while the chain is unreadable.
    pub(crate) max_stale_rounds: u32,
    /// Largest fall of a rate between two reads before auctions stop (bps).
    pub(crate) max_rate_drop_bps: u16,
    /// Oldest risk-parameter file auctions run on off a devnet (days).
    pub(crate) max_params_age_days: u64,
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
pub(crate) struct RoundConfig {
    /// Seconds between rounds (default 5).
    pub(crate) every_secs: u64,
    /// Commit window, seconds (default 3).
    pub(crate) commit_secs: u64,
    /// Reveal window, seconds (default 2).
    pub(crate) reveal_secs: u64,
    /// Most intents per auction (default 100).
    pub(crate) batch_size: usize,
    /// Risk scenarios per auction (default 200).
    pub(crate) scenarios: u32,
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
pub(crate) struct HttpConfig {
    /// Seconds a client has to send a request's head (default 10).
    pub(crate) header_timeout_secs: u64,
    /// Seconds a client has to send a whole body (default 30).
    pub(crate) body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection stays open (default 60).
    pub(crate) idle_timeout_secs: u64,
    /// Open connections at most (default 4096; capped below the open-file limit).
    pub(crate) max_connections: usize,
    /// Concurrent `/v1/events` streams at most (default 1000).
    pub(crate) max_event_streams: usize,
    /// Writes a second from one peer address (default 200; 0: no limit).
    pub(crate) rate_per_ip: u32,
    /// Signed intents and cancellations a second from one signer (default 5; 0: no limit).
    pub(crate) rate_per_signer: u32,
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

impl NodeConfig {
    /// The defaults with `file` (TOML) over them; an unknown key or a value
    /// of the wrong type is refused with `node.config`, naming it.
    pub(crate) fn load(file: Option<&Path>) -> Result<NodeConfig, CliError> {
        let Some(path) = file else { return Ok(NodeConfig::default()) };
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::new("node.config", format!("cannot read {}: {e}", path.display()))
        })?;
        Self::parse(&text)
            .map_err(|e| CliError::new("node.config", format!("{}: {e}", path.display())))
    }

    fn parse(text: &str) -> Result<NodeConfig, String> {
        toml::from_str(text).map_err(|e| e.message().to_string())
    }
}

/// `slot = flag` when the flag was given.
pub(crate) fn set<T>(slot: &mut T, flag: Option<T>) {
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
