//! Persistence DTOs: the stored shape of every record, apart from the
//! domain types it carries.
//!
//! ```text
//! domain (Record, Outcome, Registry …) ──from_domain──▶ *Row ──serde_json──▶ bytes (sled value / Postgres bytea)
//! bytes ──serde_json──▶ *Row ──into_domain──▶ domain
//! ```
//!
//! The domain types in `stakebid-auction` carry no serde at all: what a
//! store written by an earlier release looks like (fields it did not have
//! yet, fields it had and no longer means) is this module's business, in
//! `#[serde(default)]`s and ignored fields here, and nowhere in the rules.
//! Both adapters (sled and Postgres) read and write through these
//! functions, so they store the same bytes for the same record. Protocol
//! messages (`SignedIntent`, `Bid`, `Award`, `Plan`, `CapacityUse`) are
//! embedded as they are: their encoding is fixed by the protocol (they are
//! signed or hashed), not by the store.
//!
//! A change here is a layout change: a field added with a default is
//! compatible; anything else bumps the sled `LAYOUT` or adds a Postgres
//! migration. `tests/it/node.rs` opens stores written by the previous main
//! and checks every view they serve.

mod auction;
mod intent;
mod state;

pub(crate) use auction::{decode_auction, decode_head, encode_auction};
pub(crate) use intent::{decode_intent, encode_intent};
pub(crate) use state::{decode_registry, encode_registry};

use crate::port::StoreError;

fn to_bytes<T: serde::Serialize>(row: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(row).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_bytes<T: for<'de> serde::Deserialize<'de>>(b: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(b).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, B256, I256};
    use stakebid_auction::domain::intent::{Record, Status};
    use stakebid_auction::domain::outcome::{
        AwardEntry, Outcome, RejectedBid, ScoredBid, SettlementNote,
    };
    use stakebid_auction::domain::phase::Phase;
    use stakebid_auction::domain::registry::{Offence, Registry};
    use stakebid_auction::domain::round::Fault;
    use stakebid_auction::domain::score::{Figures, Reason};
    use stakebid_intents::evaluate::CapacityUse;
    use stakebid_intents::protocol::{Award, Bid, SkipReason};
    use stakebid_intents::{batch, IntentId, Market, Plan, Wei};

    use crate::port::AuctionRecord;

    fn plan(i: IntentId) -> Plan {
        let a = stakebid_intents::plan::Allocation { position: "stETH".into(), amount: Wei(5) };
        Plan { guarantee: None, intent: i, allocations: vec![a], fee: Wei(1) }
    }

    /// Every optional field set, so a field the DTO dropped or misnamed
    /// fails the round trip.
    fn full_outcome() -> Outcome {
        let i = IntentId(B256::repeat_byte(7));
        let bid = Bid::from_plans(3, Address::repeat_byte(1), &[plan(i)]);
        let figures = Figures {
            net_apy_bps: 310,
            cvar_bps: 120,
            liquid_bps: 9000,
            operator_bps: [("op".to_string(), 5000)].into(),
            service_bps: [("avs".to_string(), 2500)].into(),
            fee: Wei(12),
            gas: 90_000,
            stress_bps: [("2022-06".to_string(), 400)].into(),
        };
        let award = Award {
            auctionId: 3,
            bidHash: bid.hash(),
            solver: bid.solver,
            intentIds: vec![i.0],
            score: I256::try_from(-5i64).unwrap(),
        };
        let capacity =
            CapacityUse { assets: [("stETH".to_string(), Wei(1))].into(), ..Default::default() };
        Outcome {
            bids: vec![ScoredBid {
                solver: bid.solver,
                bid_hash: bid.hash(),
                bid: bid.clone(),
                plans: Some(vec![plan(i)]),
                scores: [(i, -(1i128 << 100))].into(),
                total: -(1i128 << 100),
                figures: [(i, figures)].into(),
                won: true,
                unfair: true,
                settlement_failed: true,
                runner_up: true,
            }],
            rejected: vec![RejectedBid::new(
                &bid,
                vec![Reason { intent: Some(i), code: "plan.fee".into(), message: "m".into() }],
            )],
            market_hash: B256::repeat_byte(2),
            market_block: Some(99),
            params_as_of: "2026-11-01".into(),
            scenario_count: 200,
            generator_version: 2,
            faults: vec![Fault {
                solver: Address::repeat_byte(4),
                code: "round.unrevealed".into(),
                commitment: B256::repeat_byte(5),
            }],
            total_score: 1 << 90,
            reference_scores: [(Address::repeat_byte(1), 17i128)].into(),
            awards: vec![AwardEntry {
                award,
                signature: vec![1u8; 65].into(),
                capacity,
                settlement: Some(SettlementNote {
                    tx: B256::repeat_byte(9),
                    gas_used: 400_000,
                    skipped: vec![(i, SkipReason::Escrow)],
                }),
            }],
        }
    }

    #[test]
    fn every_record_reads_back_as_written() {
        let rec = AuctionRecord {
            id: 3,
            intents: vec![IntentId(B256::repeat_byte(7))],
            seed: B256::repeat_byte(8),
            commit_deadline: 10,
            reveal_deadline: 20,
            phase: Phase::Awarded,
            public: Some(full_outcome()),
        };
        assert_eq!(decode_auction(&encode_auction(&rec).unwrap()).unwrap(), rec);
        let head = decode_head(&encode_auction(&rec).unwrap()).unwrap();
        assert_eq!(head.winners, Some(vec![Address::repeat_byte(1)]));
        assert_eq!((head.id, head.phase, head.reveal_deadline), (3, Phase::Awarded, 20));

        let d = stakebid_intents::Domain::DEV;
        let signed = batch::generate(&Market::snapshot(), &d, 1, 1, 1_790_000_000).remove(0);
        let mut intent = Record::new(signed, 100);
        intent.enter_auction(3, 101).unwrap();
        intent.seq = 42;
        assert_eq!(decode_intent(&encode_intent(&intent).unwrap()).unwrap(), intent);

        let mut reg = Registry::new();
        reg.bond(Address::repeat_byte(1), Wei(2_000_000_000_000_000_000));
        reg.penalize(Address::repeat_byte(1), 3, Offence::Unrevealed, B256::repeat_byte(6));
        assert_eq!(decode_registry(&encode_registry(&reg).unwrap()).unwrap(), reg);
    }

    /// The stored spelling is the layout: these names are on disk in every
    /// store, so renaming a domain variant must not rename them.
    #[test]
    fn stored_names_are_the_layouts() {
        let d = stakebid_intents::Domain::DEV;
        let signed = batch::generate(&Market::snapshot(), &d, 1, 1, 1_790_000_000).remove(0);
        let mut r = Record::new(signed, 100);
        r.enter_auction(3, 101).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&encode_intent(&r).unwrap()).unwrap();
        assert_eq!(v["status"], "in_auction");
        assert_eq!(v["history"][0][0], "pending");
        let phases = [
            (Phase::Committing, "committing"),
            (Phase::Revealing, "revealing"),
            (Phase::Scored, "scored"),
            (Phase::Awarded, "awarded"),
            (Phase::Settled, "settled"),
            (Phase::Failed, "failed"),
            (Phase::Voided, "voided"),
        ];
        for (p, name) in phases {
            let rec = AuctionRecord {
                id: 1,
                intents: vec![],
                seed: B256::ZERO,
                commit_deadline: 1,
                reveal_deadline: 2,
                phase: p,
                public: None,
            };
            let v: serde_json::Value =
                serde_json::from_slice(&encode_auction(&rec).unwrap()).unwrap();
            assert_eq!(v["phase"], name);
            assert!(v.get("public").is_none(), "no outcome is written as no key");
        }
    }

    /// Records written before a field existed read it as its default:
    /// the bytes below are an early layout-2 intent and auction (no
    /// history, arrival order, figures, block, parameters date, fault
    /// commitment).
    #[test]
    fn records_from_before_a_field_read_its_default() {
        let d = stakebid_intents::Domain::DEV;
        let signed = batch::generate(&Market::snapshot(), &d, 1, 1, 1_790_000_000).remove(0);
        let old = serde_json::json!({ "signed": signed, "status": "pending" });
        let r = decode_intent(&serde_json::to_vec(&old).unwrap()).unwrap();
        assert_eq!((r.status, r.history.len(), r.auction, r.seq), (Status::Pending, 0, None, 0));

        let mut full: serde_json::Value = serde_json::from_slice(
            &encode_auction(&AuctionRecord {
                id: 3,
                intents: vec![],
                seed: B256::ZERO,
                commit_deadline: 1,
                reveal_deadline: 2,
                phase: Phase::Scored,
                public: Some(full_outcome()),
            })
            .unwrap(),
        )
        .unwrap();
        let public = full["public"].as_object_mut().unwrap();
        public.remove("market_block");
        public.remove("params_as_of");
        public["faults"][0].as_object_mut().unwrap().remove("commitment");
        let bid = public["bids"][0].as_object_mut().unwrap();
        for k in ["figures", "settlement_failed", "runner_up"] {
            bid.remove(k);
        }
        let rec = decode_auction(&serde_json::to_vec(&full).unwrap()).unwrap();
        let o = rec.public.unwrap();
        assert_eq!((o.market_block, o.params_as_of.as_str()), (None, ""));
        assert_eq!(o.faults[0].commitment, B256::ZERO);
        let b = &o.bids[0];
        assert!(b.figures.is_empty() && !b.settlement_failed && !b.runner_up);
    }
}
