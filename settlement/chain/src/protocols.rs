//! The protocols' own view functions and events the market reader and the
//! withdrawal reader call,
//! with their real signatures (`docs/protocol-views.md` lists each with its
//! source; a test checks these selectors, the list and the stand-ins'
//! compiled ABIs against each other).

#![allow(missing_docs)]

alloy::sol! {
    /// Lido's stETH (lidofinance/core, `Lido.sol` / `StETH.sol`).
    #[sol(rpc)]
    interface ILidoViews {
        function getPooledEthByShares(uint256 sharesAmount) external view returns (uint256);
        function getCurrentStakeLimit() external view returns (uint256);
        function isStakingPaused() external view returns (bool);
        function getTotalPooledEther() external view returns (uint256);
    }

    /// Rocket Pool's rETH, deposit pool and deposit settings
    /// (rocket-pool/rocketpool: RocketTokenRETH, RocketDepositPool,
    /// RocketDAOProtocolSettingsDeposit).
    #[sol(rpc)]
    interface IRocketViews {
        function getExchangeRate() external view returns (uint256);
        function getBalance() external view returns (uint256);
        function getMaximumDepositPoolSize() external view returns (uint256);
        function getDepositFee() external view returns (uint256);
        function getDepositEnabled() external view returns (bool);
        function getMaximumDepositAmount() external view returns (uint256);
        function getMinimumDeposit() external view returns (uint256);
    }

    /// EigenLayer's DelegationManager (Layr-Labs/eigenlayer-contracts).
    #[sol(rpc)]
    interface IDelegationViews {
        function operatorShares(address operator, address strategy) external view returns (uint256);
        function minWithdrawalDelayBlocks() external view returns (uint32);
        /// Who must sign each new delegator in (zero: anyone may delegate).
        function delegationApprover(address operator) external view returns (address);
        /// Whether a queued withdrawal (by its root) is still pending.
        function pendingWithdrawals(bytes32 withdrawalRoot) external view returns (bool);
        function getQueuedWithdrawal(bytes32 withdrawalRoot) external view returns (Withdrawal withdrawal, uint256[] shares);
        function getWithdrawableShares(address staker, address[] strategies) external view returns (uint256[] withdrawableShares, uint256[] depositShares);
        event OperatorRegistered(address indexed operator, address delegationApprover);
        /// A staker queued a withdrawal (the slashing release's form).
        event SlashingWithdrawalQueued(bytes32 withdrawalRoot, Withdrawal withdrawal, uint256[] sharesToWithdraw);
    }

    /// EigenLayer's `IDelegationManagerTypes.Withdrawal`.
    #[derive(Debug, PartialEq, Eq)]
    struct Withdrawal {
        address staker;
        address delegatedTo;
        address withdrawer;
        uint256 nonce;
        uint32 startBlock;
        address[] strategies;
        uint256[] scaledShares;
    }

    /// The DelegationManager before the slashing release (M2, 2024): most
    /// mainnet operators registered under this form of the event.
    #[sol(rpc)]
    interface IStrategyViews {
        function sharesToUnderlyingView(uint256 amountShares) external view returns (uint256);
    }

    interface IDelegationM2 {
        struct OperatorDetails { address earningsReceiver; address delegationApprover; uint32 stakerOptOutWindowBlocks; }
        event OperatorRegistered(address indexed operator, OperatorDetails operatorDetails);
    }

    struct OperatorSet { address avs; uint32 id; }
    struct Allocation { uint64 currentMagnitude; int128 pendingDiff; uint32 effectBlock; }

    /// EigenLayer's AllocationManager.
    #[sol(rpc)]
    interface IAllocationViews {
        function getMaxMagnitude(address operator, address strategy) external view returns (uint64);
        function getAllocation(address operator, OperatorSet operatorSet, address strategy) external view returns (Allocation);
        event AllocationUpdated(address operator, OperatorSet operatorSet, address strategy, uint64 magnitude, uint32 effectBlock);
        event OperatorSlashed(address operator, OperatorSet operatorSet, address[] strategies, uint256[] wadSlashed, string description);
    }
}

alloy::sol! {
    /// The errors EigenLayer's DelegationManager, StrategyManager,
    /// AllocationManager and StrategyBase (slashing release, v1.3) revert
    /// with on the paths a settlement or a withdrawal takes, as EigenLayer
    /// declares them (`stakebid-devnet`'s tests check each against the
    /// deployed contracts' ABIs). The revert decoder classifies each.
    #[derive(Debug)]
    interface IEigenLayerErrors {
        error ActivelyDelegated();
        error BalanceExceedsMaxTotalDeposits();
        error CurrentlyPaused();
        error FullySlashed();
        error InsufficientMagnitude();
        error InvalidSignature();
        error MaxStrategiesExceeded();
        error NewSharesZero();
        error OnlyStrategyManager();
        error OnlyUnderlyingToken();
        error OperatorNotRegistered();
        error SharesAmountTooHigh();
        error SharesAmountZero();
        error SignatureExpired();
        error StrategyNotWhitelisted();
        error TotalSharesExceedsMax();
        error WithdrawalDelayNotElapsed();
        error WithdrawalNotQueued();
        error WithdrawerNotCaller();
    }
}

/// Every function signature the reader calls, as written in the protocols'
/// sources (what the selector test compares against).
pub const CALLED: &[&str] = &[
    "getPooledEthByShares(uint256)",
    "getCurrentStakeLimit()",
    "isStakingPaused()",
    "getTotalPooledEther()",
    "getExchangeRate()",
    "getBalance()",
    "getMaximumDepositPoolSize()",
    "getDepositFee()",
    "getDepositEnabled()",
    "getMaximumDepositAmount()",
    "getMinimumDeposit()",
    "operatorShares(address,address)",
    "minWithdrawalDelayBlocks()",
    "delegationApprover(address)",
    "getMaxMagnitude(address,address)",
    "getAllocation(address,(address,uint32),address)",
];

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::json_abi::JsonAbi;
    use alloy::primitives::keccak256;
    use alloy::sol_types::{SolCall, SolEvent};
    use std::collections::BTreeSet;

    const DOC: &str = include_str!("../../../docs/protocol-views.md");

    /// (signature, selector) of every call the reader's bindings make.
    fn bound() -> Vec<(&'static str, [u8; 4])> {
        vec![
            (
                ILidoViews::getPooledEthBySharesCall::SIGNATURE,
                ILidoViews::getPooledEthBySharesCall::SELECTOR,
            ),
            (
                ILidoViews::getCurrentStakeLimitCall::SIGNATURE,
                ILidoViews::getCurrentStakeLimitCall::SELECTOR,
            ),
            (ILidoViews::isStakingPausedCall::SIGNATURE, ILidoViews::isStakingPausedCall::SELECTOR),
            (
                ILidoViews::getTotalPooledEtherCall::SIGNATURE,
                ILidoViews::getTotalPooledEtherCall::SELECTOR,
            ),
            (
                IRocketViews::getExchangeRateCall::SIGNATURE,
                IRocketViews::getExchangeRateCall::SELECTOR,
            ),
            (IRocketViews::getBalanceCall::SIGNATURE, IRocketViews::getBalanceCall::SELECTOR),
            (
                IRocketViews::getMaximumDepositPoolSizeCall::SIGNATURE,
                IRocketViews::getMaximumDepositPoolSizeCall::SELECTOR,
            ),
            (IRocketViews::getDepositFeeCall::SIGNATURE, IRocketViews::getDepositFeeCall::SELECTOR),
            (
                IRocketViews::getDepositEnabledCall::SIGNATURE,
                IRocketViews::getDepositEnabledCall::SELECTOR,
            ),
            (
                IRocketViews::getMaximumDepositAmountCall::SIGNATURE,
                IRocketViews::getMaximumDepositAmountCall::SELECTOR,
            ),
            (
                IRocketViews::getMinimumDepositCall::SIGNATURE,
                IRocketViews::getMinimumDepositCall::SELECTOR,
            ),
            (
                IDelegationViews::operatorSharesCall::SIGNATURE,
                IDelegationViews::operatorSharesCall::SELECTOR,
            ),
            (
                IDelegationViews::minWithdrawalDelayBlocksCall::SIGNATURE,
                IDelegationViews::minWithdrawalDelayBlocksCall::SELECTOR,
            ),
            (
                IAllocationViews::getMaxMagnitudeCall::SIGNATURE,
                IAllocationViews::getMaxMagnitudeCall::SELECTOR,
            ),
            (
                IAllocationViews::getAllocationCall::SIGNATURE,
                IAllocationViews::getAllocationCall::SELECTOR,
            ),
            (
                IDelegationViews::delegationApproverCall::SIGNATURE,
                IDelegationViews::delegationApproverCall::SELECTOR,
            ),
        ]
    }

    fn stand_in(name: &str) -> JsonAbi {
        let path = format!("{}/../artifacts-mocks/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let art: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        serde_json::from_value(art["abi"].clone()).unwrap()
    }

    #[test]
    fn the_reader_calls_the_documented_signatures_and_the_stand_ins_serve_them() {
        let documented: BTreeSet<&str> = DOC
            .lines()
            .filter(|l| l.starts_with("| ") && l.contains("(`Mock"))
            .filter_map(|l| l.split('`').nth(3))
            .collect();
        let called: BTreeSet<&str> = CALLED.iter().copied().collect();
        let bound_sigs: BTreeSet<&str> = bound().iter().map(|(s, _)| *s).collect();
        assert_eq!(called, bound_sigs, "CALLED lists what the bindings call");
        assert_eq!(called, documented, "docs/protocol-views.md lists every call");
        let abis: Vec<JsonAbi> =
            ["MockLido", "MockRocketPool", "MockEigenLayer"].iter().map(|n| stand_in(n)).collect();
        for (sig, selector) in bound() {
            assert_eq!(keccak256(sig)[..4], selector, "{sig}");
            let served = abis.iter().flat_map(|a| a.functions()).any(|f| f.selector() == selector);
            assert!(served, "no stand-in serves {sig}");
        }
        // The events the cursor follows are the stand-in's, topic for topic.
        let eigen = stand_in("MockEigenLayer");
        let topics: BTreeSet<_> = eigen.events().map(|e| e.selector()).collect();
        for t in [
            IDelegationViews::OperatorRegistered::SIGNATURE_HASH,
            IDelegationViews::SlashingWithdrawalQueued::SIGNATURE_HASH,
            IAllocationViews::AllocationUpdated::SIGNATURE_HASH,
            IAllocationViews::OperatorSlashed::SIGNATURE_HASH,
        ] {
            assert!(topics.contains(&t), "the stand-in emits {t}");
        }
    }
}
