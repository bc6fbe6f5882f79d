//! A reverted call's reason, decoded with the `sol!`-generated error
//! enums of every contract a settlement goes through (no selector table,
//! no matching on names), and the one place that says whose doing each
//! error is. The match is exhaustive: an error added to a contract does
//! not compile until it is classified here. Blame is an allow-list: only
//! what a solver did on-chain itself — pulling its bond out from under its
//! award — is [`Blame::Solver`]. A plan reaches the chain only after the
//! auctioneer's evaluator accepted it, so a plan the contracts then refuse
//! (a cap, a pool minimum on an award whose other intents were skipped) is
//! the rules disagreeing or chain state moving, not the solver's doing;
//! what the executor, our configuration or an unknown contract caused is
//! [`Blame::Unknown`]. Neither is penalized.

use alloy::sol_types::SolInterface;

use crate::contracts::eigen_layer_adapter::EigenLayerAdapter::EigenLayerAdapterErrors;
use crate::contracts::lido_adapter::LidoAdapter::LidoAdapterErrors;
use crate::contracts::mock_lido::MockLido::MockLidoErrors;
use crate::contracts::mock_rocket_pool::MockRocketPool::MockRocketPoolErrors;
use crate::contracts::position_holder::PositionHolder::PositionHolderErrors;
use crate::contracts::rocket_pool_adapter::RocketPoolAdapter::RocketPoolAdapterErrors;
use crate::contracts::settlement::Settlement::SettlementErrors;
use crate::registry::SolverRegistry::SolverRegistryErrors;
use stakebid_chain::protocols::IEigenLayerErrors::IEigenLayerErrorsErrors as EigenLayerErrors;

/// A decoded revert: which contract's error, with its arguments.
#[derive(Debug)]
pub enum Revert {
    /// An error of the Settlement.
    Settlement(SettlementErrors),
    /// An error of Lido's stETH (stand-in).
    Lido(MockLidoErrors),
    /// An error of Rocket Pool's deposit pool (stand-in).
    RocketPool(MockRocketPoolErrors),
    /// An error of EigenLayer's own contracts.
    EigenLayer(EigenLayerErrors),
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

/// Whose doing a failed settlement is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Blame {
    /// The solver's own on-chain doing (its bond queued out from under its
    /// award): penalized.
    Solver,
    /// Chain state moved between the auction and the settlement (a cap
    /// filled, a price moved, an adapter taken off the list): nobody's
    /// fault, never penalized.
    StateMoved,
    /// A staker's own doing (its token refusing a transfer it allowed):
    /// never the solver's.
    Staker,
    /// Anything else: an error of the executor's calldata or our own
    /// configuration, or revert data none of our contracts declares.
    /// Never penalized.
    Unknown,
}

impl Blame {
    /// The stable name (`solver`, `state_moved`, `staker`, `unknown`).
    pub fn name(self) -> &'static str {
        match self {
            Blame::Solver => "solver",
            Blame::StateMoved => "state_moved",
            Blame::Staker => "staker",
            Blame::Unknown => "unknown",
        }
    }
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
        if let Ok(e) = EigenLayerErrors::abi_decode(data) {
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
        let name = match self {
            Revert::Settlement(e) => SettlementErrors::name_by_selector(e.selector()),
            Revert::Lido(e) => MockLidoErrors::name_by_selector(e.selector()),
            Revert::RocketPool(e) => MockRocketPoolErrors::name_by_selector(e.selector()),
            Revert::EigenLayer(e) => EigenLayerErrors::name_by_selector(e.selector()),
            Revert::LidoAdapter(e) => LidoAdapterErrors::name_by_selector(e.selector()),
            Revert::RocketPoolAdapter(e) => RocketPoolAdapterErrors::name_by_selector(e.selector()),
            Revert::EigenLayerAdapter(e) => EigenLayerAdapterErrors::name_by_selector(e.selector()),
            Revert::PositionHolder(e) => PositionHolderErrors::name_by_selector(e.selector()),
            Revert::Registry(e) => SolverRegistryErrors::name_by_selector(e.selector()),
        };
        name.unwrap_or("unknown")
    }

    /// Whose doing it is.
    pub fn blame(&self) -> Blame {
        use Blame::{Solver, Staker, StateMoved, Unknown};
        match self {
            Revert::Settlement(e) => match e {
                // The solver's own bond, queued out after it bid, and
                // guarantee terms the Settlement refuses.
                SettlementErrors::SolverNotEligible(_) | SettlementErrors::BadGuarantee(_) => {
                    Solver
                }
                // A claim's own errors (never raised by `settle`).
                SettlementErrors::NotCommitted(_)
                | SettlementErrors::ClaimWindow(_)
                | SettlementErrors::AlreadyClaimed(_) => Unknown,
                // Plan checks the evaluator already passed: the node's rules
                // and the contract's disagree — not the solver's doing.
                SettlementErrors::AmountMismatch(_)
                | SettlementErrors::AssetNotAccepted(_)
                | SettlementErrors::ExcludedOperator(_)
                | SettlementErrors::FeeTooHigh(_)
                | SettlementErrors::OperatorCapExceeded(_)
                | SettlementErrors::UnknownPosition(_) => Unknown,
                SettlementErrors::AdapterNotAllowed(_) | SettlementErrors::MinOutNotMet(_) => {
                    StateMoved
                }
                // Only a token's own transfer fails here (allowance and
                // balance were checked just before): the staker's token.
                SettlementErrors::TransferFailed(_) => Staker,
                // The executor's calldata (award, bid, intents) and our
                // own configuration: the node's, not the solver's.
                SettlementErrors::BadAwardSignature(_)
                | SettlementErrors::BadIntent(_)
                | SettlementErrors::BidMismatch(_)
                | SettlementErrors::IntentMismatch(_)
                | SettlementErrors::LengthMismatch(_)
                | SettlementErrors::NotExecutor(_)
                | SettlementErrors::IsPaused(_)
                | SettlementErrors::EscrowOverflow(_)
                | SettlementErrors::InsufficientEscrow(_)
                | SettlementErrors::NonceUsed(_)
                | SettlementErrors::Reentrancy(_)
                | SettlementErrors::UnexpectedReturn(_)
                | SettlementErrors::NotAdmin(_)
                | SettlementErrors::ZeroAddress(_)
                | SettlementErrors::SharedKey(_)
                | SettlementErrors::TimelockRequired(_)
                | SettlementErrors::NotQueued(_)
                | SettlementErrors::TooEarly(_)
                | SettlementErrors::AlreadyQueued(_)
                | SettlementErrors::ChangeFailed(_) => Unknown,
            },
            Revert::Lido(e) => match e {
                MockLidoErrors::StakeLimit(_) | MockLidoErrors::StakingPaused(_) => StateMoved,
                MockLidoErrors::ZeroDeposit(_) => Unknown,
                MockLidoErrors::InsufficientAllowance(_)
                | MockLidoErrors::InsufficientBalance(_) => Staker,
                MockLidoErrors::AlreadyClaimed(_)
                | MockLidoErrors::BadPermit(_)
                | MockLidoErrors::NotAdmin(_)
                | MockLidoErrors::NotFinalized(_)
                | MockLidoErrors::NotRequestOwner(_)
                | MockLidoErrors::PermitExpired(_) => Unknown,
            },
            Revert::RocketPool(e) => match e {
                MockRocketPoolErrors::DepositPoolFull(_)
                | MockRocketPoolErrors::InsufficientCollateral(_) => StateMoved,
                // A pool closed since the award, or under its minimum because
                // intents of the award were skipped (it applies to the sum).
                MockRocketPoolErrors::BelowMinimumDeposit(_)
                | MockRocketPoolErrors::DepositsDisabled(_) => StateMoved,
                MockRocketPoolErrors::InsufficientAllowance(_)
                | MockRocketPoolErrors::InsufficientBalance(_) => Staker,
                MockRocketPoolErrors::NotAdmin(_) => Unknown,
            },
            Revert::EigenLayer(e) => match e {
                // Paused, a strategy's deposit limit reached or delisted,
                // an operator fully slashed since the award: the chain moved.
                EigenLayerErrors::CurrentlyPaused(_)
                | EigenLayerErrors::BalanceExceedsMaxTotalDeposits(_)
                | EigenLayerErrors::TotalSharesExceedsMax(_)
                | EigenLayerErrors::StrategyNotWhitelisted(_)
                | EigenLayerErrors::FullySlashed(_)
                | EigenLayerErrors::InsufficientMagnitude(_) => StateMoved,
                // A holder delegates with no approver signature (expiry 0):
                // these mean the operator set an approver after the market
                // read (the read closes such operators to new stake).
                EigenLayerErrors::SignatureExpired(_) | EigenLayerErrors::InvalidSignature(_) => {
                    StateMoved
                }
                EigenLayerErrors::ActivelyDelegated(_)
                | EigenLayerErrors::MaxStrategiesExceeded(_)
                | EigenLayerErrors::NewSharesZero(_)
                | EigenLayerErrors::OnlyStrategyManager(_)
                | EigenLayerErrors::OnlyUnderlyingToken(_)
                | EigenLayerErrors::OperatorNotRegistered(_)
                | EigenLayerErrors::SharesAmountTooHigh(_)
                | EigenLayerErrors::SharesAmountZero(_)
                | EigenLayerErrors::WithdrawalDelayNotElapsed(_)
                | EigenLayerErrors::WithdrawalNotQueued(_)
                | EigenLayerErrors::WithdrawerNotCaller(_) => Unknown,
            },
            Revert::LidoAdapter(e) => match e {
                LidoAdapterErrors::AssetNotAccepted(_) => Unknown,
                LidoAdapterErrors::ValueMismatch(_) => Unknown,
            },
            Revert::RocketPoolAdapter(e) => match e {
                RocketPoolAdapterErrors::AssetNotAccepted(_) => Unknown,
                RocketPoolAdapterErrors::ValueMismatch(_) => Unknown,
            },
            Revert::EigenLayerAdapter(e) => match e {
                EigenLayerAdapterErrors::NoOperator(_)
                | EigenLayerAdapterErrors::UnknownToken(_) => Unknown,
                EigenLayerAdapterErrors::NotAdmin(_)
                | EigenLayerAdapterErrors::UnexpectedReturn(_)
                | EigenLayerAdapterErrors::ValueMismatch(_) => Unknown,
            },
            Revert::PositionHolder(e) => match e {
                PositionHolderErrors::AlreadyInitialized(_)
                | PositionHolderErrors::NotAdapter(_)
                | PositionHolderErrors::NotOwner(_)
                | PositionHolderErrors::NoRewardsCoordinator(_)
                | PositionHolderErrors::WrongOperator(_) => Unknown,
            },
            Revert::Registry(e) => match e {
                // In `settle`: the solver's free bond cannot cover the
                // collateral its guarantees need (`reserve`).
                SolverRegistryErrors::InsufficientBond(_) => Solver,
                SolverRegistryErrors::NotAuctioneer(_)
                | SolverRegistryErrors::NothingToWithdraw(_)
                | SolverRegistryErrors::Reentrancy(_)
                | SolverRegistryErrors::TooEarly(_)
                | SolverRegistryErrors::TransferFailed(_)
                | SolverRegistryErrors::AlreadySlashed(_)
                | SolverRegistryErrors::NotAnOffence(_)
                | SolverRegistryErrors::NotAdmin(_)
                | SolverRegistryErrors::NoRotation(_)
                | SolverRegistryErrors::RotationNotReady(_)
                | SolverRegistryErrors::ZeroAuctioneer(_)
                | SolverRegistryErrors::AlreadyReserved(_)
                | SolverRegistryErrors::NoReservation(_)
                | SolverRegistryErrors::NotYetReleasable(_)
                | SolverRegistryErrors::NotSettlement(_)
                | SolverRegistryErrors::ReservationShort(_)
                | SolverRegistryErrors::ZeroAddress(_) => Unknown,
            },
        }
    }
}

/// Whose doing revert `data` is: [`Blame::Unknown`] for data none of our
/// contracts declares (or none at all).
pub fn blame_of(data: Option<&[u8]>) -> (String, Blame) {
    match data.and_then(Revert::decode) {
        Some(r) => (r.name().to_string(), r.blame()),
        None => ("unknown".to_string(), Blame::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::mock_lido::MockLido;
    use crate::contracts::settlement::Settlement;
    use alloy::primitives::{Address, U256};
    use alloy::sol_types::SolError;

    #[test]
    fn reverts_decode_to_their_contract_error_and_blame() {
        let data = MockLido::StakeLimit { requested: U256::from(5), available: U256::from(1) }
            .abi_encode();
        let r = Revert::decode(&data).unwrap();
        assert_eq!((r.name(), r.blame()), ("StakeLimit", Blame::StateMoved));
        let data = Settlement::SolverNotEligible { solver: Address::ZERO }.abi_encode();
        let r = Revert::decode(&data).unwrap();
        assert_eq!((r.name(), r.blame()), ("SolverNotEligible", Blame::Solver));
        // A pool minimum the award's sum fell under (intents skipped) is not.
        let data =
            crate::contracts::mock_rocket_pool::MockRocketPool::BelowMinimumDeposit {}.abi_encode();
        assert_eq!(Revert::decode(&data).unwrap().blame(), Blame::StateMoved);
        // The executor's own calldata is not the solver's doing.
        let data = Settlement::BidMismatch {}.abi_encode();
        assert_eq!(Revert::decode(&data).unwrap().blame(), Blame::Unknown);
        assert_eq!(blame_of(Some(&[0xde, 0xad, 0xbe, 0xef])), ("unknown".into(), Blame::Unknown));
        assert_eq!(blame_of(None), ("unknown".into(), Blame::Unknown));
    }
}
