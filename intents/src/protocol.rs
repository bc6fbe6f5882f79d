//! The auction's messages as `sol!` types, so their encodings and hashes are
//! canonical and the solver and the auctioneer agree on them byte for byte.
//!
//! - `AuctionOpen`: what a round is (batch, market hash, scenario inputs, deadlines).
//! - `Bid`: a solver's plans for a subset of the batch.
//! - commitment = keccak256(abi.encode(chainId, auctionId, solver, keccak256(abi.encode(bid)), salt)):
//!   all that is public before the commit deadline.
//! - `Award`: the auctioneer's EIP-712-signed decision the Settlement contract checks.
//! - The scenario seed of auction n is keccak256(auctionId ‖ previous award hash),
//!   so the auctioneer cannot pick a convenient one.

use alloy::primitives::{keccak256, Address, B256, U256};
use alloy::signers::local::PrivateKeySigner;
use alloy::signers::SignerSync;
use alloy::sol_types::{SolStruct, SolValue};

use crate::error::IntentError;
use crate::guarantee::Terms;
use crate::intent::{Domain, IntentId};
use crate::plan::{Allocation, Plan};
use crate::units::{Bps, Wei};

/// Version of these messages and of the evaluator's rules a round is scored
/// under (`AuctionOpen::version`); a driver bids only under the version it
/// implements. 2: plans keep the market's minimum position size
/// (`plan.dust_position`, [`crate::market::MinPosition`]).
pub const PROTOCOL_VERSION: u16 = 2;

/// Bids one solver may commit per round (as CoW Protocol).
pub const MAX_BIDS_PER_SOLVER: usize = 3;

/// The most gas one bid's settlement may cost under the market's gas model
/// ([`bid_gas`]): half of a 30M-gas block (anvil's default, and under
/// mainnet's). An award settles whole in one `settle` transaction, which
/// the executor sends with 20 % headroom over its estimate, so the model
/// may be off by two thirds before a transaction would not fit (and the
/// executor then fails that award instead of sending it). A bid above this
/// is refused by scoring (`bid.over_gas_budget`); a solver with a large
/// batch splits it over its bids.
pub const SETTLEMENT_GAS_BUDGET: u64 = 15_000_000;

/// A bid's settlement gas under `gas`: the per-settlement overhead plus each
/// plan's gas (the evaluator's `Evaluation::gas`).
pub fn bid_gas(gas: &crate::market::GasModel, plans: impl IntoIterator<Item = u64>) -> u64 {
    plans.into_iter().fold(gas.per_settlement, u64::saturating_add)
}

alloy::sol! {
    /// A round, as announced.
    #[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct AuctionOpen {
        uint16 version;
        uint64 auctionId;
        bytes32 marketHash;
        uint32 generatorVersion;
        bytes32 seed;
        uint32 scenarioCount;
        uint64 commitDeadline;
        uint64 revealDeadline;
        bytes32[] intentIds;
    }

    /// One allocation of a plan.
    #[derive(Debug, PartialEq, Eq)]
    struct BidAllocation { string position; uint256 amount; }

    /// One intent's plan inside a bid; a guarantee when `guaranteeCap` > 0.
    #[derive(Debug, PartialEq, Eq)]
    struct BidPlan {
        bytes32 intentId;
        BidAllocation[] allocations;
        uint256 fee;
        uint16 guaranteeBps;
        uint16 guaranteeDays;
        uint256 guaranteeCap;
    }

    /// A solver's bid: plans for a subset of the batch, won or lost whole.
    #[derive(Debug, PartialEq, Eq)]
    struct Bid { uint64 auctionId; address solver; BidPlan[] plans; }

    /// What a solver signs to commit: its sealed `commitment` in the round
    /// whose signed announcement hashes to `round` (`AuctionOpen::hash`),
    /// under the deployment's EIP-712 domain. Nothing else recovers to the
    /// solver: not a transaction, not another round's or deployment's commitment.
    #[derive(Debug, PartialEq, Eq)]
    struct SealedBid { uint64 auctionId; bytes32 round; address solver; bytes32 commitment; }

    /// What a solver signs to open `commitment` in that same round.
    #[derive(Debug, PartialEq, Eq)]
    struct OpenedBid { uint64 auctionId; bytes32 round; address solver; bytes32 commitment; }

    /// What every bus envelope's sender signs: the subject it is published
    /// on and the hash of its exact body, under the deployment's domain.
    #[derive(Debug, PartialEq, Eq)]
    struct BusMessage { string subject; bytes32 body; }

    /// An owner's signed request to withdraw one of its intents.
    #[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct Cancellation { bytes32 intentId; }

    /// A solver's name for itself on this marketplace, under the
    /// deployment's domain: a registration with a higher `nonce` replaces
    /// an earlier one (`crate::names`).
    #[derive(Debug, PartialEq, Eq)]
    struct SolverName { address solver; string name; uint64 nonce; }

    /// The auctioneer's award of one winning bid (EIP-712, checked on-chain).
    #[derive(Debug, PartialEq, Eq)]
    struct Award {
        uint64 auctionId;
        bytes32 bidHash;
        address solver;
        bytes32[] intentIds;
        int256 score;
    }
}

/// The scenario seed of `auction_id`: keccak256(auctionId ‖ previous award hash).
pub fn seed(auction_id: u64, previous_award: B256) -> B256 {
    keccak256((auction_id, previous_award).abi_encode_packed())
}

impl Bid {
    /// Builds a bid from plans.
    pub fn from_plans(auction_id: u64, solver: Address, plans: &[Plan]) -> Bid {
        Bid {
            auctionId: auction_id,
            solver,
            plans: plans
                .iter()
                .map(|p| BidPlan {
                    intentId: p.intent.0,
                    allocations: p
                        .allocations
                        .iter()
                        .map(|a| BidAllocation {
                            position: a.position.clone(),
                            amount: U256::from(a.amount.0),
                        })
                        .collect(),
                    fee: U256::from(p.fee.0),
                    guaranteeBps: p.guarantee.map_or(0, |g| g.floor.0),
                    guaranteeDays: p.guarantee.map_or(0, |g| g.horizon_days),
                    guaranteeCap: U256::from(p.guarantee.map_or(0, |g| g.cap.0)),
                })
                .collect(),
        }
    }

    /// The plans inside; `None` if an amount does not fit in 128 bits.
    pub fn plans(&self) -> Option<Vec<Plan>> {
        self.plans
            .iter()
            .map(|p| {
                Some(Plan {
                    intent: IntentId(p.intentId),
                    allocations: p
                        .allocations
                        .iter()
                        .map(|a| {
                            Some(Allocation {
                                position: a.position.clone(),
                                amount: Wei(a.amount.try_into().ok()?),
                            })
                        })
                        .collect::<Option<_>>()?,
                    fee: Wei(p.fee.try_into().ok()?),
                    guarantee: if p.guaranteeCap.is_zero()
                        && p.guaranteeBps == 0
                        && p.guaranteeDays == 0
                    {
                        None
                    } else {
                        Some(Terms {
                            floor: Bps(p.guaranteeBps),
                            horizon_days: p.guaranteeDays,
                            cap: Wei(p.guaranteeCap.try_into().ok()?),
                        })
                    },
                })
            })
            .collect()
    }

    /// keccak256(abi.encode(bid)).
    pub fn hash(&self) -> B256 {
        keccak256(self.abi_encode())
    }
}

/// The sealed commitment to a bid.
pub fn commitment(
    chain_id: u64,
    auction_id: u64,
    solver: Address,
    bid_hash: B256,
    salt: B256,
) -> B256 {
    keccak256((U256::from(chain_id), auction_id, solver, bid_hash, salt).abi_encode())
}

/// Where a solver's signature counts: one round of one deployment. The
/// receiver builds it from what it knows (its own domain, the round it
/// announced), never from the message, so a signature made for anything
/// else — a transaction, a cancellation, another round, a sibling
/// deployment on the same chain, the same auction id after a store reset —
/// recovers to some other address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundBinding {
    /// Chain and Settlement (the EIP-712 domain).
    pub domain: Domain,
    /// The auction id.
    pub auction: u64,
    /// `AuctionOpen::hash` of the round's signed announcement.
    pub round: B256,
}

impl RoundBinding {
    /// The binding of `open` under `domain`.
    pub fn of(domain: Domain, open: &AuctionOpen) -> RoundBinding {
        RoundBinding { domain, auction: open.auctionId, round: open.hash() }
    }

    /// The EIP-712 digest a solver signs to commit `commitment`.
    pub fn commit_digest(&self, solver: Address, commitment: B256) -> B256 {
        SealedBid { auctionId: self.auction, round: self.round, solver, commitment }
            .eip712_signing_hash(&self.domain.eip712())
    }

    /// The EIP-712 digest a solver signs to open `commitment`.
    pub fn reveal_digest(&self, solver: Address, commitment: B256) -> B256 {
        OpenedBid { auctionId: self.auction, round: self.round, solver, commitment }
            .eip712_signing_hash(&self.domain.eip712())
    }
}

impl AuctionOpen {
    /// keccak256(abi.encode(open)): what commitments and reveals are bound to.
    /// Two rounds never share it (deadlines are wall-clock seconds, the seed
    /// chains the previous award), even when their ids do.
    pub fn hash(&self) -> B256 {
        keccak256(self.abi_encode())
    }
}

/// The EIP-712 digest of a bus message (`BusMessage`) under `domain`.
pub fn bus_digest(domain: &Domain, subject: &str, body: &[u8]) -> B256 {
    BusMessage { subject: subject.to_string(), body: keccak256(body) }
        .eip712_signing_hash(&domain.eip712())
}

/// Domain tag of the salt derivation: the solver signs this tagged hash,
/// never the bare bid hash, and the signature never leaves the process.
const SALT_TAG: &str = "stakebid.salt.v2";

/// A solver's salt for `bid`: unguessable without its key, different per
/// bid, and reproducible by the solver alone (it can re-derive it after a
/// restart instead of storing it).
pub fn salt(key: &PrivateKeySigner, bid: &Bid) -> B256 {
    let tagged = keccak256((SALT_TAG.to_string(), bid.hash()).abi_encode());
    keccak256(key.sign_hash_sync(&tagged).expect("signing a digest cannot fail").as_bytes())
}

impl Cancellation {
    /// The EIP-712 digest under the marketplace's domain.
    pub fn digest(&self, domain: &Domain) -> B256 {
        self.eip712_signing_hash(&domain.eip712())
    }

    /// Signs as the owner.
    pub fn sign(&self, domain: &Domain, key: &PrivateKeySigner) -> alloy::primitives::Signature {
        key.sign_hash_sync(&self.digest(domain)).expect("signing a digest cannot fail")
    }

    /// Who signed it, if the signature is well-formed and low-s.
    pub fn signer(&self, domain: &Domain, sig: &[u8]) -> Result<Address, IntentError> {
        crate::signature::recover_bytes(&self.digest(domain), sig)
    }
}

impl Award {
    /// The EIP-712 digest under the marketplace's domain.
    pub fn digest(&self, domain: &Domain) -> B256 {
        self.eip712_signing_hash(&domain.eip712())
    }

    /// Signs as the auctioneer.
    pub fn sign(&self, domain: &Domain, key: &PrivateKeySigner) -> alloy::primitives::Signature {
        key.sign_hash_sync(&self.digest(domain)).expect("signing a digest cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            guarantee: None,
            intent: IntentId(B256::repeat_byte(7)),
            allocations: vec![Allocation { position: "stETH".into(), amount: Wei(5) }],
            fee: Wei(1),
        }
    }

    #[test]
    fn commitment_is_the_abi_encoding_the_design_names() {
        let bid = Bid::from_plans(3, Address::repeat_byte(2), &[plan()]);
        let salt = B256::repeat_byte(9);
        let mut manual = Vec::new();
        manual.extend(U256::from(31337u64).to_be_bytes::<32>());
        manual.extend(U256::from(3u64).to_be_bytes::<32>());
        manual.extend([0u8; 12]);
        manual.extend(Address::repeat_byte(2).0);
        manual.extend(keccak256(bid.abi_encode()).0);
        manual.extend(salt.0);
        let c = commitment(31337, 3, Address::repeat_byte(2), bid.hash(), salt);
        assert_eq!(c, keccak256(&manual));
        let opens = |b: &Bid, salt: B256| commitment(31337, 3, b.solver, b.hash(), salt) == c;
        assert!(opens(&bid, salt));
        assert!(!opens(&bid, B256::repeat_byte(8)));
        let mut other = bid.clone();
        other.plans[0].fee = U256::from(2);
        assert!(!opens(&other, salt));
    }

    #[test]
    fn plans_round_trip_through_a_bid() {
        let bid = Bid::from_plans(1, Address::ZERO, &[plan()]);
        assert_eq!(bid.plans().unwrap(), vec![plan()]);
    }

    #[test]
    fn seed_is_keccak_of_id_and_previous_award() {
        let prev = B256::repeat_byte(4);
        let mut packed = 5u64.to_be_bytes().to_vec();
        packed.extend(prev.0);
        assert_eq!(seed(5, prev), keccak256(&packed));
        assert_ne!(seed(5, prev), seed(6, prev));
    }

    #[test]
    fn an_award_signature_recovers_the_auctioneer() {
        let key: PrivateKeySigner =
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d".parse().unwrap();
        let d = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let award = Award {
            auctionId: 1,
            bidHash: B256::repeat_byte(3),
            solver: Address::repeat_byte(2),
            intentIds: vec![B256::repeat_byte(7)],
            score: alloy::primitives::I256::try_from(42).unwrap(),
        };
        let sig = award.sign(&d, &key);
        assert_eq!(sig.recover_address_from_prehash(&award.digest(&d)).unwrap(), key.address());
    }
}

/// A solver as an in-process round sees it (the demo, tests, benches): it
/// commits sealed bids for a batch and reveals them when asked. Networked
/// solvers speak the same messages over the bus instead.
pub trait Participant {
    /// Its registered address.
    fn address(&self) -> Address;
    /// Its signed, sealed commitments for the round `at` (announced as
    /// `open`). The participant keeps the bids and salts for `reveal`.
    fn commit(
        &mut self,
        at: &RoundBinding,
        open: &AuctionOpen,
        ctx: &crate::Context<'_>,
        batch: &[(IntentId, crate::Intent)],
    ) -> Vec<crate::envelope::CommitMsg>;
    /// Its signed reveals.
    fn reveal(&mut self, auction: u64) -> Vec<crate::envelope::RevealMsg>;
}

/// What a solver did wrong: one list for the node's registry and the
/// on-chain SolverRegistry's offence codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Offence {
    /// Committed, never revealed.
    Unrevealed,
    /// Revealed a bid matching no commitment. No longer charged (anyone
    /// can send such a reveal in a solver's name); kept so records written
    /// before still read, and because the contract keeps the code.
    RevealMismatch,
    /// A plan `evaluate` rejected.
    InvalidPlan,
    /// Its settlement reverted for a reason of its own making.
    SettlementFault,
    /// Its settlement reverted because chain state moved: recorded, never
    /// penalized, and so never sent to the chain.
    StateMoved,
}

impl Offence {
    /// The SolverRegistry's code for it (`slash(…, offence)`); `None` for
    /// what is never slashed.
    pub fn chain_code(self) -> Option<u8> {
        match self {
            Offence::Unrevealed => Some(1),
            Offence::RevealMismatch => Some(2),
            Offence::InvalidPlan => Some(3),
            Offence::SettlementFault => Some(4),
            Offence::StateMoved => None,
        }
    }

    /// What it costs, in wei: the one penalty schedule, which the node's
    /// registry applies and `SolverRegistry.penaltyOf` must equal (a test
    /// reads `penaltyOf` from a deployed registry for every offence).
    /// 0.1 ETH an unrevealed commitment, 0.25 ETH a rejected plan or a
    /// settlement fault; a mismatched reveal proves nothing (anyone can send
    /// one) and moved state is nobody's fault.
    pub fn penalty(self) -> crate::Wei {
        const MILLI_ETH: u128 = 1_000_000_000_000_000;
        crate::Wei(match self {
            Offence::Unrevealed => 100 * MILLI_ETH,
            Offence::InvalidPlan | Offence::SettlementFault => 250 * MILLI_ETH,
            Offence::RevealMismatch | Offence::StateMoved => 0,
        })
    }

    /// Every offence, in code order.
    pub const ALL: [Offence; 5] = [
        Offence::Unrevealed,
        Offence::RevealMismatch,
        Offence::InvalidPlan,
        Offence::SettlementFault,
        Offence::StateMoved,
    ];

    /// The stable name (`unrevealed`, `invalid_plan`, …).
    pub fn name(self) -> &'static str {
        match self {
            Offence::Unrevealed => "unrevealed",
            Offence::RevealMismatch => "reveal_mismatch",
            Offence::InvalidPlan => "invalid_plan",
            Offence::SettlementFault => "settlement_fault",
            Offence::StateMoved => "state_moved",
        }
    }
}

/// Why the Settlement skipped an intent of an award it otherwise settled
/// (`IntentSkipped(intentId, owner, auctionId, reason)`): the owner's side
/// no longer held when the settlement ran. Never the solver's doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The owner's signature no longer verifies (a contract wallet that
    /// stopped accepting it).
    Signature,
    /// The deadline passed.
    Expired,
    /// The nonce was used or cancelled on-chain (`invalidateNonces`).
    NonceUsed,
    /// The owner's ETH escrow was short (withdrawn, or spent by another intent).
    Escrow,
    /// The token allowance or balance was short.
    Allowance,
}

impl SkipReason {
    /// From the Settlement's `SKIP_…` code; `None` for a code it does not define.
    pub fn from_chain_code(code: u8) -> Option<SkipReason> {
        Some(match code {
            1 => SkipReason::Signature,
            2 => SkipReason::Expired,
            3 => SkipReason::NonceUsed,
            4 => SkipReason::Escrow,
            5 => SkipReason::Allowance,
            _ => return None,
        })
    }

    /// The stable name (`nonce_used`, …).
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Signature => "signature",
            SkipReason::Expired => "expired",
            SkipReason::NonceUsed => "nonce_used",
            SkipReason::Escrow => "escrow",
            SkipReason::Allowance => "allowance",
        }
    }
}

/// The JSON shape of `Bid` and `Award` (field names as in Solidity;
/// integers in decimal, addresses checksummed: `crate::encoding`).
mod json {
    use alloy::primitives::{Address, B256, I256, U256};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::{decimal, encoding::checksummed};

    #[derive(Serialize, Deserialize)]
    struct Allocation {
        position: String,
        #[serde(with = "decimal")]
        amount: U256,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Plan {
        intent_id: B256,
        allocations: Vec<Allocation>,
        #[serde(with = "decimal")]
        fee: U256,
        // The guarantee (all zero: none); left out of the JSON when absent,
        // so bids without one read and write as before.
        #[serde(default, skip_serializing_if = "is_zero16")]
        guarantee_bps: u16,
        #[serde(default, skip_serializing_if = "is_zero16")]
        guarantee_days: u16,
        #[serde(default, with = "decimal", skip_serializing_if = "U256::is_zero")]
        guarantee_cap: U256,
    }

    fn is_zero16(v: &u16) -> bool {
        *v == 0
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Bid {
        auction_id: u64,
        #[serde(with = "checksummed")]
        solver: Address,
        plans: Vec<Plan>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Award {
        auction_id: u64,
        bid_hash: B256,
        #[serde(with = "checksummed")]
        solver: Address,
        intent_ids: Vec<B256>,
        #[serde(with = "decimal")]
        score: I256,
    }

    impl Serialize for super::Bid {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Bid {
                auction_id: self.auctionId,
                solver: self.solver,
                plans: self
                    .plans
                    .iter()
                    .map(|p| Plan {
                        intent_id: p.intentId,
                        allocations: p
                            .allocations
                            .iter()
                            .map(|a| Allocation { position: a.position.clone(), amount: a.amount })
                            .collect(),
                        fee: p.fee,
                        guarantee_bps: p.guaranteeBps,
                        guarantee_days: p.guaranteeDays,
                        guarantee_cap: p.guaranteeCap,
                    })
                    .collect(),
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for super::Bid {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let b = Bid::deserialize(d)?;
            Ok(super::Bid {
                auctionId: b.auction_id,
                solver: b.solver,
                plans: b
                    .plans
                    .into_iter()
                    .map(|p| super::BidPlan {
                        intentId: p.intent_id,
                        allocations: p
                            .allocations
                            .into_iter()
                            .map(|a| super::BidAllocation {
                                position: a.position,
                                amount: a.amount,
                            })
                            .collect(),
                        fee: p.fee,
                        guaranteeBps: p.guarantee_bps,
                        guaranteeDays: p.guarantee_days,
                        guaranteeCap: p.guarantee_cap,
                    })
                    .collect(),
            })
        }
    }

    impl Serialize for super::Award {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Award {
                auction_id: self.auctionId,
                bid_hash: self.bidHash,
                solver: self.solver,
                intent_ids: self.intentIds.clone(),
                score: self.score,
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for super::Award {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let a = Award::deserialize(d)?;
            Ok(super::Award {
                auctionId: a.auction_id,
                bidHash: a.bid_hash,
                solver: a.solver,
                intentIds: a.intent_ids,
                score: a.score,
            })
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::{Award, Bid, BidAllocation, BidPlan};
        use alloy::primitives::{Address, B256, I256, U256};

        /// Integers are decimal and addresses checksummed; what alloy's
        /// derive wrote before (hex integers, lowercase addresses) still reads.
        #[test]
        fn bids_and_awards_write_decimal_and_read_the_old_hex() {
            let solver: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
            let bid = Bid {
                auctionId: 7,
                solver,
                plans: vec![BidPlan {
                    intentId: B256::repeat_byte(1),
                    allocations: vec![BidAllocation {
                        position: "stETH".into(),
                        amount: U256::from(10u128.pow(21)),
                    }],
                    fee: U256::from(12345u64),
                    guaranteeBps: 0,
                    guaranteeDays: 0,
                    guaranteeCap: U256::ZERO,
                }],
            };
            let v = serde_json::to_value(&bid).unwrap();
            assert_eq!(v["plans"][0]["allocations"][0]["amount"], "1000000000000000000000");
            assert_eq!(v["plans"][0]["fee"], "12345");
            assert_eq!(v["solver"], "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
            assert_eq!(serde_json::from_value::<Bid>(v).unwrap(), bid);
            let old = r#"{"auctionId":7,"solver":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","plans":[{"intentId":"0x0101010101010101010101010101010101010101010101010101010101010101","allocations":[{"position":"stETH","amount":"0x3635c9adc5dea00000"}],"fee":"0x3039"}]}"#;
            assert_eq!(serde_json::from_str::<Bid>(old).unwrap(), bid);

            let award = Award {
                auctionId: 7,
                bidHash: B256::repeat_byte(2),
                solver,
                intentIds: vec![B256::repeat_byte(1)],
                score: I256::try_from(-42i64).unwrap(),
            };
            let v = serde_json::to_value(&award).unwrap();
            assert_eq!(v["score"], "-42");
            assert_eq!(serde_json::from_value::<Award>(v).unwrap(), award);
            let legacy = serde_json::json!({
                "auctionId": 7, "bidHash": B256::repeat_byte(2), "solver": solver,
                "intentIds": [B256::repeat_byte(1)], "score": I256::try_from(-42i64).unwrap(),
            });
            assert_eq!(serde_json::from_value::<Award>(legacy).unwrap(), award);
        }
    }
}
