//! The market reader: every figure at one block, in JSON-RPC batches.
//!
//! One read is a bounded number of round trips, whatever the market's
//! size: the head block (1); the protocol events since the cursor, every
//! chunk in one batch (1 per `batch` chunks); the figures at the block,
//! `batch` calls per round trip; the window's start block found by bisection
//! over headers (≤ log2 of the window in blocks) and the rates there (1).
//! Operators and services are discovered from events (the chain cannot list
//! them by a view call): the [`Cursor`] remembers what it has seen and the
//! next block to scan, and the caller persists it.

use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::client::BatchRequest;
use alloy::rpc::types::{Filter, Log, TransactionRequest};
use alloy::sol_types::{SolCall, SolEvent};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use stakebid_intents::market::live::{AssetRead, ChainRead, OperatorRead, RatePoint};
use stakebid_intents::units::{Wad, Wei, WAD};

use super::views::{
    IAllocationViews, IDelegationM2, IDelegationViews, ILidoViews, IRocketViews, OperatorSet,
};
use super::{AssetSource, Protocols};
use crate::ChainError;

/// How the reader batches and how far back the APR looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOpts {
    /// Requests per JSON-RPC batch.
    pub batch: usize,
    /// Blocks per `eth_getLogs` request.
    pub log_chunk: u64,
    /// The APR window (7 days, as Lido's published APR).
    pub apr_window_secs: u64,
}

impl Default for ReadOpts {
    fn default() -> Self {
        ReadOpts { batch: 500, log_chunk: 10_000, apr_window_secs: 7 * 86_400 }
    }
}

/// What the events told so far, and where to continue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// The next block to scan (0: the protocols file's `from_block`).
    pub next_block: u64,
    /// Registered operators.
    pub operators: BTreeSet<Address>,
    /// (operator, AVS, operator-set id) with an allocation seen.
    pub sets: BTreeSet<(Address, Address, u32)>,
    /// Slashings seen per operator.
    pub slashings: BTreeMap<Address, u32>,
}

/// What a read cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// HTTP round trips to the RPC.
    pub round_trips: u32,
    /// `eth_call`s made.
    pub calls: usize,
    /// Log requests made.
    pub log_requests: usize,
}

/// Reads the protocols of one [`Protocols`] file.
pub struct Reader {
    provider: DynProvider,
    /// What it reads.
    pub protocols: Protocols,
    /// How.
    pub opts: ReadOpts,
}

/// One call of the batch and what its answer fills in.
enum Slot {
    Rate(String),
    Room(String),
    Paused(String),
    Pooled(String),
    PoolBalance(String),
    PoolMax(String),
    MinDeposit(String),
    Fee(String),
    Enabled(String),
    DepositRoom(String),
    Delay,
    Shares(Address, String),
    MaxMagnitude(Address),
    Approver(Address),
    Allocation(Address, Address),
}

/// A deposit pool's answers, put together once all are in.
#[derive(Default)]
struct Pool {
    balance: Option<u128>,
    max: Option<u128>,
    enabled: Option<bool>,
}

fn u256(b: &Bytes) -> Option<U256> {
    (b.len() >= 32).then(|| U256::from_be_slice(&b[..32]))
}

fn u128_of(b: &Bytes) -> Option<u128> {
    u256(b).map(|v| v.saturating_to::<u128>())
}

impl Reader {
    /// A reader on `provider`.
    pub fn new(provider: DynProvider, protocols: Protocols, opts: ReadOpts) -> Reader {
        Reader { provider, protocols, opts }
    }

    /// Reads the market's chain figures at `at` (default: the latest block),
    /// advancing `cursor` over the events up to that block.
    pub async fn read(
        &self,
        cursor: &mut Cursor,
        at: Option<u64>,
    ) -> Result<(ChainRead, ReadStats), ChainError> {
        let mut stats = ReadStats::default();
        let chain_id = self.provider.get_chain_id().await?;
        stats.round_trips += 1;
        if chain_id != self.protocols.chain_id {
            return Err(ChainError::Config(format!(
                "the RPC serves chain {chain_id}; the protocols file `{}` is for chain {}",
                self.protocols.name, self.protocols.chain_id
            )));
        }
        let (block, timestamp, base_fee) = self.header(at, &mut stats).await?;
        self.scan(cursor, block, &mut stats).await?;
        let (slots, calls) = self.calls(cursor);
        let answers = self.call_batch(&calls, block, &mut stats).await?;
        let mut read = ChainRead {
            chain_id,
            block,
            timestamp,
            base_fee: Wei(base_fee),
            assets: BTreeMap::new(),
            operators: BTreeMap::new(),
            services: BTreeMap::new(),
            withdrawal_delay_blocks: None,
            block_secs: self.protocols.block_secs,
        };
        self.fill(&mut read, cursor, &slots, &answers)?;
        self.history(&mut read, &mut stats).await?;
        Ok((read, stats))
    }

    async fn header(
        &self,
        at: Option<u64>,
        stats: &mut ReadStats,
    ) -> Result<(u64, u64, u128), ChainError> {
        let tag = at.map_or(alloy::eips::BlockNumberOrTag::Latest, Into::into);
        let b = self
            .provider
            .get_block_by_number(tag)
            .await?
            .ok_or_else(|| ChainError::Config(format!("the chain has no block {tag}")))?;
        stats.round_trips += 1;
        let h = &b.header;
        Ok((h.number, h.timestamp, u128::from(h.base_fee_per_gas.unwrap_or(0))))
    }

    /// Follows registrations, allocations and slashings from the cursor to
    /// `block`, every chunk of `log_chunk` blocks in one batch.
    async fn scan(
        &self,
        c: &mut Cursor,
        block: u64,
        stats: &mut ReadStats,
    ) -> Result<(), ChainError> {
        let Some(el) = &self.protocols.eigenlayer else { return Ok(()) };
        let from = c.next_block.max(el.from_block);
        if from > block {
            return Ok(());
        }
        let topics = vec![
            IDelegationViews::OperatorRegistered::SIGNATURE_HASH,
            IDelegationM2::OperatorRegistered::SIGNATURE_HASH,
            IAllocationViews::AllocationUpdated::SIGNATURE_HASH,
            IAllocationViews::OperatorSlashed::SIGNATURE_HASH,
        ];
        let mut filters = Vec::new();
        let mut start = from;
        while start <= block {
            let end = (start + self.opts.log_chunk - 1).min(block);
            filters.push(
                Filter::new()
                    .address(vec![el.delegation_manager, el.allocation_manager])
                    .event_signature(topics.clone())
                    .from_block(start)
                    .to_block(end),
            );
            start = end + 1;
        }
        for group in filters.chunks(self.opts.batch) {
            let mut batch = BatchRequest::new(self.provider.client());
            let mut waiters = Vec::new();
            for f in group {
                waiters.push(batch.add_call::<_, Vec<Log>>("eth_getLogs", &(f,))?);
            }
            batch.send().await?;
            stats.round_trips += 1;
            stats.log_requests += group.len();
            for w in waiters {
                for log in w.await? {
                    apply(c, &log);
                }
            }
        }
        c.next_block = block + 1;
        Ok(())
    }

    /// Every view call the read makes, with what each answer fills in.
    fn calls(&self, c: &Cursor) -> (Vec<Slot>, Vec<(Address, Bytes)>) {
        let mut slots = Vec::new();
        let mut calls = Vec::new();
        let mut add = |slot: Slot, to: Address, data: Vec<u8>| {
            slots.push(slot);
            calls.push((to, Bytes::from(data)));
        };
        for (id, src) in &self.protocols.assets {
            let i = || id.clone();
            match *src {
                AssetSource::Lido { token } => {
                    let one =
                        ILidoViews::getPooledEthBySharesCall { sharesAmount: U256::from(WAD) };
                    add(Slot::Rate(i()), token, one.abi_encode());
                    add(
                        Slot::Room(i()),
                        token,
                        ILidoViews::getCurrentStakeLimitCall {}.abi_encode(),
                    );
                    add(Slot::Paused(i()), token, ILidoViews::isStakingPausedCall {}.abi_encode());
                    add(
                        Slot::Pooled(i()),
                        token,
                        ILidoViews::getTotalPooledEtherCall {}.abi_encode(),
                    );
                }
                AssetSource::RocketPool { token, deposit_pool, settings, mintable } => {
                    add(Slot::Rate(i()), token, IRocketViews::getExchangeRateCall {}.abi_encode());
                    if !mintable {
                        continue;
                    }
                    match settings {
                        Some(s) => {
                            let bal = IRocketViews::getBalanceCall {}.abi_encode();
                            add(Slot::PoolBalance(i()), deposit_pool, bal);
                            let max = IRocketViews::getMaximumDepositPoolSizeCall {}.abi_encode();
                            add(Slot::PoolMax(i()), s, max);
                            let min = IRocketViews::getMinimumDepositCall {}.abi_encode();
                            add(Slot::MinDeposit(i()), s, min);
                            add(Slot::Fee(i()), s, IRocketViews::getDepositFeeCall {}.abi_encode());
                            let on = IRocketViews::getDepositEnabledCall {}.abi_encode();
                            add(Slot::Enabled(i()), s, on);
                        }
                        None => {
                            let room = IRocketViews::getMaximumDepositAmountCall {}.abi_encode();
                            add(Slot::DepositRoom(i()), deposit_pool, room);
                        }
                    }
                }
            }
        }
        if let Some(el) = &self.protocols.eigenlayer {
            let dm = el.delegation_manager;
            add(Slot::Delay, dm, IDelegationViews::minWithdrawalDelayBlocksCall {}.abi_encode());
            // The stand-in keeps one magnitude per operator for all
            // strategies; mainnet's are per strategy: the first strategy's
            // (stETH's on mainnet, the largest) stands for the operator.
            let first = el.strategies.values().next().copied().unwrap_or_default();
            for &op in &c.operators {
                for (asset, &s) in &el.strategies {
                    let call = IDelegationViews::operatorSharesCall { operator: op, strategy: s };
                    add(Slot::Shares(op, asset.clone()), dm, call.abi_encode());
                }
                let call = IAllocationViews::getMaxMagnitudeCall { operator: op, strategy: first };
                add(Slot::MaxMagnitude(op), el.allocation_manager, call.abi_encode());
                let call = IDelegationViews::delegationApproverCall { operator: op };
                add(Slot::Approver(op), dm, call.abi_encode());
            }
            for &(op, avs, id) in &c.sets {
                let call = IAllocationViews::getAllocationCall {
                    operator: op,
                    operatorSet: OperatorSet { avs, id },
                    strategy: first,
                };
                add(Slot::Allocation(op, avs), el.allocation_manager, call.abi_encode());
            }
        }
        (slots, calls)
    }

    /// `eth_call`s at `block`, `batch` per round trip; a reverted or empty
    /// answer is `None`.
    async fn call_batch(
        &self,
        calls: &[(Address, Bytes)],
        block: u64,
        stats: &mut ReadStats,
    ) -> Result<Vec<Option<Bytes>>, ChainError> {
        let trips = calls.len().div_ceil(self.opts.batch.max(1));
        let out = call_batch(&self.provider, calls, Some(block), self.opts.batch).await?;
        stats.round_trips += trips as u32;
        stats.calls += calls.len();
        Ok(out)
    }

    fn fill(
        &self,
        read: &mut ChainRead,
        c: &Cursor,
        slots: &[Slot],
        answers: &[Option<Bytes>],
    ) -> Result<(), ChainError> {
        let at = read.block;
        let missing = |what: &str| {
            ChainError::Config(format!(
                "{what} did not answer at block {at} (is the protocols file for this chain?)"
            ))
        };
        let mut pools: BTreeMap<String, Pool> = BTreeMap::new();
        // Address → id once (the file's id, else the checksummed address),
        // not a search and a string per answer.
        let named = |m: &BTreeMap<String, Address>| -> BTreeMap<Address, String> {
            m.iter().map(|(id, a)| (*a, id.clone())).collect()
        };
        let (op_names, svc_names) =
            (named(&self.protocols.operators), named(&self.protocols.services));
        let op_ids: BTreeMap<Address, String> = c
            .operators
            .iter()
            .map(|a| (*a, op_names.get(a).cloned().unwrap_or_else(|| a.to_checksum(None))))
            .collect();
        let id_of_op = |a: &Address| op_ids.get(a).cloned().unwrap_or_else(|| a.to_checksum(None));
        let id_of_svc =
            |a: &Address| svc_names.get(a).cloned().unwrap_or_else(|| a.to_checksum(None));
        for &op in &c.operators {
            read.operators.insert(
                id_of_op(&op),
                OperatorRead {
                    address: op,
                    delegated: BTreeMap::new(),
                    max_magnitude: Wad(WAD),
                    allocations: BTreeMap::new(),
                    slashings: c.slashings.get(&op).copied().unwrap_or(0),
                    delegation_approver: None,
                },
            );
        }
        for (slot, ans) in slots.iter().zip(answers) {
            let word = ans.as_ref().and_then(u128_of);
            let entry = |read: &mut ChainRead, id: &String| {
                read.assets.entry(id.clone()).or_insert(AssetRead {
                    rate: Wad(0),
                    index: Wad(0),
                    history: None,
                    deposit_room: None,
                    deposits_open: true,
                    deposit_fee: None,
                    pooled: None,
                    min_deposit: None,
                });
            };
            match slot {
                Slot::Rate(id) => {
                    entry(read, id);
                    let r = word.ok_or_else(|| missing(&format!("{id}'s exchange rate")))?;
                    let a = read.assets.get_mut(id).expect("inserted");
                    a.index = Wad(r);
                    a.rate = self.token_rate(id, Wad(r));
                }
                Slot::Room(id) | Slot::DepositRoom(id) => {
                    let a = read.assets.get_mut(id).expect("the rate comes first");
                    a.deposit_room =
                        Some(Wei(word.ok_or_else(|| missing(&format!("{id}'s deposit room")))?));
                }
                Slot::Paused(id) => {
                    read.assets.get_mut(id).expect("the rate comes first").deposits_open =
                        word == Some(0);
                }
                Slot::Pooled(id) => {
                    read.assets.get_mut(id).expect("the rate comes first").pooled = word.map(Wei);
                }
                Slot::Enabled(id) => {
                    pools.entry(id.clone()).or_default().enabled = word.map(|w| w != 0);
                }
                Slot::PoolBalance(id) => pools.entry(id.clone()).or_default().balance = word,
                Slot::PoolMax(id) => pools.entry(id.clone()).or_default().max = word,
                Slot::MinDeposit(id) => {
                    read.assets.get_mut(id).expect("the rate comes first").min_deposit =
                        word.map(Wei);
                }
                Slot::Fee(id) => {
                    read.assets.get_mut(id).expect("the rate comes first").deposit_fee =
                        word.map(Wad);
                }
                Slot::Delay => read.withdrawal_delay_blocks = word.map(|w| w as u32),
                Slot::Shares(op, asset) => {
                    let rate = read.assets.get(asset).map_or(WAD, |a| a.rate.0);
                    let shares = U256::from(word.unwrap_or(0));
                    let eth = (shares * U256::from(rate) / U256::from(WAD)).saturating_to::<u128>();
                    let o = read.operators.get_mut(&id_of_op(op)).expect("operators first");
                    o.delegated.insert(asset.clone(), Wei(eth));
                }
                Slot::MaxMagnitude(op) => {
                    let o = read.operators.get_mut(&id_of_op(op)).expect("operators first");
                    o.max_magnitude = Wad(word.unwrap_or(WAD));
                }
                Slot::Approver(op) => {
                    // No answer reads as no approver, as every other
                    // unreadable operator figure reads as its default.
                    let approver = ans
                        .as_ref()
                        .filter(|b| b.len() >= 32)
                        .map(|b| Address::from_slice(&b[12..32]))
                        .filter(|a| !a.is_zero());
                    let o = read.operators.get_mut(&id_of_op(op)).expect("operators first");
                    o.delegation_approver = approver;
                }
                Slot::Allocation(op, avs) => {
                    // getAllocation returns (currentMagnitude, pendingDiff, effectBlock).
                    let sid = id_of_svc(avs);
                    read.services.insert(sid.clone(), *avs);
                    // An AVS's operator sets add up to one service.
                    if let Some(o) = read.operators.get_mut(&id_of_op(op)) {
                        o.allocations.entry(sid).or_insert(Wad(0)).0 += word.unwrap_or(0);
                    }
                }
            }
        }
        for (id, pool) in pools {
            let a = read.assets.get_mut(&id).expect("the rate comes first");
            let max = pool.max.ok_or_else(|| missing(&format!("{id}'s pool maximum")))?;
            a.deposit_room = Some(Wei(max.saturating_sub(pool.balance.unwrap_or(0))));
            a.deposits_open = pool.enabled.unwrap_or(false);
        }
        Ok(())
    }

    /// The rates at the APR window's start: the last block at or before
    /// `timestamp − window` (bisection over headers), no earlier than the
    /// protocols' first block.
    async fn history(&self, read: &mut ChainRead, stats: &mut ReadStats) -> Result<(), ChainError> {
        let target = read.timestamp.saturating_sub(self.opts.apr_window_secs);
        let first = self.protocols.history_from;
        let (mut lo, mut hi) = (first, read.block);
        // Invariant: ts(lo) ≤ target or lo = first; ts(hi) > target.
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            let (_, ts, _) = self.header(Some(mid), stats).await?;
            if ts <= target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        if lo >= read.block {
            return Ok(());
        }
        let (_, ts, _) = self.header(Some(lo), stats).await?;
        // No answer: the contract did not exist yet at that block.
        for (id, rate) in self.rates_at(lo, stats).await? {
            if let Some(a) = read.assets.get_mut(&id) {
                a.history = Some(RatePoint { block: lo, timestamp: ts, rate });
            }
        }
        Ok(())
    }

    /// Every asset's yield index at `block` (one round trip): the exchange
    /// rate, or stETH's ETH per share.
    pub async fn rates_at(
        &self,
        block: u64,
        stats: &mut ReadStats,
    ) -> Result<BTreeMap<String, Wad>, ChainError> {
        let mut calls = Vec::new();
        let mut ids = Vec::new();
        for (id, src) in &self.protocols.assets {
            let (to, data) = match *src {
                AssetSource::Lido { token } => (
                    token,
                    ILidoViews::getPooledEthBySharesCall { sharesAmount: U256::from(WAD) }
                        .abi_encode(),
                ),
                AssetSource::RocketPool { token, .. } => {
                    (token, IRocketViews::getExchangeRateCall {}.abi_encode())
                }
            };
            calls.push((to, Bytes::from(data)));
            ids.push(id.clone());
        }
        let answers = self.call_batch(&calls, block, stats).await?;
        Ok(ids
            .into_iter()
            .zip(answers)
            .filter_map(|(id, a)| Some((id, Wad(a.as_ref().and_then(u128_of)?))))
            .collect())
    }

    /// The latest block's number and every asset's exchange rate there
    /// (ETH per token: what a deposit mints at).
    pub async fn rates_now(&self) -> Result<(u64, BTreeMap<String, Wad>), ChainError> {
        let mut stats = ReadStats::default();
        let block = self.provider.get_block_number().await?;
        let idx = self.rates_at(block, &mut stats).await?;
        Ok((block, idx.into_iter().map(|(id, i)| (id.clone(), self.token_rate(&id, i))).collect()))
    }

    /// ETH per token from an asset's yield index: stETH rebases (1 stETH is
    /// 1 ETH whatever the share rate); other tokens' index is their rate.
    fn token_rate(&self, id: &str, index: Wad) -> Wad {
        match self.protocols.assets.get(id) {
            Some(AssetSource::Lido { .. }) => Wad(WAD),
            _ => index,
        }
    }
}

/// Folds one protocol event into the cursor.
fn apply(c: &mut Cursor, log: &Log) {
    let Some(topic) = log.topic0() else { return };
    match *topic {
        // Both forms index the operator as the first topic.
        t if t == IDelegationViews::OperatorRegistered::SIGNATURE_HASH
            || t == IDelegationM2::OperatorRegistered::SIGNATURE_HASH =>
        {
            if let Some(op) = log.topics().get(1) {
                c.operators.insert(Address::from_word(*op));
            }
        }
        t if t == IAllocationViews::AllocationUpdated::SIGNATURE_HASH => {
            if let Ok(e) = log.log_decode::<IAllocationViews::AllocationUpdated>() {
                let d = &e.inner.data;
                c.sets.insert((d.operator, d.operatorSet.avs, d.operatorSet.id));
            }
        }
        t if t == IAllocationViews::OperatorSlashed::SIGNATURE_HASH => {
            if let Ok(e) = log.log_decode::<IAllocationViews::OperatorSlashed>() {
                *c.slashings.entry(e.inner.data.operator).or_default() += 1;
            }
        }
        _ => {}
    }
}

/// `eth_call`s at `block` (the latest when `None`), `per_trip` to a JSON-RPC
/// batch: one round trip per `per_trip` calls instead of one per call. A
/// reverted or empty answer is `None`.
pub async fn call_batch(
    provider: &DynProvider,
    calls: &[(Address, Bytes)],
    block: Option<u64>,
    per_trip: usize,
) -> Result<Vec<Option<Bytes>>, ChainError> {
    let mut out = Vec::with_capacity(calls.len());
    let at = block.map_or_else(|| "latest".to_string(), |b| format!("{b:#x}"));
    for group in calls.chunks(per_trip.max(1)) {
        let mut batch = BatchRequest::new(provider.client());
        let mut waiters = Vec::new();
        for (to, data) in group {
            let tx = TransactionRequest::default().to(*to).input(data.clone().into());
            waiters.push(batch.add_call::<_, Bytes>("eth_call", &(tx, at.clone()))?);
        }
        batch.send().await?;
        for w in waiters {
            out.push(w.await.ok().filter(|b| !b.is_empty()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, LogData, B256};

    fn log(topics: Vec<B256>) -> Log {
        let inner = alloy::primitives::Log {
            address: Address::ZERO,
            data: LogData::new_unchecked(topics, Bytes::new()),
        };
        Log { inner, ..Log::default() }
    }

    #[test]
    fn operators_registered_under_either_form_of_the_event_are_followed() {
        let (a, b) = (Address::repeat_byte(0xaa), Address::repeat_byte(0xbb));
        let mut c = Cursor::default();
        apply(&mut c, &log(vec![IDelegationM2::OperatorRegistered::SIGNATURE_HASH, a.into_word()]));
        apply(
            &mut c,
            &log(vec![IDelegationViews::OperatorRegistered::SIGNATURE_HASH, b.into_word()]),
        );
        apply(&mut c, &log(vec![B256::repeat_byte(1), Address::repeat_byte(0xcc).into_word()]));
        assert_eq!(c.operators.into_iter().collect::<Vec<_>>(), vec![a, b]);
    }
}
