//! A staker's (or a wallet backend's) side of stakebid: build an intent
//! from a risk profile, quote it, fund it (escrow ETH or approve a token),
//! sign it with a local key or export the typed data for an external
//! wallet and attach its signature, submit, watch it to settlement, cancel,
//! and read and withdraw the resulting positions.
//!
//! ```text
//! Profile ─▶ Intent ─quote─▶ node ; fund ─▶ Settlement escrow / token allowance (chain)
//! Intent ─sign (key) or typed_data → wallet → signature─▶ submit ─▶ wait: awarded → settled
//! positions ◀─ node (settled plans) + chain (balances, holders) ; withdraw ─▶ PositionHolder
//! ```

use std::time::Duration;

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes, B256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use serde::{Deserialize, Serialize};

use stakebid_intents::batch::Profile;
use stakebid_intents::deployment::Deployment;
use stakebid_intents::protocol::Cancellation;
use stakebid_intents::{sign, Domain, Intent, IntentId};
use stakebid_wire as wire;

use crate::{Client, SdkError};

use stakebid_chain::contracts::Settlement as ISettlement;
use stakebid_chain::protocols::{IDelegationViews, IStrategyViews};

alloy::sol! {
    #[sol(rpc)]
    interface IToken {
        function balanceOf(address who) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 amount) external returns (bool);
    }
    #[sol(rpc)]
    interface IPermitToken {
        function DOMAIN_SEPARATOR() external view returns (bytes32);
        function nonces(address owner) external view returns (uint256);
    }
    #[sol(rpc)]
    interface IRestaking {
        function holderOf(address owner, address operator) external view returns (address);
    }

    #[sol(rpc)]
    interface IHolder {
        function queueWithdrawal(address strategy, uint256 shares) external returns (bytes32);
        function setRewardsClaimer(address claimer) external;
    }
}

/// Risk profiles by name (`conservative`, `balanced`, `yield-seeking`).
pub fn profile(name: &str) -> Option<Profile> {
    match name {
        "conservative" => Some(Profile::Conservative),
        "balanced" => Some(Profile::Balanced),
        "yield-seeking" | "yield_seeking" | "yieldseeking" => Some(Profile::YieldSeeking),
        _ => None,
    }
}

/// One position the staker holds, as on-chain now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The market's position id (`stETH`, `rETH@kiln`).
    pub position: String,
    /// Where it sits: the staker's wallet or its position holder.
    #[serde(with = "stakebid_intents::encoding::checksummed")]
    pub holder: Address,
    /// Tokens (liquid) or strategy deposit shares (restaked: what a
    /// withdrawal queues), on-chain now.
    #[serde(with = "stakebid_intents::decimal")]
    pub amount: U256,
    /// Restaked: the tokens the position would withdraw now, as EigenLayer
    /// computes them — its withdrawable shares (deposit shares less what
    /// slashing took) in the strategy's underlying token.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "stakebid_intents::decimal::opt"
    )]
    pub withdrawable: Option<U256>,
    /// The EigenLayer strategy, for restaked positions.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "stakebid_intents::encoding::checksummed_opt"
    )]
    pub strategy: Option<Address>,
}

/// A staker: its key, the node, and (to fund and read positions) the chain.
pub struct Staker {
    /// The node's API.
    pub client: Client,
    key: PrivateKeySigner,
    domain: Domain,
    chain: Option<(DynProvider, Deployment)>,
}

use stakebid_chain::guarantee;
pub use stakebid_chain::guarantee::{Commitment, Status as GuaranteeStatus};

fn chain_err(e: impl std::fmt::Display) -> SdkError {
    SdkError::Chain(e.to_string())
}

/// Sends a contract call and waits for its receipt, errors as `SdkError::Chain`.
macro_rules! mined {
    ($call:expr) => {
        $call.send().await.map_err(chain_err)?.get_receipt().await.map_err(chain_err)?
    };
}

mod withdrawals;
pub use withdrawals::PendingWithdrawal;

impl Staker {
    /// Connects to the node at `node` (its domain and deployment come from
    /// `GET /v1/node`) and, if given, the chain's JSON-RPC at `rpc`.
    pub async fn connect(
        node: &str,
        key: PrivateKeySigner,
        rpc: Option<&str>,
    ) -> Result<Staker, SdkError> {
        let client = Client::new(node);
        let info = client.node().await?;
        let chain = match (rpc, info.chain) {
            (Some(url), Some(dep)) => {
                let url =
                    url.parse().map_err(|_| SdkError::Chain(format!("{url} is not a URL")))?;
                let p = ProviderBuilder::new()
                    .wallet(EthereumWallet::from(key.clone()))
                    .connect_http(url)
                    .erased();
                Some((p, dep))
            }
            (Some(_), None) => {
                return Err(SdkError::Chain(
                    "the node does not settle on a chain (started without --deployment)".into(),
                ))
            }
            _ => None,
        };
        Ok(Staker { client, key, domain: info.domain, chain })
    }

    /// The staker's address.
    pub fn address(&self) -> Address {
        self.key.address()
    }

    /// Where intents are signed for.
    pub fn domain(&self) -> Domain {
        self.domain
    }

    fn chain(&self) -> Result<&(DynProvider, Deployment), SdkError> {
        self.chain
            .as_ref()
            .ok_or_else(|| SdkError::Chain("no chain connection: pass an RPC URL".into()))
    }

    /// The deployment the node settles on (from `GET /v1/node`), when the
    /// staker is connected to its chain.
    pub fn deployment(&self) -> Option<&Deployment> {
        self.chain.as_ref().map(|(_, d)| d)
    }

    /// A new intent with `profile`'s risk fields, valid for a day, on the
    /// next nonce this staker has not used (nonces below 160 are the
    /// cheapest to settle).
    pub async fn new_intent(
        &self,
        profile: Profile,
        asset: Address,
        amount: U256,
    ) -> Result<Intent, SdkError> {
        let mine = self.client.owner_intents(self.address()).await?;
        let mut used: Vec<U256> = mine.iter().map(|r| r.intent.nonce.0).collect();
        used.sort();
        let mut nonce = U256::ZERO;
        for u in used {
            if u == nonce {
                nonce += U256::from(1);
            }
        }
        if let Ok((p, dep)) = self.chain() {
            let s = ISettlement::new(dep.settlement, p.clone());
            while s.nonceUsed(self.address(), nonce).call().await.map_err(chain_err)? {
                nonce += U256::from(1);
            }
        }
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
            + 86_400;
        Ok(profile.intent(self.address(), asset, amount, nonce, deadline))
    }

    /// What the node's reference strategy would do with this intent alone.
    pub async fn quote(&self, i: &Intent) -> Result<wire::Quote, SdkError> {
        self.client.quote(&self.typed_data(i)).await
    }

    /// The `eth_signTypedData_v4` payload for an external wallet.
    pub fn typed_data(&self, i: &Intent) -> wire::TypedData {
        wire::TypedData::new(i, &self.domain)
    }

    /// Signs with the local key (65 bytes r‖s‖v).
    pub fn sign(&self, i: &Intent) -> Bytes {
        Bytes::from(sign(i, &self.domain, &self.key).as_bytes())
    }

    /// Makes the intent fundable together with this staker's other open
    /// intents in the same asset (pending, in an auction, awarded): they
    /// all draw on one escrow or allowance, so it escrows the ETH they
    /// lack together, or approves the Settlement for their sum. Returns
    /// what it did.
    pub async fn fund(&self, i: &Intent) -> Result<String, SdkError> {
        let (p, dep) = self.chain()?;
        let settlement = dep.settlement;
        let me = i.id(&self.domain);
        let others: U256 = self
            .client
            .owner_intents(self.address())
            .await?
            .iter()
            .filter(|r| r.id != me && r.intent.asset == i.asset)
            .filter(|r| {
                use wire::IntentStatus::*;
                matches!(r.status, Pending | InAuction | Awarded)
            })
            .map(|r| r.intent.amount.0)
            .sum();
        let need = others + i.amount;
        if i.asset.is_zero() {
            let s = ISettlement::new(settlement, p.clone());
            let have = s.escrowOf(self.address()).call().await.map_err(chain_err)?;
            if have >= need {
                return Ok(format!(
                    "the escrow already holds {} (your open intents need {})",
                    crate::display::amount(have, "ETH"),
                    crate::display::amount(need, "ETH")
                ));
            }
            let r = mined!(s.deposit().value(need - have));
            return Ok(format!(
                "escrowed {} for {} of open intents (tx {})",
                crate::display::amount(need - have, "ETH"),
                crate::display::amount(need, "ETH"),
                r.transaction_hash
            ));
        }
        let t = IToken::new(i.asset, p.clone());
        // A token the wallet does not hold is refused before any approval
        // is sent (an approval nothing can use is a transaction wasted).
        let balance = t.balanceOf(self.address()).call().await.map_err(chain_err)?;
        if balance < need {
            return Err(SdkError::BalanceShort(format!(
                "the wallet holds {} of token {} but your open intents in it need {}: nothing was approved",
                crate::display::eth(balance),
                i.asset,
                crate::display::eth(need)
            )));
        }
        if t.allowance(self.address(), settlement).call().await.map_err(chain_err)? >= need {
            return Ok("the allowance already covers your open intents".into());
        }
        let r = mined!(t.approve(settlement, need));
        Ok(format!(
            "approved the Settlement for {} of token {} (tx {})",
            crate::display::eth(need),
            i.asset,
            r.transaction_hash
        ))
    }

    /// Submits with a signature (the local key's, or a wallet's).
    pub async fn submit_signed(&self, i: &Intent, signature: &Bytes) -> Result<IntentId, SdkError> {
        self.client.submit(&self.typed_data(i), signature).await
    }

    /// Funds a token intent with an EIP-2612 permit signed by the local key
    /// when that is possible and safe — the token has a permit (it answers
    /// `DOMAIN_SEPARATOR()` and `nonces(owner)`), the wallet holds the
    /// amount, the allowance does not already cover it, and this is the
    /// owner's only open intent in the token (a used permit sets the
    /// allowance to its own value) — so no approve transaction is sent.
    /// `None`: fund it with [`Staker::fund`] instead. A balance short of
    /// the amount is refused (`sdk.balance_short`) before anything is signed.
    pub async fn permit(
        &self,
        i: &Intent,
    ) -> Result<Option<stakebid_intents::permit::IntentPermit>, SdkError> {
        if i.asset.is_zero() {
            return Ok(None);
        }
        let (p, dep) = self.chain()?;
        let me = i.id(&self.domain);
        let others = self.client.owner_intents(self.address()).await?.iter().any(|r| {
            use wire::IntentStatus::*;
            r.id != me
                && r.intent.asset == i.asset
                && matches!(r.status, Pending | InAuction | Awarded)
        });
        let t = IToken::new(i.asset, p.clone());
        let balance = t.balanceOf(self.address()).call().await.map_err(chain_err)?;
        if balance < i.amount {
            return Err(SdkError::BalanceShort(format!(
                "the wallet holds {} of token {} but the intent stakes {}: nothing was approved or signed",
                crate::display::eth(balance),
                i.asset,
                crate::display::eth(i.amount)
            )));
        }
        let allowance =
            t.allowance(self.address(), dep.settlement).call().await.map_err(chain_err)?;
        if others || allowance >= i.amount {
            return Ok(None);
        }
        let pt = IPermitToken::new(i.asset, p.clone());
        let (ds_call, nonce_call) = (pt.DOMAIN_SEPARATOR(), pt.nonces(self.address()));
        let (Ok(ds), Ok(nonce)) = tokio::join!(ds_call.call(), nonce_call.call()) else {
            return Ok(None);
        };
        let deadline = U256::from(i.deadline);
        let d = stakebid_intents::permit::digest(
            ds,
            self.address(),
            dep.settlement,
            i.amount,
            nonce,
            deadline,
        );
        use alloy::signers::SignerSync;
        let sig = self.key.sign_hash_sync(&d).map_err(|e| SdkError::Chain(e.to_string()))?;
        Ok(Some(stakebid_intents::permit::IntentPermit {
            deadline,
            nonce,
            signature: Bytes::from(sig.as_bytes()),
        }))
    }

    /// Submits with a signature and an EIP-2612 permit funding it.
    pub async fn submit_with_permit(
        &self,
        i: &Intent,
        signature: &Bytes,
        permit: &stakebid_intents::permit::IntentPermit,
    ) -> Result<IntentId, SdkError> {
        self.client.submit_with_permit(&self.typed_data(i), signature, Some(permit)).await
    }

    /// Signs with the local key and submits.
    pub async fn submit(&self, i: &Intent) -> Result<IntentId, SdkError> {
        self.submit_signed(i, &self.sign(i)).await
    }

    /// The intent's record (status and history).
    pub async fn status(&self, id: &IntentId) -> Result<wire::IntentView, SdkError> {
        self.client.intent(id).await
    }

    /// Waits until the intent is in a final state (settled, expired,
    /// cancelled) or `timeout` passes; returns the last status. The node's
    /// event stream wakes it on every award; a poll every second is the fallback.
    pub async fn wait(
        &self,
        id: &IntentId,
        timeout: Duration,
    ) -> Result<wire::IntentStatus, SdkError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut events = self.client.events().await.ok();
        loop {
            let s = self.status(id).await?.status;
            if s.is_final() || tokio::time::Instant::now() >= deadline {
                return Ok(s);
            }
            match events.as_mut() {
                Some(rx) => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), rx.recv()).await;
                }
                None => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
    }

    /// Cancels a pending intent at the node (signed `Cancellation`).
    pub async fn cancel(&self, id: &IntentId) -> Result<wire::IntentView, SdkError> {
        let sig = Cancellation { intentId: id.0 }.sign(&self.domain, &self.key);
        self.client.cancel(id, &Bytes::from(sig.as_bytes())).await
    }

    /// Cancels on-chain too: the nonce can never settle after this.
    pub async fn cancel_on_chain(&self, nonce: U256) -> Result<B256, SdkError> {
        let (p, dep) = self.chain()?;
        let s = ISettlement::new(dep.settlement, p.clone());
        let r = mined!(s.invalidateNonces(vec![nonce]));
        Ok(r.transaction_hash)
    }

    /// ETH in the Settlement's escrow for this staker.
    pub async fn escrow(&self) -> Result<U256, SdkError> {
        let (p, dep) = self.chain()?;
        ISettlement::new(dep.settlement, p.clone())
            .escrowOf(self.address())
            .call()
            .await
            .map_err(chain_err)
    }

    /// Takes unspent escrow back.
    pub async fn withdraw_escrow(&self, amount: U256) -> Result<B256, SdkError> {
        let (p, dep) = self.chain()?;
        let s = ISettlement::new(dep.settlement, p.clone());
        let r = mined!(s.withdraw(amount));
        Ok(r.transaction_hash)
    }

    /// Every position this staker's settled intents opened (from the node's
    /// owner index, one paged call), with its on-chain amount now (tokens in
    /// the wallet, shares in a holder).
    pub async fn positions(&self) -> Result<Vec<Position>, SdkError> {
        let (p, dep) = self.chain()?;
        let market = self.client.market().await?.market;
        // One call: the owner index answers each settled intent with its plan.
        let names: std::collections::BTreeSet<String> = self
            .client
            .owner_intents(self.address())
            .await?
            .into_iter()
            .filter(|r| r.status == wire::IntentStatus::Settled)
            .filter_map(|r| r.award)
            .flat_map(|a| a.plan.allocations.into_iter().map(|x| x.position))
            .collect();
        // A restaked position's tokens come back to the wallet when its
        // withdrawal completes: list the token's liquid position too.
        let mut names = names;
        let liquid: Vec<String> = names
            .iter()
            .filter_map(|n| market.positions.iter().find(|x| x.id == *n && x.operator.is_some()))
            .filter_map(|r| {
                market.positions.iter().find(|x| x.operator.is_none() && x.asset == r.asset)
            })
            .map(|x| x.id.clone())
            .collect();
        names.extend(liquid);
        let mut out = vec![];
        for name in names {
            let Some(pos) = market.positions.iter().find(|x| x.id == name) else { continue };
            let Some(asset) = market.asset(&pos.asset) else { continue };
            match &pos.operator {
                None if asset.token.is_zero() => {}
                None => {
                    let amount = IToken::new(asset.token, p.clone())
                        .balanceOf(self.address())
                        .call()
                        .await
                        .map_err(chain_err)?;
                    out.push(Position {
                        position: name,
                        holder: self.address(),
                        amount,
                        withdrawable: None,
                        strategy: None,
                    });
                }
                Some(op) => {
                    let operator = market.operator(op).map(|o| o.address).unwrap_or_default();
                    let holder = IRestaking::new(dep.restaking_adapter, p.clone())
                        .holderOf(self.address(), operator)
                        .call()
                        .await
                        .map_err(chain_err)?;
                    let strategy = *dep.strategies.get(&pos.asset).ok_or_else(|| {
                        SdkError::Chain(format!("the deployment has no strategy for {}", pos.asset))
                    })?;
                    let shares = IDelegationViews::new(dep.delegation_manager(), p.clone())
                        .getWithdrawableShares(holder, vec![strategy])
                        .call()
                        .await
                        .map_err(chain_err)?;
                    let amount = shares.depositShares.first().copied().unwrap_or_default();
                    let left = shares.withdrawableShares.first().copied().unwrap_or_default();
                    let withdrawable = IStrategyViews::new(strategy, p.clone())
                        .sharesToUnderlyingView(left)
                        .call()
                        .await
                        .map_err(chain_err)?;
                    out.push(Position {
                        position: name,
                        holder,
                        amount,
                        withdrawable: Some(withdrawable),
                        strategy: Some(strategy),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Starts withdrawing a restaked position: queues `shares` of its
    /// strategy in its holder (only the owner can); completable after the
    /// protocol's delay. Returns the transaction.
    pub async fn queue_withdrawal(
        &self,
        position: &Position,
        shares: U256,
    ) -> Result<B256, SdkError> {
        let (p, _) = self.chain()?;
        let strategy = position.strategy.ok_or_else(|| {
            SdkError::Chain(format!(
                "{} is not restaked: its tokens are in your wallet",
                position.position
            ))
        })?;
        let h = IHolder::new(position.holder, p.clone());
        let r = mined!(h.queueWithdrawal(strategy, shares));
        if !r.status() {
            return Err(SdkError::Chain(format!(
                "the withdrawal reverted (tx {})",
                r.transaction_hash
            )));
        }
        Ok(r.transaction_hash)
    }

    /// Names who may claim the AVS rewards EigenLayer's RewardsCoordinator
    /// accrues to a restaked position's holder (the holder is EigenLayer's
    /// staker; only its owner can name the claimer). Returns the transaction.
    pub async fn set_rewards_claimer(
        &self,
        position: &Position,
        claimer: Address,
    ) -> Result<B256, SdkError> {
        let (p, _) = self.chain()?;
        if position.strategy.is_none() {
            return Err(SdkError::Chain(format!(
                "{} is not restaked: it earns no AVS rewards",
                position.position
            )));
        }
        let h = IHolder::new(position.holder, p.clone());
        let r = mined!(h.setRewardsClaimer(claimer));
        if !r.status() {
            return Err(SdkError::Chain(format!(
                "naming the rewards claimer reverted (tx {})",
                r.transaction_hash
            )));
        }
        Ok(r.transaction_hash)
    }

    /// `intent`'s delivered-yield guarantee, if its plan settled with one:
    /// the award's commitment and where the guarantee stands now (delivered
    /// yield so far, what a claim would pay, the claim window, claimed).
    pub async fn guarantee(
        &self,
        intent: B256,
    ) -> Result<Option<(Commitment, GuaranteeStatus)>, SdkError> {
        let (p, d) = self.chain()?;
        let Some(c) = guarantee::commitment_of(p, d, intent).await.map_err(chain_err)? else {
            return Ok(None);
        };
        let (leaf, _) = c.proof(intent).expect("the commitment holds the intent");
        let now = p
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(chain_err)?
            .ok_or_else(|| SdkError::Chain("the chain has no latest block".into()))?
            .header
            .timestamp;
        let st = guarantee::status(p, d, &leaf, now).await.map_err(chain_err)?;
        Ok(Some((c, st)))
    }

    /// Claims `intent`'s guarantee from its commitment (anyone may, in the
    /// day after its horizon); what it pays is credited to the intent
    /// owner's escrow. Returns the transaction and the amount.
    pub async fn claim(
        &self,
        c: &Commitment,
        intent: B256,
    ) -> Result<(B256, stakebid_intents::Wei), SdkError> {
        let (p, d) = self.chain()?;
        let (r, paid) = guarantee::claim(p, d, c, intent).await.map_err(chain_err)?;
        Ok((r.transaction_hash, paid))
    }
}
