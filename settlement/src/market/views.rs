//! The protocols' own view functions and events the market reader calls,
//! with their real signatures (`docs/protocol-views.md` lists each with its
//! source; a test checks these selectors, the list and the stand-ins'
//! compiled ABIs against each other).

#![allow(missing_docs)]

alloy::sol! {
    /// Lido's stETH (lidofinance/core, `Lido.sol` / `StETH.sol`).
    interface ILidoViews {
        function getPooledEthByShares(uint256 sharesAmount) external view returns (uint256);
        function getCurrentStakeLimit() external view returns (uint256);
        function isStakingPaused() external view returns (bool);
        function getTotalPooledEther() external view returns (uint256);
    }

    /// Rocket Pool's rETH, deposit pool and deposit settings
    /// (rocket-pool/rocketpool: RocketTokenRETH, RocketDepositPool,
    /// RocketDAOProtocolSettingsDeposit).
    interface IRocketViews {
        function getExchangeRate() external view returns (uint256);
        function getBalance() external view returns (uint256);
        function getMaximumDepositPoolSize() external view returns (uint256);
        function getDepositFee() external view returns (uint256);
        function getDepositEnabled() external view returns (bool);
        function getMaximumDepositAmount() external view returns (uint256);
    }

    /// EigenLayer's DelegationManager (Layr-Labs/eigenlayer-contracts).
    interface IDelegationViews {
        function operatorShares(address operator, address strategy) external view returns (uint256);
        function minWithdrawalDelayBlocks() external view returns (uint32);
        event OperatorRegistered(address indexed operator, address delegationApprover);
    }

    struct OperatorSet { address avs; uint32 id; }
    struct Allocation { uint64 currentMagnitude; int128 pendingDiff; uint32 effectBlock; }

    /// EigenLayer's AllocationManager.
    interface IAllocationViews {
        function getMaxMagnitude(address operator, address strategy) external view returns (uint64);
        function getAllocation(address operator, OperatorSet operatorSet, address strategy) external view returns (Allocation);
        event AllocationUpdated(address operator, OperatorSet operatorSet, address strategy, uint64 magnitude, uint32 effectBlock);
        event OperatorSlashed(address operator, OperatorSet operatorSet, address[] strategies, uint256[] wadSlashed, string description);
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
    "operatorShares(address,address)",
    "minWithdrawalDelayBlocks()",
    "getMaxMagnitude(address,address)",
    "getAllocation(address,(address,uint32),address)",
];
