//! Group commit for intake: handlers send accepted intents to one writer
//! task, which drains whatever is waiting (up to `MAX_GROUP`), writes it in
//! one batch with one flush (sled) or one transaction (Postgres), and answers each request. Under load many
//! intents share a flush; alone, an intent waits for no one.

use tokio::sync::{mpsc, oneshot};

use stakebid_intents::{IntentId, SignedIntent};

use crate::infra::store::StoreError;
use crate::port::NodeStore;

/// Most intents per flush.
pub const MAX_GROUP: usize = 512;

type Reply = oneshot::Sender<Result<(), StoreError>>;

/// The handle handlers use.
#[derive(Clone)]
pub struct Intake {
    tx: mpsc::Sender<((IntentId, SignedIntent), Reply)>,
}

impl Intake {
    /// Starts the writer task over `store`.
    pub fn start(store: std::sync::Arc<dyn NodeStore>) -> Intake {
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
                // sled's flush blocks: keep it off the async workers.
                let result = tokio::task::spawn_blocking(move || store.accept(&items))
                    .await
                    .map_err(|e| StoreError::Db(format!("writer task: {e}")));
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
                            other => StoreError::Db(other.to_string()),
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
        let closed = || StoreError::Db("the writer stopped".into());
        self.tx.send(((id, signed), reply)).await.map_err(|_| closed())?;
        wait.await.map_err(|_| closed())?
    }
}
