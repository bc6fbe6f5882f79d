//! An intent's stored record.

use serde::{Deserialize, Serialize};

use stakebid_auction::domain::intent::{Record, Status};
use stakebid_intents::SignedIntent;

use crate::port::StoreError;

/// `Record` as stored.
#[derive(Serialize, Deserialize)]
struct IntentRow {
    signed: SignedIntent,
    status: StatusRow,
    // Records from before the history read as an empty one.
    #[serde(default)]
    history: Vec<(StatusRow, u64)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auction: Option<u64>,
    // Records from before arrival order read as 0 (they arrived first).
    #[serde(default)]
    seq: u64,
}

/// `Status` as stored (snake_case names, never renumbered).
#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum StatusRow {
    Pending,
    InAuction,
    Awarded,
    Settled,
    Expired,
    Cancelled,
}

impl StatusRow {
    pub(super) fn from_domain(s: Status) -> StatusRow {
        match s {
            Status::Pending => StatusRow::Pending,
            Status::InAuction => StatusRow::InAuction,
            Status::Awarded => StatusRow::Awarded,
            Status::Settled => StatusRow::Settled,
            Status::Expired => StatusRow::Expired,
            Status::Cancelled => StatusRow::Cancelled,
        }
    }

    pub(super) fn into_domain(self) -> Status {
        match self {
            StatusRow::Pending => Status::Pending,
            StatusRow::InAuction => Status::InAuction,
            StatusRow::Awarded => Status::Awarded,
            StatusRow::Settled => Status::Settled,
            StatusRow::Expired => Status::Expired,
            StatusRow::Cancelled => Status::Cancelled,
        }
    }
}

impl IntentRow {
    fn from_domain(r: &Record) -> IntentRow {
        IntentRow {
            signed: r.signed.clone(),
            status: StatusRow::from_domain(r.status),
            history: r.history.iter().map(|(s, t)| (StatusRow::from_domain(*s), *t)).collect(),
            auction: r.auction,
            seq: r.seq,
        }
    }

    fn into_domain(self) -> Record {
        Record {
            signed: self.signed,
            status: self.status.into_domain(),
            history: self.history.into_iter().map(|(s, t)| (s.into_domain(), t)).collect(),
            auction: self.auction,
            seq: self.seq,
        }
    }
}

/// An intent record's stored bytes.
pub(crate) fn encode_intent(r: &Record) -> Result<Vec<u8>, StoreError> {
    super::to_bytes(&IntentRow::from_domain(r))
}

/// An intent record from its stored bytes.
pub(crate) fn decode_intent(b: &[u8]) -> Result<Record, StoreError> {
    Ok(super::from_bytes::<IntentRow>(b)?.into_domain())
}
