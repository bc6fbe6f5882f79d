// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import "../src/Common.sol";

/// Test doubles: a smart-contract wallet (ERC-1271) and hostile contracts
/// that try to re-enter the Settlement. Deployed by tests only.

/// A contract wallet whose signatures are its owner key's signatures.
contract TestSmartWallet is IERC1271 {
    address public immutable signer;

    constructor(address signer_) {
        signer = signer_;
    }

    function isValidSignature(bytes32 hash, bytes calldata sig) external view returns (bytes4) {
        if (sig.length != 65) return 0xffffffff;
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        return ecrecover(hash, v, r, s) == signer ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    function execute(address to, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        require(msg.sender == signer, "not signer");
        (bool ok, bytes memory ret) = to.call{value: value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {}
}

interface ISettlementEscrow {
    function withdraw(uint256 amount) external;
}

/// An adapter that, once allow-listed, tries to pull escrow out mid-settlement.
contract ReentrantAdapter is IAdapter {
    address public immutable target;

    constructor(address target_) {
        target = target_;
    }

    function stakeEth(EthDeposit[] calldata) external payable returns (uint256[] memory) {
        ISettlementEscrow(target).withdraw(1);
        return new uint256[](0);
    }

    function stake(address, uint256, address, address, address) external returns (uint256) {
        ISettlementEscrow(target).withdraw(1);
        return 0;
    }

    receive() external payable {}
}

/// A token whose transferFrom re-enters the Settlement.
contract ReentrantToken is ERC20 {
    address public immutable target;

    constructor(address target_) ERC20("Reentrant", "REE") {
        target = target_;
        _mint(msg.sender, 1_000_000 ether);
    }

    function _transfer(address from, address to, uint256 amount) internal override {
        if (msg.sender == target) ISettlementEscrow(target).withdraw(1);
        super._transfer(from, to, amount);
    }
}

/// An adapter that reports every allocation as fully staked and delivers
/// nothing: what a stolen admin key would install. The Settlement measures
/// a liquid position by the owner's balance, so its report buys nothing.
contract LyingAdapter is IAdapter {
    function stakeEth(EthDeposit[] calldata ds) external payable returns (uint256[] memory outs) {
        outs = new uint256[](ds.length);
        for (uint256 i = 0; i < ds.length; i++) {
            outs[i] = ds[i].amount;
        }
    }

    function stake(address, uint256 amount, address, address, address) external pure returns (uint256) {
        return amount;
    }

    receive() external payable {}
}

/// A contract an EOA delegates to (EIP-7702) that refuses every ETH transfer.
contract RefusesEth {
    receive() external payable {
        revert("no ETH");
    }

    fallback() external payable {
        revert("no ETH");
    }
}

import "../src/Guarantee.sol";

/// Exposes `GuaranteeRule` for the property test against the Rust rule.
contract GuaranteeRuleHarness {
    function elapsed(uint64 settledAt, uint64 at, uint16 horizonDays) external pure returns (uint256) {
        return GuaranteeRule.elapsed(settledAt, at, horizonDays);
    }

    function payout(uint256 amount, uint16 floorBps, uint256 t, uint256 cap, GuaranteeRule.Leg[] memory legs)
        external
        pure
        returns (uint256 paid, uint256 value, uint256 owed)
    {
        return (
            GuaranteeRule.payout(amount, floorBps, t, cap, legs),
            GuaranteeRule.valueNow(legs),
            GuaranteeRule.promised(amount, floorBps, t)
        );
    }
}
