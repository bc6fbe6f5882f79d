//! Typed bindings for the production contracts, one per contract, read by
//! alloy's `sol!` from `settlement/artifacts/` (which holds no stand-in or
//! test double; those are bound in `stakebid_settlement::contracts`).

#![allow(missing_docs, clippy::too_many_arguments)]

/// `Settlement` (its own module: ABI-derived helper types would collide).
pub mod settlement {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        Settlement,
        "../artifacts/Settlement.json"
    );
}
pub use settlement::Settlement;

/// `LidoAdapter` (its own module: ABI-derived helper types would collide).
pub mod lido_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        LidoAdapter,
        "../artifacts/LidoAdapter.json"
    );
}
pub use lido_adapter::LidoAdapter;

/// `RocketPoolAdapter` (its own module: ABI-derived helper types would collide).
pub mod rocket_pool_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        RocketPoolAdapter,
        "../artifacts/RocketPoolAdapter.json"
    );
}
pub use rocket_pool_adapter::RocketPoolAdapter;

/// `EigenLayerAdapter` (its own module: ABI-derived helper types would collide).
pub mod eigen_layer_adapter {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        EigenLayerAdapter,
        "../artifacts/EigenLayerAdapter.json"
    );
}
pub use eigen_layer_adapter::EigenLayerAdapter;

/// `PositionHolder` (its own module: ABI-derived helper types would collide).
pub mod position_holder {
    alloy::sol!(
        #[sol(rpc)]
        #[derive(Debug)]
        PositionHolder,
        "../artifacts/PositionHolder.json"
    );
}
pub use position_holder::PositionHolder;
