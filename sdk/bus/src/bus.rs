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

    /// Connects to NATS (`nats://127.0.0.1:4222`).
    pub async fn nats(url: &str) -> Result<Bus, BusError> {
        let client = async_nats::ConnectOptions::new()
            .subscription_capacity(DEPTH * 4)
            .connect(url)
            .await
            .map_err(|e| BusError::Connect { url: url.into(), reason: e.to_string() })?;
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
    /// token, `>` the rest). Unparseable NATS payloads are dropped here;
    /// signatures are the receiver's to check.
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
                        if let Ok(env) = serde_json::from_slice::<Envelope>(&m.payload) {
                            if tx.send(env).await.is_err() {
                                return;
                            }
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
    fn wildcards_match_like_nats() {
        assert!(matches("stakebid.auctions.*.open", "stakebid.auctions.4.open"));
        assert!(!matches("stakebid.auctions.*.open", "stakebid.auctions.4.award"));
        assert!(!matches("stakebid.auctions.*", "stakebid.auctions.4.open"));
        assert!(matches("stakebid.>", "stakebid.auctions.4.open"));
        assert!(!matches("stakebid.>", "stakebid"));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "a.b.c"));
    }
}
