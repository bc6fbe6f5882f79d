//! The driver's side of the engine API (`stakebid_wire::engine`): the
//! request built from a round, the call within the engine's budget, the
//! check of every returned plan with the auctioneer's evaluator before
//! anything is committed, and the per-bid result read from the outcome the
//! node published.
//!
//! ```text
//! round (market, scenarios, batch) ──request──▶ engine POST /solve
//!        ◀── bids ── check: evaluate each plan, shared capacity, gas budget
//!                       │ valid bids            │ dropped plans (code, sentence)
//!                       ▼                       ▼
//!                  seal/commit/reveal      POST /notify {dropped}
//! outcome ──results──▶ POST /notify {result} and one log line per round
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use alloy::primitives::{Address, B256};
use stakebid_intents::evaluate::{evaluate, CapacityUse};
use stakebid_intents::protocol::{bid_gas, MAX_BIDS_PER_SOLVER, SETTLEMENT_GAS_BUDGET};
use stakebid_intents::{Context, Intent, IntentId, Plan};
use stakebid_wire::engine::{
    EngineAllowed, EngineBid, EngineCapacity, EngineExposure, EngineGas, EngineIntent, EngineLoss,
    EnginePosition, EngineScenarios, Notice, SolveRequest, SolveResponse, ENGINE_API_VERSION,
};
use stakebid_wire::Reason;

/// The most an engine's answer may weigh: a round's bids are a few
/// thousand plans at most, far below this.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

/// The request for one round. `ctx` is the market as it can take deposits
/// ([`crate::usable`]) with the round's scenarios.
pub fn request(
    ctx: &Context<'_>,
    batch: &[(IntentId, Intent)],
    auction: u64,
    market_hash: B256,
    deadline_ms: u64,
    budget_ms: u64,
) -> SolveRequest {
    let m = ctx.market;
    let ix = &ctx.index;
    let positions = m
        .positions
        .iter()
        .zip(&ix.positions)
        .map(|(p, info)| EnginePosition {
            id: p.id.clone(),
            asset: p.asset.clone(),
            operator: p.operator.clone(),
            rate: info.rate,
            deposit_fee_bps: info.deposit_fee_bps,
            min_deposit: m.assets[info.asset].min_deposit,
            min_amount: stakebid_intents::Wei(m.min_position.fixed(info.gas, m.gas.gas_price)),
            exit_days: info.exit_days,
            gas: info.gas,
            exposure: info
                .exposure
                .iter()
                .map(|&(s, magnitude)| EngineExposure {
                    service: m.services[s].id.clone(),
                    magnitude,
                })
                .collect(),
        })
        .collect();
    let cap = CapacityUse::available(m);
    let scenarios = EngineScenarios {
        probabilities: ctx.scenarios.list.iter().map(|s| s.probability).collect(),
        losses: ctx
            .scenarios
            .by_position
            .iter()
            .map(|l| {
                l.iter().map(|&(scenario, fraction)| EngineLoss { scenario, fraction }).collect()
            })
            .collect(),
    };
    let intents = batch
        .iter()
        .map(|(id, intent)| {
            let excluded: BTreeSet<Address> = intent.excludedOperators.iter().copied().collect();
            let positions = (0..m.positions.len())
                .filter_map(|p| {
                    let minted = ix.accepts(m, p, intent.asset)?;
                    let op = ix.positions[p].operator.map(|o| m.operators[o].address);
                    if op.is_some_and(|a| excluded.contains(&a)) {
                        return None;
                    }
                    Some(EngineAllowed { position: p, minted })
                })
                .collect();
            EngineIntent { id: *id, intent: intent.into(), positions }
        })
        .collect();
    SolveRequest {
        version: ENGINE_API_VERSION,
        auction,
        deadline_ms,
        budget_ms,
        market_hash,
        gas: EngineGas {
            price: m.gas.gas_price,
            per_settlement: m.gas.per_settlement,
            per_intent: m.gas.per_intent,
            bid_budget: SETTLEMENT_GAS_BUDGET,
        },
        max_bids: MAX_BIDS_PER_SOLVER,
        min_share_bps: m.min_position.share_bps,
        positions,
        capacity: EngineCapacity {
            assets: cap.assets,
            operators: cap.operators,
            services: cap.services,
        },
        scenarios,
        intents,
    }
}

fn reason(intent: Option<IntentId>, code: &str, message: String) -> Reason {
    Reason { intent, code: code.into(), message }
}

/// The bids of `answer` the auctioneer would accept, each plan checked by
/// the evaluator, each bid's plans together within the capacity left and
/// the gas budget; every plan dropped comes back with its reasons. A bid
/// left with no plan is not bid.
pub fn check(
    ctx: &Context<'_>,
    batch: &[(IntentId, Intent)],
    answer: SolveResponse,
) -> (Vec<Vec<Plan>>, Vec<Reason>) {
    let intents: BTreeMap<IntentId, &Intent> = batch.iter().map(|(id, i)| (*id, i)).collect();
    let available = CapacityUse::available(ctx.market);
    let mut dropped = Vec::new();
    let mut bids = Vec::new();
    for (n, EngineBid { plans }) in answer.bids.into_iter().enumerate() {
        if n >= MAX_BIDS_PER_SOLVER {
            dropped.push(reason(
                None,
                "engine.too_many_bids",
                format!(
                    "bid {n} dropped: a solver may send at most {MAX_BIDS_PER_SOLVER} bids a round"
                ),
            ));
            continue;
        }
        let mut kept: Vec<Plan> = Vec::new();
        let mut used = CapacityUse::default();
        let mut gas = Vec::new();
        for plan in plans {
            let id = plan.intent;
            let Some(intent) = intents.get(&id) else {
                dropped.push(reason(
                    Some(id),
                    "plan.unknown_intent",
                    format!("bid {n}: intent {id} is not in this round's batch"),
                ));
                continue;
            };
            if kept.iter().any(|p| p.intent == id) {
                dropped.push(reason(
                    Some(id),
                    "engine.duplicate_plan",
                    format!("bid {n}: a second plan for intent {id}"),
                ));
                continue;
            }
            let e = match evaluate(ctx, intent, id, &plan) {
                Ok(e) => e,
                Err(violations) => {
                    dropped.extend(
                        violations
                            .iter()
                            .map(|v| reason(Some(id), &v.code(), format!("bid {n}: {v}"))),
                    );
                    continue;
                }
            };
            let mut with = used.clone();
            with.add(&e.capacity);
            if let Some(v) = with.exceeded_within(&available) {
                dropped.push(reason(
                    Some(id),
                    &v.code(),
                    format!("bid {n}, with its other plans: {v}"),
                ));
                continue;
            }
            let g: Vec<u64> = gas.iter().copied().chain([e.gas]).collect();
            if bid_gas(&ctx.market.gas, g.iter().copied()) > SETTLEMENT_GAS_BUDGET {
                dropped.push(reason(
                    Some(id),
                    "engine.over_gas_budget",
                    format!("bid {n}: with this plan its settlement needs more than {SETTLEMENT_GAS_BUDGET} gas"),
                ));
                continue;
            }
            used = with;
            gas.push(e.gas);
            kept.push(plan);
        }
        if !kept.is_empty() {
            bids.push(kept);
        }
    }
    (bids, dropped)
}

pub use stakebid_wire::engine::results;

/// Why an engine gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No answer within its budget.
    #[error("the engine did not answer within {0} ms")]
    Timeout(u64),
    /// An answer that is not a `SolveResponse`, or a failure.
    #[error("the engine's answer is unusable: {0}")]
    Bad(String),
}

impl stakebid_intents::Coded for EngineError {
    fn code(&self) -> &str {
        match self {
            EngineError::Timeout(_) => "engine.timeout",
            EngineError::Bad(_) => "engine.bad_response",
        }
    }
}

/// An engine at a URL.
#[derive(Clone, Debug)]
pub struct Engine {
    url: String,
    http: reqwest::Client,
}

impl Engine {
    /// The engine at `url` (e.g. `http://127.0.0.1:7000`).
    pub fn new(url: &str) -> Engine {
        Engine { url: url.trim_end_matches('/').to_string(), http: reqwest::Client::new() }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `POST /solve`, answered within `budget` or not at all.
    pub async fn solve(
        &self,
        req: &SolveRequest,
        budget: Duration,
    ) -> Result<SolveResponse, EngineError> {
        let call = async {
            let mut r = self
                .http
                .post(format!("{}/solve", self.url))
                .json(req)
                .send()
                .await
                .map_err(|e| EngineError::Bad(format!("cannot reach it: {e}")))?;
            if !r.status().is_success() {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                let text: String = text.chars().take(300).collect();
                return Err(EngineError::Bad(format!("HTTP {status}: {text}")));
            }
            let mut body = Vec::new();
            while let Some(chunk) =
                r.chunk().await.map_err(|e| EngineError::Bad(format!("reading the answer: {e}")))?
            {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_ANSWER_BYTES {
                    return Err(EngineError::Bad(format!(
                        "the answer is over {MAX_ANSWER_BYTES} bytes"
                    )));
                }
            }
            serde_json::from_slice::<SolveResponse>(&body)
                .map_err(|e| EngineError::Bad(format!("not a SolveResponse: {e}")))
        };
        tokio::time::timeout(budget, call)
            .await
            .unwrap_or(Err(EngineError::Timeout(budget.as_millis() as u64)))
    }

    /// `POST /notify`, best effort (a second at most): a notice the engine
    /// misses changes nothing about the round.
    pub async fn notify(&self, notice: &Notice) -> Result<(), EngineError> {
        let sent = self
            .http
            .post(format!("{}/notify", self.url))
            .json(notice)
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .map_err(|e| EngineError::Bad(e.to_string()))?;
        if sent.status().is_success() {
            Ok(())
        } else {
            Err(EngineError::Bad(format!("HTTP {}", sent.status())))
        }
    }
}
