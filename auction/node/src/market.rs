//! Where each round's market comes from, and the record of every market a
//! round used.
//!
//! A [`MarketSource`] produces a market: [`SnapshotSource`] a fixed file
//! (offline solving, tests, `--market FILE`), [`ChainSource`] the chain at
//! its latest block over a dated parameter file. The [`MarketFeed`] asks
//! its source before every round and decides whether rounds may open: an
//! unreachable RPC keeps the previous market, flagged stale, for a few
//! rounds; a figure that fails the sanity check, parameters too old for a
//! real chain, or a source down too long stop new auctions with a code
//! (shown by `/v1/health`), and intents simply wait in the pool.
//!
//! Every market a round used is kept in a [`MarketBook`], compactly: the
//! parameter file once (by its hash), and per market only the chain read
//! (a few hundred bytes per asset and operator); `GET /v1/markets/{hash}`
//! and replays rebuild it with the same pure `build`.

use alloy::primitives::{keccak256, B256};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};

use stakebid_intents::market::live::{self, ChainRead, LiveOpts, SanityError};
use stakebid_intents::{Coded, Market};
use stakebid_settlement::executor::Journal;
use stakebid_settlement::market::read::{Cursor, ReadStats, Reader};

/// Why a market could not be produced or may not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MarketFeedError {
    /// The chain could not be read.
    #[error("cannot read the market from the chain: {0}")]
    Unavailable(String),
    /// The source has been unavailable for too many rounds.
    #[error(
        "the market could not be read for {0} rounds in a row: no new auctions until it can ({1})"
    )]
    TooStale(u32, String),
    /// A figure failed the sanity check.
    #[error(transparent)]
    Insane(#[from] SanityError),
    /// The risk parameters are older than allowed on this chain.
    #[error("the risk parameters are dated {as_of}, {age_days} days ago (more than {max_days} allowed on chain {chain_id}): update the parameter file before auctions resume")]
    ParamsStale {
        /// The file's date.
        as_of: String,
        /// Its age.
        age_days: u64,
        /// The limit.
        max_days: u64,
        /// The chain.
        chain_id: u64,
    },
    /// The chain figures and the parameters do not make a valid market.
    #[error("the market read is not valid: {0}")]
    Invalid(String),
    /// The market book failed.
    #[error("cannot keep the market: {0}")]
    Book(String),
}

impl Coded for MarketFeedError {
    fn code(&self) -> &str {
        match self {
            Self::Unavailable(_) => "market.unavailable",
            Self::TooStale(..) => "market.stale",
            Self::Insane(e) => e.code(),
            Self::ParamsStale { .. } => "market.params_stale",
            Self::Invalid(_) => "market.invalid",
            Self::Book(_) => "market.book",
        }
    }
}

/// A market and the chain read it came from (none for a file).
#[derive(Clone, Debug)]
pub struct Produced {
    /// The market.
    pub market: Market,
    /// The read it was built from.
    pub read: Option<ChainRead>,
    /// What reading cost.
    pub stats: ReadStats,
}

/// The future a source answers with.
pub type ProduceFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Produced, MarketFeedError>> + Send + 'a>>;

/// Something that produces the market for the next round.
pub trait MarketSource: Send + Sync {
    /// `snapshot` or `chain`.
    fn kind(&self) -> &'static str;
    /// The parameter file (or the snapshot) the markets are built on.
    fn params(&self) -> &Market;
    /// The market now.
    fn produce(&self) -> ProduceFuture<'_>;
}

/// A fixed market file.
pub struct SnapshotSource(pub Market);

impl MarketSource for SnapshotSource {
    fn kind(&self) -> &'static str {
        "snapshot"
    }
    fn params(&self) -> &Market {
        &self.0
    }
    fn produce(&self) -> ProduceFuture<'_> {
        let m = self.0.clone();
        Box::pin(async move { Ok(Produced { market: m, read: None, stats: ReadStats::default() }) })
    }
}

/// The chain at its latest block over a parameter file; the event cursor
/// persists in `journal` so a restart continues where it stopped.
pub struct ChainSource {
    /// The reader (protocols file, provider, batching).
    pub reader: Reader,
    /// The parameter file, with the deployment's addresses applied.
    pub params: Market,
    /// How chain figures become market figures.
    pub opts: LiveOpts,
    /// Where the cursor persists.
    pub journal: Box<dyn Journal>,
    /// Longest an RPC read may take.
    pub timeout: std::time::Duration,
}

const CURSOR_KEY: &[u8] = b"cursor";

impl MarketSource for ChainSource {
    fn kind(&self) -> &'static str {
        "chain"
    }
    fn params(&self) -> &Market {
        &self.params
    }
    fn produce(&self) -> ProduceFuture<'_> {
        Box::pin(async move {
            let mut cursor: Cursor = match self.journal.get(CURSOR_KEY) {
                Ok(Some(b)) => serde_json::from_slice(&b).unwrap_or_default(),
                Ok(None) => Cursor::default(),
                Err(e) => return Err(MarketFeedError::Book(e.to_string())),
            };
            let read = tokio::time::timeout(self.timeout, self.reader.read(&mut cursor, None))
                .await
                .map_err(|_| {
                    MarketFeedError::Unavailable(format!("no answer within {:?}", self.timeout))
                })?
                .map_err(|e| MarketFeedError::Unavailable(e.to_string()))?;
            let (read, stats) = read;
            let market = live::build(&self.params, &read, self.opts)
                .map_err(|e| MarketFeedError::Invalid(e.to_string()))?;
            let bytes = serde_json::to_vec(&cursor).expect("a cursor serializes");
            self.journal
                .put(CURSOR_KEY, bytes)
                .map_err(|e| MarketFeedError::Book(e.to_string()))?;
            Ok(Produced { market, read: Some(read), stats })
        })
    }
}

/// How a market is kept: which parameter file, and the chain read.
#[derive(Serialize, Deserialize)]
struct Stored {
    params: B256,
    read: Option<ChainRead>,
}

const LAST_READ: &[u8] = b"last-read";

/// Every market a round used, by hash: parameters once, reads per market.
pub struct MarketBook {
    journal: Box<dyn Journal>,
    opts: LiveOpts,
}

impl MarketBook {
    /// A book in `journal`.
    pub fn new(journal: Box<dyn Journal>, opts: LiveOpts) -> MarketBook {
        MarketBook { journal, opts }
    }

    /// Keeps `market` (built from `params` and `read`); returns its hash
    /// and the bytes this market added (0 when already kept).
    pub fn keep(
        &self,
        params: &Market,
        read: Option<&ChainRead>,
        market: &Market,
    ) -> Result<(B256, usize), MarketFeedError> {
        let book = |e: String| MarketFeedError::Book(e);
        let hash = market.hash();
        let mkey = [b"m:".as_slice(), hash.as_slice()].concat();
        if self.journal.get(&mkey).map_err(|e| book(e.to_string()))?.is_some() {
            return Ok((hash, 0));
        }
        let pjson = serde_json::to_vec(params).expect("a market serializes");
        let phash = keccak256(&pjson);
        let pkey = [b"p:".as_slice(), phash.as_slice()].concat();
        let mut added = 0;
        if self.journal.get(&pkey).map_err(|e| book(e.to_string()))?.is_none() {
            added += pjson.len();
            self.journal.put(&pkey, pjson).map_err(|e| book(e.to_string()))?;
        }
        let entry = serde_json::to_vec(&Stored { params: phash, read: read.cloned() })
            .expect("a stored market serializes");
        added += entry.len();
        self.journal.put(&mkey, entry).map_err(|e| book(e.to_string()))?;
        Ok((hash, added))
    }

    /// The last chain read a round accepted (the sanity check's reference,
    /// kept so a restart still compares against it).
    pub fn last_read(&self) -> Option<ChainRead> {
        let b = self.journal.get(LAST_READ).ok()??;
        serde_json::from_slice(&b).ok()
    }

    fn set_last_read(&self, read: &ChainRead) -> Result<(), MarketFeedError> {
        let bytes = serde_json::to_vec(read).expect("a read serializes");
        self.journal.put(LAST_READ, bytes).map_err(|e| MarketFeedError::Book(e.to_string()))
    }

    /// The market with `hash`, rebuilt from what was kept.
    pub fn get(&self, hash: B256) -> Result<Option<Market>, MarketFeedError> {
        let book = |e: String| MarketFeedError::Book(e);
        let mkey = [b"m:".as_slice(), hash.as_slice()].concat();
        let Some(entry) = self.journal.get(&mkey).map_err(|e| book(e.to_string()))? else {
            return Ok(None);
        };
        let s: Stored = serde_json::from_slice(&entry).map_err(|e| book(e.to_string()))?;
        let pkey = [b"p:".as_slice(), s.params.as_slice()].concat();
        let pjson = self.journal.get(&pkey).map_err(|e| book(e.to_string()))?.ok_or_else(|| {
            book(format!("market {hash}: its parameter file {} is missing", s.params))
        })?;
        let params: Market = serde_json::from_slice(&pjson).map_err(|e| book(e.to_string()))?;
        Ok(Some(match s.read {
            None => params,
            Some(r) => live::build(&params, &r, self.opts)
                .map_err(|e| MarketFeedError::Invalid(e.to_string()))?,
        }))
    }
}

/// How the feed judges its source.
#[derive(Clone, Copy, Debug)]
pub struct FeedOpts {
    /// Rounds a failing source may be covered by its previous market.
    pub max_stale_rounds: u32,
    /// Largest fall of a rate between reads, in bps.
    pub max_rate_drop_bps: u16,
    /// Oldest parameter file auctions run on, in days (devnets only warn).
    pub max_params_age_days: u64,
}

impl Default for FeedOpts {
    fn default() -> Self {
        FeedOpts { max_stale_rounds: 3, max_rate_drop_bps: 500, max_params_age_days: 30 }
    }
}

/// The feed's state, as `/v1/health` and `/v1/market` show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FeedStatus {
    /// `snapshot` or `chain`.
    pub source: String,
    /// The block the current market was read at.
    pub block: Option<u64>,
    /// Rounds the current market has covered for a failing source.
    pub stale_rounds: u32,
    /// Why new auctions are stopped: (code, sentence).
    pub stopped: Option<(String, String)>,
    /// The last problem seen (also while only stale).
    pub last_error: Option<(String, String)>,
    /// The round trips the last read took.
    pub round_trips: u32,
    /// The bytes the last new market added to the book.
    pub bytes_kept: usize,
}

/// The market the node uses now, and whether rounds may open.
pub struct MarketFeed {
    source: Box<dyn MarketSource>,
    book: Option<MarketBook>,
    opts: FeedOpts,
    chain_id: u64,
    current: RwLock<Arc<Market>>,
    status: RwLock<FeedStatus>,
    last_read: Mutex<Option<ChainRead>>,
}

/// A devnet: stale parameters only warn there.
pub fn is_devnet(chain_id: u64) -> bool {
    matches!(chain_id, 31337 | 1337)
}

/// Days since an ISO date (`2025-06-03`) at unix time `now`; `None` if it is no date.
pub fn age_days(as_of: &str, now: u64) -> Option<u64> {
    use time::format_description::well_known::Iso8601;
    let date = time::Date::parse(as_of.get(..10)?, &Iso8601::DATE).ok()?;
    let today = time::OffsetDateTime::from_unix_timestamp(i64::try_from(now).ok()?).ok()?.date();
    u64::try_from((today - date).whole_days()).ok()
}

impl MarketFeed {
    /// A feed over `source` for `chain_id`, keeping markets in `book`.
    pub fn new(
        source: Box<dyn MarketSource>,
        book: Option<MarketBook>,
        opts: FeedOpts,
        chain_id: u64,
    ) -> Arc<MarketFeed> {
        let first = source.params().clone();
        let status = FeedStatus { source: source.kind().into(), ..FeedStatus::default() };
        let last = book.as_ref().and_then(MarketBook::last_read);
        Arc::new(MarketFeed {
            source,
            book,
            opts,
            chain_id,
            current: RwLock::new(Arc::new(first)),
            status: RwLock::new(status),
            last_read: Mutex::new(last),
        })
    }

    /// A feed that always answers `market` (tests, offline nodes).
    pub fn fixed(market: Market) -> Arc<MarketFeed> {
        MarketFeed::new(Box::new(SnapshotSource(market)), None, FeedOpts::default(), 31337)
    }

    /// The market in use now.
    pub fn get(&self) -> Arc<Market> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The feed's state.
    pub fn status(&self) -> FeedStatus {
        self.status.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A kept market by hash (the current one without a book).
    pub fn by_hash(&self, hash: B256) -> Result<Option<Market>, MarketFeedError> {
        let now = self.get();
        if now.hash() == hash {
            return Ok(Some((*now).clone()));
        }
        match &self.book {
            Some(b) => b.get(hash),
            None => Ok(None),
        }
    }

    /// Changes the status; the error sentences it keeps (served by
    /// `/v1/health` and the explorer) never name a URL.
    fn set_status(&self, f: impl FnOnce(&mut FeedStatus)) {
        let mut s = self.status.write().unwrap_or_else(|p| p.into_inner());
        f(&mut s);
        let redact = |e: &mut Option<(String, String)>| {
            if let Some((_, m)) = e {
                *m = stakebid_bus::bus::redact_urls(m);
            }
        };
        redact(&mut s.stopped);
        redact(&mut s.last_error);
    }

    /// Asks the source for the next round's market at unix time `now`.
    /// `Ok` with the market a round may use (possibly the previous one,
    /// flagged stale); `Err` when no new auction may open.
    pub async fn refresh(&self, now: u64) -> Result<Arc<Market>, MarketFeedError> {
        self.refresh_as(now, true).await
    }

    /// As [`MarketFeed::refresh`], for a node that runs no rounds (a
    /// standby, or `--no-auctions`): its quotes and `/v1/market` follow the
    /// chain, but it writes nothing to the shared book of markets (the
    /// leader's; a standby's write would be fenced).
    pub async fn follow(&self, now: u64) -> Result<Arc<Market>, MarketFeedError> {
        self.refresh_as(now, false).await
    }

    async fn refresh_as(&self, now: u64, keep: bool) -> Result<Arc<Market>, MarketFeedError> {
        let out = self.try_refresh(now, keep).await;
        match &out {
            Ok(_) => self.set_status(|s| s.stopped = None),
            Err(e) => {
                let why = (e.code().to_string(), e.to_string());
                tracing::warn!(code = e.code(), "no new auctions: {e}");
                self.set_status(|s| {
                    s.stopped = Some(why.clone());
                    s.last_error = Some(why);
                });
            }
        }
        out
    }

    async fn try_refresh(&self, now: u64, keep: bool) -> Result<Arc<Market>, MarketFeedError> {
        let params = self.source.params();
        if let Some(age) = age_days(&params.as_of, now) {
            if age > self.opts.max_params_age_days {
                let e = MarketFeedError::ParamsStale {
                    as_of: params.as_of.clone(),
                    age_days: age,
                    max_days: self.opts.max_params_age_days,
                    chain_id: self.chain_id,
                };
                if !is_devnet(self.chain_id) {
                    return Err(e);
                }
                let seen = self.status().last_error.is_some_and(|(c, _)| c == e.code());
                if !seen {
                    tracing::warn!(code = e.code(), "devnet: auctions go on, but {e}");
                    self.set_status(|s| s.last_error = Some((e.code().into(), e.to_string())));
                }
            }
        }
        let produced = match self.source.produce().await {
            Ok(p) => p,
            Err(e @ (MarketFeedError::Unavailable(_) | MarketFeedError::Book(_))) => {
                let stale = self.status().stale_rounds + 1;
                let why = (e.code().to_string(), e.to_string());
                self.set_status(|s| {
                    s.stale_rounds = stale;
                    s.last_error = Some(why);
                });
                if stale > self.opts.max_stale_rounds {
                    return Err(MarketFeedError::TooStale(stale, e.to_string()));
                }
                tracing::warn!(code = e.code(), stale, "using the previous market: {e}");
                return Ok(self.get());
            }
            Err(e) => return Err(e),
        };
        if let Some(read) = &produced.read {
            let prev = self.last_read.lock().unwrap_or_else(|p| p.into_inner()).clone();
            live::sanity(prev.as_ref(), read, self.opts.max_rate_drop_bps)?;
        }
        if let (Some(b), Some(r), true) = (&self.book, &produced.read, keep) {
            b.set_last_read(r)?;
        }
        let block = produced.read.as_ref().map(|r| r.block);
        *self.last_read.lock().unwrap_or_else(|p| p.into_inner()) = produced.read;
        let m = Arc::new(produced.market);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = m.clone();
        self.set_status(|s| {
            s.block = block;
            s.stale_rounds = 0;
            s.round_trips = produced.stats.round_trips;
        });
        Ok(m)
    }

    /// Keeps the current market in the book for a round that opens on it
    /// (only markets a round used are kept: the chain changes every block,
    /// most reads are never used). Returns the bytes it added (0 when the
    /// market was kept before). A market that is not the current one must
    /// have been kept already.
    pub fn keep_for_round(&self, hash: B256) -> Result<usize, MarketFeedError> {
        let Some(book) = &self.book else { return Ok(0) };
        let current = self.get();
        if current.hash() != hash {
            return match book.get(hash)? {
                Some(_) => Ok(0),
                None => {
                    Err(MarketFeedError::Book(format!("market {hash} is neither current nor kept")))
                }
            };
        }
        let read = self.last_read.lock().unwrap_or_else(|p| p.into_inner()).clone();
        // The current market is built from the last accepted read (or is the
        // parameter file itself before any read).
        let read = read.filter(|r| current.live.as_ref().is_some_and(|l| l.block == r.block));
        let added = book.keep(self.source.params(), read.as_ref(), &current)?.1;
        if added > 0 {
            self.set_status(|s| s.bytes_kept = added);
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_count_whole_days_from_the_iso_date() {
        // 2025-06-03T00:00:00Z is 1748908800.
        assert_eq!(age_days("2025-06-03", 1_748_908_800), Some(0));
        assert_eq!(age_days("2025-06-03", 1_748_908_800 + 31 * 86_400), Some(31));
        assert_eq!(age_days("synthetic", 1_748_908_800), None);
    }
}
