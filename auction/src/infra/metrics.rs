//! The node's Prometheus metrics (prometheus-client), served at `/metrics`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// Labels of refusals: the stable error code.
pub type CodeLabels = Vec<(String, String)>;

/// Every counter the node keeps.
#[derive(Default)]
pub struct Metrics {
    registry: Registry,
    /// Intents accepted at intake.
    pub intents_accepted: Counter,
    /// Requests refused, by code.
    pub refused: Family<CodeLabels, Counter>,
    /// Rounds opened.
    pub rounds: Counter,
    /// Commitments accepted.
    pub commitments: Counter,
    /// Reveals accepted.
    pub reveals: Counter,
    /// Awards signed.
    pub awards: Counter,
}

impl Metrics {
    /// Registers every counter.
    pub fn new() -> Metrics {
        let mut m = Metrics::default();
        let r = &mut m.registry;
        r.register(
            "stakebid_intents_accepted",
            "Intents accepted at intake",
            m.intents_accepted.clone(),
        );
        r.register(
            "stakebid_refused",
            "Requests and messages refused, by error code",
            m.refused.clone(),
        );
        r.register("stakebid_rounds", "Auction rounds opened", m.rounds.clone());
        r.register("stakebid_commitments", "Sealed commitments accepted", m.commitments.clone());
        r.register("stakebid_reveals", "Reveals accepted", m.reveals.clone());
        r.register("stakebid_awards", "Awards signed", m.awards.clone());
        m
    }

    /// Counts a refusal with its code.
    pub fn refuse(&self, code: &str) {
        self.refused.get_or_create(&vec![("code".to_string(), code.to_string())]).inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut s = String::new();
        encode(&mut s, &self.registry).expect("writing to a String cannot fail");
        s
    }
}
