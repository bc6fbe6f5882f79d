//! Leadership for nodes that share a Postgres store: every node serves the
//! API; the holder of the lease alone runs rounds, the chain link and the
//! executor. A thread renews (or tries to take) the lease every third of
//! its lifetime; a node that takes it fences its store writes with the new
//! epoch, and a node that loses it (or cannot reach the database) stops its
//! term at once. Its store writes fail from the moment the lease changed
//! hands anyway (`store.fenced`): the flag only makes it stop trying.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stakebid_intents::Coded;
use stakebid_node::pg::PgStore;
use stakebid_node::port::{Fence, LeaseState};

/// What this node knows of the lease.
pub(crate) struct Leadership {
    /// This node's holder name (unique per process).
    pub(crate) holder: String,
    leading: AtomicBool,
    state: Mutex<Option<LeaseState>>,
    /// Set when the current term ends (lease lost, or the node stops).
    term: Mutex<Arc<AtomicBool>>,
}

impl Leadership {
    /// Whether this node leads now.
    pub(crate) fn leading(&self) -> bool {
        self.leading.load(Ordering::SeqCst)
    }

    /// The lease as last read.
    pub(crate) fn state(&self) -> Option<LeaseState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A new term's stop flag; set when this node stops leading.
    pub(crate) fn new_term(&self) -> Arc<AtomicBool> {
        let t = Arc::new(AtomicBool::new(!self.leading()));
        *self.term.lock().unwrap_or_else(|p| p.into_inner()) = t.clone();
        // Lost between the check and the store: end it now.
        if !self.leading() {
            t.store(true, Ordering::SeqCst);
        }
        t
    }

    fn end_term(&self) {
        self.leading.store(false, Ordering::SeqCst);
        self.term.lock().unwrap_or_else(|p| p.into_inner()).store(true, Ordering::SeqCst);
    }
}

/// Starts the lease thread over `store`: `ttl` is the lease's lifetime.
/// Until this node leads, its round-state writes are fenced with epoch 0,
/// which no lease has, so nothing a standby does can touch round state.
/// A node that runs no rounds (`--no-auctions`) only watches the lease
/// (`contend` false): taking it would stop every round in the cluster.
pub(crate) fn spawn(
    store: Arc<PgStore>,
    holder: String,
    ttl: Duration,
    contend: bool,
    stop: Arc<AtomicBool>,
) -> Arc<Leadership> {
    store.set_fence(Some(Fence { holder: holder.clone(), epoch: 0 }));
    let lead = Arc::new(Leadership {
        holder: holder.clone(),
        leading: AtomicBool::new(false),
        state: Mutex::new(None),
        term: Mutex::new(Arc::new(AtomicBool::new(true))),
    });
    let l = lead.clone();
    std::thread::spawn(move || {
        let lease = store.lease(&holder, ttl);
        while !stop.load(Ordering::SeqCst) {
            let read = if contend { lease.acquire() } else { lease.state() };
            match read {
                Ok(st) => {
                    let mine = st.holder == holder && st.live;
                    // The state first: a term that begins reads its epoch.
                    *l.state.lock().unwrap_or_else(|p| p.into_inner()) = Some(st.clone());
                    if mine && !l.leading() {
                        store.set_fence(Some(Fence { holder: holder.clone(), epoch: st.epoch }));
                        l.leading.store(true, Ordering::SeqCst);
                        eprintln!("[node] leading: took the lease (epoch {})", st.epoch);
                    } else if !mine && l.leading() {
                        l.end_term();
                        eprintln!(
                            "[node] standing by: {} holds the lease (epoch {})",
                            st.holder, st.epoch
                        );
                    }
                }
                Err(e) => {
                    if l.leading() {
                        l.end_term();
                        eprintln!("[node] standing by: cannot renew the lease: {e} ({})", e.code());
                    }
                }
            }
            std::thread::sleep(ttl / 3);
        }
        l.end_term();
        // A clean stop hands over at once instead of at expiry.
        let _ = lease.release();
    });
    lead
}
