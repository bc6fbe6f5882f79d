//! The leader lease: one row (holder, epoch, since, expires_at) in the
//! store's database, times from the database's own clock so nodes' clocks
//! do not matter.
//!
//! - A node takes the lease when it is free or expired, which bumps the
//!   epoch; its holder renews it before it expires (same epoch).
//! - Every write of round, award and executor state runs in a transaction
//!   that first checks this node's (holder, epoch) is the current,
//!   unexpired lease, holding a share lock on the row until it commits: a
//!   takeover (an UPDATE of that row) waits for writes in flight, and every
//!   write after it fails with `store.fenced`. A leader that was paused (not
//!   killed) and resumes past its lease therefore cannot write over its
//!   successor; it sees the refusal and steps down.
//!
//! Why not only a session advisory lock (CoW's autopilot): a paused leader
//! keeps its connection, so it keeps the lock, and nobody takes over.

use postgres::Transaction;
use std::time::Duration;

use super::{err, PgStore};
use crate::port::{Fence, LeaseState, StoreError};

/// A node's handle on the lease.
pub struct Lease<'a> {
    store: &'a PgStore,
    holder: String,
    ttl: Duration,
}

impl<'a> Lease<'a> {
    pub(super) fn new(store: &'a PgStore, holder: &str, ttl: Duration) -> Lease<'a> {
        Lease { store, holder: holder.to_string(), ttl }
    }

    /// Takes the lease if it is free or expired, or renews it if this node
    /// holds it; returns the lease as it now stands (this node's or not).
    pub fn acquire(&self) -> Result<LeaseState, StoreError> {
        let holder = self.holder.clone();
        let ms = self.ttl.as_millis() as f64;
        self.store.run(move |c| {
            c.query_opt(
                "INSERT INTO lease AS l (one, holder, epoch, since, expires_at)
                 VALUES (TRUE, $1, 1, now(), now() + $2 * interval '1 millisecond')
                 ON CONFLICT (one) DO UPDATE SET
                   epoch = CASE WHEN l.holder = EXCLUDED.holder THEN l.epoch ELSE l.epoch + 1 END,
                   since = CASE WHEN l.holder = EXCLUDED.holder THEN l.since ELSE now() END,
                   holder = EXCLUDED.holder,
                   expires_at = EXCLUDED.expires_at
                 WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()",
                &[&holder, &ms],
            )
            .map_err(err)?;
            current(c)
        })
    }

    /// Gives the lease up now (a clean shutdown), so a standby takes over at
    /// its next attempt instead of waiting for expiry.
    pub fn release(&self) -> Result<(), StoreError> {
        let holder = self.holder.clone();
        self.store.run(move |c| {
            c.execute("UPDATE lease SET expires_at = now() WHERE holder = $1", &[&holder])
                .map_err(err)?;
            Ok(())
        })
    }

    /// The lease as it stands.
    pub fn state(&self) -> Result<LeaseState, StoreError> {
        self.store.run(current)
    }
}

fn current(c: &mut postgres::Client) -> Result<LeaseState, StoreError> {
    let r = c
        .query_one(
            "SELECT holder, epoch, EXTRACT(EPOCH FROM since)::BIGINT, expires_at > now() FROM lease",
            &[],
        )
        .map_err(err)?;
    Ok(LeaseState { holder: r.get(0), epoch: r.get(1), since: r.get(2), live: r.get(3) })
}

/// Fails unless `f` is the current, unexpired lease; holds a share lock on
/// the lease row until the transaction ends.
pub(super) fn check(t: &mut Transaction<'_>, f: &Fence) -> Result<(), StoreError> {
    let held = t
        .query_opt(
            "SELECT 1 FROM lease WHERE holder = $1 AND epoch = $2 AND expires_at > now() FOR SHARE",
            &[&f.holder, &f.epoch],
        )
        .map_err(err)?
        .is_some();
    if held {
        Ok(())
    } else {
        Err(StoreError::Fenced { epoch: f.epoch })
    }
}
