//! The node's chain link (node infra, built on the settlement crate): turns the auctioneer's awards into
//! executor jobs, records outcomes in the node's store, falls back to the
//! runner-up on a failure, executes the auction's penalties on the
//! SolverRegistry, keeps the off-chain registry's bonds equal to the
//! chain's, and reconciles the store with the Settlement's events.
//!
//! ```text
//! auction closed ─▶ awards (store) ─▶ Job ─▶ Executor ─▶ Settled ─▶ Auctioneer::settled
//!                                                    └─▶ Failed ─▶ Auctioneer::fallback ─▶ new awards ─▶ …
//! report.charges ─▶ SolverRegistry.slash (auctioneer key, evidence hash)
//! IntentSettled logs ─▶ Auctioneer::settled (idempotent)
//! ```

use stakebid_intents::Coded;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Signature, B256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::Filter;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolEvent;
use alloy::transports::http::reqwest::Url;
use stakebid_settlement::JournalError;

use crate::auctioneer::{Auctioneer, Report};
use crate::port::NodeStore;
use stakebid_auction::domain::phase::Phase;
use stakebid_auction::domain::registry::Registry;
use stakebid_intents::protocol::{Award, Bid, SkipReason};
use stakebid_intents::{IntentId, Market, Wei};

use stakebid_settlement::calldata::settle_arg;
use stakebid_settlement::contracts::Settlement;
use stakebid_settlement::deploy::Deployment;
use stakebid_settlement::executor::{skipped_in, Executor, ExecutorConfig, Job, Journal, Outcome};
use stakebid_settlement::registry::{Offence, OnChainRegistry};
use stakebid_settlement::revert::Blame;
use stakebid_settlement::ChainError;

/// What happened, for the node's log and the tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// An award settled on-chain.
    Settled {
        /// Auction.
        auction: u64,
        /// Winner.
        solver: Address,
        /// Intents settled.
        intents: usize,
        /// Intents the Settlement skipped (their owners' side failed), and why.
        skipped: Vec<SkipReason>,
        /// Transaction.
        tx: B256,
        /// Gas used.
        gas_used: u64,
    },
    /// An award's settlement failed; the runner-up gets its intents.
    Failed {
        /// Auction.
        auction: u64,
        /// The failed winner.
        solver: Address,
        /// The revert's error name.
        reason: String,
        /// Whose doing it was (only the solver's is penalized).
        blame: Blame,
        /// Runner-up awards signed in its place.
        runner_ups: usize,
    },
    /// A penalty executed on the SolverRegistry.
    Slashed {
        /// Solver.
        solver: Address,
        /// Wei taken.
        amount: u128,
        /// Transaction.
        tx: B256,
    },
    /// Something to retry later (RPC down, store error).
    Problem {
        /// Stable code.
        code: String,
        /// What went wrong.
        message: String,
    },
}

/// The node's connection to its chain.
pub struct ChainLink {
    /// Sends settlements.
    pub executor: Executor,
    /// Where everything is.
    pub deployment: Deployment,
    /// The market as deployed (token and operator addresses on this chain).
    pub market: Market,
    /// Slack on each position's minimum out (bps).
    pub tolerance_bps: u16,
    /// Reads the protocols' rates before each settlement (minimum outs
    /// from the live rates, not the round's); `None`: the market's rates.
    pub rates: Option<stakebid_settlement::market::read::Reader>,
    provider: DynProvider,
    registry: OnChainRegistry<DynProvider>,
    /// Next block to scan for `Bonded` events.
    bonds_scanned: AtomicU64,
    /// Penalties decided, written before they are sent (see [`ChainLink::decide_penalty`]).
    penalties: Box<dyn Journal>,
    /// The funding pass's parked intents and log cursor.
    funding: tokio::sync::Mutex<crate::funding::Funding>,
}

/// A penalty the node decided, journalled before it is sent.
#[derive(serde::Serialize, serde::Deserialize)]
struct PenaltyEntry {
    solver: Address,
    auction: u64,
    offence: Offence,
    wei: Wei,
    evidence: B256,
    /// The registry took it (or had taken it before).
    done: bool,
}

/// The journal's key: the registry's (auction, solver, offence, evidence).
fn penalty_key(auction: u64, solver: Address, offence: Offence, evidence: B256) -> Vec<u8> {
    let mut k = auction.to_be_bytes().to_vec();
    k.extend_from_slice(solver.as_slice());
    k.push(offence.chain_code().unwrap_or_default());
    k.extend_from_slice(evidence.as_slice());
    k
}

fn problem(e: impl std::fmt::Display, code: &str) -> Event {
    Event::Problem { code: code.into(), message: e.to_string() }
}

/// A journal failure, under its cause's code (`store.fenced` stays so).
fn journal_problem(e: JournalError) -> Event {
    problem(&e.message, e.code.as_str())
}

impl ChainLink {
    /// Connects to `rpc`: the executor sends with `executor_key`, slashing
    /// is signed by the auctioneer's key, the journal is a tree of the
    /// node's store.
    pub async fn connect(
        rpc: &Url,
        deployment: Deployment,
        market: &Market,
        auctioneer: &PrivateKeySigner,
        executor_key: &PrivateKeySigner,
        store: &dyn NodeStore,
        config: ExecutorConfig,
    ) -> Result<ChainLink, ChainError> {
        let journal = |name: &str| {
            store.journal(name).map_err(|e| {
                let mut j = stakebid_settlement::JournalError::from(e);
                j.message = format!("{name}: {}", j.message);
                ChainError::Journal(j)
            })
        };
        let (settlements, penalties) = (journal("settlements")?, journal("penalties")?);
        let provider = ProviderBuilder::new().connect_http(rpc.clone()).erased();
        let chain_id = provider.get_chain_id().await?;
        if chain_id != deployment.chain_id {
            return Err(ChainError::Config(format!(
                "the RPC serves chain {chain_id}, the deployment file is for chain {}",
                deployment.chain_id
            )));
        }
        if auctioneer.address() != deployment.auctioneer {
            return Err(ChainError::Config(format!(
                "the auctioneer key is {}, the Settlement trusts {}",
                auctioneer.address(),
                deployment.auctioneer
            )));
        }
        let as_auctioneer = ProviderBuilder::new()
            .wallet(EthereumWallet::from(auctioneer.clone()))
            .connect_http(rpc.clone())
            .erased();
        let executor =
            Executor::new(rpc, executor_key, deployment.settlement, settlements, config).await?;
        Ok(ChainLink {
            registry: OnChainRegistry::at(deployment.registry, as_auctioneer),
            market: deployment.apply(market),
            executor,
            deployment,
            tolerance_bps: config.min_out_tolerance_bps,
            rates: None,
            provider,
            bonds_scanned: AtomicU64::new(0),
            penalties,
            funding: Default::default(),
        })
    }

    /// Records a decided penalty as pending (durably, before anything is
    /// sent); a penalty already recorded is left as it is.
    pub fn decide_penalty(
        &self,
        solver: Address,
        auction: u64,
        offence: Offence,
        wei: u128,
        evidence: B256,
    ) -> Result<(), JournalError> {
        let key = penalty_key(auction, solver, offence, evidence);
        if self.penalties.get(&key)?.is_some() {
            return Ok(());
        }
        let e = PenaltyEntry { solver, auction, offence, wei: Wei(wei), evidence, done: false };
        self.penalties.put(&key, serde_json::to_vec(&e).map_err(JournalError::entry)?)
    }

    /// Sends every journalled penalty not taken yet, marking each done once
    /// the registry took it (or says it had).
    pub async fn send_penalties(&self) -> Vec<Event> {
        let entries = match self.penalties.entries() {
            Ok(e) => e,
            Err(e) => return vec![journal_problem(e)],
        };
        let mut out = vec![];
        for (key, v) in entries {
            if let Ok(e) = serde_json::from_slice::<PenaltyEntry>(&v) {
                out.extend(self.send_penalty(&key, e).await);
            }
        }
        out
    }

    /// Sends one journalled penalty unless it is done, and marks it done
    /// once the registry took it (or says it had).
    async fn send_penalty(&self, key: &[u8], mut e: PenaltyEntry) -> Vec<Event> {
        if e.done {
            return vec![];
        }
        let mut out = vec![];
        match self.registry.slash(e.solver, e.auction, e.offence, e.evidence).await {
            Ok(tx) => {
                if let Some(tx) = tx {
                    out.push(Event::Slashed { solver: e.solver, amount: e.wei.0, tx });
                } else {
                    // "Already slashed": for this penalty only if the chain
                    // holds a Slashed event with its evidence (a resend after
                    // a crash). The registry's key includes the evidence, so
                    // otherwise something else wrote it (a registry older than
                    // this node's). Reported, never called done silently.
                    match self.registry.slashed_with(e.solver, e.evidence).await {
                        Ok(true) => {}
                        Ok(false) => out.push(problem(
                            format!(
                                "the registry says {} was already slashed for auction {} ({}), but \
                                 not with this penalty's evidence {}: the auction id repeats an \
                                 earlier deployment's or store's; the penalty was not taken",
                                e.solver,
                                e.auction,
                                e.offence.name(),
                                e.evidence
                            ),
                            "chain.penalty_key_taken",
                        )),
                        Err(err) => {
                            out.push(problem(&err, err.code()));
                            return out;
                        }
                    }
                }
                e.done = true;
                let bytes = serde_json::to_vec(&e).unwrap_or_default();
                if let Err(err) = self.penalties.put(key, bytes) {
                    out.push(journal_problem(err));
                }
            }
            Err(err) => out.push(problem(&err, err.code())),
        }
        out
    }

    /// Sets every solver's bond (and the minimum) to the chain's; solvers
    /// that bonded on-chain are registered.
    pub async fn sync_bonds(&self, registry: &mut Registry) -> Result<(), ChainError> {
        let min = self.registry.contract.minBond().call().await?;
        registry.min_bond = Wei(min.try_into().unwrap_or(u128::MAX));
        self.scan_new_bonds(registry).await?;
        // The node sees what the registry counts: a bond queued to leave
        // makes a solver ineligible here exactly as on-chain.
        for (who, s) in registry.solvers.iter_mut() {
            let b = self.registry.eligible_bond(*who).await?;
            s.bond = Wei(b.try_into().unwrap_or(u128::MAX));
        }
        Ok(())
    }

    /// Registers solvers that bonded on-chain since the last scan (only
    /// the blocks not scanned yet are read), with their bonds; returns
    /// how many joined.
    async fn scan_new_bonds(&self, registry: &mut Registry) -> Result<usize, ChainError> {
        let latest = self.provider.get_block_number().await?;
        let from = self.bonds_scanned.load(Ordering::Relaxed);
        let mut joined = 0;
        if from <= latest {
            let f = Filter::new()
                .address(self.deployment.registry)
                .event_signature(
                    stakebid_settlement::registry::SolverRegistry::Bonded::SIGNATURE_HASH,
                )
                .from_block(from)
                .to_block(latest);
            for log in self.provider.get_logs(&f).await? {
                let Ok(ev) =
                    log.log_decode::<stakebid_settlement::registry::SolverRegistry::Bonded>()
                else {
                    continue;
                };
                let who = ev.inner.data.solver;
                if !registry.solvers.contains_key(&who) {
                    let b = self.registry.eligible_bond(who).await?;
                    registry.solvers.entry(who).or_default().bond =
                        Wei(b.try_into().unwrap_or(u128::MAX));
                    joined += 1;
                }
            }
            self.bonds_scanned.store(latest + 1, Ordering::Relaxed);
        }
        Ok(joined)
    }

    /// Executes the round's penalties on the SolverRegistry, each with an
    /// evidence hash naming the auction, the solver and the offence.
    pub async fn execute_penalties(&self, r: &Report) -> Vec<Event> {
        let mut out = vec![];
        for c in &r.charges {
            out.extend(self.slash(c.solver, r.auction, c.offence, c.wei, c.evidence).await);
        }
        out
    }

    /// Journals one penalty, then sends it to the SolverRegistry, whose
    /// schedule fixes the amount (the node's copy of it, `wei`, is what the
    /// event reports); one already taken is reported as nothing.
    async fn slash(
        &self,
        solver: Address,
        auction: u64,
        offence: Offence,
        wei: u128,
        evidence: B256,
    ) -> Vec<Event> {
        if let Err(e) = self.decide_penalty(solver, auction, offence, wei, evidence) {
            return vec![journal_problem(e)];
        }
        let key = penalty_key(auction, solver, offence, evidence);
        match self.penalties.get(&key).map(|v| v.and_then(|v| serde_json::from_slice(&v).ok())) {
            Ok(Some(e)) => self.send_penalty(&key, e).await,
            Ok(None) => vec![problem("a journalled penalty does not read back", "chain.journal")],
            Err(e) => vec![journal_problem(e)],
        }
    }

    /// Settles every award of `auction` not settled yet, falling back to
    /// runner-ups until none is left to try.
    pub async fn settle_auction(&self, a: &mut Auctioneer<'_>, auction: u64) -> Vec<Event> {
        let mut out = vec![];
        let mut queue: VecDeque<(Award, Signature)> = match open_awards(a, auction) {
            Ok(q) => q.into(),
            Err(e) => return vec![e],
        };
        // Failure reasons seen in this pass: when one comes back, another
        // bid would fail the same way, so the intents leave the award.
        let mut reasons = std::collections::BTreeSet::new();
        while let Some((award, sig)) = queue.pop_front() {
            let market = self.live_market().await;
            let job = match self.job(a, auction, &award, &sig, &market) {
                Ok(j) => j,
                Err(e) => {
                    out.push(e);
                    continue;
                }
            };
            use tracing::Instrument;
            let span = tracing::info_span!("settlement", auction, solver = %award.solver);
            let sent = self.executor.settle(&job).instrument(span.clone()).await;
            let _in = span.enter();
            match sent {
                Ok(Outcome::Settled { tx, gas_used, skipped, .. }) => {
                    for s in &skipped {
                        tracing::warn!(intent = %s.intent, reason = s.reason.name(), "intent skipped by the Settlement");
                    }
                    tracing::info!(%tx, gas_used, intents = award.intentIds.len() - skipped.len(), skipped = skipped.len(), "settled");
                    let skipped: Vec<(IntentId, SkipReason)> =
                        skipped.iter().map(|s| (IntentId(s.intent), s.reason)).collect();
                    match a.settled(auction, award.bidHash, tx, gas_used, &skipped) {
                        Ok(ids) => out.push(Event::Settled {
                            auction,
                            solver: award.solver,
                            intents: ids.len(),
                            skipped: skipped.iter().map(|(_, why)| *why).collect(),
                            tx,
                            gas_used,
                        }),
                        Err(e) => out.push(problem(&e, e.code())),
                    }
                }
                Ok(Outcome::Failed { reason, blame }) => {
                    let solver_at_fault = blame == Blame::Solver;
                    tracing::warn!(blame = blame.name(), "settlement failed: {reason}");
                    // The solver's own doing is slashed on-chain too, once:
                    // the registry refuses a second (auction, solver, offence, evidence).
                    if solver_at_fault {
                        let wei = Offence::SettlementFault.penalty().0;
                        let e = self
                            .slash(
                                award.solver,
                                auction,
                                Offence::SettlementFault,
                                wei,
                                award.bidHash,
                            )
                            .await;
                        out.extend(e);
                    }
                    let again = !reasons.insert(reason.clone());
                    match a.fallback(auction, award.bidHash, solver_at_fault, !again) {
                        Ok(next) => {
                            let freed = award.intentIds.len();
                            if next.is_empty() {
                                tracing::warn!(
                                    intents = freed,
                                    repeated = again,
                                    "no runner-up: the award's intents return to the pool"
                                );
                            } else {
                                tracing::info!(
                                    runner_ups = next.len(),
                                    intents = freed,
                                    "falling back to the runner-up"
                                );
                            }
                            out.push(Event::Failed {
                                auction,
                                solver: award.solver,
                                reason,
                                blame,
                                runner_ups: next.len(),
                            });
                            queue.extend(next);
                        }
                        Err(e) => out.push(problem(&e, e.code())),
                    }
                }
                Err(e) => {
                    // RPC trouble: leave it journalled; the next pass resumes it.
                    tracing::warn!(code = e.code(), "settlement not confirmed, resumed later: {e}");
                    out.push(problem(&e, e.code()));
                    break;
                }
            }
        }
        out
    }

    fn job(
        &self,
        a: &Auctioneer<'_>,
        auction: u64,
        award: &Award,
        sig: &Signature,
        market: &Market,
    ) -> Result<Job, Event> {
        let rec = a.store.auction(auction).map_err(|e| problem(&e, e.code()))?;
        let bid: Bid = rec
            .and_then(|r| r.public)
            .and_then(|o| o.bids.into_iter().find(|b| b.bid_hash == award.bidHash))
            .map(|b| b.bid)
            .ok_or_else(|| {
                problem(format!("auction {auction}: no published bid for an award"), "chain.config")
            })?;
        let mut intents = Vec::with_capacity(award.intentIds.len());
        for id in &award.intentIds {
            let r = a.store.get(&IntentId(*id)).map_err(|e| problem(&e, e.code()))?;
            intents.push(
                r.ok_or_else(|| problem(format!("intent {id} is not stored"), "chain.config"))?
                    .signed,
            );
        }
        let arg = settle_arg(award, sig, &bid, &intents, market, self.tolerance_bps)
            .map_err(|e| problem(e, "chain.calldata"))?;
        Ok(Job { key: award.digest(&a.domain), auction, solver: award.solver, arg })
    }

    /// The market with every asset's exchange rate as the chain reports it
    /// now (the block the executor simulates against): minimum outs are
    /// these rates less the tolerance. Unreadable rates keep the market's.
    async fn live_market(&self) -> Market {
        let mut m = self.market.clone();
        let Some(r) = &self.rates else { return m };
        match r.rates_now().await {
            Ok((block, rates)) => {
                for a in &mut m.assets {
                    if let Some(rate) = rates.get(&a.id) {
                        a.exchange_rate = *rate;
                    }
                }
                tracing::debug!(block, "minimum outs from the live rates");
            }
            Err(e) => {
                tracing::warn!("minimum outs from the round's rates: cannot read live ones: {e}")
            }
        }
        m
    }

    /// After a restart: records what the chain already settled (its
    /// events), then finishes every auction still Awarded. The executor's
    /// journal means nothing already sent is sent again.
    pub async fn resume(&self, a: &mut Auctioneer<'_>) -> Vec<Event> {
        let mut out = self.send_penalties().await;
        out.extend(self.reconcile(a).await);
        out.extend(self.settle_pending(a).await);
        out
    }

    /// Before a round: when the pool has intents, bonds as the chain has
    /// them now and unfunded intents held back. When it is empty (the
    /// driver asks every second) only new `Bonded` events are read, so a
    /// solver that just bonded is listed (`/v1/solvers`) and takes part
    /// in the next round without waiting for one to happen first.
    pub async fn prepare_round(&self, a: &mut Auctioneer<'_>) -> Vec<Event> {
        match a.store.count_status(crate::port::Status::Pending) {
            Ok(0) => {
                return match self.scan_new_bonds(&mut a.registry).await {
                    Ok(0) => vec![],
                    Ok(_) => match a.save_state() {
                        Ok(()) => vec![],
                        Err(e) => vec![problem(&e, e.code())],
                    },
                    Err(e) => vec![problem(&e, e.code())],
                }
            }
            Ok(_) => {}
            // The round itself reads the pool next and stops on the same error.
            Err(e) => return vec![problem(&e, e.code())],
        }
        // A penalty the registry did not take yet is retried every round,
        // not only at a restart.
        let mut out = self.send_penalties().await;
        if let Err(e) = self.sync_bonds(&mut a.registry).await {
            out.push(problem(&e, e.code()));
        }
        a.held = std::sync::Arc::new(self.held_back(a.store).await);
        out
    }

    /// Pending intents to hold back now (unfunded, or their nonce spent),
    /// with their deadlines: see [`crate::funding`].
    pub async fn held_back(
        &self,
        store: &dyn NodeStore,
    ) -> std::collections::BTreeMap<IntentId, crate::funding::Held> {
        let mut f = self.funding.lock().await;
        f.pass(&self.provider, self.deployment.settlement, store).await
    }

    /// Settles every auction still Awarded (the one just closed, and any a
    /// failed RPC left behind).
    pub async fn settle_pending(&self, a: &mut Auctioneer<'_>) -> Vec<Event> {
        let mut out = vec![];
        let awarded: Vec<u64> = match a.store.auctions_in(Phase::Awarded) {
            Ok(ids) => ids,
            Err(e) => return vec![problem(&e, e.code())],
        };
        for id in awarded {
            out.extend(self.settle_auction(a, id).await);
        }
        out
    }

    /// Marks every intent the Settlement reports settled (IntentSettled
    /// logs) as Settled in the store, with its award.
    pub async fn reconcile(&self, a: &mut Auctioneer<'_>) -> Vec<Event> {
        let f = Filter::new()
            .address(self.deployment.settlement)
            .event_signature(Settlement::AwardSettled::SIGNATURE_HASH)
            .from_block(0);
        let logs = match self.provider.get_logs(&f).await {
            Ok(l) => l,
            Err(e) => return vec![problem(&e, "chain.rpc_failed")],
        };
        let mut out = vec![];
        for log in logs {
            let Ok(ev) = log.log_decode::<Settlement::AwardSettled>() else { continue };
            let (auction, solver, bid) =
                (ev.inner.data.auctionId, ev.inner.data.solver, ev.inner.data.bidHash);
            let tx = log.transaction_hash.unwrap_or_default();
            let gas = match self.provider.get_transaction_receipt(tx).await {
                Ok(Some(r)) => r.gas_used,
                _ => 0,
            };
            let skipped = match self.provider.get_transaction_receipt(tx).await {
                Ok(Some(r)) => skipped_in(&r, self.deployment.settlement),
                _ => vec![],
            };
            match a.settled(auction, bid, tx, gas, &skipped) {
                Ok(ids) if !ids.is_empty() => out.push(Event::Settled {
                    auction,
                    solver,
                    intents: ids.len(),
                    skipped: skipped.iter().map(|(_, why)| *why).collect(),
                    tx,
                    gas_used: gas,
                }),
                Ok(_) => {}
                Err(e) => out.push(problem(&e, e.code())),
            }
        }
        out
    }
}

/// The awards of `auction` without a recorded settlement.
fn open_awards(a: &Auctioneer<'_>, auction: u64) -> Result<Vec<(Award, Signature)>, Event> {
    let rec = a.store.auction(auction).map_err(|e| problem(&e, e.code()))?;
    let Some(outcome) = rec.and_then(|r| r.public) else { return Ok(vec![]) };
    let mut out = vec![];
    for entry in outcome.open_awards() {
        let sig = entry.signature().ok_or_else(|| {
            problem(
                format!("auction {auction}: an award's signature does not parse"),
                "chain.config",
            )
        })?;
        out.push((entry.award.clone(), sig));
    }
    Ok(out)
}
