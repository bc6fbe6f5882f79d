//! Typed bindings: the production contracts' (re-exported from
//! `stakebid_chain::contracts`) and, here, the protocol stand-ins and test
//! doubles compiled into `artifacts-mocks/` — devnets and tests deploy
//! them; no production path reads through them.

#![allow(missing_docs, clippy::too_many_arguments)]

pub use stakebid_chain::contracts::*;

/// `MockLido` (its own module: ABI-derived helper types would collide).
pub mod mock_lido {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockLido,
        "artifacts-mocks/MockLido.json"
    );
}
pub use mock_lido::MockLido;

/// `MockRocketPool` (its own module: ABI-derived helper types would collide).
pub mod mock_rocket_pool {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockRocketPool,
        "artifacts-mocks/MockRocketPool.json"
    );
}
pub use mock_rocket_pool::MockRocketPool;

/// `MockEigenLayer` (its own module: ABI-derived helper types would collide).
pub mod mock_eigen_layer {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockEigenLayer,
        "artifacts-mocks/MockEigenLayer.json"
    );
}
pub use mock_eigen_layer::MockEigenLayer;

/// `DevnetAVSRegistrar`: a devnet service's registrar (admits every operator).
pub mod devnet_avs_registrar {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        DevnetAVSRegistrar,
        "artifacts-mocks/DevnetAVSRegistrar.json"
    );
}
pub use devnet_avs_registrar::DevnetAVSRegistrar;

/// `GuaranteeRuleHarness`: `GuaranteeRule` exposed for the property test.
pub mod guarantee_rule_harness {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        GuaranteeRuleHarness,
        "artifacts-mocks/GuaranteeRuleHarness.json"
    );
}
pub use guarantee_rule_harness::GuaranteeRuleHarness;

/// `TestSmartWallet` (its own module: ABI-derived helper types would collide).
pub mod test_smart_wallet {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        TestSmartWallet,
        "artifacts-mocks/TestSmartWallet.json"
    );
}
pub use test_smart_wallet::TestSmartWallet;

/// `ReentrantAdapter` (its own module: ABI-derived helper types would collide).
pub mod reentrant_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        ReentrantAdapter,
        "artifacts-mocks/ReentrantAdapter.json"
    );
}
pub use reentrant_adapter::ReentrantAdapter;

/// `ReentrantToken` (its own module: ABI-derived helper types would collide).
pub mod reentrant_token {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        ReentrantToken,
        "artifacts-mocks/ReentrantToken.json"
    );
}
pub use reentrant_token::ReentrantToken;

/// `LyingAdapter`, a test double (its own module: ABI-derived helper types would collide).
pub mod lying_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        LyingAdapter,
        "artifacts-mocks/LyingAdapter.json"
    );
}
pub use lying_adapter::LyingAdapter;

/// `RefusesEth`, a test double: code an EOA delegates to (EIP-7702) to refuse ETH.
pub mod refuses_eth {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        RefusesEth,
        "artifacts-mocks/RefusesEth.json"
    );
}
pub use refuses_eth::RefusesEth;
