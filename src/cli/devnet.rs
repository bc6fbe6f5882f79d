//! The devnet deployment `stakebid deploy` and `stakebid dev` run: EigenLayer's
//! own contracts under the Settlement (`stakebid-devnet`). Its bytecode is
//! BUSL-1.1, for devnets and tests, so it sits behind the `devnet` feature:
//! on by default, left out of a production build
//! (`cargo build --release --no-default-features --features cbc`).

use stakebid_intents::market::Market;
use stakebid_settlement::deploy::{DeployParams, Deployment};
use stakebid_settlement::ChainError;

/// Deploys everything for `market` on the devnet at `rpc`.
#[cfg(feature = "devnet")]
pub(crate) async fn deploy(
    rpc: &str,
    key: &alloy::signers::local::PrivateKeySigner,
    market: &Market,
    p: &DeployParams,
) -> Result<Deployment, ChainError> {
    stakebid_devnet::deploy(rpc, key, market, p).await
}

/// A production build has no devnet: it says so.
#[cfg(not(feature = "devnet"))]
pub(crate) async fn deploy(
    _rpc: &str,
    _key: &alloy::signers::local::PrivateKeySigner,
    _market: &Market,
    _p: &DeployParams,
) -> Result<Deployment, ChainError> {
    Err(ChainError::Config(
        "this build has no devnet: deploying one runs EigenLayer's own contracts (BUSL-1.1, \
         devnets and tests only), which a production build leaves out; build with the default \
         features (the `devnet` feature) to deploy a devnet"
            .into(),
    ))
}
