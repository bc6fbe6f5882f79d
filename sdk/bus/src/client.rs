//! The node's HTTP API as typed calls (reqwest). Errors keep the node's
//! stable code: `ClientError::Api { code, .. }` carries `intent.expired`,
//! `round.late_commit`, … exactly as the API returned them.

use alloy::primitives::{Address, B256};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use stakebid_intents::envelope::{CommitMsg, Envelope, RevealMsg};
use stakebid_intents::{Domain, IntentId, Market};

/// A client failure.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node answered with an error.
    #[error("{message} ({code}, HTTP {status})")]
    Api {
        /// HTTP status.
        status: u16,
        /// The node's stable code.
        code: String,
        /// The node's sentence.
        message: String,
    },
    /// The node could not be reached.
    #[error("cannot reach the node: {0}")]
    Transport(String),
    /// The node's answer is not what this client expects.
    #[error("unexpected answer from the node: {0}")]
    Decode(String),
    /// A chain call (escrow, approval, positions, withdrawal) failed.
    #[error("chain: {0}")]
    Chain(String),
}

impl ClientError {
    /// The node's code as a typed enum, when the node refused the request.
    pub fn api_code(&self) -> Option<crate::codes::ApiCode> {
        match self {
            ClientError::Api { code, .. } => Some(crate::codes::ApiCode::parse(code)),
            _ => None,
        }
    }

    /// Stable code (the node's, or `sdk.transport` / `sdk.decode`).
    pub fn code(&self) -> &str {
        match self {
            ClientError::Api { code, .. } => code,
            ClientError::Transport(_) => "sdk.transport",
            ClientError::Decode(_) => "sdk.decode",
            ClientError::Chain(_) => "sdk.chain",
        }
    }
}

/// What `GET /v1/node` says about a node.
#[derive(Clone, Debug, Deserialize)]
pub struct NodeInfo {
    /// The key that signs auctions and awards.
    pub auctioneer: Address,
    /// Chain and Settlement intents are signed for.
    pub domain: Domain,
    /// Hash of the market in use.
    pub market_hash: B256,
    /// The deployment the node settles on (addresses), if it settles.
    #[serde(default)]
    pub chain: Option<Value>,
}

/// A node's API.
#[derive(Clone, Debug)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:8645`).
    pub fn new(base: &str) -> Client {
        Client { base: base.trim_end_matches('/').to_string(), http: reqwest::Client::new() }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn answer(r: Result<reqwest::Response, reqwest::Error>) -> Result<Value, ClientError> {
        let r = r.map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = r.status();
        let body: Value = r.json().await.map_err(|e| ClientError::Decode(e.to_string()))?;
        if status.is_success() {
            return Ok(body);
        }
        let s = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        Err(ClientError::Api { status: status.as_u16(), code: s("code"), message: s("message") })
    }

    /// `GET path` as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        Self::answer(self.http.get(format!("{}{path}", self.base)).send().await).await
    }

    /// Every intent of `owner` (newest first), following the node's cursor
    /// pages (`GET /v1/owners/{owner}/intents?cursor=&limit=`).
    pub async fn owner_intents(
        &self,
        owner: alloy::primitives::Address,
    ) -> Result<Vec<Value>, ClientError> {
        let mut out = Vec::new();
        let mut cursor: Option<u64> = None;
        loop {
            let q = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
            let page = self.get(&format!("/v1/owners/{owner}/intents?limit=500{q}")).await?;
            if let Some(list) = page["intents"].as_array() {
                out.extend(list.iter().cloned());
            }
            match page["next_cursor"].as_u64() {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ClientError> {
        Self::answer(self.http.post(format!("{}{path}", self.base)).json(body).send().await).await
    }

    fn decode<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ClientError> {
        serde_json::from_value(v).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// Who the node is.
    pub async fn node(&self) -> Result<NodeInfo, ClientError> {
        Self::decode(self.get("/v1/node").await?)
    }

    /// The market, checked against the hash the node names for it.
    pub async fn market_at(&self, url: &str) -> Result<(B256, Market), ClientError> {
        let v = Self::answer(self.http.get(url).send().await).await?;
        let m: Market = Self::decode(v["market"].clone())?;
        Ok((m.hash(), m))
    }

    /// Submits a signed intent (`typed_data` as for `eth_signTypedData_v4`).
    pub async fn submit(
        &self,
        typed_data: &Value,
        signature: &str,
    ) -> Result<IntentId, ClientError> {
        let v = self
            .post("/v1/intents", &json!({ "typed_data": typed_data, "signature": signature }))
            .await?;
        Self::decode(v["id"].clone())
    }

    /// Recent auctions (`GET /v1/auctions`), newest first.
    pub async fn auctions(&self, limit: u32) -> Result<Value, ClientError> {
        self.get(&format!("/v1/auctions?limit={limit}")).await
    }

    /// One auction: commitments while sealed; then bids, scores, winners, settlements.
    pub async fn auction(&self, id: u64) -> Result<Value, ClientError> {
        self.get(&format!("/v1/auctions/{id}")).await
    }

    /// Every solver's bond, eligibility and penalty record.
    pub async fn solvers(&self) -> Result<Value, ClientError> {
        self.get("/v1/solvers").await
    }

    /// Sends a sealed commitment.
    pub async fn commit(&self, msg: &CommitMsg) -> Result<(), ClientError> {
        let body = serde_json::to_value(msg).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.post(&format!("/v1/auctions/{}/commitments", msg.auction), &body).await.map(drop)
    }

    /// Sends a reveal.
    pub async fn reveal(&self, msg: &RevealMsg) -> Result<(), ClientError> {
        let body = serde_json::to_value(msg).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.post(&format!("/v1/auctions/{}/reveals", msg.bid.auctionId), &body).await.map(drop)
    }

    /// The node's event stream (`GET /v1/events`, server-sent events): every
    /// signed announcement, as on the bus. The receiver closes when the
    /// connection ends.
    pub async fn events(&self) -> Result<mpsc::Receiver<Envelope>, ClientError> {
        let r = self
            .http
            .get(format!("{}/v1/events", self.base))
            .send()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        if !r.status().is_success() {
            return Err(ClientError::Transport(format!("events: HTTP {}", r.status())));
        }
        let (tx, rx) = mpsc::channel(1024);
        let mut stream = r.bytes_stream().eventsource();
        tokio::spawn(async move {
            while let Some(Ok(ev)) = stream.next().await {
                if let Ok(env) = serde_json::from_str::<Envelope>(&ev.data) {
                    if tx.send(env).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(rx)
    }
}
