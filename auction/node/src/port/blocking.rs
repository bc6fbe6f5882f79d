//! The store seen from async code. Every port method blocks (sled flushes,
//! the Postgres adapter waits for its connection thread), so a handler
//! that called one on a tokio worker would stall every request on that
//! worker while the disk or the database is slow. `AsyncStore` has no
//! blocking method: each call runs on tokio's blocking pool and the
//! handler awaits it.

use std::sync::Arc;

use super::{NodeStore, StoreError};

/// A store handle for async code: `run` moves the call to the blocking pool.
#[derive(Clone)]
pub struct AsyncStore(Arc<dyn NodeStore>);

impl AsyncStore {
    /// Wraps `store`.
    pub fn new(store: Arc<dyn NodeStore>) -> AsyncStore {
        AsyncStore(store)
    }

    /// Runs `f` against the store on the blocking pool and awaits it.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn NodeStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || f(&*store))
            .await
            .map_err(|e| StoreError::Failed(format!("a store call did not finish: {e}")))?
    }

    /// The blocking store itself, for code on its own thread (the round
    /// driver, the intake writer), never for a tokio worker.
    pub fn blocking(&self) -> &Arc<dyn NodeStore> {
        &self.0
    }
}
