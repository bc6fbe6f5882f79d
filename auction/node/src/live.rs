//! The live auction: the round in progress on the wall clock.
//!
//! The driver (a plain thread: scoring is CPU-bound) opens a round through
//! the [`Auctioneer`], announces it, waits out the commit window, announces
//! the reveal phase, waits out the reveal window and closes the round.
//! Meanwhile the edges feed [`Live::commit`] and [`Live::reveal`]: the bus
//! listener (in-process or NATS) and the HTTP endpoints. Every announcement
//! is an [`Envelope`] signed by the auctioneer and goes to the bus and to
//! the `/v1/events` stream alike. It is announced only after the store has
//! it (`Auctioneer::open` persists first).

use alloy::primitives::{Address, Bytes, B256};
use alloy::signers::local::PrivateKeySigner;
use stakebid_intents::Coded;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

use stakebid_bus::Bus;
use stakebid_intents::envelope::{
    pattern, subject, AwardMsg, CommitMsg, Envelope, EnvelopeError, Kind, OpenMsg, PhaseMsg,
    RevealMsg,
};
use stakebid_intents::protocol::RoundBinding;
use stakebid_intents::Domain;

use crate::auctioneer::{Auctioneer, Report};
use crate::metrics::Metrics;
use stakebid_auction::domain::round::{Revealed, Round, RoundError};

/// Why a commitment or reveal was refused.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// No round with this id is taking messages.
    #[error("auction {0} is not taking commitments or reveals (unknown, or already closed)")]
    NotOpen(u64),
    /// The round refused it (late, mismatched, not eligible, …).
    #[error(transparent)]
    Round(#[from] RoundError),
    /// The message's envelope or signature is bad.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The signer sent more bus messages than its rate allows.
    #[error("{0} sent more than {BUS_RATE} messages a second on the bus; dropped")]
    RateLimited(Address),
}

impl stakebid_intents::Coded for LiveError {
    fn code(&self) -> &str {
        match self {
            LiveError::NotOpen(_) => "auction.not_open",
            LiveError::Round(e) => e.code(),
            LiveError::Envelope(e) => e.code(),
            LiveError::RateLimited(_) => "rate.limited",
        }
    }
}

struct Current {
    round: Round,
    /// What this round's commitments and reveals must be signed for.
    at: RoundBinding,
    eligible: BTreeSet<Address>,
}

/// The round in progress and the announcement channels.
pub struct Live {
    current: Mutex<Option<Current>>,
    events: broadcast::Sender<Envelope>,
    key: PrivateKeySigner,
    domain: Domain,
    bus: Option<Bus>,
    now: Arc<dyn Fn() -> u64 + Send + Sync>,
    metrics: Arc<Metrics>,
    /// The lease epoch this node leads in (0 on its own store); every
    /// announcement carries it.
    epoch: std::sync::atomic::AtomicU64,
    /// What held pending intents back when the last round was filled, for
    /// the intent views.
    board: Mutex<Board>,
}

/// Why pending intents were held back from the last batch.
#[derive(Clone, Debug, Default)]
struct Board {
    /// The round the pool was last batched for.
    round: u64,
    held: Arc<std::collections::BTreeMap<stakebid_intents::IntentId, crate::funding::Held>>,
    fairness: stakebid_auction::domain::fairness::Fairness,
}

impl Live {
    /// Announcements from now on carry `epoch` (a term began).
    pub fn set_epoch(&self, epoch: u64) {
        self.epoch.store(epoch, std::sync::atomic::Ordering::SeqCst);
    }

    /// The epoch announcements carry.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A live auction signed by `key` for `domain`, announcing on `bus` (if
    /// any) and the event stream, on the clock `now` (unix seconds).
    pub fn new(
        key: PrivateKeySigner,
        domain: Domain,
        bus: Option<Bus>,
        now: Arc<dyn Fn() -> u64 + Send + Sync>,
        metrics: Arc<Metrics>,
    ) -> Arc<Live> {
        Arc::new(Live {
            current: Mutex::new(None),
            events: broadcast::channel(1024).0,
            key,
            domain,
            bus,
            now,
            metrics,
            epoch: std::sync::atomic::AtomicU64::new(0),
            board: Mutex::default(),
        })
    }

    /// Why the pending intent `id` of `owner` waits, as of the last batch:
    /// the funding check held it, or its owner backs off.
    pub fn waiting(
        &self,
        id: &stakebid_intents::IntentId,
        owner: &Address,
    ) -> Option<stakebid_wire::Waiting> {
        let b = self.board.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = b.held.get(id) {
            return Some(match h.short {
                crate::funding::Shortfall::NonceSpent => stakebid_wire::Waiting::NonceSpent,
                crate::funding::Shortfall::Funds { asset, needed, available } => {
                    stakebid_wire::Waiting::Funding {
                        asset,
                        needed: needed.into(),
                        available: available.into(),
                    }
                }
            });
        }
        match b.fairness.admits(owner, b.round) {
            Some(stakebid_auction::domain::fairness::Waiting::Backoff { until }) => {
                Some(stakebid_wire::Waiting::Backoff { until_round: until })
            }
            _ => None,
        }
    }

    /// The auctioneer's address (announcements are signed by it).
    pub fn auctioneer(&self) -> Address {
        self.key.address()
    }

    /// The chain and Settlement it signs for.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The event stream.
    pub fn events(&self) -> broadcast::Receiver<Envelope> {
        self.events.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The binding of the live round `auction`, if it is the live one.
    fn binding(&self, auction: u64) -> Result<RoundBinding, LiveError> {
        let g = self.lock();
        g.as_ref()
            .filter(|c| c.round.open.auctionId == auction)
            .map(|c| c.at)
            .ok_or(LiveError::NotOpen(auction))
    }

    /// Takes a sealed commitment (from the bus or HTTP). Its signature must
    /// be over the live round's binding (this deployment, this very
    /// announcement, this solver, this commitment); it is checked outside
    /// the lock, then the round is looked up again by its binding so a
    /// round that closed meanwhile is never handed another's message. A
    /// forgery changes nothing and records nothing.
    pub fn commit(&self, msg: &CommitMsg) -> Result<(), LiveError> {
        let at = self.binding(msg.auction)?;
        let checked = msg.verify(&at).map_err(|_| RoundError::BadSignature(msg.solver))?;
        let mut g = self.lock();
        let cur = g.as_mut().filter(|c| c.at == at).ok_or(LiveError::NotOpen(msg.auction))?;
        let eligible = cur.eligible.contains(&msg.solver);
        cur.round.commit((self.now)(), &checked, eligible)?;
        self.metrics.commitments.inc();
        Ok(())
    }

    /// Takes a signed reveal (from the bus or HTTP), bound to the live
    /// round as commitments are. A repeat of an accepted reveal answers `Ok` again.
    pub fn reveal(&self, msg: &RevealMsg) -> Result<(), LiveError> {
        let auction = msg.bid.auctionId;
        let at = self.binding(auction)?;
        let checked = msg.verify(&at).map_err(|_| RoundError::BadSignature(msg.bid.solver))?;
        let mut g = self.lock();
        let cur = g.as_mut().filter(|c| c.at == at).ok_or(LiveError::NotOpen(auction))?;
        if cur.round.reveal((self.now)(), &checked)? == Revealed::Opened {
            self.metrics.reveals.inc();
        }
        Ok(())
    }

    /// Whether `msg` would open a live commitment not opened yet (its
    /// signature unchecked: rate limits let such a reveal through, and the
    /// signature check still decides).
    pub fn opens(&self, msg: &RevealMsg) -> bool {
        let g = self.lock();
        g.as_ref()
            .filter(|c| c.round.open.auctionId == msg.bid.auctionId)
            .is_some_and(|c| c.round.awaits(msg.bid.solver, msg.commitment(self.domain.chain_id)))
    }

    /// The announcement hash commitments and reveals of `auction` are
    /// signed for, if it is the live round.
    pub fn round_hash(&self, auction: u64) -> Option<B256> {
        self.binding(auction).ok().map(|b| b.round)
    }

    /// The commitments of `auction` if it is the live one: (solver, hash).
    /// Only hashes — bids are not public before the reveal deadline.
    pub fn commitments(&self, auction: u64) -> Option<Vec<(Address, B256)>> {
        let g = self.lock();
        let cur = g.as_ref().filter(|c| c.round.open.auctionId == auction)?;
        Some(cur.round.public((self.now)()).into_iter().map(|(a, h, _)| (a, h)).collect())
    }

    /// Signs and sends an announcement to the bus and the event stream.
    /// Blocks on the bus: call it from the driver thread, not a runtime worker.
    fn announce<T: serde::Serialize>(
        &self,
        rt: &tokio::runtime::Handle,
        auction: u64,
        kind: Kind,
        body: &T,
    ) {
        let env = Envelope::seal(&self.domain, subject(auction, kind), body, &self.key);
        let _ = self.events.send(env.clone());
        if let Some(bus) = &self.bus {
            if let Err(e) = rt.block_on(bus.publish(&env)) {
                tracing::warn!(subject = %env.subject, code = e.code(), "cannot publish: {e}");
            }
        }
    }

    /// Feeds commitments and reveals arriving on `bus` into the live round.
    /// Each must be signed by the solver it names.
    ///
    /// Each solver has a rate ([`BUS_RATE`] messages a second, bursts of
    /// ten seconds' worth), keyed by the envelope's verified signer — never
    /// by the sender a message claims, so a flood in a victim's name (on a
    /// bus without per-solver users) spends nobody's allowance but its own.
    /// A reveal that opens a live commitment is never limited.
    pub async fn listen(self: Arc<Self>, bus: Bus) -> Result<(), stakebid_bus::BusError> {
        let mut commits = bus.subscribe(&pattern(Kind::Commitment)).await?;
        let mut reveals = bus.subscribe(&pattern(Kind::Reveal)).await?;
        let quota = governor::Quota::per_second(BUS_RATE).allow_burst(
            BUS_RATE.saturating_mul(std::num::NonZeroU32::new(10).expect("ten is not zero")),
        );
        let limit: Arc<BusLimiter> = Arc::new(governor::RateLimiter::dashmap(quota));
        let (me, lim) = (self.clone(), limit.clone());
        tokio::spawn(async move {
            while let Some(env) = commits.recv().await {
                me.take(&env, &lim, |m: &CommitMsg| (m.solver, false), |m| me.commit(m));
            }
        });
        tokio::spawn(async move {
            while let Some(env) = reveals.recv().await {
                let opens = |m: &RevealMsg| (m.bid.solver, self.opens(m));
                self.take(&env, &limit, opens, |m| self.reveal(m));
            }
        });
        Ok(())
    }

    /// One solver message from the bus: its subject must name its sender,
    /// the envelope's signature must be the sender's under this deployment,
    /// the message must name the same solver; then the sender's rate
    /// (unless `who` says the message is exempt), then `apply`. Every
    /// refusal is counted by its code.
    fn take<T: serde::de::DeserializeOwned>(
        &self,
        env: &Envelope,
        limit: &BusLimiter,
        who: impl Fn(&T) -> (Address, bool),
        apply: impl Fn(&T) -> Result<(), LiveError>,
    ) {
        let r = env
            .kind()
            .and_then(|_| env.open::<T>(&self.domain, |_| true))
            .map_err(LiveError::from)
            .and_then(|m| {
                let (solver, exempt) = who(&m);
                if solver != env.sender {
                    return Err(EnvelopeError::UnexpectedSender(env.sender).into());
                }
                if !exempt && limit.check_key(&env.sender).is_err() {
                    return Err(LiveError::RateLimited(env.sender));
                }
                apply(&m)
            });
        if let Err(e) = r {
            self.metrics.refuse(e.code());
            tracing::info!(sender = %env.sender, subject = %env.subject, code = e.code(), "refused: {e}");
        }
    }
}

/// Per-solver rate on the bus, keyed by verified signer.
type BusLimiter = governor::DefaultKeyedRateLimiter<Address>;

/// Bus messages a second one solver may send (a round needs at most
/// [`stakebid_intents::protocol::MAX_BIDS_PER_SOLVER`] of each kind).
pub const BUS_RATE: std::num::NonZeroU32 = match std::num::NonZeroU32::new(20) {
    Some(n) => n,
    None => unreachable!(),
};

/// Runs rounds until `stop`: every `every`, open one if the pool has
/// intents, then commit window, reveal window, close. `before_open` may
/// adjust the auctioneer (the node holds back unfunded intents); `after_close` gets
/// the auctioneer and each closed round's report (the CLI prints it and,
/// with a chain, settles the awards and executes the penalties).
// Two hooks on top of the round's own inputs; a struct of closures would
// only move the same eight names elsewhere.
#[allow(clippy::too_many_arguments)]
pub fn drive(
    mut a: Auctioneer<'_>,
    live: &Live,
    rt: &tokio::runtime::Handle,
    every: Duration,
    market_url: &str,
    stop: &AtomicBool,
    mut before_open: impl FnMut(&mut Auctioneer<'_>),
    mut after_close: impl FnMut(&mut Auctioneer<'_>, &Report),
) {
    let wait_until = |t: u64| {
        while (live.now)() <= t && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(every);
        before_open(&mut a);
        *live.board.lock().unwrap_or_else(|p| p.into_inner()) =
            Board { round: a.next_id, held: a.held.clone(), fairness: a.fairness.clone() };
        let opened = match a.open((live.now)()) {
            Ok(Some(o)) => o,
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(code = e.code(), "cannot open a round: {e}");
                continue;
            }
        };
        let open = opened.open.clone();
        let id = open.auctionId;
        // Everything logged until the round closes carries its id.
        let _span = tracing::info_span!("auction", id, intents = opened.batch.len()).entered();
        tracing::info!("round open");
        let at = RoundBinding::of(live.domain, &open);
        *live.lock() = Some(Current {
            round: Round::new(open.clone(), live.domain.chain_id),
            at,
            eligible: opened.eligible.clone(),
        });
        live.metrics.rounds.inc();
        let msg = OpenMsg {
            open: open.clone(),
            intents: opened.batch.iter().map(|(_, i)| i.clone()).collect(),
            domain: live.domain,
            // The round's own market, by hash: a solver reading it later
            // still gets what this round is scored on.
            market_url: format!("{market_url}/{}", open.marketHash),
            epoch: live.epoch(),
        };
        live.announce(rt, id, Kind::Open, &msg);
        wait_until(open.commitDeadline);
        if let Err(e) = a.revealing(id) {
            tracing::warn!(code = e.code(), "cannot mark the round revealing: {e}");
        }
        live.announce(
            rt,
            id,
            Kind::Revealing,
            &PhaseMsg { auction: id, round: at.round, epoch: live.epoch() },
        );
        wait_until(open.revealDeadline);
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let Some(cur) = live.lock().take() else { continue };
        match a.close(opened, cur.round) {
            Ok(r) => {
                for (award, sig) in &r.awards {
                    live.metrics.awards.inc();
                    let m = AwardMsg {
                        award: award.clone(),
                        signature: Bytes::from(sig.as_bytes()),
                        epoch: live.epoch(),
                    };
                    live.announce(rt, id, Kind::Award, &m);
                }
                live.announce(
                    rt,
                    id,
                    Kind::Closed,
                    &PhaseMsg { auction: id, round: at.round, epoch: live.epoch() },
                );
                tracing::info!(revealed = r.revealed, awards = r.awards.len(), "round closed");
                after_close(&mut a, &r);
            }
            Err(e) => {
                tracing::error!(code = e.code(), "cannot close the round: {e}");
                // Nothing of the close was written (one transaction), but
                // the round still holds its intents. Void it now so they
                // return to the pool: a lease that lapsed for a moment and
                // was renewed at the same epoch starts no new term, so no
                // term's recovery would ever void it. Deposed for real, the
                // void is fenced too and the successor's recovery voids it.
                match a.store.recover() {
                    Ok(r) if !r.voided.is_empty() => tracing::warn!(
                        "voided auctions {:?} after the failed close (their intents back in the pool, no penalties)",
                        r.voided
                    ),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(code = e.code(), "cannot void the round: {e}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::B256;
    use stakebid_intents::IntentId;

    /// A pending intent's view says why it waits: held by the funding
    /// check, or its owner backing off; nothing once neither holds.
    #[test]
    fn waiting_reasons_follow_the_last_batch() {
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xa0)).unwrap();
        let domain = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let live = Live::new(key, domain, None, Arc::new(|| 0), Arc::new(Metrics::new()));
        let (held, backing_off, fine) = (
            IntentId(B256::repeat_byte(1)),
            IntentId(B256::repeat_byte(2)),
            IntentId(B256::repeat_byte(3)),
        );
        let (a, b) = (Address::repeat_byte(0xaa), Address::repeat_byte(0xbb));
        let mut fairness = stakebid_auction::domain::fairness::Fairness::default();
        fairness.record(4, &[b].into(), &Default::default());
        let short = crate::funding::Shortfall::Funds {
            asset: Address::ZERO,
            needed: alloy::primitives::U256::from(3u64),
            available: alloy::primitives::U256::from(1u64),
        };
        let h = crate::funding::Held { deadline: u64::MAX, short };
        *live.board.lock().unwrap() =
            Board { round: 5, held: Arc::new([(held, h)].into()), fairness };
        assert_eq!(
            serde_json::to_value(live.waiting(&held, &a).unwrap()).unwrap(),
            serde_json::json!({
                "reason": "funding",
                "asset": "0x0000000000000000000000000000000000000000",
                "needed": "3",
                "available": "1"
            })
        );
        let w = live.waiting(&backing_off, &b).unwrap();
        assert_eq!(w, stakebid_wire::Waiting::Backoff { until_round: 6 });
        assert_eq!(
            serde_json::to_value(w).unwrap(),
            serde_json::json!({ "reason": "backoff", "until_round": 6 })
        );
        assert_eq!(live.waiting(&fine, &a), None);
        // The next batch is round 6: the owner is back in line.
        live.board.lock().unwrap().round = 6;
        assert_eq!(live.waiting(&backing_off, &b), None);
    }

    /// A flood on a victim's bus subject, in its name but signed by
    /// someone else, spends nobody's rate but the signer's: the victim's
    /// genuine commitment that follows is taken. (A limit keyed by the
    /// claimed sender, checked before the signature, dropped it.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_in_a_solvers_name_does_not_spend_its_bus_rate() {
        use stakebid_intents::envelope::{solver_subject, CommitMsg};
        use stakebid_intents::protocol::{AuctionOpen, Bid};
        let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xa0)).unwrap();
        let (victim, attacker) = (
            PrivateKeySigner::from_bytes(&B256::repeat_byte(0xb1)).unwrap(),
            PrivateKeySigner::from_bytes(&B256::repeat_byte(0xb2)).unwrap(),
        );
        let domain = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let bus = Bus::local();
        let live =
            Live::new(key, domain, Some(bus.clone()), Arc::new(|| 10), Arc::new(Metrics::new()));
        live.clone().listen(bus.clone()).await.unwrap();
        let open = AuctionOpen {
            version: stakebid_intents::protocol::PROTOCOL_VERSION,
            auctionId: 1,
            marketHash: B256::ZERO,
            generatorVersion: 1,
            seed: B256::ZERO,
            scenarioCount: 1,
            commitDeadline: 100,
            revealDeadline: 200,
            intentIds: vec![],
        };
        let at = RoundBinding::of(domain, &open);
        *live.lock() = Some(Current {
            round: Round::new(open, domain.chain_id),
            at,
            eligible: [victim.address()].into(),
        });
        let subject = solver_subject(1, Kind::Commitment, victim.address());
        let bid = Bid { auctionId: 1, solver: victim.address(), plans: vec![] };
        for n in 0..(BUS_RATE.get() * 20) {
            let (mut m, _) = CommitMsg::seal(&at, &bid, &attacker);
            m.commitment = B256::from(alloy::primitives::U256::from(n));
            let mut env = Envelope::seal(&domain, subject.clone(), &m, &attacker);
            env.sender = victim.address();
            bus.publish(&env).await.unwrap();
        }
        let (m, _) = CommitMsg::seal(&at, &bid, &victim);
        bus.publish(&Envelope::seal(&domain, subject, &m, &victim)).await.unwrap();
        let mut taken = false;
        for _ in 0..100 {
            if live.commitments(1).unwrap_or_default().contains(&(victim.address(), m.commitment)) {
                taken = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(taken, "the victim's genuine commitment was dropped");
        assert_eq!(live.commitments(1).unwrap().len(), 1, "no forged one was taken");
    }
}
