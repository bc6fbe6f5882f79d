// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title DevnetAVSRegistrar: a devnet service's AVS registrar that admits
/// every operator.
/// @notice EigenLayer's AllocationManager calls an AVS's registrar when an
/// operator registers for (or leaves) one of its operator sets; an AVS
/// that is a plain account needs one. Mainnet AVSs run their own (stake
/// thresholds, allow lists); a devnet's services take every operator the
/// market lists. It records who registered so a test can see it.
contract DevnetAVSRegistrar {
    mapping(address => mapping(address => bool)) public registered;

    event OperatorAdmitted(address indexed operator, address indexed avs, uint32[] operatorSetIds);
    event OperatorLeft(address indexed operator, address indexed avs, uint32[] operatorSetIds);

    /// IAVSRegistrar.registerOperator (EigenLayer v1.3).
    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata)
        external
    {
        registered[avs][operator] = true;
        emit OperatorAdmitted(operator, avs, operatorSetIds);
    }

    /// IAVSRegistrar.deregisterOperator (EigenLayer v1.3).
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds) external {
        registered[avs][operator] = false;
        emit OperatorLeft(operator, avs, operatorSetIds);
    }

    /// IAVSRegistrar.supportsAVS (later EigenLayer releases ask before `setAVSRegistrar`).
    function supportsAVS(address) external pure returns (bool) {
        return true;
    }
}
