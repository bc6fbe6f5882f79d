//! The solver's book of sealed bids: every reveal it owes, on disk before
//! its commitment leaves.
//!
//! ```text
//! plan ──seal──▶ (commitment, reveal) ──keep (sled, flushed)──▶ commitment sent
//! Revealing ──▶ reveal sent ──▶ forget        Closed ──▶ forget
//! restart ──▶ open the book ──▶ reveal what the node is still revealing
//! ```
//!
//! A bid cannot be recomputed after a restart (a strategy with a deadline,
//! or an outside engine, need not plan the same twice), and a commitment
//! left unopened costs the solver its penalty: so the reveal is written and
//! flushed first, and a commitment whose reveal could not be kept is never
//! sent. The book holds at most [`ROUNDS`] rounds (a round it was never told
//! the end of is dropped oldest first).

use alloy::primitives::B256;
use std::path::Path;

use stakebid_intents::envelope::RevealMsg;

/// Rounds kept at most.
pub const ROUNDS: usize = 64;

/// A book of sealed bids in a directory.
pub struct SealedBook {
    db: sled::Db,
}

/// The book could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("the book of sealed bids: {0}")]
pub struct BookError(String);

impl stakebid_intents::Coded for BookError {
    fn code(&self) -> &str {
        "solver.book"
    }
}

fn key(auction: u64, round: B256) -> Vec<u8> {
    let mut k = auction.to_be_bytes().to_vec();
    k.extend_from_slice(round.as_slice());
    k
}

fn err(e: impl std::fmt::Display) -> BookError {
    BookError(e.to_string())
}

impl SealedBook {
    /// Opens (or creates) the book in `dir`.
    pub fn open(dir: &Path) -> Result<SealedBook, BookError> {
        let db = sled::open(dir)
            .map_err(|e| BookError(format!("cannot open {}: {e}", dir.display())))?;
        Ok(SealedBook { db })
    }

    /// Keeps the reveals of a round, durably, before their commitments
    /// are sent.
    pub fn keep(&self, auction: u64, round: B256, reveals: &[RevealMsg]) -> Result<(), BookError> {
        let v = serde_json::to_vec(reveals).map_err(err)?;
        self.db.insert(key(auction, round), v).map_err(err)?;
        while self.db.len() > ROUNDS {
            let Some((k, _)) = self.db.first().map_err(err)? else { break };
            self.db.remove(k).map_err(err)?;
        }
        self.db.flush().map_err(err)?;
        Ok(())
    }

    /// Forgets a round (revealed, or closed).
    pub fn forget(&self, auction: u64, round: B256) -> Result<(), BookError> {
        self.db.remove(key(auction, round)).map_err(err)?;
        self.db.flush().map_err(err)?;
        Ok(())
    }

    /// Every round still owed, oldest auction first.
    pub fn owed(&self) -> Result<Vec<(u64, B256, Vec<RevealMsg>)>, BookError> {
        let mut out = vec![];
        for kv in self.db.iter() {
            let (k, v) = kv.map_err(err)?;
            if k.len() != 40 {
                return Err(BookError("a key of another layout".into()));
            }
            let auction = u64::from_be_bytes(k[..8].try_into().map_err(err)?);
            let round = B256::from_slice(&k[8..]);
            out.push((auction, round, serde_json::from_slice(&v).map_err(err)?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::Bytes;
    use stakebid_intents::protocol::Bid;

    fn reveal(auction: u64) -> RevealMsg {
        let bid = Bid { auctionId: auction, solver: Default::default(), plans: vec![] };
        RevealMsg { bid, salt: B256::repeat_byte(3), signature: Bytes::from(vec![1u8; 65]) }
    }

    #[test]
    fn what_is_kept_survives_reopening_until_forgotten_and_the_book_is_bounded() {
        let dir = stakebid_tests::scratch("sealed-book");
        let path = Path::new(&dir);
        {
            let b = SealedBook::open(path).unwrap();
            for a in 1..=(ROUNDS as u64 + 3) {
                b.keep(a, B256::repeat_byte(a as u8), &[reveal(a)]).unwrap();
            }
            b.forget(10, B256::repeat_byte(10)).unwrap();
        }
        let b = SealedBook::open(path).unwrap();
        let owed = b.owed().unwrap();
        assert_eq!(owed.len(), ROUNDS - 1, "bounded, and 10 forgotten");
        assert_eq!(owed[0].0, 4, "the oldest rounds went first");
        assert!(owed
            .iter()
            .all(|(a, r, v)| *r == B256::repeat_byte(*a as u8) && v[0] == reveal(*a)));
        assert!(owed.iter().all(|(a, ..)| *a != 10));
    }
}
