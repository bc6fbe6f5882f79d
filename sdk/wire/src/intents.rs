//! Intent endpoints: submit, status, an owner's intents, cancel, quote.

use alloy::primitives::{Address, Bytes, U256};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use stakebid_intents::encoding::{checksummed, checksummed_vec};
use stakebid_intents::{Intent, IntentId, Plan};

use crate::Dec;

/// `POST /v1/intents`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SubmitRequest {
    /// The intent as `eth_signTypedData_v4` JSON (types, domain, message):
    /// exactly what the wallet showed and signed.
    pub typed_data: TypedData,
    /// The owner's 65-byte signature (r‖s‖v), 0x-hex.
    #[schema(value_type = String, pattern = "^0x([0-9a-fA-F]{2})*$")]
    pub signature: Bytes,
    /// For a token intent: an EIP-2612 permit instead of an approve
    /// transaction, for value = the intent's amount and spender = the
    /// Settlement, signed with the owner's current permit nonce at the
    /// token and a deadline no earlier than the intent's. It must fund the
    /// owner's only open intent in that token (`permit.pending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permit: Option<PermitBody>,
}

/// An EIP-2612 permit as `POST /v1/intents` takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PermitBody {
    /// Unix seconds (decimal string).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    #[serde(with = "stakebid_intents::decimal")]
    pub deadline: alloy::primitives::U256,
    /// The owner's permit nonce at the token (decimal string), `nonces(owner)`.
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    #[serde(with = "stakebid_intents::decimal")]
    pub nonce: alloy::primitives::U256,
    /// The owner's 65-byte signature (r‖s‖v) over the token's `Permit` digest.
    #[schema(value_type = String, pattern = "^0x([0-9a-fA-F]{2})*$")]
    pub signature: Bytes,
}

impl From<&stakebid_intents::permit::IntentPermit> for PermitBody {
    fn from(p: &stakebid_intents::permit::IntentPermit) -> Self {
        PermitBody { deadline: p.deadline, nonce: p.nonce, signature: p.signature.clone() }
    }
}

/// `201` to `POST /v1/intents`: the intent is on disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Submitted {
    /// The intent's id (its EIP-712 digest).
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub id: IntentId,
    /// Always `pending`.
    pub status: IntentStatus,
}

/// An intent's lifecycle: pending → in_auction → awarded → settled, or
/// expired / cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntentStatus {
    /// In the pool, waiting for a round.
    Pending,
    /// In an open round.
    InAuction,
    /// Won; settlement under way.
    Awarded,
    /// Settled on-chain (final).
    Settled,
    /// Deadline passed unsettled (final).
    Expired,
    /// Cancelled by its owner (final).
    Cancelled,
}

impl IntentStatus {
    /// Whether nothing more will happen to the intent.
    pub fn is_final(self) -> bool {
        matches!(self, IntentStatus::Settled | IntentStatus::Expired | IntentStatus::Cancelled)
    }
}

/// One step of an intent's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// The status it entered.
    pub status: IntentStatus,
    /// When (unix s).
    pub at: u64,
}

/// The signed intent's message, as in its typed data: numbers as decimal
/// strings, addresses checksummed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // the fields are the EIP-712 struct's, documented there
pub struct IntentMessage {
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub owner: Address,
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub asset: Address,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub amount: Dec<U256>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_net_apy_bps: Dec<u16>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub max_loss_bps: Dec<u16>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub loss_confidence_bps: Dec<u16>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub max_operator_bps: Dec<u16>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub max_service_bps: Dec<u16>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub min_liquid_bps: Dec<u16>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub liquid_within_days: Dec<u16>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub max_fee_bps: Dec<u16>,
    #[serde(with = "checksummed_vec")]
    #[schema(value_type = Vec<String>)]
    pub excluded_operators: Vec<Address>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub nonce: Dec<U256>,
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub deadline: Dec<u64>,
}

impl From<&Intent> for IntentMessage {
    fn from(i: &Intent) -> Self {
        IntentMessage {
            owner: i.owner,
            asset: i.asset,
            amount: Dec(i.amount),
            min_net_apy_bps: Dec(i.minNetApyBps),
            max_loss_bps: Dec(i.maxLossBps),
            loss_confidence_bps: Dec(i.lossConfidenceBps),
            max_operator_bps: Dec(i.maxOperatorBps),
            max_service_bps: Dec(i.maxServiceBps),
            min_liquid_bps: Dec(i.minLiquidBps),
            liquid_within_days: Dec(i.liquidWithinDays),
            max_fee_bps: Dec(i.maxFeeBps),
            excluded_operators: i.excludedOperators.clone(),
            nonce: Dec(i.nonce),
            deadline: Dec(i.deadline),
        }
    }
}

impl From<&IntentMessage> for Intent {
    fn from(m: &IntentMessage) -> Self {
        Intent {
            owner: m.owner,
            asset: m.asset,
            amount: m.amount.0,
            minNetApyBps: m.min_net_apy_bps.0,
            maxLossBps: m.max_loss_bps.0,
            lossConfidenceBps: m.loss_confidence_bps.0,
            maxOperatorBps: m.max_operator_bps.0,
            maxServiceBps: m.max_service_bps.0,
            minLiquidBps: m.min_liquid_bps.0,
            liquidWithinDays: m.liquid_within_days.0,
            maxFeeBps: m.max_fee_bps.0,
            excludedOperators: m.excluded_operators.clone(),
            nonce: m.nonce.0,
            deadline: m.deadline.0,
        }
    }
}

/// `GET /v1/intents/{id}` (and the answer to a cancellation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IntentView {
    /// Its id.
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{64}$")]
    pub id: IntentId,
    /// Where it is now.
    pub status: IntentStatus,
    /// What the owner signed.
    pub intent: IntentMessage,
    /// Every status it has had, oldest first.
    pub history: Vec<HistoryEntry>,
    /// The last auction it entered.
    #[serde(default)]
    pub auction: Option<u64>,
    /// What it was awarded, once awarded: the winning plan, its solver,
    /// the evaluator's figures and, once settled, the transaction.
    #[serde(default)]
    pub award: Option<IntentAward>,
    /// Why a pending intent is not in the next round, when something holds
    /// it back (absent: it goes into the next round with room for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Waiting>,
}

/// Why a pending intent waits (`IntentView.waiting`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Waiting {
    /// The chain says it cannot settle now: the owner's escrow (ETH), or
    /// its token allowance or balance, holds `available` wei where its
    /// pending and awarded intents in `asset` need `needed`. It enters
    /// rounds again once funded (a deposit or approval wakes it).
    Funding {
        /// The asset (the zero address: ETH in the Settlement's escrow).
        #[serde(with = "checksummed")]
        #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
        asset: Address,
        /// What the owner's intents in this asset need together (wei).
        #[schema(value_type = String, pattern = "^[0-9]+$")]
        needed: Dec<U256>,
        /// What the escrow, or the smaller of allowance and balance, holds (wei).
        #[schema(value_type = String, pattern = "^[0-9]+$")]
        available: Dec<U256>,
    },
    /// Its nonce is spent on-chain (settled elsewhere, or cancelled with
    /// `invalidateNonces`): it will never settle, and expires at its deadline.
    NonceSpent,
    /// No valid bid covered its owner's intents in a recent round: until
    /// round `until_round` its owner's intents go after everyone else's.
    Backoff {
        /// The first round in which its owner is back in line.
        until_round: u64,
    },
}

/// An intent's part of an award.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IntentAward {
    /// The winning solver.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub solver: Address,
    /// The plan it settles (allocations and fee).
    #[schema(value_type = crate::schema::Plan)]
    pub plan: Plan,
    /// What the auctioneer's evaluator computed for that plan.
    pub evaluation: crate::Figures,
    /// The settlement transaction, once mined.
    #[serde(default)]
    pub settlement: Option<crate::SettlementNote>,
    /// The restaking security margin of each operator the plan delegates
    /// to, before and after its stake (Durvasula–Roughgarden γ).
    #[serde(default)]
    pub security: Vec<OperatorGamma>,
}

/// One operator's restaking security margin: the largest γ for which
/// Σ_s π_s / (α_s · σ(N(s))) ≤ 1/(1+γ) over the services s it runs
/// (Durvasula & Roughgarden, "Robust Restaking Networks"); more stake
/// delegated to it raises σ(N(s)) and so γ. `None`: a service it runs has
/// no stake allocated at all (no margin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OperatorGamma {
    /// The operator's id in the market.
    pub operator: String,
    /// γ before the plan's stake, in bps (10,000 = γ of 1).
    pub before_bps: Option<i64>,
    /// γ with the plan's stake delegated, in bps.
    pub after_bps: Option<i64>,
    /// The services it runs (its allocations with a non-zero magnitude).
    pub services: Vec<String>,
}

/// `GET /v1/owners/{address}/withdrawals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Withdrawals {
    /// The chain's head when read.
    pub head_block: u64,
    /// Queued withdrawals still pending, oldest first.
    pub withdrawals: Vec<WithdrawalView>,
}

/// One queued withdrawal of a restaked position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WithdrawalView {
    /// The market's position id.
    pub position: String,
    /// The position's holder.
    #[serde(with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub holder: Address,
    /// Strategy shares queued out.
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub shares: crate::Dec<alloy::primitives::U256>,
    /// What completing it pays now, in tokens, as EigenLayer computes it
    /// (the queued shares less what slashing took since).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub withdrawable: crate::Dec<alloy::primitives::U256>,
    /// First block it can complete at.
    pub completable_at_block: u64,
    /// Blocks still to wait (0: completable now).
    pub blocks_left: u64,
}

/// `GET /v1/owners/{address}/intents?cursor=&limit=`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OwnerPage {
    /// This page, newest first.
    pub intents: Vec<IntentView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<u64>,
}

/// `POST /v1/intents/{id}/cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CancelRequest {
    /// The owner's EIP-712 signature over `Cancellation { intentId }`.
    #[schema(value_type = String, pattern = "^0x([0-9a-fA-F]{2})*$")]
    pub signature: Bytes,
}

/// `POST /v1/quote`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuoteRequest {
    /// The intent as `eth_signTypedData_v4` JSON; no signature needed.
    pub typed_data: TypedData,
}

/// One position of a quoted plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuotePosition {
    /// The market's position id (`stETH`, `rETH@kiln`).
    pub position: String,
    /// Wei allocated to it.
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub amount: Dec<u128>,
}

/// The answer to `POST /v1/quote`: what the node's reference strategy
/// gives this intent alone on its market.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Quote {
    /// First-year net yield after fees and costs (bps).
    pub net_apy_bps: i64,
    /// Expected tail loss at the intent's confidence (bps of the amount).
    pub cvar_bps: u64,
    /// Share exitable within the intent's horizon (bps).
    pub liquid_bps: u64,
    /// Share per operator (bps).
    pub operator_bps: std::collections::BTreeMap<String, u64>,
    /// The fee the plan charges (wei).
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub fee_wei: Dec<u128>,
    /// Where the stake goes.
    pub positions: Vec<QuotePosition>,
    /// What the quote is and is not.
    pub note: String,
}

impl std::fmt::Display for IntentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IntentStatus::Pending => "pending",
            IntentStatus::InAuction => "in_auction",
            IntentStatus::Awarded => "awarded",
            IntentStatus::Settled => "settled",
            IntentStatus::Expired => "expired",
            IntentStatus::Cancelled => "cancelled",
        })
    }
}

/// One field of an EIP-712 struct type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TypedField {
    /// Field name.
    pub name: String,
    /// Solidity type.
    #[serde(rename = "type")]
    pub ty: String,
}

/// The EIP-712 domain as typed data writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TypedDomain {
    /// `stakebid`.
    pub name: String,
    /// `1`.
    pub version: String,
    /// EIP-155 chain id (decimal string).
    #[serde(rename = "chainId")]
    #[schema(value_type = String, pattern = "^[0-9]+$")]
    pub chain_id: Dec<u64>,
    /// The Settlement contract.
    #[serde(rename = "verifyingContract", with = "checksummed")]
    #[schema(value_type = String, pattern = "^0x[0-9a-fA-F]{40}$")]
    pub verifying_contract: Address,
}

/// `GET /v1/eip712`: what a wallet signs intents with, without a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Eip712Types {
    /// `EIP712Domain` and `Intent`.
    pub types: std::collections::BTreeMap<String, Vec<TypedField>>,
    /// `Intent`.
    #[serde(rename = "primaryType")]
    pub primary_type: String,
    /// The node's domain.
    pub domain: TypedDomain,
}

/// An intent as `eth_signTypedData_v4` typed data: what a wallet shows
/// and signs, and what `POST /v1/intents` and `POST /v1/quote` take.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TypedData {
    /// `EIP712Domain` and `Intent`.
    pub types: std::collections::BTreeMap<String, Vec<TypedField>>,
    /// `Intent`.
    #[serde(rename = "primaryType")]
    pub primary_type: String,
    /// Where the intent is valid.
    pub domain: TypedDomain,
    /// The intent.
    pub message: IntentMessage,
}

impl TypedData {
    /// `intent` for `domain`, exactly as `Intent::typed_data` writes it.
    pub fn new(intent: &Intent, domain: &stakebid_intents::Domain) -> TypedData {
        serde_json::from_value(intent.typed_data(domain)).expect("Intent::typed_data is typed data")
    }

    /// The intent it carries.
    pub fn intent(&self) -> Intent {
        Intent::from(&self.message)
    }

    /// The domain it names.
    pub fn domain(&self) -> stakebid_intents::Domain {
        stakebid_intents::Domain {
            chain_id: self.domain.chain_id.0,
            settlement: self.domain.verifying_contract,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed form writes exactly the JSON the intents crate signs, so
    /// a wallet shown either signs the same digest.
    #[test]
    fn typed_data_round_trips_the_signed_json() {
        let domain =
            stakebid_intents::Domain { chain_id: 31337, settlement: Address::repeat_byte(7) };
        let i = stakebid_intents::batch::Profile::Balanced.intent(
            Address::repeat_byte(1),
            Address::ZERO,
            U256::from(3u64) * U256::from(10u64).pow(U256::from(18u64)),
            U256::from(5u64),
            1_900_000_000,
        );
        let td = TypedData::new(&i, &domain);
        assert_eq!(serde_json::to_value(&td).unwrap(), i.typed_data(&domain));
        assert_eq!((td.intent(), td.domain()), (i.clone(), domain));
        let (back, d) = Intent::from_typed_data(&serde_json::to_value(&td).unwrap()).unwrap();
        assert_eq!((back.id(&d), d), (i.id(&domain), domain));
    }
}
