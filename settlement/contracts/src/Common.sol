// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// Shared pieces: the token and protocol interfaces (the real protocols'
/// function signatures), a minimal ERC-20, and a re-entrancy guard.

interface IERC20 {
    function balanceOf(address who) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
    function allowance(address owner, address spender) external view returns (uint256);
}

interface IERC20Permit {
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;
}

interface IERC1271 {
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4);
}

/// Lido's stETH (`submit`, share accounting) and its withdrawal queue.
interface ILido {
    function submit(address referral) external payable returns (uint256 shares);
    function transferShares(address to, uint256 shares) external returns (uint256);
    function getPooledEthByShares(uint256 shares) external view returns (uint256);
    function getSharesByPooledEth(uint256 eth) external view returns (uint256);
    function requestWithdrawals(uint256[] calldata amounts, address owner) external returns (uint256[] memory ids);
    function claimWithdrawal(uint256 requestId) external;
}

/// Rocket Pool's deposit pool and rETH token.
interface IRocketDepositPool {
    function deposit() external payable;
}

interface IRocketTokenRETH {
    function burn(uint256 rethAmount) external;
    function getRethValue(uint256 ethAmount) external view returns (uint256);
    function getExchangeRate() external view returns (uint256);
}

interface IStrategy {
    function underlyingToken() external view returns (address);
}

/// EigenLayer's StrategyManager.
interface IStrategyManager {
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount) external returns (uint256 depositedShares);
}

/// EigenLayer's DelegationManager (slashing-release signatures).
interface IDelegationManager {
    struct SignatureWithExpiry {
        bytes signature;
        uint256 expiry;
    }

    struct QueuedWithdrawalParams {
        IStrategy[] strategies;
        uint256[] depositShares;
        address __deprecated_withdrawer;
    }

    struct Withdrawal {
        address staker;
        address delegatedTo;
        address withdrawer;
        uint256 nonce;
        uint32 startBlock;
        IStrategy[] strategies;
        uint256[] scaledShares;
    }

    function delegateTo(address operator, SignatureWithExpiry memory approverSignatureAndExpiry, bytes32 approverSalt) external;
    function delegatedTo(address staker) external view returns (address);
    function queueWithdrawals(QueuedWithdrawalParams[] calldata params) external returns (bytes32[] memory);
    function completeQueuedWithdrawal(Withdrawal calldata withdrawal, IERC20[] calldata tokens, bool receiveAsTokens) external;
}

/// The views a guarantee's yield index reads (docs/guarantee.md): a
/// strategy's shares in its underlying, an operator's slashing factor.
interface IStrategyViews {
    function sharesToUnderlyingView(uint256 shares) external view returns (uint256);
}

interface IAllocationViews {
    function getMaxMagnitude(address operator, address strategy) external view returns (uint64);
}

interface IAllocationManagerOf {
    function allocationManager() external view returns (address);
}

/// What a guarantee's claim reads of an adapter: the protocol's own yield
/// index (WAD, ETH per unit of what the position holds) of the position
/// `token` (through `operator` when restaking), never a balance, so an
/// owner moving its tokens cannot move it; and, for a token an adapter
/// mints, the ETH one token counts for (1e18 for a token that rebases in
/// ETH, whose yield already shows in the balances a strategy holds).
interface IYieldIndex {
    function index(address token, address operator) external view returns (uint256);
    function ethPerToken(address token) external view returns (uint256);
}

/// EigenLayer's RewardsCoordinator: the one call a position holder makes,
/// naming who may claim the AVS rewards it earns.
interface IRewardsCoordinator {
    function setClaimerFor(address claimer) external;
}

/// One allocation paid in ETH: `amount` wei into the position `token`
/// (through `operator` when restaking) owned by `owner`.
struct EthDeposit {
    address owner;
    address operator;
    address token;
    uint256 amount;
}

/// What the Settlement calls to open positions. The adapter turns its input
/// into the position `token` (through `operator` when restaking) owned by
/// `owner`, and returns how much of the position's unit it delivered
/// (tokens, or strategy shares).
interface IAdapter {
    /// ETH input: every allocation of one award on this adapter at once,
    /// `msg.value` = their sum. One protocol deposit for all of them; each
    /// allocation gets its pro-rata share of what was minted (rounded down,
    /// the last one gets the remainder), so the adapter keeps nothing.
    function stakeEth(EthDeposit[] calldata deposits) external payable returns (uint256[] memory outs);

    /// Token input, one allocation: `amount` of `tokenIn` was transferred to
    /// the adapter just before the call.
    function stake(address tokenIn, uint256 amount, address owner, address operator, address token)
        external
        returns (uint256 out);
}

/// A contract we called answered with something else than its ABI says.
error UnexpectedReturn(address callee);

/// Splits `minted` across `ds` (deposits summing to `total`) pro rata:
/// `minted × amount / total` rounded down, the last deposit gets what is
/// left, so the adapter keeps nothing. Each share is handed over with
/// `target.selector(ds[i].owner, share)` (`transfer`, `transferShares`);
/// `outs[i]` is what that call returned if `returnsAmount`, else the share
/// (and the call must return true). Written against the raw calldata and one
/// reused call buffer: the compiler's per-call encoding and decoding cost
/// more than the transfer itself.
function distribute(
    EthDeposit[] calldata ds,
    uint256 total,
    uint256 minted,
    address target,
    bytes4 selector,
    bool returnsAmount
) returns (uint256[] memory outs) {
    uint256 n = ds.length;
    outs = new uint256[](n);
    bytes4 unexpected = UnexpectedReturn.selector;
    assembly ("memory-safe") {
        let m := mload(0x40)
        let left := minted
        for { let i := 0 } lt(i, n) { i := add(i, 1) } {
            let d := add(ds.offset, shl(7, i))
            let share := left
            if lt(add(i, 1), n) {
                let amount := calldataload(add(d, 0x60))
                share := mul(minted, amount)
                // Overflow (no real deposit gets near 2^256 wei²) or shares
                // above what was minted (deposits not summing to `total`):
                // Solidity's arithmetic panic, as checked code would give.
                if iszero(or(iszero(amount), eq(div(share, amount), minted))) {
                    mstore(0, shl(224, 0x4e487b71))
                    mstore(4, 0x11)
                    revert(0, 0x24)
                }
                share := div(share, total)
                if gt(share, left) {
                    mstore(0, shl(224, 0x4e487b71))
                    mstore(4, 0x11)
                    revert(0, 0x24)
                }
            }
            left := sub(left, share)
            mstore(m, selector)
            mstore(add(m, 0x04), calldataload(d))
            mstore(add(m, 0x24), share)
            let ok := call(gas(), target, 0, m, 0x44, m, 0x20)
            if iszero(ok) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            let r := mload(m)
            if iszero(returnsAmount) {
                ok := eq(r, 1)
                r := share
            }
            if or(iszero(ok), lt(returndatasize(), 0x20)) {
                mstore(0, unexpected)
                mstore(4, target)
                revert(0, 0x24)
            }
            mstore(add(add(outs, 0x20), shl(5, i)), r)
        }
    }
}

/// Calls `adapter.stakeEth{value: value}` with the `m` EthDeposit records
/// already written at `buf + 0x44` (the call's head is written in the 0x44
/// bytes before them), bubbling up a revert. Returns where the `m` outs it
/// answered were copied (newly allocated memory); anything but an
/// abi-encoded `uint256[m]` reverts `UnexpectedReturn(adapter)`.
function callStakeEth(address adapter, uint256 value, uint256 buf, uint256 m) returns (uint256 outs) {
    bytes4 selector = IAdapter.stakeEth.selector;
    bool ok;
    assembly ("memory-safe") {
        mstore(buf, selector)
        mstore(add(buf, 0x04), 0x20)
        mstore(add(buf, 0x24), m)
        if iszero(call(gas(), adapter, value, buf, add(0x44, shl(7, m)), 0, 0)) {
            returndatacopy(0, 0, returndatasize())
            revert(0, returndatasize())
        }
        // abi.encode(uint256[]): offset 0x20, length m, then the outs.
        outs := mload(0x40)
        let size := add(0x40, shl(5, m))
        ok := eq(returndatasize(), size)
        if ok {
            returndatacopy(outs, 0, size)
            ok := and(eq(mload(outs), 0x20), eq(mload(add(outs, 0x20)), m))
        }
        outs := add(outs, 0x40)
        mstore(0x40, add(outs, shl(5, m)))
    }
    if (!ok) revert UnexpectedReturn(adapter);
}

function sumOf(EthDeposit[] calldata deposits) pure returns (uint256 sum) {
    for (uint256 i = 0; i < deposits.length; i++) {
        sum += deposits[i].amount;
    }
}

abstract contract ReentrancyGuard {
    error Reentrancy();

    uint256 private entered = 1;

    modifier nonReentrant() {
        if (entered == 2) revert Reentrancy();
        entered = 2;
        _;
        entered = 1;
    }
}

/// A minimal ERC-20 for the stand-ins.
abstract contract ERC20 is IERC20 {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) internal balances;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 amount);
    event Approval(address indexed owner, address indexed spender, uint256 amount);

    error InsufficientBalance();
    error InsufficientAllowance();

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function balanceOf(address who) public view virtual returns (uint256) {
        return balances[who];
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 a = allowance[from][msg.sender];
        if (a != type(uint256).max) {
            if (a < amount) revert InsufficientAllowance();
            allowance[from][msg.sender] = a - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) internal virtual {
        if (balances[from] < amount) revert InsufficientBalance();
        balances[from] -= amount;
        balances[to] += amount;
        emit Transfer(from, to, amount);
    }

    function _mint(address to, uint256 amount) internal {
        totalSupply += amount;
        balances[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function _burn(address from, uint256 amount) internal {
        if (balances[from] < amount) revert InsufficientBalance();
        balances[from] -= amount;
        totalSupply -= amount;
        emit Transfer(from, address(0), amount);
    }
}
