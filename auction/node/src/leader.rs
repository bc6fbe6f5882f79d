//! Leadership for nodes that share a store: every node serves the API; the
//! holder of the lease alone runs rounds, the chain link and the executor.
//!
//! ```text
//! lease task (tokio, every ttl/3): LeaseStore::acquire (or ::lease when it
//!   does not contend) on the blocking pool ──▶ Tracker::observe (pure)
//!   ──▶ Change::SteppedUp { epoch }: fence the store's writes with the epoch,
//!       publish Role::Leading, log once, stakebid_leader{node} = 1
//!   ──▶ Change::SteppedDown: publish Role::Standby, log once, gauge 0
//! round driver: Leadership::stepped_up().await ─ a term ─ stepped_down(epoch).await
//! shutdown: stop ticking, step down, release the lease (a clean stop hands
//!   over at once instead of at expiry)
//! ```
//!
//! Until this node leads, its round-state writes are fenced with epoch 0,
//! which no lease has, so nothing a standby does can touch round state. A
//! node that lost the lease has its writes refused from the moment it
//! changed hands (`store.fenced`); stepping down only makes it stop trying.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use crate::port::{Fence, LeaseState, LeaseStore, StoreError};
use stakebid_intents::Coded;

/// Where this node stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Serving the API; another node (or none) runs rounds.
    Standby,
    /// Holding the lease taken in `epoch`: this node runs rounds.
    Leading {
        /// The lease's epoch when this node took it.
        epoch: i64,
    },
}

/// What one look at the lease changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// This node took the lease (or took it again in a new epoch).
    SteppedUp {
        /// The new term's epoch.
        epoch: i64,
    },
    /// This node no longer leads.
    SteppedDown {
        /// Why, for the log.
        reason: String,
    },
}

/// The pure part, in the spirit of CoW's `leader_lock_tracker`: from what
/// each read of the lease said, this node's role and what changed.
#[derive(Clone, Debug)]
pub struct Tracker {
    holder: String,
    role: Role,
}

impl Tracker {
    /// A tracker for `holder`, standing by.
    pub fn new(holder: &str) -> Tracker {
        Tracker { holder: holder.to_string(), role: Role::Standby }
    }

    /// The role after the reads so far.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// Takes one read of the lease: a live lease in this node's name is a
    /// term (a new one when its epoch moved); anything else, including a
    /// failed read, ends the term this node had.
    pub fn observe(&mut self, read: &Result<LeaseState, StoreError>) -> Option<Change> {
        let (next, reason) = match read {
            Ok(st) if st.holder == self.holder && st.live => {
                (Role::Leading { epoch: st.epoch }, String::new())
            }
            Ok(st) => {
                (Role::Standby, format!("{} holds the lease (epoch {})", st.holder, st.epoch))
            }
            Err(e) => (Role::Standby, format!("cannot renew the lease: {e} ({})", e.code())),
        };
        if next == self.role {
            return None;
        }
        let was_leading = self.role != Role::Standby;
        self.role = next.clone();
        match next {
            Role::Leading { epoch } => Some(Change::SteppedUp { epoch }),
            Role::Standby if was_leading => Some(Change::SteppedDown { reason }),
            Role::Standby => None,
        }
    }
}

/// What the rest of the node reads of leadership.
#[derive(Clone)]
pub struct Leadership {
    holder: String,
    role: watch::Receiver<Role>,
    lease: watch::Receiver<Option<LeaseState>>,
}

impl Leadership {
    /// This node's name in the lease.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// This node's role now.
    pub fn role(&self) -> Role {
        self.role.borrow().clone()
    }

    /// Whether this node leads now.
    pub fn leading(&self) -> bool {
        self.role() != Role::Standby
    }

    /// The lease as last read.
    pub fn lease(&self) -> Option<LeaseState> {
        self.lease.borrow().clone()
    }

    /// Waits until this node leads: the term's epoch, or `None` once the
    /// lease task has stopped (the node is shutting down).
    pub async fn stepped_up(&mut self) -> Option<i64> {
        let r = self.role.wait_for(|r| *r != Role::Standby).await.ok()?;
        match *r {
            Role::Leading { epoch } => Some(epoch),
            Role::Standby => None,
        }
    }

    /// Waits until the term of `epoch` ends (stepped down, a new epoch, or
    /// the lease task stopped).
    pub async fn stepped_down(&mut self, epoch: i64) {
        let _ = self.role.wait_for(|r| *r != Role::Leading { epoch }).await;
    }
}

/// The running lease task.
pub struct LeaseTask {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl LeaseTask {
    /// Stops ticking, steps down and releases the lease, then returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// Stops at once without releasing the lease (as a crash would): the
    /// others take over when it expires.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// How the lease task runs.
#[derive(Clone, Debug)]
pub struct LeaseConfig {
    /// This node's name in the lease (unique among the nodes).
    pub holder: String,
    /// The lease's lifetime; it is renewed every third of it.
    pub ttl: Duration,
    /// Whether to take the lease at all: a node that runs no rounds only
    /// watches it (taking it would stop every round in the cluster).
    pub contend: bool,
}

/// Starts the lease task over `lease`.
pub fn spawn(
    lease: Arc<dyn LeaseStore>,
    cfg: LeaseConfig,
    metrics: Arc<Metrics>,
) -> (Leadership, LeaseTask) {
    let (role_tx, role) = watch::channel(Role::Standby);
    let (lease_tx, lease_rx) = watch::channel(None);
    let (stop, mut stopped) = watch::channel(false);
    let holder = cfg.holder.clone();
    let gauge = metrics.leader.get_or_create(&vec![("node".to_string(), holder.clone())]).clone();
    lease.fence(Some(Fence { holder: holder.clone(), epoch: 0 }));
    let task =
        tokio::spawn(async move {
            let mut tracker = Tracker::new(&cfg.holder);
            let mut tick = tokio::time::interval((cfg.ttl / 3).max(Duration::from_millis(10)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let (l, h, ttl, contend) =
                    (lease.clone(), cfg.holder.clone(), cfg.ttl, cfg.contend);
                let read = tokio::task::spawn_blocking(move || {
                    if contend {
                        l.acquire(&h, ttl)
                    } else {
                        l.lease()
                    }
                })
                .await
                .unwrap_or_else(|e| {
                    Err(StoreError::Failed(format!("the lease read stopped: {e}")))
                });
                if let Ok(st) = &read {
                    lease_tx.send_replace(Some(st.clone()));
                }
                let Some(change) = tracker.observe(&read) else { continue };
                metrics.leader_changes.inc();
                match change {
                    Change::SteppedUp { epoch } => {
                        // Fenced before anyone hears of it: the term's writes
                        // carry its epoch.
                        lease.fence(Some(Fence { holder: cfg.holder.clone(), epoch }));
                        gauge.set(1);
                        tracing::info!(epoch, "leading: took the lease (epoch {epoch})");
                    }
                    Change::SteppedDown { reason } => {
                        gauge.set(0);
                        tracing::warn!("standing by: {reason}");
                    }
                }
                role_tx.send_replace(tracker.role().clone());
            }
            if tracker.role() != &Role::Standby {
                role_tx.send_replace(Role::Standby);
                gauge.set(0);
                metrics.leader_changes.inc();
                tracing::info!("standing by: the node stops; the lease is released");
            }
            let h = cfg.holder.clone();
            let _ = tokio::task::spawn_blocking(move || lease.release(&h)).await;
        });
    (Leadership { holder, role, lease: lease_rx }, LeaseTask { stop, task })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn st(holder: &str, epoch: i64, live: bool) -> Result<LeaseState, StoreError> {
        Ok(LeaseState { holder: holder.into(), epoch, since: 0, live })
    }

    #[test]
    fn the_tracker_steps_up_once_and_down_once() {
        let mut t = Tracker::new("a");
        assert_eq!(t.observe(&st("b", 1, true)), None, "someone else leads: still standing by");
        assert_eq!(t.observe(&st("a", 2, true)), Some(Change::SteppedUp { epoch: 2 }));
        assert_eq!(t.observe(&st("a", 2, true)), None, "a renewal is no change");
        let down = t.observe(&st("b", 3, true));
        assert!(
            matches!(down, Some(Change::SteppedDown { ref reason }) if reason.contains("b holds"))
        );
        assert_eq!(t.observe(&st("b", 3, true)), None);
        assert_eq!(t.role(), &Role::Standby);
    }

    #[test]
    fn a_failed_read_or_an_expired_lease_ends_the_term_and_a_new_epoch_is_a_new_term() {
        let mut t = Tracker::new("a");
        t.observe(&st("a", 1, true));
        let e = Err(StoreError::Unavailable("connection refused".into()));
        assert!(
            matches!(t.observe(&e), Some(Change::SteppedDown { reason }) if reason.contains("store.unavailable"))
        );
        assert_eq!(t.observe(&e), None, "a standby's failed read changes nothing");
        assert_eq!(t.observe(&st("a", 1, false)), None, "its own expired lease is no term");
        assert_eq!(t.observe(&st("a", 4, true)), Some(Change::SteppedUp { epoch: 4 }));
        // Lost and taken again between two reads: a new term.
        assert_eq!(t.observe(&st("a", 6, true)), Some(Change::SteppedUp { epoch: 6 }));
    }

    /// A lease in memory on an injected clock: expiry is whatever the test
    /// says the time is, not the wall clock.
    struct FakeLease {
        now_ms: Mutex<u64>,
        // (holder, epoch, since, expires_at_ms)
        held: Mutex<Option<(String, i64, u64)>>,
        epoch: Mutex<i64>,
        fences: Mutex<Vec<Fence>>,
    }

    impl FakeLease {
        fn new() -> Arc<FakeLease> {
            Arc::new(FakeLease {
                now_ms: Mutex::new(0),
                held: Mutex::new(None),
                epoch: Mutex::new(0),
                fences: Mutex::new(vec![]),
            })
        }
        fn advance(&self, ms: u64) {
            *self.now_ms.lock().unwrap() += ms;
        }
        fn state(&self) -> LeaseState {
            let now = *self.now_ms.lock().unwrap();
            match &*self.held.lock().unwrap() {
                Some((h, e, exp)) => {
                    LeaseState { holder: h.clone(), epoch: *e, since: 0, live: *exp > now }
                }
                None => LeaseState { holder: String::new(), epoch: 0, since: 0, live: false },
            }
        }
    }

    impl LeaseStore for FakeLease {
        fn acquire(&self, holder: &str, ttl: Duration) -> Result<LeaseState, StoreError> {
            let now = *self.now_ms.lock().unwrap();
            let exp = now + ttl.as_millis() as u64;
            let mut held = self.held.lock().unwrap();
            match &mut *held {
                Some((h, _, e)) if h == holder => *e = exp,
                Some((_, _, e)) if *e > now => {}
                _ => {
                    let mut ep = self.epoch.lock().unwrap();
                    *ep += 1;
                    *held = Some((holder.to_string(), *ep, exp));
                }
            }
            drop(held);
            Ok(self.state())
        }
        fn lease(&self) -> Result<LeaseState, StoreError> {
            Ok(self.state())
        }
        fn release(&self, holder: &str) -> Result<(), StoreError> {
            let now = *self.now_ms.lock().unwrap();
            if let Some((h, _, e)) = &mut *self.held.lock().unwrap() {
                if h == holder {
                    *e = now;
                }
            }
            Ok(())
        }
        fn fence(&self, fence: Option<Fence>) {
            self.fences.lock().unwrap().extend(fence);
        }
    }

    const TTL: Duration = Duration::from_millis(300);

    fn node(lease: &Arc<FakeLease>, name: &str, m: &Arc<Metrics>) -> (Leadership, LeaseTask) {
        let cfg = LeaseConfig { holder: name.into(), ttl: TTL, contend: true };
        spawn(lease.clone(), cfg, m.clone())
    }

    async fn within<F: std::future::Future>(f: F) -> F::Output {
        tokio::time::timeout(Duration::from_secs(5), f).await.expect("in time")
    }

    #[tokio::test]
    async fn a_clean_shutdown_hands_over_at_once_and_fences_the_new_term() {
        let (lease, m) = (FakeLease::new(), Arc::new(Metrics::new()));
        let (mut a, ta) = node(&lease, "a", &m);
        assert_eq!(within(a.stepped_up()).await, Some(1));
        let (mut b, tb) = node(&lease, "b", &m);
        // The fake clock stands still: without a release B never leads.
        ta.shutdown().await;
        assert!(!a.leading());
        assert_eq!(within(b.stepped_up()).await, Some(2), "B leads after A released");
        assert!(lease.fences.lock().unwrap().contains(&Fence { holder: "b".into(), epoch: 2 }));
        assert!(m.render().contains("stakebid_leader_changes_total 3"), "{}", m.render());
        tb.shutdown().await;
    }

    #[tokio::test]
    async fn an_aborted_leader_is_replaced_once_its_lease_expires_on_the_clock() {
        let (lease, m) = (FakeLease::new(), Arc::new(Metrics::new()));
        let (mut a, ta) = node(&lease, "a", &m);
        assert_eq!(within(a.stepped_up()).await, Some(1));
        let (b, tb) = node(&lease, "b", &m);
        ta.abort(); // no release: the lease stays A's until it expires
        tokio::time::sleep(TTL).await; // B tries a few times meanwhile
        assert!(!b.leading(), "B must not lead while A's lease is live");
        lease.advance(TTL.as_millis() as u64);
        let mut b2 = b.clone();
        assert_eq!(within(b2.stepped_up()).await, Some(2));
        tb.shutdown().await;
    }

    #[tokio::test]
    async fn a_watcher_that_does_not_contend_never_takes_the_lease() {
        let (lease, m) = (FakeLease::new(), Arc::new(Metrics::new()));
        let cfg = LeaseConfig { holder: "w".into(), ttl: TTL, contend: false };
        let (w, tw) = spawn(lease.clone(), cfg, m);
        tokio::time::sleep(TTL).await;
        assert!(!w.leading());
        assert_eq!(lease.state().epoch, 0);
        tw.shutdown().await;
    }
}
