//! Group commit for intake: handlers send accepted intents to one writer
//! task, which drains whatever is waiting (up to `MAX_GROUP`), writes it in
//! one batch with one flush (sled) or one transaction (Postgres), and answers each request. Under load many
//! intents share a flush; alone, an intent waits for no one.

use tokio::sync::{mpsc, oneshot};

use stakebid_intents::{IntentId, SignedIntent};

use crate::port::NodeStore;
use crate::port::StoreError;

/// Most intents per flush.
pub const MAX_GROUP: usize = 512;

/// Most intents one owner may have pending (`intent.owner_limit` past it).
/// A batch takes at most [`stakebid_auction::domain::fairness::OWNER_BATCH_CAP`] of
/// one owner's intents, so more than a few rounds' worth only waits; the
/// cap keeps one key from filling the pool the round driver reads.
pub const MAX_PENDING_PER_OWNER: usize = 64;

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// The handle handlers use.
#[derive(Clone)]
pub struct Intake {
    tx: mpsc::Sender<((IntentId, SignedIntent), Reply)>,
}

impl Intake {
    /// Starts the writer task over `store`, at most
    /// [`MAX_PENDING_PER_OWNER`] pending intents per owner.
    pub fn start(store: std::sync::Arc<dyn NodeStore>) -> Intake {
        Intake::with_owner_cap(store, MAX_PENDING_PER_OWNER)
    }

    /// Starts the writer task over `store` with another per-owner cap
    /// (benchmarks that replay one owner's thousands of intents).
    pub fn with_owner_cap(store: std::sync::Arc<dyn NodeStore>, cap: usize) -> Intake {
        let (tx, mut rx) = mpsc::channel::<((IntentId, SignedIntent), Reply)>(4 * MAX_GROUP);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match rx.try_recv() {
                        Ok(more) => group.push(more),
                        Err(_) => break,
                    }
                }
                let (items, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
                let store = store.clone();
                // sled's flush blocks: keep it off the async workers. One
                // writer checks the cap, so two requests of one group (or
                // of two groups) cannot both take an owner's last place.
                let result = tokio::task::spawn_blocking(move || capped(&*store, &items, cap))
                    .await
                    .map_err(|e| StoreError::Failed(format!("writer task: {e}")));
                match result.and_then(|r| r) {
                    Ok(outcomes) => {
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(outcome);
                        }
                    }
                    Err(e) => {
                        // Every request of the group gets the group's
                        // failure, with its code (a database that is down
                        // answers `store.unavailable`, not `store.failed`).
                        let each = |e: &StoreError| match e {
                            StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
                            other => StoreError::Failed(other.to_string()),
                        };
                        for reply in replies {
                            let _ = reply.send(Err(each(&e)));
                        }
                    }
                }
            }
        });
        Intake { tx }
    }

    /// Stores one intent durably; returns when it is on disk (or refused).
    pub async fn submit(&self, id: IntentId, signed: SignedIntent) -> Result<(), StoreError> {
        let (reply, wait) = oneshot::channel();
        let closed = || StoreError::Failed("the writer stopped".into());
        self.tx.send(((id, signed), reply)).await.map_err(|_| closed())?;
        wait.await.map_err(|_| closed())?
    }
}

/// What `owner` has open in `token` (pending, in an auction or awarded):
/// (any intent, one funded by a permit). Read page by page, newest first,
/// only for token intents.
fn open_in_token(
    store: &dyn NodeStore,
    owner: alloy::primitives::Address,
    token: alloy::primitives::Address,
) -> Result<(bool, bool), StoreError> {
    use stakebid_auction::domain::intent::Status;
    let (mut any, mut permit) = (false, false);
    let mut cursor = None;
    loop {
        let page = store.owner_page(&owner, cursor, 256)?;
        for (_, r) in &page.intents {
            if r.signed.intent.asset == token
                && matches!(r.status, Status::Pending | Status::InAuction | Status::Awarded)
            {
                any = true;
                permit |= r.signed.permit.is_some();
            }
        }
        match page.next {
            Some(next) if !permit => cursor = Some(next),
            _ => return Ok((any, permit)),
        }
    }
}

type Key = (alloy::primitives::Address, alloy::primitives::Address);

/// Whether `s` (a token intent) clashes with a permit: it carries one and
/// the owner has other open intents in the token, or the owner has an open
/// permit-funded one there.
fn permit_clash(
    store: &dyn NodeStore,
    open: &mut std::collections::BTreeMap<Key, (bool, bool)>,
    key: Key,
    s: &SignedIntent,
) -> Result<bool, StoreError> {
    let (any, permit) = match open.get(&key) {
        Some(v) => *v,
        None => {
            let v = open_in_token(store, key.0, key.1)?;
            open.insert(key, v);
            v
        }
    };
    Ok(permit || (s.permit.is_some() && any))
}

/// Accepts `items`, refusing those whose owner would pass `cap` pending,
/// and a permit-funded intent beside other open intents in its token.
fn capped(
    store: &dyn NodeStore,
    items: &[(IntentId, SignedIntent)],
    cap: usize,
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    use std::collections::BTreeMap;
    let mut count: BTreeMap<alloy::primitives::Address, usize> = BTreeMap::new();
    let mut verdict: Vec<Option<StoreError>> = Vec::with_capacity(items.len());
    let mut keep = Vec::with_capacity(items.len());
    // (owner, token) → (any open intent, one funded by a permit), as the
    // store and the group so far have them.
    let mut open: BTreeMap<Key, (bool, bool)> = BTreeMap::new();
    for (id, s) in items {
        let owner = s.intent.owner;
        let n = match count.get(&owner) {
            Some(n) => *n,
            None => store.pending_of(&owner)?,
        };
        let key = (owner, s.intent.asset);
        let repeat = || store.get(id).map(|r| r.is_some());
        // A repeat of a stored intent is answered as a replay, not a cap.
        if n >= cap && !repeat()? {
            count.insert(owner, n);
            verdict.push(Some(StoreError::OwnerLimit { owner, max: cap }));
        } else if !s.intent.asset.is_zero() && permit_clash(store, &mut open, key, s)? && !repeat()?
        {
            // A permit sets the allowance to its own value when it is
            // used, so it must fund the owner's only open intent in that
            // token: a permit beside other open intents, or another intent
            // beside an open permit-funded one, would leave one unfunded.
            verdict.push(Some(StoreError::PermitPending { owner, token: s.intent.asset }));
        } else {
            if !s.intent.asset.is_zero() {
                let e = open.entry(key).or_default();
                e.0 = true;
                e.1 |= s.permit.is_some();
            }
            count.insert(owner, n + 1);
            verdict.push(None);
            keep.push((*id, s.clone()));
        }
    }
    let mut stored = store.accept(&keep)?.into_iter();
    Ok(verdict
        .into_iter()
        .map(|v| match v {
            Some(e) => Err(e),
            None => stored.next().expect("one outcome per kept intent"),
        })
        .collect())
}
