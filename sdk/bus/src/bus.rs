//! The message bus: one API over two transports.
//!
//! - `Bus::local()`: a tokio broadcast channel — the embedded default, for a
//!   node and its solvers in one process.
//! - `Bus::nats(url)`: NATS core pub/sub through async-nats — solvers on
//!   other processes or machines.
//!
//! Both carry [`Envelope`]s (signed by their sender; receivers check) on
//! `stakebid.auctions.<id>.<kind>` subjects, and both deliver a subscription
//! as an `mpsc` receiver, so callers do not care which one runs. Auction
//! state is durable in the node's sled store, not on the bus: a solver that
//! misses an announcement misses one round, nothing is lost.

use futures_util::StreamExt;
use stakebid_intents::envelope::Envelope;
use tokio::sync::{broadcast, mpsc};

/// Buffered messages per subscriber.
const DEPTH: usize = 4096;

/// A bus failure.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Cannot reach the NATS server.
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect {
        /// The server.
        url: String,
        /// Why.
        reason: String,
    },
    /// Publishing or subscribing failed.
    #[error("the bus refused the operation: {0}")]
    Io(String),
}

impl stakebid_intents::Coded for BusError {
    fn code(&self) -> &str {
        match self {
            BusError::Connect { .. } => "bus.unreachable",
            BusError::Io(_) => "bus.io",
        }
    }
}

/// Servers of a comma-separated NATS URL list, without credentials; the
/// first user and password found; the list as it may be shown.
type Servers = (Vec<async_nats::ServerAddr>, Option<(String, String)>, String);

fn parse_servers(list: &str) -> Result<Servers, String> {
    let mut servers = Vec::new();
    let mut creds = None;
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (scheme, rest) = part.split_once("://").unwrap_or(("nats", part));
        let host = match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let (u, p) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                creds.get_or_insert((u.to_string(), p.to_string()));
                host
            }
            None => rest,
        };
        let addr: async_nats::ServerAddr = format!("{scheme}://{host}")
            .parse()
            .map_err(|e| format!("{} is not a NATS URL: {e}", redacted(part)))?;
        servers.push(addr);
    }
    if servers.is_empty() {
        return Err("no NATS server given".into());
    }
    Ok((servers, creds, redacted(list)))
}

/// A URL, or a comma-separated list of them, with every password replaced
/// by `***` (for messages and logs: NATS and store URLs alike).
pub fn redacted(list: &str) -> String {
    list.split(',')
        .map(|part| match (part.find("://"), part.rfind('@')) {
            (Some(s), Some(at)) if at > s => match part[s + 3..at].find(':') {
                Some(c) => format!("{}:***{}", &part[..s + 3 + c], &part[at..]),
                None => part.to_string(),
            },
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `text` with every URL in it (`scheme://…`, up to whitespace, a quote or
/// a closing bracket) replaced by `<url>`: errors from an RPC or NATS
/// client name the endpoint, whose path or user part may hold an API key
/// or a password. What the node stores or serves goes through this.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The scheme: the letters (and + - .) right before `://`.
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .map_or(0, |p| p + 1);
        if start == i {
            out.push_str(&rest[..i + 3]);
            rest = &rest[i + 3..];
            continue;
        }
        out.push_str(&rest[..start]);
        out.push_str("<url>");
        let tail = &rest[i + 3..];
        let end =
            tail.find(|c: char| c.is_whitespace() || "\"'`)]}>,".contains(c)).unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A bus handle; cheap to clone.
#[derive(Clone, Debug)]
pub enum Bus {
    /// In-process.
    Local(broadcast::Sender<Envelope>),
    /// NATS.
    Nats(async_nats::Client),
}

impl Bus {
    /// A fresh in-process bus.
    pub fn local() -> Bus {
        Bus::Local(broadcast::channel(DEPTH).0)
    }

    /// Connects to NATS: one URL (`nats://127.0.0.1:4222`) or the nodes of a
    /// cluster, comma-separated (the client moves to another when its node
    /// dies). Credentials in a URL (`nats://solver:secret@host:port`) are
    /// sent as the NATS user and password (the client library does not take
    /// them from the URL itself); they never appear in errors.
    pub async fn nats(url: &str) -> Result<Bus, BusError> {
        let (servers, creds, shown) = parse_servers(url)
            .map_err(|reason| BusError::Connect { url: redacted(url), reason })?;
        let mut opts = async_nats::ConnectOptions::new().subscription_capacity(DEPTH * 4);
        if let Some((user, pass)) = creds {
            opts = opts.user_and_password(user, pass);
        }
        let client = opts
            .connect(servers)
            .await
            .map_err(|e| BusError::Connect { url: shown, reason: e.to_string() })?;
        Ok(Bus::Nats(client))
    }

    /// Which transport, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Bus::Local(_) => "in-process",
            Bus::Nats(_) => "nats",
        }
    }

    /// Publishes on the envelope's subject.
    pub async fn publish(&self, env: &Envelope) -> Result<(), BusError> {
        match self {
            // No subscriber yet is not an error: nobody was listening.
            Bus::Local(tx) => {
                let _ = tx.send(env.clone());
                Ok(())
            }
            Bus::Nats(c) => {
                let payload = serde_json::to_vec(env).map_err(|e| BusError::Io(e.to_string()))?;
                c.publish(env.subject.clone(), payload.into())
                    .await
                    .map_err(|e| BusError::Io(e.to_string()))?;
                c.flush().await.map_err(|e| BusError::Io(e.to_string()))
            }
        }
    }

    /// Messages whose subject matches `pattern` (NATS wildcards: `*` one
    /// token, `>` the rest). Unparseable NATS payloads, and envelopes whose
    /// subject is not the one they arrived on, are dropped here; signatures
    /// are the receiver's to check.
    pub async fn subscribe(&self, pattern: &str) -> Result<mpsc::Receiver<Envelope>, BusError> {
        let (tx, rx) = mpsc::channel(DEPTH);
        match self {
            Bus::Local(b) => {
                let mut sub = b.subscribe();
                let pattern = pattern.to_string();
                tokio::spawn(async move {
                    loop {
                        match sub.recv().await {
                            Ok(env) if matches(&pattern, &env.subject) => {
                                if tx.send(env).await.is_err() {
                                    return;
                                }
                            }
                            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                            Err(broadcast::error::RecvError::Closed) => return,
                        }
                    }
                });
            }
            Bus::Nats(c) => {
                let mut sub = c
                    .subscribe(pattern.to_string())
                    .await
                    .map_err(|e| BusError::Io(e.to_string()))?;
                tokio::spawn(async move {
                    while let Some(m) = sub.next().await {
                        let Ok(env) = serde_json::from_slice::<Envelope>(&m.payload) else {
                            continue;
                        };
                        // The envelope's signature binds its own subject; the
                        // subject it arrived on is what NATS permissions
                        // checked. One that differs is a replay onto a
                        // subject its sender was allowed to publish: dropped.
                        if env.subject == m.subject.as_str() && tx.send(env).await.is_err() {
                            return;
                        }
                    }
                });
            }
        }
        Ok(rx)
    }
}

/// NATS subject matching: `*` matches one token, a final `>` one or more.
pub fn matches(pattern: &str, subject: &str) -> bool {
    let mut s = subject.split('.');
    for p in pattern.split('.') {
        match (p, s.next()) {
            (">", Some(_)) => return true,
            ("*", Some(_)) => {}
            (p, Some(t)) if p == t => {}
            _ => return false,
        }
    }
    s.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_their_secrets_are_redacted_from_error_text() {
        let e = "error sending request for url (https://eth.example/v2/SECRETKEY): connection refused; \
                 nats://solver:hunter2@10.0.0.1:4222, then \"http://u:p@h/x\"";
        let r = redact_urls(e);
        assert_eq!(
            r,
            "error sending request for url (<url>): connection refused; <url>, then \"<url>\""
        );
        assert!(!r.contains("SECRETKEY") && !r.contains("hunter2"));
        assert_eq!(redact_urls("no url here: a://"), "no url here: <url>");
        assert_eq!(redact_urls("plain"), "plain");
    }

    /// The subjects the cluster's permissions are written in: a solver
    /// reads every announcement and no solver's bids; each kind's pattern
    /// matches its subjects.
    #[test]
    fn solvers_read_announcements_only() {
        use stakebid_intents::envelope::{pattern, solver_subject, subject, Kind, ANNOUNCEMENTS};
        let solver = alloy::primitives::Address::repeat_byte(0xab);
        for k in Kind::ALL {
            let s = if k.from_auctioneer() { subject(7, k) } else { solver_subject(7, k, solver) };
            assert!(matches(&pattern(k), &s), "{s}");
            assert_eq!(matches(ANNOUNCEMENTS, &s), k.from_auctioneer(), "{s}");
        }
    }

    #[test]
    fn wildcards_match_like_nats() {
        assert!(matches("stakebid.auctions.*.open", "stakebid.auctions.4.open"));
        assert!(!matches("stakebid.auctions.*.open", "stakebid.auctions.4.award"));
        assert!(!matches("stakebid.auctions.*", "stakebid.auctions.4.open"));
        assert!(matches("stakebid.>", "stakebid.auctions.4.open"));
    }

    #[test]
    fn a_cluster_url_list_keeps_its_servers_and_hides_its_password() {
        let (servers, creds, shown) =
            super::parse_servers("nats://solver:s3cret@127.0.0.1:4222, nats://127.0.0.1:4223")
                .unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(creds, Some(("solver".to_string(), "s3cret".to_string())));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!format!("{servers:?}").contains("s3cret"));
        assert!(super::parse_servers(" , ").is_err());
        assert!(!matches("stakebid.>", "stakebid"));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "a.b.c"));
    }
}
