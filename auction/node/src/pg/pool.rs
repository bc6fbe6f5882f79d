//! A few connections, each owned by its own thread. The store port is
//! synchronous and is called from tokio tasks; the `postgres` client runs
//! its own runtime and must not be driven from inside another one, so each
//! call is handed to a connection thread and waited for. A thread whose
//! connection broke reconnects on its next job, so the store recovers by
//! itself when Postgres comes back; until then calls fail fast with
//! `store.unavailable`.

use postgres::{Client, NoTls};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::port::StoreError;

type Job = Box<dyn FnOnce(&mut Option<Client>) + Send>;

/// The connection threads.
pub(crate) struct Pool {
    jobs: mpsc::Sender<Job>,
}

/// How long a connection attempt may take before the call fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

fn connect(url: &str) -> Result<Client, StoreError> {
    let mut cfg: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Failed(format!("the store URL does not parse: {e}")))?;
    if cfg.get_connect_timeout().is_none() {
        cfg.connect_timeout(CONNECT_TIMEOUT);
    }
    cfg.application_name("stakebid");
    // A node paused (or stuck) inside a transaction would hold its row locks
    // and block the next leader's takeover writes; our transactions send
    // their statements back to back, so a second idle inside one means the
    // node is gone: the server ends that session and its locks go with it.
    cfg.options("-c idle_in_transaction_session_timeout=1500");
    cfg.connect(NoTls).map_err(classify)
}

/// A Postgres failure as a store error: lost or refused connections (and
/// the server shutting down) are `Unavailable`, serialization failures and deadlocks `Conflict`, the rest `Failed`.
pub(crate) fn classify(e: postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            if code.starts_with("08") || code.starts_with("57P") {
                StoreError::Unavailable(db.message().to_string())
            } else if code == "40001" || code == "40P01" {
                // Serialization failure or deadlock: another writer won.
                StoreError::Conflict(db.message().to_string())
            } else {
                StoreError::Failed(format!("{}: {}", code, db.message()))
            }
        }
        None => StoreError::Unavailable(e.to_string()),
    }
}

impl Pool {
    /// Connects `size` threads to `url` (the first connection is made here,
    /// so a wrong URL or a down server fails the open with its reason).
    pub(crate) fn connect(url: &str, size: usize) -> Result<Pool, StoreError> {
        let mut first = Some(connect(url)?);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let url = Arc::new(url.to_string());
        for n in 0..size.max(1) {
            let (rx, url) = (rx.clone(), url.clone());
            let mut client = if n == 0 { first.take() } else { None };
            std::thread::Builder::new()
                .name(format!("stakebid-pg-{n}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // Missing or broken: reconnect before the job runs.
                    if client.as_ref().is_none_or(|c| c.is_closed()) {
                        client = connect(&url).ok();
                    }
                    job(&mut client);
                })
                .map_err(|e| StoreError::Failed(format!("cannot start a store thread: {e}")))?;
        }
        Ok(Pool { jobs: tx })
    }

    /// Runs `f` on a connection and waits for its result.
    pub(crate) fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (reply, wait) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |client: &mut Option<Client>| {
            let out = match client.as_mut() {
                Some(c) => f(c),
                None => Err(StoreError::Unavailable("cannot connect to Postgres".into())),
            };
            // A broken connection is dropped so the next job reconnects.
            if client.as_ref().is_some_and(|c| c.is_closed()) {
                *client = None;
            }
            let _ = reply.send(out);
        });
        self.jobs.send(job).map_err(|_| StoreError::Failed("the store threads stopped".into()))?;
        wait.recv().map_err(|_| StoreError::Failed("a store thread stopped".into()))?
    }
}
