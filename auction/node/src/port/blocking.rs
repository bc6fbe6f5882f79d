//! The store seen from async code. Every port method blocks (sled reads
//! and flushes, the Postgres adapter waiting for its connection thread), so
//! a handler that called one on a tokio worker would stall every request on
//! that worker while the disk or the database is slow. `AsyncStore` has no
//! blocking method a handler can reach by mistake: `run` hands the call to
//! the store's own threads and awaits the answer.
//!
//! ```text
//! handler ──run(f)──▶ bounded queue ──▶ store lane threads (f(&store)) ──oneshot──▶ handler
//! ```
//!
//! Why lanes and not `spawn_blocking` or `block_in_place`: on this 2-core
//! machine both cost 20–30 % of the read endpoints' throughput under load
//! (each call wakes a parked thread, or starts one to take over the
//! worker's queue). A lane that just finished a call keeps polling the
//! queue for a moment before it parks, so under load a call is a queue
//! push and a task wake-up, with no thread to wake
//! (`tests/bench/listing-http.sh`, `cargo bench --workspace --bench
//! listing`; figures in `docs/benchmarks.md`). The queue is bounded: when
//! it is full the call is refused as `store.unavailable` rather than
//! queued without limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError};

use super::{NodeStore, StoreError};

type Job = Box<dyn FnOnce(&dyn NodeStore) + Send>;

/// Threads that run store calls for async code.
const LANES: usize = 2;
/// Calls that may wait for a lane before new ones are refused.
const QUEUE: usize = 4096;
/// How long an idle lane keeps polling before it parks.
const SPIN: Duration = Duration::from_micros(50);

/// A store handle for async code: `run` hands the call to the store's lanes.
#[derive(Clone)]
pub struct AsyncStore {
    store: Arc<dyn NodeStore>,
    jobs: Sender<Job>,
}

impl AsyncStore {
    /// Wraps `store` and starts its lanes (they stop when the last clone
    /// of this handle is dropped).
    pub fn new(store: Arc<dyn NodeStore>) -> AsyncStore {
        AsyncStore::with_limits(store, LANES, QUEUE)
    }

    /// Wraps `store` with `lanes` threads and room for `queue` waiting
    /// calls (the node uses 2 and 4,096).
    pub fn with_limits(store: Arc<dyn NodeStore>, lanes: usize, queue: usize) -> AsyncStore {
        let (jobs, queue) = crossbeam_channel::bounded::<Job>(queue);
        for n in 0..lanes {
            let (store, queue) = (store.clone(), queue.clone());
            std::thread::Builder::new()
                .name(format!("store-lane-{n}"))
                .spawn(move || lane(&*store, &queue))
                .expect("a thread for the store");
        }
        AsyncStore { store, jobs }
    }

    /// Runs `f` against the store on a lane and awaits it.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn NodeStore) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |s| {
            let _ = tx.send(f(s));
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(StoreError::Unavailable(format!(
                    "{} store calls are already waiting; try again shortly",
                    self.jobs.capacity().unwrap_or(QUEUE)
                )))
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(StoreError::Failed("the store's threads have stopped".into()))
            }
        }
        rx.await.map_err(|_| StoreError::Failed("a store call did not finish".into()))?
    }

    /// Runs `f` on tokio's blocking pool and awaits it: the hand-off `run`
    /// replaced, kept so the listing bench measures both in one run.
    pub async fn run_on_pool<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn NodeStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&*store))
            .await
            .map_err(|e| StoreError::Failed(format!("a store call did not finish: {e}")))?
    }

    /// Calls waiting for a lane.
    pub fn queued(&self) -> usize {
        self.jobs.len()
    }

    /// The blocking store itself, for code on its own thread (the round
    /// driver, the intake writer), never for a tokio worker.
    pub fn blocking(&self) -> &Arc<dyn NodeStore> {
        &self.store
    }
}

/// One lane: run calls as they come; poll a moment before parking, so a
/// busy node's calls find a lane awake.
fn lane(store: &dyn NodeStore, queue: &Receiver<Job>) {
    loop {
        let idle = Instant::now();
        let job = loop {
            match queue.try_recv() {
                Ok(job) => break Some(job),
                Err(TryRecvError::Disconnected) => break None,
                Err(TryRecvError::Empty) if idle.elapsed() < SPIN => std::thread::yield_now(),
                Err(TryRecvError::Empty) => break queue.recv().ok(),
            }
        };
        match job {
            Some(job) => job(store),
            None => return,
        }
    }
}
