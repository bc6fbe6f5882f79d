//! `POST /v1/intents`' optional `permit`: an EIP-2612 permit funding a
//! token intent, held at submit to what the Settlement will do with it
//! (`stakebid_intents::permit::check`) against the token's own domain and
//! the owner's current permit nonce, both read from the chain now.

use alloy::primitives::{Address, B256, U256};
use axum::http::StatusCode;
use serde_json::Value;

use stakebid_intents::permit::{check, IntentPermit, PermitError};
use stakebid_intents::Intent;

use super::{ApiError, AppState};

alloy::sol! {
    #[sol(rpc)]
    interface PermitToken {
        function DOMAIN_SEPARATOR() external view returns (bytes32);
        function nonces(address owner) external view returns (uint256);
    }
}

fn refused(e: PermitError) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
}

/// The permit in `body`, checked for `intent`.
pub(super) async fn checked(
    s: &AppState,
    intent: &Intent,
    body: &Value,
) -> Result<IntentPermit, ApiError> {
    let permit: IntentPermit = serde_json::from_value(body.clone()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.invalid_body",
            format!(
                "`permit` must be {{deadline, nonce, signature}} (decimal strings and 0x hex): {e}"
            ),
        )
    })?;
    if intent.asset.is_zero() {
        return Err(refused(PermitError::ForEth));
    }
    let unsupported = |why: String| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "permit.unsupported",
            format!("{why}; approve the Settlement for the intent's amount instead"),
        )
    };
    let Some(provider) = s.chain_reader.clone() else {
        return Err(unsupported(
            "this node does not read the chain, so it cannot check a permit".into(),
        ));
    };
    let token = PermitToken::new(intent.asset, provider);
    let (ds_call, nonce_call) = (token.DOMAIN_SEPARATOR(), token.nonces(intent.owner));
    let (ds, nonce): (B256, U256) = match tokio::join!(ds_call.call(), nonce_call.call()) {
        (Ok(ds), Ok(n)) => (ds, n),
        _ => {
            return Err(unsupported(format!(
                "token {} answers no EIP-2612 `DOMAIN_SEPARATOR()` and `nonces(owner)`",
                intent.asset
            )))
        }
    };
    let settlement: Address = s.policy.domain.settlement;
    check(&permit, intent, settlement, ds, nonce).map_err(refused)?;
    Ok(permit)
}
