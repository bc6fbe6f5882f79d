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
    /// Settlements by outcome (`settled`, `failed`).
    pub settlements: Family<CodeLabels, Counter>,
    /// Failed settlements by reason and blame.
    pub settlement_failures: Family<CodeLabels, Counter>,
    /// Fallback steps by result (`runner_up`, `returned_to_pool`).
    pub fallbacks: Family<CodeLabels, Counter>,
    /// Intents the Settlement skipped, by reason.
    pub intents_skipped: Family<CodeLabels, Counter>,
    /// Penalties executed on the SolverRegistry.
    pub slashes: Counter,
    /// 1 while this node holds the leader lease, else 0, labelled by the
    /// node's holder name (nodes sharing a store).
    pub leader: Family<CodeLabels, prometheus_client::metrics::gauge::Gauge>,
    /// Leadership changes this node saw (stepped up or down).
    pub leader_changes: Counter,
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
        r.register("stakebid_settlements", "Settlements, by outcome", m.settlements.clone());
        r.register(
            "stakebid_settlement_failures",
            "Failed settlements, by revert reason and blame",
            m.settlement_failures.clone(),
        );
        r.register(
            "stakebid_fallbacks",
            "Fallback steps after a failed settlement, by result",
            m.fallbacks.clone(),
        );
        r.register(
            "stakebid_intents_skipped",
            "Intents the Settlement skipped because their owner's side failed, by reason",
            m.intents_skipped.clone(),
        );
        r.register(
            "stakebid_slashes",
            "Penalties executed on the SolverRegistry",
            m.slashes.clone(),
        );
        r.register(
            "stakebid_leader",
            "1 while this node holds the leader lease (nodes sharing a store)",
            m.leader.clone(),
        );
        r.register(
            "stakebid_leader_changes",
            "Times this node stepped up to lead or down to stand by",
            m.leader_changes.clone(),
        );
        m
    }

    /// Counts what the chain link reports.
    pub fn chain(&self, e: &crate::chain::Event) {
        use crate::chain::Event;
        let label = |k: &str, v: &str| (k.to_string(), v.to_string());
        match e {
            Event::Settled { skipped, .. } => {
                self.settlements.get_or_create(&vec![label("outcome", "settled")]).inc();
                for why in skipped {
                    self.intents_skipped.get_or_create(&vec![label("reason", why.name())]).inc();
                }
            }
            Event::Failed { reason, blame, runner_ups, .. } => {
                self.settlements.get_or_create(&vec![label("outcome", "failed")]).inc();
                let l = vec![label("reason", reason), label("blame", blame.name())];
                self.settlement_failures.get_or_create(&l).inc();
                let step = if *runner_ups > 0 { "runner_up" } else { "returned_to_pool" };
                self.fallbacks.get_or_create(&vec![label("result", step)]).inc();
            }
            Event::Slashed { .. } => {
                self.slashes.inc();
            }
            Event::Problem { .. } => {}
        }
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
