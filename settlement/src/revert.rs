//! A reverted call's reason, decoded with the `sol!`-generated error
//! enums of every contract a settlement goes through (no selector table,
//! no matching on names), and the one place that says whose doing each
//! error is. The match is exhaustive: an error added to a contract does
//! not compile until it is classified here.

use alloy::sol_types::{SolError, SolInterface};

use crate::contracts::eigen_layer_adapter::EigenLayerAdapter::EigenLayerAdapterErrors;
use crate::contracts::lido_adapter::LidoAdapter::LidoAdapterErrors;
use crate::contracts::mock_eigen_layer::MockEigenLayer::MockEigenLayerErrors;
use crate::contracts::mock_lido::MockLido::MockLidoErrors;
use crate::contracts::mock_rocket_pool::MockRocketPool::MockRocketPoolErrors;
use crate::contracts::position_holder::PositionHolder::PositionHolderErrors;
use crate::contracts::rocket_pool_adapter::RocketPoolAdapter::RocketPoolAdapterErrors;
use crate::contracts::settlement::Settlement::SettlementErrors;
use crate::registry::SolverRegistry::SolverRegistryErrors;

/// A decoded revert: which contract's error, with its arguments.
#[derive(Debug)]
pub enum Revert {
    /// An error of the Settlement.
    Settlement(SettlementErrors),
    /// An error of Lido's stETH (stand-in).
    Lido(MockLidoErrors),
    /// An error of Rocket Pool's deposit pool (stand-in).
    RocketPool(MockRocketPoolErrors),
    /// An error of EigenLayer (stand-in).
    EigenLayer(MockEigenLayerErrors),
    /// An error of the Lido adapter.
    LidoAdapter(LidoAdapterErrors),
    /// An error of the Rocket Pool adapter.
    RocketPoolAdapter(RocketPoolAdapterErrors),
    /// An error of the restaking adapter.
    EigenLayerAdapter(EigenLayerAdapterErrors),
    /// An error of a position holder.
    PositionHolder(PositionHolderErrors),
    /// An error of the SolverRegistry.
    Registry(SolverRegistryErrors),
}

/// Whose doing a revert is, as far as the error itself tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The solver's plan or award (a bad plan, a bid mismatch, an error of
    /// ours it triggered): penalized.
    Solver,
    /// Chain state moved between the auction and the settlement (a cap
    /// filled, a nonce used, escrow withdrawn, a price moved, a deadline
    /// passed): nobody's fault, never penalized.
    StateMoved,
}

impl Revert {
    /// Decodes revert `data`, trying each contract's errors in the order a
    /// settlement calls them; `None` for data none of them declares.
    pub fn decode(data: &[u8]) -> Option<Revert> {
        if let Ok(e) = SettlementErrors::abi_decode(data) {
            return Some(Revert::Settlement(e));
        }
        if let Ok(e) = MockLidoErrors::abi_decode(data) {
            return Some(Revert::Lido(e));
        }
        if let Ok(e) = MockRocketPoolErrors::abi_decode(data) {
            return Some(Revert::RocketPool(e));
        }
        if let Ok(e) = MockEigenLayerErrors::abi_decode(data) {
            return Some(Revert::EigenLayer(e));
        }
        if let Ok(e) = LidoAdapterErrors::abi_decode(data) {
            return Some(Revert::LidoAdapter(e));
        }
        if let Ok(e) = RocketPoolAdapterErrors::abi_decode(data) {
            return Some(Revert::RocketPoolAdapter(e));
        }
        if let Ok(e) = EigenLayerAdapterErrors::abi_decode(data) {
            return Some(Revert::EigenLayerAdapter(e));
        }
        if let Ok(e) = PositionHolderErrors::abi_decode(data) {
            return Some(Revert::PositionHolder(e));
        }
        if let Ok(e) = SolverRegistryErrors::abi_decode(data) {
            return Some(Revert::Registry(e));
        }
        None
    }

    /// The error's Solidity name (`StakeLimit`).
    pub fn name(&self) -> &'static str {
        let sig = match self {
            Revert::Settlement(e) => settlement_signature(e),
            Revert::Lido(e) => mocklido_signature(e),
            Revert::RocketPool(e) => mockrocketpool_signature(e),
            Revert::EigenLayer(e) => mockeigenlayer_signature(e),
            Revert::LidoAdapter(e) => lidoadapter_signature(e),
            Revert::RocketPoolAdapter(e) => rocketpooladapter_signature(e),
            Revert::EigenLayerAdapter(e) => eigenlayeradapter_signature(e),
            Revert::PositionHolder(e) => positionholder_signature(e),
            Revert::Registry(e) => solverregistry_signature(e),
        };
        sig.split('(').next().unwrap_or(sig)
    }

    /// Whose doing it is.
    pub fn cause(&self) -> Cause {
        use Cause::{Solver, StateMoved};
        match self {
            Revert::Settlement(e) => match e {
                SettlementErrors::AdapterNotAllowed(_) => StateMoved,
                SettlementErrors::AmountMismatch(_) => Solver,
                SettlementErrors::AssetNotAccepted(_) => Solver,
                SettlementErrors::BadAwardSignature(_) => Solver,
                SettlementErrors::BadIntent(_) => Solver,
                SettlementErrors::BadSignature(_) => Solver,
                SettlementErrors::BidMismatch(_) => Solver,
                SettlementErrors::EscrowOverflow(_) => Solver,
                SettlementErrors::ExcludedOperator(_) => Solver,
                SettlementErrors::Expired(_) => StateMoved,
                SettlementErrors::FeeTooHigh(_) => Solver,
                SettlementErrors::InsufficientEscrow(_) => StateMoved,
                SettlementErrors::IntentMismatch(_) => Solver,
                SettlementErrors::LengthMismatch(_) => Solver,
                SettlementErrors::MinOutNotMet(_) => StateMoved,
                SettlementErrors::NonceUsed(_) => StateMoved,
                SettlementErrors::NotAdmin(_) => Solver,
                SettlementErrors::NotExecutor(_) => Solver,
                SettlementErrors::OperatorCapExceeded(_) => Solver,
                SettlementErrors::Reentrancy(_) => Solver,
                SettlementErrors::SolverNotEligible(_) => StateMoved,
                SettlementErrors::TransferFailed(_) => Solver,
                SettlementErrors::UnexpectedReturn(_) => StateMoved,
                SettlementErrors::UnknownPosition(_) => Solver,
            },
            Revert::Lido(e) => match e {
                MockLidoErrors::AlreadyClaimed(_) => Solver,
                MockLidoErrors::BadPermit(_) => Solver,
                MockLidoErrors::InsufficientAllowance(_) => StateMoved,
                MockLidoErrors::InsufficientBalance(_) => StateMoved,
                MockLidoErrors::NotAdmin(_) => Solver,
                MockLidoErrors::NotFinalized(_) => Solver,
                MockLidoErrors::NotRequestOwner(_) => Solver,
                MockLidoErrors::PermitExpired(_) => Solver,
                MockLidoErrors::StakeLimit(_) => StateMoved,
                MockLidoErrors::ZeroDeposit(_) => Solver,
            },
            Revert::RocketPool(e) => match e {
                MockRocketPoolErrors::BelowMinimumDeposit(_) => Solver,
                MockRocketPoolErrors::DepositPoolFull(_) => StateMoved,
                MockRocketPoolErrors::DepositsDisabled(_) => Solver,
                MockRocketPoolErrors::InsufficientAllowance(_) => StateMoved,
                MockRocketPoolErrors::InsufficientBalance(_) => StateMoved,
                MockRocketPoolErrors::InsufficientCollateral(_) => StateMoved,
                MockRocketPoolErrors::NotAdmin(_) => Solver,
            },
            Revert::EigenLayer(e) => match e {
                MockEigenLayerErrors::ActivelyDelegated(_) => Solver,
                MockEigenLayerErrors::InsufficientMagnitude(_) => Solver,
                MockEigenLayerErrors::InsufficientShares(_) => Solver,
                MockEigenLayerErrors::NotAdmin(_) => Solver,
                MockEigenLayerErrors::OnlyAsTokens(_) => Solver,
                MockEigenLayerErrors::OperatorNotRegistered(_) => Solver,
                MockEigenLayerErrors::StrategyNotWhitelisted(_) => Solver,
                MockEigenLayerErrors::TokenMismatch(_) => Solver,
                MockEigenLayerErrors::WithdrawalDelayNotElapsed(_) => Solver,
                MockEigenLayerErrors::WithdrawalNotQueued(_) => Solver,
                MockEigenLayerErrors::WithdrawerNotCaller(_) => Solver,
                MockEigenLayerErrors::WithdrawerNotStaker(_) => Solver,
            },
            Revert::LidoAdapter(e) => match e {
                LidoAdapterErrors::AssetNotAccepted(_) => Solver,
                LidoAdapterErrors::ValueMismatch(_) => Solver,
            },
            Revert::RocketPoolAdapter(e) => match e {
                RocketPoolAdapterErrors::AssetNotAccepted(_) => Solver,
                RocketPoolAdapterErrors::ValueMismatch(_) => Solver,
            },
            Revert::EigenLayerAdapter(e) => match e {
                EigenLayerAdapterErrors::NoOperator(_) => Solver,
                EigenLayerAdapterErrors::NotAdmin(_) => Solver,
                EigenLayerAdapterErrors::UnexpectedReturn(_) => StateMoved,
                EigenLayerAdapterErrors::UnknownToken(_) => Solver,
                EigenLayerAdapterErrors::ValueMismatch(_) => Solver,
            },
            Revert::PositionHolder(e) => match e {
                PositionHolderErrors::AlreadyInitialized(_) => Solver,
                PositionHolderErrors::NotAdapter(_) => Solver,
                PositionHolderErrors::NotOwner(_) => Solver,
                PositionHolderErrors::WrongOperator(_) => Solver,
            },
            Revert::Registry(e) => match e {
                SolverRegistryErrors::InsufficientBond(_) => Solver,
                SolverRegistryErrors::NotAuctioneer(_) => Solver,
                SolverRegistryErrors::NothingToWithdraw(_) => Solver,
                SolverRegistryErrors::Reentrancy(_) => Solver,
                SolverRegistryErrors::TooEarly(_) => Solver,
                SolverRegistryErrors::TransferFailed(_) => Solver,
                SolverRegistryErrors::AlreadySlashed(_) => Solver,
                SolverRegistryErrors::NotAnOffence(_) => Solver,
            },
        }
    }
}

fn settlement_signature(e: &SettlementErrors) -> &'static str {
    match e {
        SettlementErrors::AdapterNotAllowed(_) => {
            <crate::contracts::settlement::Settlement::AdapterNotAllowed as SolError>::SIGNATURE
        }
        SettlementErrors::AmountMismatch(_) => {
            <crate::contracts::settlement::Settlement::AmountMismatch as SolError>::SIGNATURE
        }
        SettlementErrors::AssetNotAccepted(_) => {
            <crate::contracts::settlement::Settlement::AssetNotAccepted as SolError>::SIGNATURE
        }
        SettlementErrors::BadAwardSignature(_) => {
            <crate::contracts::settlement::Settlement::BadAwardSignature as SolError>::SIGNATURE
        }
        SettlementErrors::BadIntent(_) => {
            <crate::contracts::settlement::Settlement::BadIntent as SolError>::SIGNATURE
        }
        SettlementErrors::BadSignature(_) => {
            <crate::contracts::settlement::Settlement::BadSignature as SolError>::SIGNATURE
        }
        SettlementErrors::BidMismatch(_) => {
            <crate::contracts::settlement::Settlement::BidMismatch as SolError>::SIGNATURE
        }
        SettlementErrors::EscrowOverflow(_) => {
            <crate::contracts::settlement::Settlement::EscrowOverflow as SolError>::SIGNATURE
        }
        SettlementErrors::ExcludedOperator(_) => {
            <crate::contracts::settlement::Settlement::ExcludedOperator as SolError>::SIGNATURE
        }
        SettlementErrors::Expired(_) => {
            <crate::contracts::settlement::Settlement::Expired as SolError>::SIGNATURE
        }
        SettlementErrors::FeeTooHigh(_) => {
            <crate::contracts::settlement::Settlement::FeeTooHigh as SolError>::SIGNATURE
        }
        SettlementErrors::InsufficientEscrow(_) => {
            <crate::contracts::settlement::Settlement::InsufficientEscrow as SolError>::SIGNATURE
        }
        SettlementErrors::IntentMismatch(_) => {
            <crate::contracts::settlement::Settlement::IntentMismatch as SolError>::SIGNATURE
        }
        SettlementErrors::LengthMismatch(_) => {
            <crate::contracts::settlement::Settlement::LengthMismatch as SolError>::SIGNATURE
        }
        SettlementErrors::MinOutNotMet(_) => {
            <crate::contracts::settlement::Settlement::MinOutNotMet as SolError>::SIGNATURE
        }
        SettlementErrors::NonceUsed(_) => {
            <crate::contracts::settlement::Settlement::NonceUsed as SolError>::SIGNATURE
        }
        SettlementErrors::NotAdmin(_) => {
            <crate::contracts::settlement::Settlement::NotAdmin as SolError>::SIGNATURE
        }
        SettlementErrors::NotExecutor(_) => {
            <crate::contracts::settlement::Settlement::NotExecutor as SolError>::SIGNATURE
        }
        SettlementErrors::OperatorCapExceeded(_) => {
            <crate::contracts::settlement::Settlement::OperatorCapExceeded as SolError>::SIGNATURE
        }
        SettlementErrors::Reentrancy(_) => {
            <crate::contracts::settlement::Settlement::Reentrancy as SolError>::SIGNATURE
        }
        SettlementErrors::SolverNotEligible(_) => {
            <crate::contracts::settlement::Settlement::SolverNotEligible as SolError>::SIGNATURE
        }
        SettlementErrors::TransferFailed(_) => {
            <crate::contracts::settlement::Settlement::TransferFailed as SolError>::SIGNATURE
        }
        SettlementErrors::UnexpectedReturn(_) => {
            <crate::contracts::settlement::Settlement::UnexpectedReturn as SolError>::SIGNATURE
        }
        SettlementErrors::UnknownPosition(_) => {
            <crate::contracts::settlement::Settlement::UnknownPosition as SolError>::SIGNATURE
        }
    }
}

fn mocklido_signature(e: &MockLidoErrors) -> &'static str {
    match e {
        MockLidoErrors::AlreadyClaimed(_) => {
            <crate::contracts::mock_lido::MockLido::AlreadyClaimed as SolError>::SIGNATURE
        }
        MockLidoErrors::BadPermit(_) => {
            <crate::contracts::mock_lido::MockLido::BadPermit as SolError>::SIGNATURE
        }
        MockLidoErrors::InsufficientAllowance(_) => {
            <crate::contracts::mock_lido::MockLido::InsufficientAllowance as SolError>::SIGNATURE
        }
        MockLidoErrors::InsufficientBalance(_) => {
            <crate::contracts::mock_lido::MockLido::InsufficientBalance as SolError>::SIGNATURE
        }
        MockLidoErrors::NotAdmin(_) => {
            <crate::contracts::mock_lido::MockLido::NotAdmin as SolError>::SIGNATURE
        }
        MockLidoErrors::NotFinalized(_) => {
            <crate::contracts::mock_lido::MockLido::NotFinalized as SolError>::SIGNATURE
        }
        MockLidoErrors::NotRequestOwner(_) => {
            <crate::contracts::mock_lido::MockLido::NotRequestOwner as SolError>::SIGNATURE
        }
        MockLidoErrors::PermitExpired(_) => {
            <crate::contracts::mock_lido::MockLido::PermitExpired as SolError>::SIGNATURE
        }
        MockLidoErrors::StakeLimit(_) => {
            <crate::contracts::mock_lido::MockLido::StakeLimit as SolError>::SIGNATURE
        }
        MockLidoErrors::ZeroDeposit(_) => {
            <crate::contracts::mock_lido::MockLido::ZeroDeposit as SolError>::SIGNATURE
        }
    }
}

fn mockrocketpool_signature(e: &MockRocketPoolErrors) -> &'static str {
    match e {
        MockRocketPoolErrors::BelowMinimumDeposit(_) => <crate::contracts::mock_rocket_pool::MockRocketPool::BelowMinimumDeposit as SolError>::SIGNATURE,
        MockRocketPoolErrors::DepositPoolFull(_) => <crate::contracts::mock_rocket_pool::MockRocketPool::DepositPoolFull as SolError>::SIGNATURE,
        MockRocketPoolErrors::DepositsDisabled(_) => <crate::contracts::mock_rocket_pool::MockRocketPool::DepositsDisabled as SolError>::SIGNATURE,
        MockRocketPoolErrors::InsufficientAllowance(_) => <crate::contracts::mock_rocket_pool::MockRocketPool::InsufficientAllowance as SolError>::SIGNATURE,
        MockRocketPoolErrors::InsufficientBalance(_) => <crate::contracts::mock_rocket_pool::MockRocketPool::InsufficientBalance as SolError>::SIGNATURE,
        MockRocketPoolErrors::InsufficientCollateral(_) => <crate::contracts::mock_rocket_pool::MockRocketPool::InsufficientCollateral as SolError>::SIGNATURE,
        MockRocketPoolErrors::NotAdmin(_) => <crate::contracts::mock_rocket_pool::MockRocketPool::NotAdmin as SolError>::SIGNATURE,
    }
}

fn mockeigenlayer_signature(e: &MockEigenLayerErrors) -> &'static str {
    match e {
        MockEigenLayerErrors::ActivelyDelegated(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::ActivelyDelegated as SolError>::SIGNATURE,
        MockEigenLayerErrors::InsufficientMagnitude(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::InsufficientMagnitude as SolError>::SIGNATURE,
        MockEigenLayerErrors::InsufficientShares(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::InsufficientShares as SolError>::SIGNATURE,
        MockEigenLayerErrors::NotAdmin(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::NotAdmin as SolError>::SIGNATURE,
        MockEigenLayerErrors::OnlyAsTokens(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::OnlyAsTokens as SolError>::SIGNATURE,
        MockEigenLayerErrors::OperatorNotRegistered(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::OperatorNotRegistered as SolError>::SIGNATURE,
        MockEigenLayerErrors::StrategyNotWhitelisted(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::StrategyNotWhitelisted as SolError>::SIGNATURE,
        MockEigenLayerErrors::TokenMismatch(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::TokenMismatch as SolError>::SIGNATURE,
        MockEigenLayerErrors::WithdrawalDelayNotElapsed(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::WithdrawalDelayNotElapsed as SolError>::SIGNATURE,
        MockEigenLayerErrors::WithdrawalNotQueued(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::WithdrawalNotQueued as SolError>::SIGNATURE,
        MockEigenLayerErrors::WithdrawerNotCaller(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::WithdrawerNotCaller as SolError>::SIGNATURE,
        MockEigenLayerErrors::WithdrawerNotStaker(_) => <crate::contracts::mock_eigen_layer::MockEigenLayer::WithdrawerNotStaker as SolError>::SIGNATURE,
    }
}

fn lidoadapter_signature(e: &LidoAdapterErrors) -> &'static str {
    match e {
        LidoAdapterErrors::AssetNotAccepted(_) => {
            <crate::contracts::lido_adapter::LidoAdapter::AssetNotAccepted as SolError>::SIGNATURE
        }
        LidoAdapterErrors::ValueMismatch(_) => {
            <crate::contracts::lido_adapter::LidoAdapter::ValueMismatch as SolError>::SIGNATURE
        }
    }
}

fn rocketpooladapter_signature(e: &RocketPoolAdapterErrors) -> &'static str {
    match e {
        RocketPoolAdapterErrors::AssetNotAccepted(_) => <crate::contracts::rocket_pool_adapter::RocketPoolAdapter::AssetNotAccepted as SolError>::SIGNATURE,
        RocketPoolAdapterErrors::ValueMismatch(_) => <crate::contracts::rocket_pool_adapter::RocketPoolAdapter::ValueMismatch as SolError>::SIGNATURE,
    }
}

fn eigenlayeradapter_signature(e: &EigenLayerAdapterErrors) -> &'static str {
    match e {
        EigenLayerAdapterErrors::NoOperator(_) => <crate::contracts::eigen_layer_adapter::EigenLayerAdapter::NoOperator as SolError>::SIGNATURE,
        EigenLayerAdapterErrors::NotAdmin(_) => <crate::contracts::eigen_layer_adapter::EigenLayerAdapter::NotAdmin as SolError>::SIGNATURE,
        EigenLayerAdapterErrors::UnexpectedReturn(_) => <crate::contracts::eigen_layer_adapter::EigenLayerAdapter::UnexpectedReturn as SolError>::SIGNATURE,
        EigenLayerAdapterErrors::UnknownToken(_) => <crate::contracts::eigen_layer_adapter::EigenLayerAdapter::UnknownToken as SolError>::SIGNATURE,
        EigenLayerAdapterErrors::ValueMismatch(_) => <crate::contracts::eigen_layer_adapter::EigenLayerAdapter::ValueMismatch as SolError>::SIGNATURE,
    }
}

fn positionholder_signature(e: &PositionHolderErrors) -> &'static str {
    match e {
        PositionHolderErrors::AlreadyInitialized(_) => <crate::contracts::position_holder::PositionHolder::AlreadyInitialized as SolError>::SIGNATURE,
        PositionHolderErrors::NotAdapter(_) => <crate::contracts::position_holder::PositionHolder::NotAdapter as SolError>::SIGNATURE,
        PositionHolderErrors::NotOwner(_) => <crate::contracts::position_holder::PositionHolder::NotOwner as SolError>::SIGNATURE,
        PositionHolderErrors::WrongOperator(_) => <crate::contracts::position_holder::PositionHolder::WrongOperator as SolError>::SIGNATURE,
    }
}

fn solverregistry_signature(e: &SolverRegistryErrors) -> &'static str {
    match e {
        SolverRegistryErrors::InsufficientBond(_) => {
            <crate::registry::SolverRegistry::InsufficientBond as SolError>::SIGNATURE
        }
        SolverRegistryErrors::NotAuctioneer(_) => {
            <crate::registry::SolverRegistry::NotAuctioneer as SolError>::SIGNATURE
        }
        SolverRegistryErrors::NothingToWithdraw(_) => {
            <crate::registry::SolverRegistry::NothingToWithdraw as SolError>::SIGNATURE
        }
        SolverRegistryErrors::Reentrancy(_) => {
            <crate::registry::SolverRegistry::Reentrancy as SolError>::SIGNATURE
        }
        SolverRegistryErrors::TooEarly(_) => {
            <crate::registry::SolverRegistry::TooEarly as SolError>::SIGNATURE
        }
        SolverRegistryErrors::TransferFailed(_) => {
            <crate::registry::SolverRegistry::TransferFailed as SolError>::SIGNATURE
        }
        SolverRegistryErrors::AlreadySlashed(_) => {
            <crate::registry::SolverRegistry::AlreadySlashed as SolError>::SIGNATURE
        }
        SolverRegistryErrors::NotAnOffence(_) => {
            <crate::registry::SolverRegistry::NotAnOffence as SolError>::SIGNATURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::mock_lido::MockLido;
    use crate::contracts::settlement::Settlement;
    use alloy::primitives::U256;
    use alloy::sol_types::SolError;

    #[test]
    fn reverts_decode_to_their_contract_error_and_cause() {
        let data = MockLido::StakeLimit { requested: U256::from(5), available: U256::from(1) }
            .abi_encode();
        let r = Revert::decode(&data).unwrap();
        assert_eq!((r.name(), r.cause()), ("StakeLimit", Cause::StateMoved));
        let data = Settlement::BidMismatch {}.abi_encode();
        let r = Revert::decode(&data).unwrap();
        assert_eq!((r.name(), r.cause()), ("BidMismatch", Cause::Solver));
        assert!(Revert::decode(&[0xde, 0xad, 0xbe, 0xef]).is_none());
        assert!(Revert::decode(&[]).is_none());
    }
}
