//! What stakebid calls on EigenLayer, checked against EigenLayer's own
//! bindings: the market reader's and the withdrawal reader's views and
//! events (`stakebid_chain::protocols`, which the mainnet protocols file is
//! read through) against the official Rust SDK's (`eigen-utils`, slashing
//! core), and the errors the revert decoder classifies against the
//! contracts the devnet deploys. A signature that differs fails here, not
//! on mainnet.

use alloy::sol_types::{SolCall, SolError, SolEvent};
use eigen_utils::slashing::core::allocation_manager::AllocationManager as UtilsAM;
use eigen_utils::slashing::core::delegation_manager::DelegationManager as UtilsDM;
use eigen_utils::slashing::core::i_strategy::IStrategy as UtilsStrategy;
use stakebid_chain::protocols::{
    IAllocationViews, IDelegationViews, IEigenLayerErrors, IStrategyViews,
};
use stakebid_devnet::el::{AllocationManager, DelegationManager, StrategyBase, StrategyManager};

#[test]
fn the_readers_eigenlayer_calls_are_eigenlayers_own() {
    let pairs: &[(&str, [u8; 4], [u8; 4])] = &[
        (
            IDelegationViews::operatorSharesCall::SIGNATURE,
            IDelegationViews::operatorSharesCall::SELECTOR,
            UtilsDM::operatorSharesCall::SELECTOR,
        ),
        (
            IDelegationViews::minWithdrawalDelayBlocksCall::SIGNATURE,
            IDelegationViews::minWithdrawalDelayBlocksCall::SELECTOR,
            UtilsDM::minWithdrawalDelayBlocksCall::SELECTOR,
        ),
        (
            IDelegationViews::delegationApproverCall::SIGNATURE,
            IDelegationViews::delegationApproverCall::SELECTOR,
            UtilsDM::delegationApproverCall::SELECTOR,
        ),
        (
            IDelegationViews::pendingWithdrawalsCall::SIGNATURE,
            IDelegationViews::pendingWithdrawalsCall::SELECTOR,
            UtilsDM::pendingWithdrawalsCall::SELECTOR,
        ),
        (
            IDelegationViews::getQueuedWithdrawalCall::SIGNATURE,
            IDelegationViews::getQueuedWithdrawalCall::SELECTOR,
            UtilsDM::getQueuedWithdrawalCall::SELECTOR,
        ),
        (
            IDelegationViews::getWithdrawableSharesCall::SIGNATURE,
            IDelegationViews::getWithdrawableSharesCall::SELECTOR,
            UtilsDM::getWithdrawableSharesCall::SELECTOR,
        ),
        (
            IStrategyViews::sharesToUnderlyingViewCall::SIGNATURE,
            IStrategyViews::sharesToUnderlyingViewCall::SELECTOR,
            UtilsStrategy::sharesToUnderlyingViewCall::SELECTOR,
        ),
        (
            IAllocationViews::getMaxMagnitudeCall::SIGNATURE,
            IAllocationViews::getMaxMagnitudeCall::SELECTOR,
            UtilsAM::getMaxMagnitudeCall::SELECTOR,
        ),
        (
            IAllocationViews::getAllocationCall::SIGNATURE,
            IAllocationViews::getAllocationCall::SELECTOR,
            UtilsAM::getAllocationCall::SELECTOR,
        ),
    ];
    for (sig, ours, theirs) in pairs {
        assert_eq!(ours, theirs, "{sig}: the reader's selector is not EigenLayer's");
    }
}

#[test]
fn the_events_the_readers_follow_are_eigenlayers_own() {
    let pairs = [
        (
            IDelegationViews::OperatorRegistered::SIGNATURE,
            IDelegationViews::OperatorRegistered::SIGNATURE_HASH,
            UtilsDM::OperatorRegistered::SIGNATURE_HASH,
        ),
        (
            IDelegationViews::SlashingWithdrawalQueued::SIGNATURE,
            IDelegationViews::SlashingWithdrawalQueued::SIGNATURE_HASH,
            UtilsDM::SlashingWithdrawalQueued::SIGNATURE_HASH,
        ),
        (
            IAllocationViews::AllocationUpdated::SIGNATURE,
            IAllocationViews::AllocationUpdated::SIGNATURE_HASH,
            UtilsAM::AllocationUpdated::SIGNATURE_HASH,
        ),
        (
            IAllocationViews::OperatorSlashed::SIGNATURE,
            IAllocationViews::OperatorSlashed::SIGNATURE_HASH,
            UtilsAM::OperatorSlashed::SIGNATURE_HASH,
        ),
    ];
    for (sig, ours, theirs) in pairs {
        assert_eq!(ours, theirs, "{sig}: not EigenLayer's event");
    }
}

#[test]
fn the_devnets_contracts_are_the_sdks_release() {
    // The deployer crate's bytecode and the SDK's bindings agree on what
    // the settlement calls: the same release line.
    assert_eq!(DelegationManager::delegateToCall::SELECTOR, UtilsDM::delegateToCall::SELECTOR);
    assert_eq!(
        DelegationManager::queueWithdrawalsCall::SELECTOR,
        UtilsDM::queueWithdrawalsCall::SELECTOR
    );
    assert_eq!(
        DelegationManager::completeQueuedWithdrawalCall::SELECTOR,
        UtilsDM::completeQueuedWithdrawalCall::SELECTOR
    );
    assert_eq!(
        AllocationManager::slashOperatorCall::SELECTOR,
        UtilsAM::slashOperatorCall::SELECTOR
    );
    assert_eq!(
        StrategyManager::depositIntoStrategyCall::SIGNATURE,
        "depositIntoStrategy(address,address,uint256)"
    );
}

#[test]
fn the_errors_the_revert_decoder_classifies_are_eigenlayers_own() {
    use IEigenLayerErrors as E;
    let pairs: &[(&str, [u8; 4], [u8; 4])] = &[
        (
            E::ActivelyDelegated::SIGNATURE,
            E::ActivelyDelegated::SELECTOR,
            DelegationManager::ActivelyDelegated::SELECTOR,
        ),
        (
            E::CurrentlyPaused::SIGNATURE,
            E::CurrentlyPaused::SELECTOR,
            StrategyManager::CurrentlyPaused::SELECTOR,
        ),
        (
            E::FullySlashed::SIGNATURE,
            E::FullySlashed::SELECTOR,
            DelegationManager::FullySlashed::SELECTOR,
        ),
        (
            E::InvalidSignature::SIGNATURE,
            E::InvalidSignature::SELECTOR,
            DelegationManager::InvalidSignature::SELECTOR,
        ),
        (
            E::OperatorNotRegistered::SIGNATURE,
            E::OperatorNotRegistered::SELECTOR,
            DelegationManager::OperatorNotRegistered::SELECTOR,
        ),
        (
            E::SignatureExpired::SIGNATURE,
            E::SignatureExpired::SELECTOR,
            DelegationManager::SignatureExpired::SELECTOR,
        ),
        (
            E::WithdrawalDelayNotElapsed::SIGNATURE,
            E::WithdrawalDelayNotElapsed::SELECTOR,
            DelegationManager::WithdrawalDelayNotElapsed::SELECTOR,
        ),
        (
            E::WithdrawalNotQueued::SIGNATURE,
            E::WithdrawalNotQueued::SELECTOR,
            DelegationManager::WithdrawalNotQueued::SELECTOR,
        ),
        (
            E::WithdrawerNotCaller::SIGNATURE,
            E::WithdrawerNotCaller::SELECTOR,
            DelegationManager::WithdrawerNotCaller::SELECTOR,
        ),
        (
            E::MaxStrategiesExceeded::SIGNATURE,
            E::MaxStrategiesExceeded::SELECTOR,
            StrategyManager::MaxStrategiesExceeded::SELECTOR,
        ),
        (
            E::SharesAmountTooHigh::SIGNATURE,
            E::SharesAmountTooHigh::SELECTOR,
            StrategyManager::SharesAmountTooHigh::SELECTOR,
        ),
        (
            E::SharesAmountZero::SIGNATURE,
            E::SharesAmountZero::SELECTOR,
            StrategyManager::SharesAmountZero::SELECTOR,
        ),
        (
            E::StrategyNotWhitelisted::SIGNATURE,
            E::StrategyNotWhitelisted::SELECTOR,
            StrategyManager::StrategyNotWhitelisted::SELECTOR,
        ),
        (
            E::InsufficientMagnitude::SIGNATURE,
            E::InsufficientMagnitude::SELECTOR,
            AllocationManager::InsufficientMagnitude::SELECTOR,
        ),
        (
            E::BalanceExceedsMaxTotalDeposits::SIGNATURE,
            E::BalanceExceedsMaxTotalDeposits::SELECTOR,
            StrategyBase::BalanceExceedsMaxTotalDeposits::SELECTOR,
        ),
        (
            E::NewSharesZero::SIGNATURE,
            E::NewSharesZero::SELECTOR,
            StrategyBase::NewSharesZero::SELECTOR,
        ),
        (
            E::OnlyStrategyManager::SIGNATURE,
            E::OnlyStrategyManager::SELECTOR,
            StrategyBase::OnlyStrategyManager::SELECTOR,
        ),
        (
            E::OnlyUnderlyingToken::SIGNATURE,
            E::OnlyUnderlyingToken::SELECTOR,
            StrategyBase::OnlyUnderlyingToken::SELECTOR,
        ),
        (
            E::TotalSharesExceedsMax::SIGNATURE,
            E::TotalSharesExceedsMax::SELECTOR,
            StrategyBase::TotalSharesExceedsMax::SELECTOR,
        ),
    ];
    for (sig, ours, theirs) in pairs {
        assert_eq!(ours, theirs, "{sig}");
    }
    // Every error the decoder declares is checked above.
    assert_eq!(pairs.len(), E::IEigenLayerErrorsErrors::SELECTORS.len());
}
