//! The node's HTTP API as typed calls (reqwest): every request and answer
//! is a `stakebid-wire` type. Errors keep the node's stable code:
//! `ClientError::Api { code, .. }` carries `intent.expired`,
//! `round.late_commit`, … exactly as the API returned them.

use alloy::primitives::{Address, Bytes, B256};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::mpsc;

use stakebid_intents::envelope::{CommitMsg, Envelope, RevealMsg};
use stakebid_intents::{IntentId, Market};
use stakebid_wire as wire;

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
    /// The wallet holds less than the intents it would fund need.
    #[error("{0}")]
    BalanceShort(String),
}

impl ClientError {
    /// The node's code as a typed enum, when the node refused the request.
    pub fn api_code(&self) -> Option<crate::codes::ApiCode> {
        match self {
            ClientError::Api { code, .. } => Some(crate::codes::ApiCode::parse(code)),
            _ => None,
        }
    }
}

impl stakebid_intents::Coded for ClientError {
    fn code(&self) -> &str {
        match self {
            ClientError::Api { code, .. } => code,
            ClientError::Transport(_) => "sdk.transport",
            ClientError::Decode(_) => "sdk.decode",
            ClientError::Chain(m) if stakebid_intents::error::is_insufficient_funds(m) => {
                "chain.insufficient_funds"
            }
            ClientError::Chain(_) => "sdk.chain",
            ClientError::BalanceShort(_) => "sdk.balance_short",
        }
    }

    fn message(&self) -> String {
        match self {
            ClientError::Chain(m) if stakebid_intents::error::is_insufficient_funds(m) => {
                stakebid_intents::error::INSUFFICIENT_FUNDS.to_string()
            }
            e => e.to_string(),
        }
    }
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

    async fn answer<T: DeserializeOwned>(
        r: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, ClientError> {
        let r = r.map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = r.status();
        let body = r.bytes().await.map_err(|e| ClientError::Transport(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| ClientError::Decode(e.to_string()));
        }
        let e: wire::ErrorBody = serde_json::from_slice(&body).map_err(|e| {
            ClientError::Decode(format!("HTTP {status} without a coded error body: {e}"))
        })?;
        Err(ClientError::Api { status: status.as_u16(), code: e.code, message: e.message })
    }

    /// `GET path`, read as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        Self::answer(self.http.get(format!("{}{path}", self.base)).send().await).await
    }

    /// `POST path` with `body` as JSON, the answer read as `T`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Self::answer(self.http.post(format!("{}{path}", self.base)).json(body).send().await).await
    }

    /// Who the node is.
    pub async fn node(&self) -> Result<wire::NodeInfo, ClientError> {
        self.get("/v1/node").await
    }

    /// The node's market and its hash.
    pub async fn market(&self) -> Result<wire::MarketView, ClientError> {
        self.get("/v1/market").await
    }

    /// A market a round used, by its hash (`GET /v1/markets/{hash}`).
    pub async fn market_by_hash(
        &self,
        hash: alloy::primitives::B256,
    ) -> Result<wire::MarketView, ClientError> {
        self.get(&format!("/v1/markets/{hash}")).await
    }

    /// The market at `url` (an announcement's `market_url`), with its hash
    /// as computed here.
    pub async fn market_at(&self, url: &str) -> Result<(B256, Market), ClientError> {
        let v: wire::MarketView = Self::answer(self.http.get(url).send().await).await?;
        Ok((v.market.hash(), v.market))
    }

    /// The EIP-712 types and domain intents are signed with.
    pub async fn eip712(&self) -> Result<wire::Eip712Types, ClientError> {
        self.get("/v1/eip712").await
    }

    /// What the node's reference strategy gives an (unsigned) intent alone.
    pub async fn quote(&self, typed_data: &wire::TypedData) -> Result<wire::Quote, ClientError> {
        self.post("/v1/quote", &wire::QuoteRequest { typed_data: typed_data.clone() }).await
    }

    /// Submits a signed intent (`typed_data` as for `eth_signTypedData_v4`).
    pub async fn submit(
        &self,
        typed_data: &wire::TypedData,
        signature: &Bytes,
    ) -> Result<IntentId, ClientError> {
        self.submit_with_permit(typed_data, signature, None).await
    }

    /// Submits a signed token intent funded by an EIP-2612 `permit`.
    pub async fn submit_with_permit(
        &self,
        typed_data: &wire::TypedData,
        signature: &Bytes,
        permit: Option<&stakebid_intents::permit::IntentPermit>,
    ) -> Result<IntentId, ClientError> {
        let req = wire::SubmitRequest {
            typed_data: typed_data.clone(),
            signature: signature.clone(),
            permit: permit.map(Into::into),
        };
        let ok: wire::Submitted = self.post("/v1/intents", &req).await?;
        Ok(ok.id)
    }

    /// An intent's status, message and history.
    pub async fn intent(&self, id: &IntentId) -> Result<wire::IntentView, ClientError> {
        self.get(&format!("/v1/intents/{}", id.0)).await
    }

    /// Cancels a pending intent with the owner's signature over
    /// `Cancellation { intentId }`.
    pub async fn cancel(
        &self,
        id: &IntentId,
        signature: &Bytes,
    ) -> Result<wire::IntentView, ClientError> {
        let body = wire::CancelRequest { signature: signature.clone() };
        self.post(&format!("/v1/intents/{}/cancel", id.0), &body).await
    }

    /// Records a solver's signed name (`POST /v1/solvers/names`); see
    /// `stakebid_intents::names` for what is a name and who may take it.
    pub async fn name_solver(
        &self,
        r: &wire::NameRegistration,
    ) -> Result<wire::NameRegistration, ClientError> {
        self.post("/v1/solvers/names", r).await
    }

    /// Every intent of `owner` (newest first), following the node's cursor
    /// pages (`GET /v1/owners/{owner}/intents?cursor=&limit=`).
    pub async fn owner_intents(
        &self,
        owner: Address,
    ) -> Result<Vec<wire::IntentView>, ClientError> {
        let mut out = Vec::new();
        let mut cursor: Option<u64> = None;
        loop {
            let q = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
            let page: wire::OwnerPage =
                self.get(&format!("/v1/owners/{owner}/intents?limit=500{q}")).await?;
            out.extend(page.intents);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }

    /// Recent auctions (`GET /v1/auctions`), newest first.
    pub async fn auctions(&self, limit: u32) -> Result<wire::AuctionsPage, ClientError> {
        self.get(&format!("/v1/auctions?limit={limit}")).await
    }

    /// One auction: commitments while sealed; then bids, scores, winners, settlements.
    pub async fn auction(&self, id: u64) -> Result<wire::AuctionView, ClientError> {
        self.get(&format!("/v1/auctions/{id}")).await
    }

    /// Every solver's bond, eligibility and penalty record.
    pub async fn solvers(&self) -> Result<wire::Solvers, ClientError> {
        self.get("/v1/solvers").await
    }

    /// Sends a sealed commitment.
    pub async fn commit(&self, msg: &CommitMsg) -> Result<wire::CommitAccepted, ClientError> {
        self.post(&format!("/v1/auctions/{}/commitments", msg.auction), msg).await
    }

    /// Sends a reveal.
    pub async fn reveal(&self, msg: &RevealMsg) -> Result<wire::RevealAccepted, ClientError> {
        self.post(&format!("/v1/auctions/{}/reveals", msg.bid.auctionId), msg).await
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
