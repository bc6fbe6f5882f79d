//! Typed bindings for every compiled contract, read from `artifacts/` by
//! alloy's `sol!`.

#![allow(missing_docs, clippy::too_many_arguments)]

/// `Settlement` (its own module: ABI-derived helper types would collide).
pub mod settlement {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        Settlement,
        "artifacts/Settlement.json"
    );
}
pub use settlement::Settlement;

/// `MockLido` (its own module: ABI-derived helper types would collide).
pub mod mock_lido {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockLido,
        "artifacts/MockLido.json"
    );
}
pub use mock_lido::MockLido;

/// `MockRocketPool` (its own module: ABI-derived helper types would collide).
pub mod mock_rocket_pool {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockRocketPool,
        "artifacts/MockRocketPool.json"
    );
}
pub use mock_rocket_pool::MockRocketPool;

/// `MockEigenLayer` (its own module: ABI-derived helper types would collide).
pub mod mock_eigen_layer {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        MockEigenLayer,
        "artifacts/MockEigenLayer.json"
    );
}
pub use mock_eigen_layer::MockEigenLayer;

/// `LidoAdapter` (its own module: ABI-derived helper types would collide).
pub mod lido_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        LidoAdapter,
        "artifacts/LidoAdapter.json"
    );
}
pub use lido_adapter::LidoAdapter;

/// `RocketPoolAdapter` (its own module: ABI-derived helper types would collide).
pub mod rocket_pool_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        RocketPoolAdapter,
        "artifacts/RocketPoolAdapter.json"
    );
}
pub use rocket_pool_adapter::RocketPoolAdapter;

/// `EigenLayerAdapter` (its own module: ABI-derived helper types would collide).
pub mod eigen_layer_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        EigenLayerAdapter,
        "artifacts/EigenLayerAdapter.json"
    );
}
pub use eigen_layer_adapter::EigenLayerAdapter;

/// `PositionHolder` (its own module: ABI-derived helper types would collide).
pub mod position_holder {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        PositionHolder,
        "artifacts/PositionHolder.json"
    );
}
pub use position_holder::PositionHolder;

/// `TestSmartWallet` (its own module: ABI-derived helper types would collide).
pub mod test_smart_wallet {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        TestSmartWallet,
        "artifacts/TestSmartWallet.json"
    );
}
pub use test_smart_wallet::TestSmartWallet;

/// `ReentrantAdapter` (its own module: ABI-derived helper types would collide).
pub mod reentrant_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        ReentrantAdapter,
        "artifacts/ReentrantAdapter.json"
    );
}
pub use reentrant_adapter::ReentrantAdapter;

/// `ReentrantToken` (its own module: ABI-derived helper types would collide).
pub mod reentrant_token {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        ReentrantToken,
        "artifacts/ReentrantToken.json"
    );
}
pub use reentrant_token::ReentrantToken;

/// `LyingAdapter`, a test double (its own module: ABI-derived helper types would collide).
pub mod lying_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        LyingAdapter,
        "artifacts/LyingAdapter.json"
    );
}
pub use lying_adapter::LyingAdapter;

/// `RefusesEth`, a test double: code an EOA delegates to (EIP-7702) to refuse ETH.
pub mod refuses_eth {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        RefusesEth,
        "artifacts/RefusesEth.json"
    );
}
pub use refuses_eth::RefusesEth;
