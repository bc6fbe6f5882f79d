//! The solver runtime: what `stakebid solver run` does. It listens for
//! auctions (NATS, the in-process bus, or the node's `/v1/events` stream),
//! checks every announcement is signed by the node's auctioneer, rebuilds
//! the round's scenarios from the announced seed, runs its strategy until
//! shortly before the commit deadline, sends a sealed commitment, and
//! reveals the bid when the auctioneer announces the reveal phase —
//! on the bus, or over HTTP when it has no bus.

use alloy::primitives::{Address, B256};
use alloy::signers::local::PrivateKeySigner;
use stakebid_intents::Coded;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use stakebid_bus::{Bus, Client};
use stakebid_intents::envelope::{
    solver_subject, AwardMsg, CommitMsg, Envelope, Kind, OpenMsg, PhaseMsg, RevealMsg,
    ANNOUNCEMENTS,
};
use stakebid_intents::market::Index;
use stakebid_intents::protocol::{Bid, RoundBinding};
use stakebid_intents::{Context, Domain, IntentId, Market, Plan, Scenarios};

use crate::book::SealedBook;
use crate::engine::{Engine, EngineError};
use crate::Strategy;
use stakebid_intents::protocol::PROTOCOL_VERSION;
use stakebid_intents::scenarios::GENERATOR_VERSION;
use stakebid_wire::engine::{BidResult, EngineBid, Notice, NoticeKind, SolveResponse};

/// The newest lease epoch the auctioneer's messages carried: a message from
/// an older epoch is a deposed leader's (nodes sharing a store) and is not
/// acted on. Nodes on their own store always send epoch 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochGate {
    /// The newest epoch seen.
    pub newest: u64,
}

impl EpochGate {
    /// Whether a message of `epoch` is current (and remember it if newer).
    pub fn admit(&mut self, epoch: u64) -> bool {
        if epoch < self.newest {
            return false;
        }
        self.newest = epoch;
        true
    }
}

/// What the runtime reports as it goes (the CLI prints these).
#[derive(Debug, Clone)]
pub enum Event {
    /// Connected and listening.
    Listening {
        /// Where auctions come from.
        source: String,
    },
    /// A commitment was sent.
    Committed {
        /// Auction.
        auction: u64,
        /// Intents planned.
        planned: usize,
        /// Of the batch.
        batch: usize,
        /// Time spent solving.
        solve_ms: u128,
    },
    /// Reveals owed from before a restart were found in the book.
    Recovered {
        /// Rounds still owed.
        rounds: usize,
    },
    /// A reveal was sent.
    Revealed {
        /// Auction.
        auction: u64,
    },
    /// The round closed: what became of each of this solver's bids.
    Result {
        /// Auction.
        auction: u64,
        /// Per committed bid.
        bids: Vec<BidResult>,
    },
    /// The strategy or engine had nothing to bid on a round.
    Nothing {
        /// Auction.
        auction: u64,
        /// Batch size.
        batch: usize,
        /// Why, when it said (engine: the first dropped plan's reason).
        why: Option<String>,
    },
    /// This solver won.
    Won {
        /// Auction.
        auction: u64,
        /// Intents won.
        intents: usize,
    },
    /// Something was refused or failed; the runtime carries on.
    Problem {
        /// Stable code.
        code: String,
        /// What happened.
        message: String,
    },
}

/// A runtime failure that stops it.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The node could not be asked who its auctioneer is.
    #[error("cannot reach the node: {0}")]
    Node(#[from] stakebid_bus::ClientError),
    /// The bus failed.
    #[error(transparent)]
    Bus(#[from] stakebid_bus::BusError),
    /// Neither a node nor an auctioneer address was given.
    #[error("give the node's URL, or the auctioneer's address with --nats")]
    NoAuctioneer,
    /// The book of sealed bids could not be read.
    #[error(transparent)]
    Book(#[from] crate::book::BookError),
}

impl stakebid_intents::Coded for RuntimeError {
    fn code(&self) -> &str {
        match self {
            RuntimeError::Node(e) => e.code(),
            RuntimeError::Bus(e) => e.code(),
            RuntimeError::NoAuctioneer => "solver.no_auctioneer",
            RuntimeError::Book(e) => e.code(),
        }
    }
}

/// A solver process.
pub struct Runtime {
    /// Its registered key.
    pub key: PrivateKeySigner,
    /// How it plans when it has no engine.
    pub strategy: Arc<dyn Strategy>,
    /// The engine it asks instead (`--engine URL`): every round goes to
    /// its `POST /solve` within its share of the commit window.
    pub engine: Option<Engine>,
    /// The node's API (identity, market, and HTTP commit/reveal without a bus).
    pub node: Option<Client>,
    /// The bus, if it uses one.
    pub bus: Option<Bus>,
    /// The auctioneer's address when there is no node to ask.
    pub auctioneer: Option<Address>,
    /// The deployment (chain and Settlement) it bids in, when there is no
    /// node to ask. Every announcement must be signed for it; a sibling
    /// deployment's, even under the same auctioneer key, is ignored.
    pub domain: Option<Domain>,
    /// Stop solving this long before the commit deadline.
    pub margin: Duration,
    /// Commit but never reveal (a fault drill: the auction penalizes it).
    pub withhold_reveals: bool,
    /// Where every sealed bid is written (flushed) before its commitment
    /// leaves, so a restart between commit and reveal still reveals.
    /// Without one, a bid lives in memory only.
    pub book: Option<Arc<SealedBook>>,
}

/// Times a reveal is sent before the driver gives up on it for now.
const REVEAL_TRIES: usize = 3;

fn unix_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

impl Runtime {
    /// Runs until the auction source ends, reporting to `report`.
    pub async fn run(self, report: impl Fn(Event)) -> Result<(), RuntimeError> {
        let (auctioneer, domain) = match (&self.node, self.auctioneer, self.domain) {
            (_, Some(a), Some(d)) => (a, d),
            (Some(c), a, d) => {
                let info = c.node().await?;
                let a = a.or(info.auctioneer).ok_or(RuntimeError::NoAuctioneer)?;
                (a, d.unwrap_or(info.domain))
            }
            (None, _, _) => return Err(RuntimeError::NoAuctioneer),
        };
        let mut rx = match (&self.bus, &self.node) {
            // Announcements only: a solver's NATS user may read nothing else.
            (Some(bus), _) => bus.subscribe(ANNOUNCEMENTS).await?,
            (None, Some(c)) => c.events().await?,
            (None, None) => return Err(RuntimeError::NoAuctioneer),
        };
        report(Event::Listening {
            source: match (&self.bus, &self.node) {
                (Some(b), _) => format!("{} bus", b.name()),
                (None, Some(c)) => format!("{}/v1/events", c.base()),
                _ => String::new(),
            },
        });
        let me = self.key.address();
        let mut market: Option<(B256, Market)> = None;
        // Sealed bids by (auction, round hash): a bid it must still reveal is
        // never overwritten, and only a phase message of that very round
        // opens or drops it (ids repeat after a node's store is reset).
        let mut sealed: BTreeMap<(u64, B256), Vec<RevealMsg>> = BTreeMap::new();
        // Bid hashes committed by (auction, round), for the round's result.
        let mut committed: BTreeMap<(u64, B256), Vec<B256>> = BTreeMap::new();
        if let Some(book) = &self.book {
            let owed = book.owed().map_err(RuntimeError::Book)?;
            if !owed.is_empty() {
                report(Event::Recovered { rounds: owed.len() });
            }
            for (auction, round, reveals) in owed {
                sealed.insert((auction, round), reveals);
            }
            self.settle_owed(&domain, &mut sealed, &report).await;
        }
        // Announcements acted on, by (lease epoch, announcement hash): a
        // replayed `open` is not solved and committed again, while a new
        // round that reuses an auction id (a node's store reset) is.
        let mut acted: std::collections::BTreeSet<(u64, B256)> = Default::default();
        let mut gate = EpochGate::default();
        let mut current = |e: u64, auction: u64, report: &dyn Fn(Event)| {
            let newest = gate.newest;
            let ok = gate.admit(e);
            if !ok {
                report(Event::Problem {
                    code: "solver.stale_leader".into(),
                    message: format!(
                        "auction {auction}: ignored a message of lease epoch {e}; epoch {newest} leads"
                    ),
                });
            }
            ok
        };
        while let Some(env) = rx.recv().await {
            let Ok((auction, kind)) = env.kind() else { continue };
            if !kind.from_auctioneer() {
                continue;
            }
            let from_auctioneer = |a: &Address| *a == auctioneer;
            let problem =
                |code: &str, message: String| report(Event::Problem { code: code.into(), message });
            match kind {
                Kind::Open => {
                    let msg: OpenMsg = match env.open(&domain, from_auctioneer) {
                        Ok(m) => m,
                        Err(e) => {
                            problem(e.code(), format!("announcement refused: {e}"));
                            continue;
                        }
                    };
                    if !current(msg.epoch, auction, &report) {
                        continue;
                    }
                    if msg.domain != domain || msg.open.auctionId != auction {
                        problem(
                            "solver.wrong_deployment",
                            format!("auction {auction}: the announcement names another deployment or auction"),
                        );
                        continue;
                    }
                    if !acted.insert((msg.epoch, msg.open.hash())) {
                        problem(
                            "solver.replayed_open",
                            format!(
                                "auction {auction}: already acted on this announcement; ignored"
                            ),
                        );
                        continue;
                    }
                    // Bounded memory: only recent rounds can still be replayed.
                    while acted.len() > 256 {
                        acted.pop_first();
                    }
                    if !msg.intents_match() {
                        problem(
                            "solver.bad_batch",
                            format!("auction {auction}: intents do not hash to the announced ids"),
                        );
                        continue;
                    }
                    let m = match self.market_for(&msg, &mut market).await {
                        Ok(m) => m,
                        Err((code, e)) => {
                            problem(&code, e);
                            continue;
                        }
                    };
                    if msg.open.version != PROTOCOL_VERSION
                        || msg.open.generatorVersion != GENERATOR_VERSION
                    {
                        // New evaluator rules never get an old driver slashed.
                        problem(
                            "solver.unsupported_version",
                            format!(
                                "auction {auction}: protocol {} / scenarios {} announced; this driver implements {PROTOCOL_VERSION} / {GENERATOR_VERSION} and does not bid",
                                msg.open.version, msg.open.generatorVersion
                            ),
                        );
                        continue;
                    }
                    let started = Instant::now();
                    let (bids, dropped, failed) = self.solve(&msg, m).await;
                    if let Some(e) = failed {
                        problem(e.code(), format!("auction {auction}: nothing bid: {e}"));
                        self.notify(
                            auction,
                            match e {
                                EngineError::Timeout(budget_ms) => {
                                    NoticeKind::Timeout { budget_ms }
                                }
                                EngineError::Bad(message) => NoticeKind::BadResponse { message },
                            },
                        )
                        .await;
                    }
                    if !dropped.is_empty() {
                        if self.engine.is_some() {
                            problem(
                                "solver.plans_dropped",
                                format!(
                                    "auction {auction}: {} plan(s) of the engine's answer dropped before committing; first: {}",
                                    dropped.len(),
                                    dropped[0].message
                                ),
                            );
                        }
                        self.notify(auction, NoticeKind::Dropped { reasons: dropped.clone() })
                            .await;
                    }
                    if bids.is_empty() {
                        report(Event::Nothing {
                            auction,
                            batch: msg.intents.len(),
                            why: dropped.first().map(|r| r.message.clone()),
                        });
                        continue;
                    }
                    let at = RoundBinding::of(domain, &msg.open);
                    let me = self.key.address();
                    let pairs: Vec<(CommitMsg, RevealMsg)> = bids
                        .iter()
                        .map(|plans| {
                            let bid = Bid::from_plans(auction, me, plans);
                            let (c, salt) = CommitMsg::seal(&at, &bid, &self.key);
                            (c, RevealMsg::seal(&at, bid, salt, &self.key))
                        })
                        .collect();
                    // Every reveal on disk before any commitment leaves.
                    let all: Vec<RevealMsg> = pairs.iter().map(|p| p.1.clone()).collect();
                    if let Some(book) = &self.book {
                        if let Err(e) = book.keep(auction, at.round, &all) {
                            problem(
                                "solver.book",
                                format!("auction {auction}: nothing committed: {e}"),
                            );
                            continue;
                        }
                    }
                    let mut reveals = vec![];
                    for (c, r) in pairs {
                        match self.send(&at.domain, Outgoing::Commit(c)).await {
                            Ok(()) => reveals.push(r),
                            Err((code, e)) => {
                                problem(&code, format!("commitment to auction {auction}: {e}"))
                            }
                        }
                    }
                    if let Some(book) = &self.book {
                        let kept = if reveals.is_empty() {
                            book.forget(auction, at.round)
                        } else if reveals.len() < all.len() {
                            book.keep(auction, at.round, &reveals)
                        } else {
                            Ok(())
                        };
                        if let Err(e) = kept {
                            problem("solver.book", format!("auction {auction}: {e}"));
                        }
                    }
                    if reveals.is_empty() {
                        continue;
                    }
                    let hashes: Vec<B256> = reveals.iter().map(|r| r.bid.hash()).collect();
                    self.notify(auction, NoticeKind::Committed { bids: hashes.clone() }).await;
                    committed.insert((auction, at.round), hashes);
                    while committed.len() > 64 {
                        committed.pop_first();
                    }
                    report(Event::Committed {
                        auction,
                        planned: bids.iter().map(Vec::len).sum(),
                        batch: msg.intents.len(),
                        solve_ms: started.elapsed().as_millis(),
                    });
                    sealed.entry((auction, at.round)).or_insert(reveals);
                    while sealed.len() > 64 {
                        sealed.pop_first();
                    }
                }
                Kind::Revealing => {
                    let Ok(p) = env.open::<PhaseMsg>(&domain, from_auctioneer) else { continue };
                    if p.auction != auction || !current(p.epoch, auction, &report) {
                        continue;
                    }
                    let Some(bids) = sealed.remove(&(auction, p.round)) else { continue };
                    if self.withhold_reveals {
                        continue;
                    }
                    self.reveal(&domain, auction, p.round, bids, &report).await;
                }
                Kind::Award => {
                    if let Ok(a) = env.open::<AwardMsg>(&domain, from_auctioneer) {
                        if a.award.solver == me && current(a.epoch, auction, &report) {
                            report(Event::Won { auction, intents: a.award.intentIds.len() });
                        }
                    }
                }
                Kind::Closed => {
                    // Nothing sealed survives its round (that round only).
                    if let Ok(p) = env.open::<PhaseMsg>(&domain, from_auctioneer) {
                        if p.auction == auction {
                            sealed.remove(&(auction, p.round));
                            self.forget(auction, p.round, &report);
                            if let Some(mine) = committed.remove(&(auction, p.round)) {
                                self.result(auction, p.round, &mine, &report).await;
                            }
                        }
                    }
                }
                Kind::Commitment | Kind::Reveal => {}
            }
        }
        Ok(())
    }

    /// The announced market: the cached one while its hash matches, else
    /// fetched from the announced URL and checked against the hash.
    async fn market_for(
        &self,
        msg: &OpenMsg,
        cache: &mut Option<(B256, Market)>,
    ) -> Result<Market, (String, String)> {
        if let Some((h, m)) = cache.as_ref() {
            if *h == msg.open.marketHash {
                return Ok(m.clone());
            }
        }
        let fetched = match &self.node {
            Some(c) => c.market_at(&msg.market_url).await,
            None => Client::new("").market_at(&msg.market_url).await,
        };
        match fetched {
            Ok((h, m)) if h == msg.open.marketHash => {
                *cache = Some((h, m.clone()));
                Ok(m)
            }
            Ok((h, _)) => Err((
                "solver.market_mismatch".into(),
                format!(
                    "market at {} hashes to {h}, announced {}",
                    msg.market_url, msg.open.marketHash
                ),
            )),
            Err(e) => Err((e.code().into(), format!("cannot fetch the market: {e}"))),
        }
    }

    /// Solves the announced batch on `m` until `margin` before the commit
    /// deadline — by the engine when it has one, else by its strategy —
    /// and checks the answer with the evaluator: the bids to commit, the
    /// plans dropped (with reasons), and why the engine gave nothing.
    async fn solve(
        &self,
        msg: &OpenMsg,
        m: Market,
    ) -> (Vec<Vec<Plan>>, Vec<stakebid_wire::Reason>, Option<EngineError>) {
        let end_ms = (u128::from(msg.open.commitDeadline) * 1000 + 999)
            .saturating_sub(self.margin.as_millis());
        let left_ms = end_ms.saturating_sub(unix_ms());
        let deadline = Instant::now() + Duration::from_millis(left_ms as u64);
        let planned = crate::usable(&m);
        let batch: Vec<(IntentId, stakebid_intents::Intent)> =
            msg.open.intentIds.iter().map(|i| IntentId(*i)).zip(msg.intents.clone()).collect();
        let (seed, count, hash, auction) =
            (msg.open.seed, msg.open.scenarioCount, msg.open.marketHash, msg.open.auctionId);
        // Scenarios come from the announced market; plans are made on
        // what can take deposits (`usable`).
        let sc = {
            let m = m.clone();
            tokio::task::spawn_blocking(move || {
                Scenarios::generate(&m, &Index::new(&m), seed, count)
            })
            .await
        };
        let Ok(sc) = sc else { return (vec![], vec![], None) };
        let sc = Arc::new(sc);
        let (planned, batch) = (Arc::new(planned), Arc::new(batch));
        let answer = match &self.engine {
            Some(engine) => {
                let req = {
                    let (p, sc, b) = (planned.clone(), sc.clone(), batch.clone());
                    tokio::task::spawn_blocking(move || {
                        let ctx = Context::new(&p, &sc);
                        crate::engine::request(
                            &ctx,
                            &b,
                            auction,
                            hash,
                            end_ms as u64,
                            left_ms as u64,
                        )
                    })
                    .await
                };
                let Ok(req) = req else { return (vec![], vec![], None) };
                match engine.solve(&req, Duration::from_millis(left_ms as u64)).await {
                    Ok(a) => a,
                    Err(e) => return (vec![], vec![], Some(e)),
                }
            }
            None => {
                let (strategy, p, sc, b) =
                    (self.strategy.clone(), planned.clone(), sc.clone(), batch.clone());
                let bids = tokio::task::spawn_blocking(move || {
                    let ctx = Context::new(&p, &sc);
                    crate::pack::plan_bids(&*strategy, &ctx, &b, Some(deadline))
                })
                .await
                .unwrap_or_default();
                SolveResponse { bids: bids.into_iter().map(|plans| EngineBid { plans }).collect() }
            }
        };
        // One check for every answer, the auctioneer's evaluator's.
        tokio::task::spawn_blocking(move || {
            let ctx = Context::new(&planned, &sc);
            crate::engine::check(&ctx, &batch, answer)
        })
        .await
        .map(|(bids, dropped)| (bids, dropped, None))
        .unwrap_or_default()
    }

    /// Tells the engine (if any) what became of its answer.
    async fn notify(&self, auction: u64, what: NoticeKind) {
        if let Some(engine) = &self.engine {
            // Best effort: a notice the engine misses changes nothing.
            let _ = engine.notify(&Notice { auction, what }).await;
        }
    }

    /// After a round closed: its outcome from the node, each committed
    /// bid's result, reported and sent to the engine.
    async fn result(&self, auction: u64, round: B256, mine: &[B256], report: &impl Fn(Event)) {
        let Some(node) = &self.node else { return };
        let Ok(view) = node.auction(auction).await else { return };
        let Some(outcome) = view.outcome else { return };
        // The view names its round only while the node runs it; after the
        // close, an outcome that mentions none of these bids is another
        // round's (ids repeat after a store reset) and says nothing of them.
        let ours = |h: &B256| {
            outcome.bids.iter().any(|b| b.bid_hash == *h)
                || outcome.rejected.iter().any(|r| r.bid_hash == *h)
        };
        if view.round.is_some_and(|r| r != round)
            || (view.round.is_none() && !mine.iter().any(ours))
        {
            return;
        }
        let bids = crate::engine::results(&outcome, mine);
        self.notify(auction, NoticeKind::Result { bids: bids.clone() }).await;
        report(Event::Result { auction, bids });
    }

    /// Sends the reveals of a round, each tried a few times (a reveal
    /// lost to a passing network fault costs the solver its penalty), then
    /// forgets the round in the book — or keeps there what could not be
    /// sent, so a restart within the reveal window still sends it.
    async fn reveal(
        &self,
        domain: &Domain,
        auction: u64,
        round: B256,
        bids: Vec<RevealMsg>,
        report: &impl Fn(Event),
    ) {
        let mut unsent = Vec::new();
        for r in bids {
            let mut last = None;
            for attempt in 0..REVEAL_TRIES {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                match self.send(domain, Outgoing::Reveal(r.clone())).await {
                    Ok(()) => {
                        last = None;
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            match last {
                None => report(Event::Revealed { auction }),
                Some((code, e)) => {
                    report(Event::Problem {
                        code,
                        message: format!("reveal to auction {auction} ({REVEAL_TRIES} tries): {e}"),
                    });
                    unsent.push(r);
                }
            }
        }
        if unsent.is_empty() {
            self.forget(auction, round, report);
        } else if let Some(Err(e)) = self.book.as_ref().map(|b| b.keep(auction, round, &unsent)) {
            report(Event::Problem { code: "solver.book".into(), message: e.to_string() });
        }
    }

    fn forget(&self, auction: u64, round: B256, report: &impl Fn(Event)) {
        if let Some(Err(e)) = self.book.as_ref().map(|b| b.forget(auction, round)) {
            report(Event::Problem { code: "solver.book".into(), message: e.to_string() });
        }
    }

    /// After a restart: reveals owed to a round the node is revealing now
    /// are sent at once (its `Revealing` announcement may have gone by
    /// while this process was down); rounds already past their reveal are
    /// forgotten; the rest wait for their announcement as usual.
    async fn settle_owed(
        &self,
        domain: &Domain,
        sealed: &mut BTreeMap<(u64, B256), Vec<RevealMsg>>,
        report: &impl Fn(Event),
    ) {
        let Some(node) = &self.node else { return };
        for (auction, round) in sealed.keys().copied().collect::<Vec<_>>() {
            let Ok(view) = node.auction(auction).await else { continue };
            use stakebid_bus::wire::AuctionPhase as P;
            match view.phase {
                P::Committing => {}
                P::Revealing if view.round == Some(round) && !self.withhold_reveals => {
                    if let Some(bids) = sealed.remove(&(auction, round)) {
                        self.reveal(domain, auction, round, bids, report).await;
                    }
                }
                P::Revealing => {}
                _ => {
                    sealed.remove(&(auction, round));
                    self.forget(auction, round, report);
                }
            }
        }
    }

    /// Sends a commitment or reveal: signed on the bus, or over HTTP.
    async fn send(&self, domain: &Domain, out: Outgoing) -> Result<(), (String, String)> {
        let err = |code: &str, e: String| (code.to_string(), e);
        match (&self.bus, &self.node, out) {
            (Some(bus), _, out) => {
                let env = match out {
                    Outgoing::Commit(c) => {
                        let s = solver_subject(c.auction, Kind::Commitment, c.solver);
                        Envelope::seal(domain, s, &c, &self.key)
                    }
                    Outgoing::Reveal(r) => {
                        let s = solver_subject(r.bid.auctionId, Kind::Reveal, r.bid.solver);
                        Envelope::seal(domain, s, &r, &self.key)
                    }
                };
                bus.publish(&env).await.map_err(|e| err(e.code(), e.to_string()))
            }
            (None, Some(c), Outgoing::Commit(m)) => {
                c.commit(&m).await.map(drop).map_err(|e| err(e.code(), e.to_string()))
            }
            (None, Some(c), Outgoing::Reveal(m)) => {
                c.reveal(&m).await.map(drop).map_err(|e| err(e.code(), e.to_string()))
            }
            (None, None, _) => Err(err("solver.no_link", "no bus and no node".into())),
        }
    }
}

/// What a solver sends.
enum Outgoing {
    Commit(CommitMsg),
    Reveal(RevealMsg),
}

#[cfg(test)]
mod tests {
    use super::{EpochGate, Event, Runtime};
    use alloy::primitives::{Address, B256};
    use alloy::signers::local::PrivateKeySigner;
    use stakebid_bus::Bus;
    use stakebid_intents::envelope::{subject, Envelope, Kind, OpenMsg};
    use stakebid_intents::protocol::AuctionOpen;
    use stakebid_intents::Domain;
    use std::sync::{Arc, Mutex};

    /// Wired into the runtime: after an announcement of epoch 2, one of
    /// epoch 1 (a deposed leader's, signed with the same auctioneer key) is
    /// reported and not acted on; nor is the same announcement replayed, nor
    /// a sibling deployment's (same chain, same auctioneer key).
    #[test]
    fn the_runtime_ignores_stale_replayed_and_foreign_announcements() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let domain = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let sibling = Domain { chain_id: 31337, settlement: Address::repeat_byte(2) };
        let auctioneer = PrivateKeySigner::from_bytes(&B256::repeat_byte(0xa0)).unwrap();
        let bus = Bus::local();
        let events: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = events.clone();
        let runtime = Runtime {
            key: PrivateKeySigner::from_bytes(&B256::repeat_byte(0x10)).unwrap(),
            strategy: crate::by_name("greedy", 5).unwrap().into(),
            node: None,
            bus: Some(bus.clone()),
            auctioneer: Some(auctioneer.address()),
            domain: Some(domain),
            margin: std::time::Duration::from_millis(100),
            withhold_reveals: false,
            book: None,
            engine: None,
        };
        rt.block_on(async {
            tokio::spawn(async move {
                let _ = runtime
                    .run(move |e| {
                        let line = match e {
                            Event::Listening { .. } => "listening".to_string(),
                            Event::Problem { code, message } => format!("{code}: {message}"),
                            other => format!("{other:?}"),
                        };
                        seen.lock().unwrap().push(line);
                    })
                    .await;
            });
            while !events.lock().unwrap().iter().any(|e| e == "listening") {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            // (auction, epoch, domain, commit deadline): the third is the first
            // replayed; the last reuses auction id 1 in a new round (a store
            // reset) and is acted on.
            for (auction, epoch, d, deadline) in [
                (1u64, 2u64, domain, 0u64),
                (2, 1, domain, 0),
                (1, 2, domain, 0),
                (3, 2, sibling, 0),
                (1, 2, domain, 5),
            ] {
                let msg = OpenMsg {
                    open: AuctionOpen {
                        version: 1,
                        auctionId: auction,
                        marketHash: B256::ZERO,
                        generatorVersion: 1,
                        seed: B256::ZERO,
                        scenarioCount: 1,
                        commitDeadline: deadline,
                        revealDeadline: deadline,
                        intentIds: vec![],
                    },
                    intents: vec![],
                    domain: d,
                    market_url: "http://127.0.0.1:9/none".into(),
                    epoch,
                };
                bus.publish(&Envelope::seal(&d, subject(auction, Kind::Open), &msg, &auctioneer))
                    .await
                    .unwrap();
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        });
        let ev = events.lock().unwrap().clone();
        let stale: Vec<&String> =
            ev.iter().filter(|e| e.starts_with("solver.stale_leader")).collect();
        assert_eq!(stale.len(), 1, "{ev:?}");
        assert!(stale[0].contains("auction 2") && stale[0].contains("epoch 2 leads"), "{ev:?}");
        assert_eq!(
            ev.iter().filter(|e| e.starts_with("solver.replayed_open")).count(),
            1,
            "{ev:?}"
        );
        assert_eq!(ev.iter().filter(|e| e.starts_with("bus.bad_signature")).count(), 1, "{ev:?}");
        // Only the current announcements were acted on: one market fetch
        // each (which fails here, nothing serves it), two of five.
        let fetched = ev.iter().filter(|e| e.contains("cannot fetch the market")).count();
        assert_eq!(fetched, 2, "{ev:?}");
    }

    /// A reveal that cannot be sent stays in the book (a restart within
    /// the reveal window still sends it); one that is sent is forgotten.
    #[test]
    fn a_reveal_that_cannot_be_sent_stays_in_the_book() {
        use stakebid_intents::envelope::RevealMsg;
        use stakebid_intents::protocol::Bid;
        let dir = stakebid_tests::scratch("runtime-unsent-reveal");
        let book = Arc::new(crate::book::SealedBook::open(&dir).unwrap());
        let domain = Domain { chain_id: 31337, settlement: Address::repeat_byte(1) };
        let runtime = Runtime {
            key: PrivateKeySigner::from_bytes(&B256::repeat_byte(0x10)).unwrap(),
            strategy: crate::by_name("greedy", 5).unwrap().into(),
            // Nothing listens on port 9: every send fails.
            node: Some(stakebid_bus::Client::new("http://127.0.0.1:9")),
            bus: None,
            auctioneer: None,
            domain: Some(domain),
            margin: std::time::Duration::from_millis(100),
            withhold_reveals: false,
            book: Some(book.clone()),
            engine: None,
        };
        let bid = Bid { auctionId: 4, solver: Address::ZERO, plans: vec![] };
        let r = RevealMsg {
            bid,
            salt: B256::repeat_byte(3),
            signature: alloy::primitives::Bytes::from(vec![1u8; 65]),
        };
        let round = B256::repeat_byte(4);
        book.keep(4, round, std::slice::from_ref(&r)).unwrap();
        let problems: Arc<Mutex<Vec<String>>> = Arc::default();
        let seen = problems.clone();
        tokio::runtime::Runtime::new().unwrap().block_on(runtime.reveal(
            &domain,
            4,
            round,
            vec![r],
            &move |e| {
                if let Event::Problem { message, .. } = e {
                    seen.lock().unwrap().push(message);
                }
            },
        ));
        assert_eq!(book.owed().unwrap().len(), 1, "kept: {:?}", problems.lock().unwrap());
        assert!(problems.lock().unwrap()[0].contains("3 tries"), "{:?}", problems.lock().unwrap());
        book.forget(4, round).unwrap();
        assert!(book.owed().unwrap().is_empty());
    }

    #[test]
    fn a_deposed_leaders_messages_are_not_current() {
        let mut g = EpochGate::default();
        assert!(g.admit(0), "a node on its own store");
        assert!(g.admit(2), "a leader");
        assert!(g.admit(2), "the same leader again");
        assert!(!g.admit(1), "the leader it replaced");
        assert!(g.admit(3), "the next one");
        assert_eq!(g.newest, 3);
    }
}
