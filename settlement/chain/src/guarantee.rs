//! Delivered-yield guarantees as a wallet or a node reads them
//! (`docs/guarantee.md`): each award's commitment (`GuaranteesCommitted`:
//! a Merkle root and every leaf), a leaf's proof, its status from the
//! protocols' own indexes read through the route's adapter, and the
//! permissionless claim.

use alloy::primitives::U256;
use alloy::providers::DynProvider;
use stakebid_intents::deployment::Deployment;
use stakebid_intents::units::{Wad, WAD};

use crate::ChainError;

use alloy::primitives::{keccak256, Address, B256};
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, TransactionReceipt};
use alloy::sol_types::{SolEvent, SolValue};
use stakebid_intents::guarantee::{self as rule, Terms};
use stakebid_intents::merkle;
use stakebid_intents::units::{Bps, Wei};

use crate::contracts::settlement::Settlement;

alloy::sol! {
    /// What a guarantee's claim reads of an adapter (`IYieldIndex` in
    /// `Common.sol`): the protocol's own yield index of a position.
    #[sol(rpc)]
    interface IYieldIndex {
        function index(address token, address operator) external view returns (uint256);
    }
}

/// Blocks per `eth_getLogs` call when scanning for commitments.
const LOG_CHUNK: u64 = 10_000;

/// One award's guarantees as the Settlement committed them
/// (`GuaranteesCommitted`): the root and every leaf, so anyone can prove any
/// of them.
#[derive(Clone, Debug)]
pub struct Commitment {
    /// The Merkle root (the registry's reservation key).
    pub root: B256,
    /// The solver whose bond covers them.
    pub solver: Address,
    /// The auction the award came from.
    pub auction_id: u64,
    /// The leaves, in the tree's order.
    pub leaves: Vec<Settlement::Leaf>,
}

/// keccak256(abi.encode(leaf)), as the Settlement hashes it.
pub fn leaf_hash(l: &Settlement::Leaf) -> B256 {
    keccak256(l.abi_encode())
}

impl Commitment {
    fn from_event(e: Settlement::GuaranteesCommitted) -> Commitment {
        Commitment { root: e.root, solver: e.solver, auction_id: e.auctionId, leaves: e.leaves }
    }

    /// The leaf of `intent` and its proof, if this award guaranteed it.
    pub fn proof(&self, intent: B256) -> Option<(Settlement::Leaf, Vec<B256>)> {
        let i = self.leaves.iter().position(|l| l.intentId == intent)?;
        let hashes: Vec<B256> = self.leaves.iter().map(leaf_hash).collect();
        Some((self.leaves[i].clone(), merkle::proof(&hashes, i)?))
    }

    /// The root the leaves hash to (equal to `root` for what the chain logged).
    pub fn computed_root(&self) -> Option<B256> {
        merkle::root(&self.leaves.iter().map(leaf_hash).collect::<Vec<_>>())
    }
}

/// The commitments a settlement's receipt logged.
pub fn commitments_in(r: &TransactionReceipt, settlement: Address) -> Vec<Commitment> {
    r.inner
        .logs()
        .iter()
        .filter(|l| l.address() == settlement)
        .filter_map(|l| l.log_decode::<Settlement::GuaranteesCommitted>().ok())
        .map(|l| Commitment::from_event(l.inner.data))
        .collect()
}

/// Every commitment the Settlement logged since it was deployed.
pub async fn commitments(p: &DynProvider, d: &Deployment) -> Result<Vec<Commitment>, ChainError> {
    let head = p.get_block_number().await?;
    let mut out = Vec::new();
    let mut from = d.deployed_at;
    while from <= head {
        let to = (from + LOG_CHUNK - 1).min(head);
        let f = Filter::new()
            .address(d.settlement)
            .event_signature(Settlement::GuaranteesCommitted::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        for log in p.get_logs(&f).await? {
            if let Ok(e) = Settlement::GuaranteesCommitted::decode_log_data(log.data()) {
                out.push(Commitment::from_event(e));
            }
        }
        from = to + 1;
    }
    Ok(out)
}

/// The commitment holding `intent`'s guarantee, if it has one.
pub async fn commitment_of(
    p: &DynProvider,
    d: &Deployment,
    intent: B256,
) -> Result<Option<Commitment>, ChainError> {
    Ok(commitments(p, d).await?.into_iter().find(|c| c.leaves.iter().any(|l| l.intentId == intent)))
}

/// A leaf's guarantee terms.
pub fn terms_of(l: &Settlement::Leaf) -> Terms {
    Terms { floor: Bps(l.floorBps), horizon_days: l.horizonDays, cap: Wei(l.cap.saturating_to()) }
}

/// The legs of `leaf` with each position's index now (read, as the
/// Settlement's claim reads it, through the route's adapter).
pub async fn legs_now(p: &DynProvider, l: &Settlement::Leaf) -> Result<Vec<rule::Leg>, ChainError> {
    let mut legs = Vec::with_capacity(l.legs.len());
    for leg in &l.legs {
        let now = if leg.adapter == Address::ZERO {
            U256::from(WAD)
        } else {
            IYieldIndex::new(leg.adapter, p.clone()).index(leg.token, leg.operator).call().await?
        };
        legs.push(rule::Leg {
            entry_value: Wei(leg.entryValue.saturating_to()),
            entry_index: Wad(leg.entryIndex.saturating_to()),
            index_now: Wad(now.saturating_to()),
        });
    }
    Ok(legs)
}

/// Where a guarantee stands at `now`, from the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The promised terms.
    pub terms: Terms,
    /// What the staker paid, the fee included.
    pub amount: Wei,
    /// When the plan settled.
    pub settled_at: u64,
    /// The claim window `[opens, closes]`.
    pub window: (u64, u64),
    /// Delivered net APY so far (bps), by the protocols' indexes.
    pub delivered_bps: Option<i64>,
    /// What a claim would pay if the window were open now.
    pub payout_now: Wei,
    /// Whether a claim was already made.
    pub claimed: bool,
}

impl Status {
    /// Whether a claim can be made at `now` (open window, not yet claimed).
    pub fn claimable(&self, now: u64) -> bool {
        !self.claimed && now >= self.window.0 && now <= self.window.1
    }
}

/// `leaf`'s status at `now` (the latest block's time).
pub async fn status(
    p: &DynProvider,
    d: &Deployment,
    l: &Settlement::Leaf,
    now: u64,
) -> Result<Status, ChainError> {
    let terms = terms_of(l);
    let amount = Wei(l.amount.saturating_to());
    let legs = legs_now(p, l).await?;
    let elapsed = rule::elapsed(l.settledAt, now, l.horizonDays);
    let claimed =
        Settlement::new(d.settlement, p.clone()).guaranteeClaimed(l.intentId).call().await?;
    Ok(Status {
        terms,
        amount,
        settled_at: l.settledAt,
        window: rule::claim_window(l.settledAt, l.horizonDays),
        delivered_bps: rule::delivered_bps(amount, &legs, elapsed),
        payout_now: rule::payout(&terms, amount, &legs, elapsed).unwrap_or(Wei(0)),
        claimed,
    })
}

/// Claims `intent`'s guarantee from `c` (anyone may, in its window);
/// returns the receipt and what was credited to the owner's escrow.
pub async fn claim(
    p: &DynProvider,
    d: &Deployment,
    c: &Commitment,
    intent: B256,
) -> Result<(TransactionReceipt, Wei), ChainError> {
    use crate::Confirm;
    let (leaf, proof) = c.proof(intent).ok_or_else(|| {
        ChainError::Config(format!("intent {intent} is not in commitment {}", c.root))
    })?;
    let r = Settlement::new(d.settlement, p.clone()).claim(c.root, leaf, proof).confirm().await?;
    let paid = r
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<Settlement::GuaranteeClaimed>().ok())
        .map_or(Wei(0), |l| Wei(l.inner.data.paid.saturating_to()));
    Ok((r, paid))
}
