//! The executor: settles awards on-chain and journals every step in sled,
//! so a restart never sends an award twice.
//!
//! For each job: if the journal already has an outcome, that is the answer.
//! Otherwise simulate `settle` with `eth_call` (a revert there is a failure
//! with its decoded reason, nothing sent); sign an EIP-1559 transaction
//! locally, journal its raw bytes and hash, *then* broadcast; wait for the
//! receipt, and if none comes within `replace_after`, re-sign the same
//! nonce with fees raised by 12.5 % (journalled before it is sent). After a
//! restart [`Executor::resume`] looks up each journalled hash's receipt and
//! rebroadcasts the journalled bytes only when the chain has neither mined
//! nor pooled them; same nonce, so at most one of them can ever land.
//!
//! A settlement that waits too long is not left to land late: before each
//! replacement the call is simulated again on the latest state, and if it
//! would now revert (an intent expired, a cap filled up) — or after
//! `max_replacements` without a block taking it — the nonce is taken by a
//! zero-value transfer to ourselves with higher fees (journalled too). The
//! award then ends `Failed` with the revert's name or `Missed`, which is
//! chain state, not the solver's fault, so the node falls back to the
//! runner-up. Should the settlement win the race after all, it is recorded
//! as settled: every version, the cancel included, is looked up by hash.

use std::time::Duration;

use alloy::consensus::{Transaction as _, TxEnvelope};
use alloy::eips::eip2718::Encodable2718;
use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, Bytes, B256};
use alloy::providers::{Provider, ProviderBuilder};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use alloy::transports::http::reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::contracts::Settlement;
use crate::revert::{blame_of, Blame, Revert};
use crate::{ChainError, JournalError};
use stakebid_intents::protocol::SkipReason;

/// One award to settle.
#[derive(Clone, Debug)]
pub struct Job {
    /// Journal key: the award's EIP-712 digest.
    pub key: B256,
    /// Auction id.
    pub auction: u64,
    /// The winning solver.
    pub solver: Address,
    /// `settle`'s argument.
    pub arg: Settlement::Settle,
}

/// How a settlement ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Outcome {
    /// Mined and succeeded.
    Settled {
        /// The transaction.
        tx: B256,
        /// Its block.
        block: u64,
        /// Gas it used.
        gas_used: u64,
        /// Intents of the award the Settlement skipped (`IntentSkipped`):
        /// their owners no longer backed them; the rest settled.
        #[serde(default)]
        skipped: Vec<Skipped>,
    },
    /// Reverted in simulation or on-chain.
    Failed {
        /// The revert's error name (`StakeLimit`, `MinOutNotMet`, …) or `unknown`.
        reason: String,
        /// Whose doing it is, decoded from what the chain did (journals
        /// written before blame was typed hold a bool: true is the solver).
        #[serde(alias = "solver_at_fault", deserialize_with = "blame_or_bool")]
        blame: Blame,
    },
}

/// An intent the Settlement skipped, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The intent's id.
    pub intent: B256,
    /// Why its owner's side failed.
    pub reason: SkipReason,
}

/// Reads a [`Blame`], or the bool older journals kept (`solver_at_fault`).
fn blame_or_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Blame, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Blame(Blame),
        Bool(bool),
    }
    Ok(match Either::deserialize(d)? {
        Either::Blame(b) => b,
        Either::Bool(true) => Blame::Solver,
        Either::Bool(false) => Blame::StateMoved,
    })
}

/// `debug_traceTransaction`'s options.
#[derive(Clone, Debug, Serialize)]
struct TraceOptions {
    tracer: &'static str,
}

/// The top frame of a `callTracer` trace: for a reverted transaction its
/// output is the revert data.
#[derive(Debug, Deserialize)]
struct CallFrame {
    #[serde(default)]
    output: Option<Bytes>,
}

/// What the journal keeps per award.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    auction: u64,
    solver: Address,
    nonce: u64,
    /// Every signed version sent (a replacement adds one): (hash, raw bytes).
    sent: Vec<(B256, Bytes)>,
    outcome: Option<Outcome>,
    /// The first version that cancels the settlement (a transfer to
    /// ourselves on the same nonce; replacements of it are such transfers
    /// too), and why it was sent.
    #[serde(default)]
    cancel: Option<(B256, String)>,
    /// Whose doing the reason the cancel was sent is (entries journalled
    /// before blame was typed hold a bool).
    #[serde(default = "unknown", alias = "cancel_at_fault", deserialize_with = "blame_or_bool")]
    cancel_blame: Blame,
}

fn unknown() -> Blame {
    Blame::Unknown
}

/// One journal entry: (key, value).
pub type JournalEntry = (Vec<u8>, Vec<u8>);

/// Where the executor journals: every entry durable when `put` returns,
/// because a transaction is broadcast only after its bytes are journalled.
/// The node's store provides it (a sled tree today; a replicated store its
/// own table), so the executor never knows the backend.
pub trait Journal: Send + Sync {
    /// The entry under `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, JournalError>;
    /// Writes `value` under `key`, durably, before returning.
    fn put(&self, key: &[u8], value: Vec<u8>) -> Result<(), JournalError>;
    /// Every entry, in key order.
    fn entries(&self) -> Result<Vec<JournalEntry>, JournalError>;
}

fn sled_err(e: sled::Error) -> JournalError {
    JournalError::new(stakebid_intents::codes::ErrorCode::StoreFailed, e.to_string())
}

impl Journal for sled::Tree {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, JournalError> {
        sled::Tree::get(self, key).map(|v| v.map(|v| v.to_vec())).map_err(sled_err)
    }

    fn put(&self, key: &[u8], value: Vec<u8>) -> Result<(), JournalError> {
        self.insert(key, value).map_err(sled_err)?;
        self.flush().map(drop).map_err(sled_err)
    }

    fn entries(&self) -> Result<Vec<JournalEntry>, JournalError> {
        self.iter().map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(sled_err)).collect()
    }
}

impl<J: Journal + ?Sized> Journal for Box<J> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, JournalError> {
        (**self).get(key)
    }

    fn put(&self, key: &[u8], value: Vec<u8>) -> Result<(), JournalError> {
        (**self).put(key, value)
    }

    fn entries(&self) -> Result<Vec<JournalEntry>, JournalError> {
        (**self).entries()
    }
}

/// The executor's tunables (the node's `[executor]` config section and
/// flags). The defaults suit a chain with 12 s blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExecutorConfig {
    /// Milliseconds to wait for a receipt before re-signing the same nonce
    /// with higher fees (default 24 000: two blocks).
    pub replace_after_ms: u64,
    /// Replacements before an award is given up as missed; it stays
    /// journalled and its nonce is cancelled (default 5).
    pub max_replacements: u32,
    /// Fee increase per replacement, in bps of the previous fees (default
    /// 1 250 = 12.5 %; nodes refuse a replacement under 10 %).
    pub fee_bump_bps: u32,
    /// Slack under the quoted output for each allocation's minimum out, in
    /// bps (default 50).
    pub min_out_tolerance_bps: u16,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        ExecutorConfig {
            replace_after_ms: 24_000,
            max_replacements: 5,
            fee_bump_bps: 1_250,
            min_out_tolerance_bps: 50,
        }
    }
}

/// The executor.
pub struct Executor {
    provider: alloy::providers::DynProvider,
    wallet: EthereumWallet,
    from: Address,
    settlement: Address,
    journal: Box<dyn Journal>,
    chain_id: u64,
    /// Its tunables.
    pub config: ExecutorConfig,
}

/// The last version sent for an entry, decoded from its journalled bytes.
fn last_tx(e: &Entry) -> Result<TxEnvelope, ChainError> {
    use alloy::eips::eip2718::Decodable2718;
    let (_, raw) = e.sent.last().ok_or_else(|| journal_err("an entry with nothing sent"))?;
    TxEnvelope::decode_2718(&mut raw.as_ref()).map_err(journal_err)
}

/// An entry that does not read back.
fn journal_err(e: impl std::fmt::Display) -> ChainError {
    ChainError::Journal(JournalError::entry(e))
}

impl Executor {
    /// An executor sending from `key` to the Settlement at `settlement`,
    /// journalling in `journal` (the node's store provides it).
    pub async fn new(
        rpc: &Url,
        key: &PrivateKeySigner,
        settlement: Address,
        journal: impl Journal + 'static,
        config: ExecutorConfig,
    ) -> Result<Executor, ChainError> {
        let journal: Box<dyn Journal> = Box::new(journal);
        let wallet = EthereumWallet::from(key.clone());
        let provider = ProviderBuilder::new().connect_http(rpc.clone()).erased();
        let chain_id = provider.get_chain_id().await?;
        Ok(Executor {
            provider,
            wallet,
            from: key.address(),
            settlement,
            journal,
            chain_id,
            config,
        })
    }

    /// The executor's address.
    pub fn address(&self) -> Address {
        self.from
    }

    fn entry(&self, key: &B256) -> Result<Option<Entry>, ChainError> {
        match self.journal.get(key.as_slice())? {
            Some(v) => Ok(Some(serde_json::from_slice(&v).map_err(journal_err)?)),
            None => Ok(None),
        }
    }

    fn put(&self, key: &B256, e: &Entry) -> Result<(), ChainError> {
        let bytes = serde_json::to_vec(e).expect("an entry serializes");
        Ok(self.journal.put(key.as_slice(), bytes)?)
    }

    /// The recorded outcome of an award, if any.
    pub fn outcome(&self, key: &B256) -> Result<Option<Outcome>, ChainError> {
        Ok(self.entry(key)?.and_then(|e| e.outcome))
    }

    /// The transactions sent for an award (a replacement adds one).
    pub fn sent(&self, key: &B256) -> Result<Vec<B256>, ChainError> {
        Ok(self.entry(key)?.map(|e| e.sent.iter().map(|(h, _)| *h).collect()).unwrap_or_default())
    }

    /// Awards sent but without an outcome (what a restart must finish).
    pub fn unfinished(&self) -> Result<Vec<B256>, ChainError> {
        let mut out = vec![];
        for (k, v) in self.journal.entries()? {
            let e: Entry = serde_json::from_slice(&v).map_err(journal_err)?;
            if e.outcome.is_none() && !e.sent.is_empty() {
                out.push(B256::from_slice(&k));
            }
        }
        Ok(out)
    }

    /// Simulates `settle` for these jobs now; `Err` holds the failure.
    pub async fn simulate(&self, args: Vec<Settlement::Settle>) -> Result<u64, Outcome> {
        let tx = self.request(args);
        match self.provider.estimate_gas(tx).await {
            Ok(g) => Ok(g),
            Err(e) => Err(self.failure(e.as_error_resp().and_then(|r| r.as_revert_data()))),
        }
    }

    fn request(&self, args: Vec<Settlement::Settle>) -> TransactionRequest {
        let input = Settlement::settleCall { batch: args }.abi_encode();
        TransactionRequest::default()
            .with_from(self.from)
            .with_to(self.settlement)
            .with_input(input)
    }

    fn failure(&self, data: Option<Bytes>) -> Outcome {
        // What none of our contracts declares is never blamed on anyone.
        let (reason, blame) = blame_of(data.as_ref().map(|d| d.as_ref()));
        Outcome::Failed { reason, blame }
    }

    /// Settles one award: the outcome, journalled. Idempotent: an award
    /// with an outcome is not touched; one already sent is resumed.
    pub async fn settle(&self, job: &Job) -> Result<Outcome, ChainError> {
        if let Some(e) = self.entry(&job.key)? {
            if let Some(o) = e.outcome {
                return Ok(o);
            }
            if !e.sent.is_empty() {
                return self.finish(&job.key, e).await;
            }
        }
        // An outcome reached before anything was sent, journalled as the
        // award's (a resend finds it and sends nothing).
        let unsent = |o: Outcome| Entry {
            auction: job.auction,
            solver: job.solver,
            nonce: 0,
            sent: vec![],
            outcome: Some(o),
            cancel: None,
            cancel_blame: Blame::Unknown,
        };
        let gas = match self.simulate(vec![job.arg.clone()]).await {
            Ok(g) => g,
            Err(o) => {
                self.put(&job.key, &unsent(o.clone()))?;
                return Ok(o);
            }
        };
        let failed = |reason: String| {
            let o = Outcome::Failed { reason, blame: Blame::Unknown };
            (o.clone(), unsent(o))
        };
        // A transaction the block cannot hold is refused by every node and
        // would be rebroadcast forever: the award fails here instead (not the
        // solver's doing: scoring keeps bids within the gas budget, so only
        // a model far off reality gets here) and the round moves on.
        let limit = gas + gas / 5;
        let block_limit = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .map(|b| b.header.gas_limit);
        if let Some(block_limit) = block_limit.filter(|b| limit > *b) {
            let (o, e) = failed(format!("OverBlockGasLimit({limit} > {block_limit})"));
            self.put(&job.key, &e)?;
            tracing::warn!(
                auction = job.auction,
                limit,
                block_limit,
                "settlement over the block gas limit: not sent"
            );
            return Ok(o);
        }
        let nonce = self.provider.get_transaction_count(self.from).pending().await?;
        let fees = self.provider.estimate_eip1559_fees().await?;
        let tx = self
            .request(vec![job.arg.clone()])
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(limit)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let (hash, raw) = self.sign(tx).await?;
        let entry = Entry {
            auction: job.auction,
            solver: job.solver,
            nonce,
            sent: vec![(hash, raw.clone())],
            outcome: None,
            cancel: None,
            cancel_blame: Blame::Unknown,
        };
        // Journal first: a crash after this line finds the hash and the bytes.
        self.put(&job.key, &entry)?;
        match self.provider.send_raw_transaction(&raw).await {
            Ok(_pending) => {}
            // The node answered and refused it (intrinsic gas, fee cap, …):
            // never retried unchanged; the award fails and falls back.
            // An answer such as "already known" means the node has it
            // after all: it is pending, and followed as sent.
            Err(alloy::transports::RpcError::ErrorResp(_))
                if self.provider.get_transaction_by_hash(hash).await?.is_some() => {}
            Err(alloy::transports::RpcError::ErrorResp(r)) => {
                let (o, mut e) = failed(format!("Refused({})", r.message));
                e.nonce = nonce;
                e.sent = entry.sent;
                self.put(&job.key, &e)?;
                tracing::warn!(auction = job.auction, %hash, "settlement refused by the node: {}", r.message);
                return Ok(o);
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(auction = job.auction, %hash, nonce, "settlement sent");
        self.finish(&job.key, entry).await
    }

    async fn sign(&self, tx: TransactionRequest) -> Result<(B256, Bytes), ChainError> {
        let env: TxEnvelope = tx
            .build(&self.wallet)
            .await
            .map_err(|e| ChainError::Config(format!("cannot sign: {e}")))?;
        Ok((*env.tx_hash(), Bytes::from(env.encoded_2718())))
    }

    async fn receipt(
        &self,
        sent: &[(B256, Bytes)],
    ) -> Result<Option<TransactionReceipt>, ChainError> {
        for (h, _) in sent {
            if let Some(r) = self.provider.get_transaction_receipt(*h).await? {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    /// Waits for one of the journalled transactions to be mined, replacing
    /// it with higher fees on timeouts.
    async fn finish(&self, key: &B256, mut e: Entry) -> Result<Outcome, ChainError> {
        let mut replacements = 0;
        loop {
            let deadline =
                tokio::time::Instant::now() + Duration::from_millis(self.config.replace_after_ms);
            while tokio::time::Instant::now() < deadline {
                if let Some(r) = self.receipt(&e.sent).await? {
                    return self.record(key, e, r).await;
                }
                // Rebroadcast only what the chain has lost (not mined, not pooled).
                let mined = self.provider.get_transaction_count(self.from).latest().await?;
                if mined <= e.nonce {
                    let (h, raw) = e.sent.last().expect("finish runs on a sent entry").clone();
                    if self.provider.get_transaction_by_hash(h).await?.is_none() {
                        let _ = self.provider.send_raw_transaction(&raw).await;
                    }
                } else if self.foreign_took_nonce(&e.sent).await? {
                    // The nonce is used by none of ours: a foreign transaction
                    // took it, so this award never executed.
                    let o = Outcome::Failed { reason: "NonceTaken".into(), blame: Blame::Unknown };
                    e.outcome = Some(o.clone());
                    self.put(key, &e)?;
                    return Ok(o);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            if e.cancel.is_none() {
                // Would it still succeed? If not, or if it has waited long
                // enough, take the nonce back rather than let it land late.
                let input = last_tx(&e)?.input().clone();
                let why = match self.simulate_input(input).await {
                    Err(Outcome::Failed { reason, blame }) => Some((reason, blame)),
                    // Not mined in time: gas above what the executor pays.
                    _ if replacements >= self.config.max_replacements => {
                        Some(("Missed".to_string(), Blame::StateMoved))
                    }
                    _ => None,
                };
                if let Some((why, blame)) = why {
                    e.cancel_blame = blame;
                    e = self.cancel(key, e, why).await?;
                    replacements = 0;
                    continue;
                }
            } else if replacements >= self.config.max_replacements {
                return Err(ChainError::Config(format!(
                    "the cancel of nonce {} got no receipt after {replacements} replacements",
                    e.nonce
                )));
            }
            replacements += 1;
            e = self.replace(key, e).await?;
        }
    }

    /// `settle` with this calldata, against the latest block (not the
    /// pending one: that would include our own pending settlement).
    async fn simulate_input(&self, input: Bytes) -> Result<u64, Outcome> {
        let req = TransactionRequest::default()
            .with_from(self.from)
            .with_to(self.settlement)
            .with_input(input);
        match self.provider.estimate_gas(req).block(alloy::eips::BlockId::latest()).await {
            Ok(g) => Ok(g),
            Err(e) => Err(self.failure(e.as_error_resp().and_then(|r| r.as_revert_data()))),
        }
    }

    /// Takes the settlement's nonce with a zero-value transfer to ourselves,
    /// fees raised as for a replacement; journalled before it is sent.
    async fn cancel(&self, key: &B256, mut e: Entry, why: String) -> Result<Entry, ChainError> {
        let last = last_tx(&e)?;
        let tx = self.bumped(&last, e.nonce).await?.with_to(self.from).with_gas_limit(21_000);
        let hash = self.send_version(key, &mut e, tx, Some(why.clone())).await?;
        tracing::warn!(%hash, nonce = e.nonce, reason = %why, "settlement cancelled");
        Ok(e)
    }

    /// Whether a mined nonce went to a transaction that is none of ours:
    /// none of our versions is known to the node any more, a moment later.
    async fn foreign_took_nonce(&self, sent: &[(B256, Bytes)]) -> Result<bool, ChainError> {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if self.receipt(sent).await?.is_some() {
            return Ok(false);
        }
        for (h, _) in sent {
            if self.provider.get_transaction_by_hash(*h).await?.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A new version of `prev` on `nonce`: fees raised by 12.5 % (nodes
    /// require ≥ 10 % to replace), or to the market's if that is higher.
    async fn bumped(
        &self,
        prev: &impl alloy::consensus::Transaction,
        nonce: u64,
    ) -> Result<TransactionRequest, ChainError> {
        let bps = u128::from(self.config.fee_bump_bps.max(1_000));
        let bump = |x: u128| x + x * bps / 10_000 + 1;
        let fees = self.provider.estimate_eip1559_fees().await?;
        Ok(TransactionRequest::default()
            .with_from(self.from)
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_max_fee_per_gas(bump(prev.max_fee_per_gas()).max(fees.max_fee_per_gas))
            .with_max_priority_fee_per_gas(
                bump(prev.max_priority_fee_per_gas().unwrap_or(0))
                    .max(fees.max_priority_fee_per_gas),
            ))
    }

    /// Signs a version, journals it (and whether it is the cancel), then
    /// broadcasts it.
    async fn send_version(
        &self,
        key: &B256,
        e: &mut Entry,
        tx: TransactionRequest,
        cancel: Option<String>,
    ) -> Result<B256, ChainError> {
        let (hash, raw) = self.sign(tx).await?;
        e.sent.push((hash, raw.clone()));
        if let Some(why) = cancel {
            e.cancel = Some((hash, why));
        }
        self.put(key, e)?;
        let _ = self.provider.send_raw_transaction(&raw).await;
        Ok(hash)
    }

    /// Re-signs the same nonce with fees raised by 12.5 % (nodes require ≥ 10 %).
    async fn replace(&self, key: &B256, mut e: Entry) -> Result<Entry, ChainError> {
        let (h, raw) = e.sent.last().expect("a sent entry").clone();
        let Some(prev) = self.provider.get_transaction_by_hash(h).await? else {
            let _ = self.provider.send_raw_transaction(&raw).await;
            return Ok(e);
        };
        let inner = prev.inner.inner();
        let tx = self
            .bumped(inner, e.nonce)
            .await?
            .with_to(inner.to().unwrap_or(self.settlement))
            .with_input(inner.input().clone())
            .with_gas_limit(inner.gas_limit());
        let hash = self.send_version(key, &mut e, tx, None).await?;
        tracing::warn!(%hash, nonce = e.nonce, "settlement replaced with higher fees");
        Ok(e)
    }

    async fn record(
        &self,
        key: &B256,
        mut e: Entry,
        r: TransactionReceipt,
    ) -> Result<Outcome, ChainError> {
        // A cancel (or a replacement of it) is the transfer to ourselves.
        let o = if let Some((_, why)) = e.cancel.as_ref().filter(|_| r.to == Some(self.from)) {
            Outcome::Failed { reason: why.clone(), blame: e.cancel_blame }
        } else if r.status() {
            Outcome::Settled {
                tx: r.transaction_hash,
                block: r.block_number.unwrap_or(0),
                gas_used: r.gas_used,
                skipped: self.skipped(&r),
            }
        } else {
            self.failure(self.mined_revert(&r).await?)
        };
        e.outcome = Some(o.clone());
        self.put(key, &e)?;
        Ok(o)
    }

    fn skipped(&self, r: &TransactionReceipt) -> Vec<Skipped> {
        skipped_in(r, self.settlement)
            .into_iter()
            .map(|(id, reason)| Skipped { intent: id.0, reason })
            .collect()
    }

    /// The revert data of a mined, reverted transaction, from what the
    /// chain executed: the call tracer's top frame of that very
    /// transaction, in its block, after the transactions before it — so a
    /// revert caused earlier in the same block reads as what it was.
    /// Without a tracer, `eth_call` on the state the block left.
    async fn mined_revert(&self, r: &TransactionReceipt) -> Result<Option<Bytes>, ChainError> {
        let opts = TraceOptions { tracer: "callTracer" };
        let traced: Result<CallFrame, _> = self
            .provider
            .raw_request("debug_traceTransaction".into(), (r.transaction_hash, opts))
            .await;
        if let Ok(frame) = traced {
            return Ok(frame.output);
        }
        let Some(tx) = self.provider.get_transaction_by_hash(r.transaction_hash).await? else {
            return Ok(None);
        };
        let req = TransactionRequest::default()
            .with_from(self.from)
            .with_to(self.settlement)
            .with_input(tx.inner.inner().input().clone());
        let at = r.block_number.unwrap_or(0);
        Ok(match self.provider.call(req).block(at.into()).await {
            Err(err) => err.as_error_resp().and_then(|x| x.as_revert_data()),
            Ok(_) => None,
        })
    }

    /// Finishes every award a previous run sent without recording an
    /// outcome; never signs anything new for them.
    pub async fn resume(&self) -> Result<Vec<(B256, Outcome)>, ChainError> {
        let mut done = vec![];
        for key in self.unfinished()? {
            let e = self.entry(&key)?.expect("listed");
            done.push((key, self.finish(&key, e).await?));
        }
        Ok(done)
    }
}

/// The intents a mined settlement skipped, from the `IntentSkipped` logs
/// the Settlement at `settlement` wrote in receipt `r`.
pub fn skipped_in(
    r: &TransactionReceipt,
    settlement: Address,
) -> Vec<(stakebid_intents::IntentId, SkipReason)> {
    r.inner
        .logs()
        .iter()
        .filter(|l| l.address() == settlement)
        .filter_map(|l| l.log_decode::<Settlement::IntentSkipped>().ok())
        .filter_map(|l| {
            let ev = l.inner.data;
            let reason = SkipReason::from_chain_code(ev.reason)?;
            Some((stakebid_intents::IntentId(ev.intentId), reason))
        })
        .collect()
}

/// The name of the custom error in revert `data`, if one of our contracts declares it.
pub fn error_name(data: &[u8]) -> Option<String> {
    Revert::decode(data).map(|r| r.name().to_string())
}
