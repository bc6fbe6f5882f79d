//! The funding pass before each round (node infra): which pending intents
//! the chain says cannot settle now, so they wait outside the batch.
//!
//! ```text
//! pending ids (index keys, no record read)
//!   ├─ not parked ────────────────┐
//!   ├─ parked, owner woken ───────┤  (a Deposited / Approval / Transfer log
//!   │                             │   naming the owner since the last pass)
//!   ├─ parked, this pass's turn ──┤  (RECHECK_PER_ROUND of them, rotating)
//!   │                             ▼
//!   │        one JSON-RPC batch: escrow or allowance+balance per
//!   │        (owner, asset), nonceUsed per intent ─▶ unfunded ─▶ parked
//!   └─ parked, not looked at ───────────────────────────────▶ stays parked
//! ```
//!
//! Why parked: 10,000 intents from 10,000 keys that never escrow cost an
//! attacker nothing; checking each of them every round made the round's
//! gap grow with them (their records decoded three times, two calls each).
//! Parked intents cost a key read per round until their owner's funds
//! move (a log names them) or their turn in the rotation comes.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::Filter;
use alloy::sol_types::{SolCall, SolEvent};

use crate::port::NodeStore;
use crate::port::{Record, Status};
use stakebid_intents::{Intent, IntentId};
use stakebid_settlement::contracts::{MockRocketPool as Erc20, Settlement};

alloy::sol! {
    /// EIP-2612's nonce view.
    interface PermitNonce {
        function nonces(address owner) external view returns (uint256);
    }
}

/// Parked intents re-checked each pass regardless of logs (catches what no
/// log names, e.g. a balance moved by a token without events).
pub const RECHECK_PER_ROUND: usize = 256;

/// Calls per JSON-RPC batch.
const PER_TRIP: usize = 500;

/// What re-checking a parked intent needs without reading its record.
#[derive(Clone, Copy, Debug)]
pub struct Parked {
    /// Its owner (woken by logs naming it).
    pub owner: Address,
    /// Its asset (the token whose logs are read).
    pub asset: Address,
    /// Its deadline (the round driver expires it without reading it).
    pub deadline: u64,
    /// Why, as the last check saw it.
    pub short: Shortfall,
}

/// Why the chain says a pending intent cannot settle now, in amounts its
/// owner can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortfall {
    /// Its nonce is spent (settled elsewhere, or cancelled on-chain).
    NonceSpent,
    /// What the owner's pending and awarded intents in `asset` need
    /// against what its escrow (ETH) or allowance and balance (a token)
    /// hold, in wei.
    Funds {
        /// The asset (zero: ETH in escrow).
        asset: Address,
        /// What its intents in this asset need together.
        needed: U256,
        /// What the chain holds for them.
        available: U256,
    },
}

/// A held-back intent: its deadline (rounds expire it without reading it)
/// and why it is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    /// Its deadline.
    pub deadline: u64,
    /// Why.
    pub short: Shortfall,
}

/// The pass's memory between rounds.
#[derive(Default)]
pub struct Funding {
    parked: BTreeMap<IntentId, Parked>,
    /// Next block to read wake-up logs from (0: not started).
    scanned: u64,
    /// Where the rotation stopped.
    turn: Option<IntentId>,
}

impl Funding {
    /// One pass: returns every pending intent to hold back now, with its
    /// deadline. `promised` is what awarded intents will draw per (owner,
    /// asset). An RPC failure holds back only what was parked before.
    pub async fn pass(
        &mut self,
        provider: &DynProvider,
        settlement: Address,
        store: &dyn NodeStore,
    ) -> BTreeMap<IntentId, Held> {
        let Ok(pending) = store.ids_with_status(Status::Pending) else {
            return self.held();
        };
        let pending: BTreeSet<IntentId> = pending.into_iter().collect();
        self.parked.retain(|id, _| pending.contains(id));
        let woken = self.woken(provider, settlement).await;
        let mut check: Vec<IntentId> =
            pending.iter().filter(|id| !self.parked.contains_key(id)).copied().collect();
        check.extend(
            self.parked.iter().filter(|(_, p)| woken.contains(&p.owner)).map(|(id, _)| *id),
        );
        check.extend(self.rotation());
        check.sort();
        check.dedup();
        let Ok(records) = store.get_many(&check) else {
            return self.held();
        };
        let promised = promised(store);
        let Some(unfunded) = unfunded(provider, settlement, &records, &promised).await else {
            return self.held();
        };
        for (id, r) in &records {
            let i = &r.signed.intent;
            if let Some(short) = unfunded.get(id) {
                let p =
                    Parked { owner: i.owner, asset: i.asset, deadline: i.deadline, short: *short };
                self.parked.insert(*id, p);
            } else {
                self.parked.remove(id);
            }
        }
        self.held()
    }

    /// Intents held back now, with their deadlines and why.
    pub fn held(&self) -> BTreeMap<IntentId, Held> {
        self.parked
            .iter()
            .map(|(id, p)| (*id, Held { deadline: p.deadline, short: p.short }))
            .collect()
    }

    /// The next [`RECHECK_PER_ROUND`] parked intents after the last turn,
    /// wrapping around.
    fn rotation(&mut self) -> Vec<IntentId> {
        let start = self.turn.unwrap_or(IntentId(B256::ZERO));
        let after = self.parked.range(start..).filter(|(id, _)| Some(**id) != self.turn);
        let mut out: Vec<IntentId> = after.take(RECHECK_PER_ROUND).map(|(id, _)| *id).collect();
        if out.len() < RECHECK_PER_ROUND {
            let more = RECHECK_PER_ROUND - out.len();
            let wrapped: Vec<IntentId> =
                self.parked.keys().take(more).filter(|id| !out.contains(id)).copied().collect();
            out.extend(wrapped);
        }
        self.turn = out.last().copied();
        out
    }

    /// Owners a log since the last pass names: an escrow deposit, a token
    /// approval to the Settlement, a token transfer to them. Reads nothing
    /// while nothing is parked (only moves the cursor).
    async fn woken(&mut self, provider: &DynProvider, settlement: Address) -> BTreeSet<Address> {
        let Ok(head) = provider.get_block_number().await else { return BTreeSet::new() };
        let from = std::mem::replace(&mut self.scanned, head + 1);
        if self.parked.is_empty() || from == 0 || from > head {
            return BTreeSet::new();
        }
        let mut addresses: Vec<Address> = vec![settlement];
        addresses.extend(
            self.parked.values().map(|p| p.asset).filter(|a| !a.is_zero()).collect::<BTreeSet<_>>(),
        );
        let filter =
            Filter::new().address(addresses).from_block(from).to_block(head).event_signature(vec![
                Settlement::Deposited::SIGNATURE_HASH,
                Erc20::Approval::SIGNATURE_HASH,
                Erc20::Transfer::SIGNATURE_HASH,
            ]);
        let Ok(logs) = provider.get_logs(&filter).await else {
            // Read again next pass.
            self.scanned = from;
            return BTreeSet::new();
        };
        let topic = |l: &alloy::rpc::types::Log, n: usize| {
            l.topics().get(n).map(|t| Address::from_word(*t))
        };
        logs.iter()
            .filter_map(|l| match l.topic0() {
                Some(t) if *t == Settlement::Deposited::SIGNATURE_HASH => topic(l, 1),
                Some(t) if *t == Erc20::Approval::SIGNATURE_HASH => {
                    (topic(l, 2) == Some(settlement)).then(|| topic(l, 1)).flatten()
                }
                Some(t) if *t == Erc20::Transfer::SIGNATURE_HASH => topic(l, 2),
                _ => None,
            })
            .collect()
    }
}

/// What each (owner, asset) has promised already: awarded intents draw on
/// the same escrow or allowance when they settle.
fn promised(store: &dyn NodeStore) -> BTreeMap<(Address, Address), U256> {
    let mut out: BTreeMap<(Address, Address), U256> = BTreeMap::new();
    for (_, r) in store.with_status(Status::Awarded).unwrap_or_default() {
        let i = &r.signed.intent;
        *out.entry((i.owner, i.asset)).or_default() += i.amount;
    }
    out
}

/// Of `records`, those the chain says cannot settle now: the nonce already
/// spent (settled elsewhere or cancelled on-chain), or the owner's escrow
/// (ETH) or allowance and balance (a token) short — counted per owner and
/// asset across the intents checked, less what its awarded intents will
/// draw, so two intents sharing one escrow are not both offered when it
/// covers one (they would revert the award whole). Every answer in one
/// JSON-RPC batch; `None` when the chain did not answer.
async fn unfunded(
    provider: &DynProvider,
    settlement: Address,
    records: &[(IntentId, Record)],
    promised: &BTreeMap<(Address, Address), U256>,
) -> Option<BTreeMap<IntentId, Shortfall>> {
    let mut groups: BTreeMap<(Address, Address), Vec<(IntentId, &Intent)>> = BTreeMap::new();
    // A permit-funded intent (its owner's only open one in the token) is
    // funded by its balance while its permit's nonce is still the token's.
    let mut permits: BTreeMap<(Address, Address), U256> = BTreeMap::new();
    for (id, rec) in records {
        let i = &rec.signed.intent;
        groups.entry((i.owner, i.asset)).or_default().push((*id, i));
        if let Some(p) = &rec.signed.permit {
            permits.insert((i.owner, i.asset), p.nonce);
        }
    }
    let mut calls: Vec<(Address, Bytes)> = vec![];
    for ((owner, asset), intents) in &groups {
        if asset.is_zero() {
            calls
                .push((settlement, Settlement::escrowOfCall { owner: *owner }.abi_encode().into()));
        } else {
            let allowance = Erc20::allowanceCall { _0: *owner, _1: settlement };
            calls.push((*asset, allowance.abi_encode().into()));
            calls.push((*asset, Erc20::balanceOfCall { who: *owner }.abi_encode().into()));
            if permits.contains_key(&(*owner, *asset)) {
                calls.push((*asset, PermitNonce::noncesCall { owner: *owner }.abi_encode().into()));
            }
        }
        for (_, i) in intents {
            let used = Settlement::nonceUsedCall { owner: *owner, nonce: i.nonce };
            calls.push((settlement, used.abi_encode().into()));
        }
    }
    let answers = stakebid_settlement::market::read::call_batch(provider, &calls, None, PER_TRIP)
        .await
        .ok()?;
    let word = |a: &Option<Bytes>| {
        a.as_ref().filter(|b| b.len() >= 32).map(|b| U256::from_be_slice(&b[..32]))
    };
    let mut answers = answers.iter();
    let mut next = || word(answers.next().expect("one answer per call"));
    let mut out = BTreeMap::new();
    for ((owner, asset), intents) in groups {
        let funds = if asset.is_zero() {
            next()
        } else {
            let (allowance, balance) = (next(), next());
            match permits.get(&(owner, asset)) {
                Some(signed) => {
                    let live = next().is_some_and(|n| n == *signed);
                    if live {
                        balance
                    } else {
                        allowance.zip(balance).map(|(a, b)| a.min(b))
                    }
                }
                None => allowance.zip(balance).map(|(a, b)| a.min(b)),
            }
        };
        let used: Vec<bool> =
            intents.iter().map(|_| next().is_some_and(|w| !w.is_zero())).collect();
        // A call that did not answer holds nothing back.
        let Some(funds) = funds else { continue };
        let owed = promised.get(&(owner, asset)).copied().unwrap_or_default();
        let needed = intents
            .iter()
            .zip(&used)
            .filter(|(_, spent)| !**spent)
            .fold(owed, |n, ((_, i), _)| n + i.amount);
        let short = Shortfall::Funds { asset, needed, available: funds };
        let mut left = funds.saturating_sub(owed);
        let mut order: Vec<usize> = (0..intents.len()).collect();
        // The soonest deadline first: what must settle soonest is funded first.
        order.sort_by_key(|&k| (intents[k].1.deadline, intents[k].1.nonce, intents[k].0));
        for k in order {
            let (id, i) = intents[k];
            if used[k] {
                out.insert(id, Shortfall::NonceSpent);
            } else if i.amount <= left {
                left -= i.amount;
            } else {
                out.insert(id, short);
            }
        }
    }
    Some(out)
}
