//! Restaked positions out, for a staker: the withdrawals its position
//! holders queued and still pending (read through
//! `stakebid_chain::withdrawals`, which the node's API uses too), and
//! completing them once the protocol's delay has passed.

use alloy::primitives::B256;
pub use stakebid_chain::withdrawals::Pending as PendingWithdrawal;
use stakebid_chain::withdrawals::{complete, pending};

use super::{chain_err, Staker};
use crate::SdkError;

impl Staker {
    /// This staker's withdrawals still pending, oldest first, each with the
    /// block it can complete at.
    pub async fn withdrawals(&self) -> Result<Vec<PendingWithdrawal>, SdkError> {
        let (p, dep) = self.chain()?;
        let held: Vec<_> = self
            .positions()
            .await?
            .into_iter()
            .filter_map(|x| Some((x.position.clone(), x.holder, x.strategy?)))
            .collect();
        Ok(pending(p, dep, &held).await.map_err(chain_err)?.1)
    }

    /// Completes `w` (only once its delay has passed): the holder takes the
    /// tokens out and sends them to this staker. Returns the transaction.
    pub async fn complete_withdrawal(&self, w: &PendingWithdrawal) -> Result<B256, SdkError> {
        let (p, _) = self.chain()?;
        if w.blocks_left > 0 {
            return Err(SdkError::Chain(format!(
                "the withdrawal of {} can complete at block {} ({} blocks from now)",
                w.position, w.completable_at_block, w.blocks_left
            )));
        }
        complete(p, w).await.map_err(chain_err)
    }
}
