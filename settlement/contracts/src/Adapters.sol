// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import "./Common.sol";

/// @title LidoAdapter: ETH → stETH through Lido's `submit(referral)`.
/// @notice One `submit` per award; the shares are split pro rata. stETH
/// handed in as stETH passes straight through to the owner.
contract LidoAdapter is IAdapter, IYieldIndex {
    ILido public immutable lido;

    error AssetNotAccepted(address tokenIn);
    error ValueMismatch(uint256 value, uint256 total);

    constructor(ILido lido_) {
        lido = lido_;
    }

    function stakeEth(EthDeposit[] calldata ds) external payable returns (uint256[] memory outs) {
        uint256 total = sumOf(ds);
        if (msg.value != total) revert ValueMismatch(msg.value, total);
        uint256 shares = lido.submit{value: total}(address(0));
        return distribute(ds, total, shares, address(lido), ILido.transferShares.selector, true);
    }

    function stake(address tokenIn, uint256 amount, address owner, address, address) external returns (uint256) {
        if (tokenIn != address(lido)) revert AssetNotAccepted(tokenIn);
        require(IERC20(tokenIn).transfer(owner, amount));
        return amount;
    }

    /// ETH per stETH share: what Lido's oracle reports move.
    function index(address, address) external view returns (uint256) {
        return lido.getPooledEthByShares(1e18);
    }

    /// stETH rebases in ETH: one token counts for one ETH.
    function ethPerToken(address) external pure returns (uint256) {
        return 1e18;
    }
}

/// @title RocketPoolAdapter: ETH → rETH (or another deposit-pool token)
/// through the deposit pool's `deposit()`.
/// @notice One `deposit` per award; what it mints is split pro rata.
contract RocketPoolAdapter is IAdapter, IYieldIndex {
    IRocketDepositPool public immutable pool;
    IERC20 public immutable token;

    error AssetNotAccepted(address tokenIn);
    error ValueMismatch(uint256 value, uint256 total);

    constructor(IRocketDepositPool pool_, IERC20 token_) {
        pool = pool_;
        token = token_;
    }

    function stakeEth(EthDeposit[] calldata ds) external payable returns (uint256[] memory outs) {
        uint256 total = sumOf(ds);
        if (msg.value != total) revert ValueMismatch(msg.value, total);
        pool.deposit{value: total}();
        // The adapter holds nothing between calls, so its balance is what was minted.
        uint256 minted = token.balanceOf(address(this));
        return distribute(ds, total, minted, address(token), IERC20.transfer.selector, false);
    }

    function stake(address tokenIn, uint256 amount, address owner, address, address) external returns (uint256) {
        if (tokenIn != address(token)) revert AssetNotAccepted(tokenIn);
        require(token.transfer(owner, amount));
        return amount;
    }

    /// The token's exchange rate: ETH per rETH.
    function index(address, address) external view returns (uint256) {
        return IRocketTokenRETH(address(token)).getExchangeRate();
    }

    function ethPerToken(address) external view returns (uint256) {
        return IRocketTokenRETH(address(token)).getExchangeRate();
    }
}

/// @title EigenLayerAdapter: restakes an LST for an owner through one
/// position holder per (owner, operator).
/// @notice EigenLayer delegates all of a staker's shares to one operator,
/// so the staker here is a minimal proxy (EIP-1167) owned by the user,
/// created on first use at a CREATE2 address derived from (owner,
/// operator). ETH is first minted into the LST by that token's minting
/// adapter (once per token for the whole award), delivered straight to the
/// holders, each of which calls `depositIntoStrategy` and, the first time,
/// `delegateTo(operator)`.
contract EigenLayerAdapter is IAdapter, IYieldIndex {
    address public immutable admin;
    IStrategyManager public immutable strategyManager;
    IDelegationManager public immutable delegationManager;
    /// Where holders name their rewards claimer (zero: none on this chain).
    IRewardsCoordinator public immutable rewardsCoordinator;
    address public immutable holderImplementation;
    /// keccak256 of a holder's creation code (the EIP-1167 proxy of the implementation).
    bytes32 private immutable holderCodeHash;
    mapping(address => address) public strategyFor;
    mapping(address => address) public minterFor;

    event HolderCreated(address indexed owner, address indexed operator, address holder);

    error NotAdmin();
    error UnknownToken(address token);
    error NoOperator();
    error ValueMismatch(uint256 value, uint256 total);

    constructor(IStrategyManager sm, IDelegationManager dm, IRewardsCoordinator rc) {
        admin = msg.sender;
        strategyManager = sm;
        delegationManager = dm;
        rewardsCoordinator = rc;
        address impl = address(new PositionHolder(address(this), sm, dm, rc));
        holderImplementation = impl;
        holderCodeHash = keccak256(_code(impl));
    }

    /// Which strategy holds `token`, and which adapter mints it from ETH (zero: none).
    function setToken(address token, address strategy, address minter) external {
        if (msg.sender != admin) revert NotAdmin();
        strategyFor[token] = strategy;
        minterFor[token] = minter;
    }

    /// ETH input: per token, one call to its minting adapter (one protocol
    /// deposit) that delivers straight to the holders, then each holder
    /// restakes what it got. The calls are built by hand in reused memory
    /// (see `distribute`): this loop runs once per restaked allocation.
    function stakeEth(EthDeposit[] calldata ds) external payable returns (uint256[] memory outs) {
        uint256 n = ds.length;
        outs = new uint256[](n);
        // Each allocation's holder; zeroed once its token's group is done.
        uint256[] memory holders = new uint256[](n);
        for (uint256 i = 0; i < n; i++) {
            holders[i] = uint160(_holderFor(ds[i].owner, ds[i].operator));
        }
        uint256 spent;
        for (uint256 i = 0; i < n; i++) {
            if (holders[i] != 0) spent += _mintAndRestake(ds, holders, ds[i].token, outs);
        }
        if (spent != msg.value) revert ValueMismatch(msg.value, spent);
    }

    /// The allocations on `token` not yet done: minted in one call to its
    /// minting adapter straight into their holders, then restaked by each
    /// holder. Returns the ETH spent.
    function _mintAndRestake(EthDeposit[] calldata ds, uint256[] memory holders, address token, uint256[] memory outs)
        private
        returns (uint256 value)
    {
        address minter = minterFor[token];
        address strategy = strategyFor[token];
        if (minter == address(0) || strategy == address(0)) revert UnknownToken(token);
        uint256 sent;
        uint256 got;
        uint256 m;
        (sent, got, m, value) = _mint(ds, holders, token, minter);
        _restakeAll(sent, got, m, strategy, token, holders, outs);
    }

    /// `restake(strategy, token, amount, operator)` on each holder sent
    /// (`sent`: `m` records (holder, operator, token, amount), then their
    /// indices; `got`: what each holder received); their outs recorded and
    /// their allocations marked done.
    function _restakeAll(
        uint256 sent,
        uint256 got,
        uint256 m,
        address strategy,
        address token,
        uint256[] memory holders,
        uint256[] memory outs
    ) private {
        bytes4 selector = PositionHolder.restake.selector;
        bytes4 unexpected = UnexpectedReturn.selector;
        assembly ("memory-safe") {
            let c := add(got, shl(5, m))
            mstore(c, selector)
            mstore(add(c, 0x04), strategy)
            mstore(add(c, 0x24), token)
            for { let q := 0 } lt(q, m) { q := add(q, 1) } {
                let r := add(sent, shl(7, q))
                let holder := mload(r)
                mstore(add(c, 0x44), mload(add(got, shl(5, q))))
                mstore(add(c, 0x64), mload(add(r, 0x20)))
                if iszero(call(gas(), holder, 0, c, 0x84, 0, 0x20)) {
                    returndatacopy(0, 0, returndatasize())
                    revert(0, returndatasize())
                }
                if iszero(eq(returndatasize(), 0x20)) {
                    mstore(0, unexpected)
                    mstore(4, holder)
                    revert(0, 0x24)
                }
                let i := mload(add(add(sent, shl(7, m)), shl(5, q)))
                mstore(add(add(outs, 0x20), shl(5, i)), mload(0))
                mstore(add(add(holders, 0x20), shl(5, i)), 0)
            }
        }
    }

    /// One `stakeEth` call to `minter` with every not-yet-done allocation on
    /// `token`, delivering to their holders. Returns where the records sent
    /// start (4 words each, then their `m` indices), the minted amounts
    /// (`got`, `m` words), and the ETH sent.
    function _mint(EthDeposit[] calldata ds, uint256[] memory holders, address token, address minter)
        private
        returns (uint256 sent, uint256 got, uint256 m, uint256 value)
    {
        (sent, m, value) = _gather(ds, holders, token);
        got = callStakeEth(minter, value, sent - 0x44, m);
    }

    /// The not-yet-done allocations on `token` as `stakeEth` records
    /// addressed to their holders, written 0x44 bytes into free memory (room
    /// for the call's head), followed by their indices.
    function _gather(EthDeposit[] calldata ds, uint256[] memory holders, address token)
        private
        pure
        returns (uint256 sent, uint256 m, uint256 value)
    {
        assembly ("memory-safe") {
            let n := mload(holders)
            sent := add(mload(0x40), 0x44)
            let at := add(sent, shl(7, n))
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let h := mload(add(add(holders, 0x20), shl(5, i)))
                let e := add(ds.offset, shl(7, i))
                if and(iszero(iszero(h)), eq(calldataload(add(e, 0x40)), token)) {
                    let r := add(sent, shl(7, m))
                    mstore(r, h)
                    mstore(add(r, 0x20), calldataload(add(e, 0x20)))
                    mstore(add(r, 0x40), token)
                    let amount := calldataload(add(e, 0x60))
                    mstore(add(r, 0x60), amount)
                    value := add(value, amount)
                    mstore(add(at, shl(5, m)), i)
                    m := add(m, 1)
                }
            }
            // The indices follow the m records directly.
            mcopy(add(sent, shl(7, m)), at, shl(5, m))
            mstore(0x40, add(add(sent, shl(7, m)), shl(5, m)))
        }
    }

    /// Token input: the token is the position's, restaked as is.
    function stake(address tokenIn, uint256 amount, address owner, address operator, address token)
        external
        returns (uint256)
    {
        if (tokenIn != token || strategyFor[token] == address(0)) revert UnknownToken(tokenIn);
        address holder = _holderFor(owner, operator);
        require(IERC20(token).transfer(holder, amount));
        return PositionHolder(holder).restake(IStrategy(strategyFor[token]), IERC20(token), amount, operator);
    }

    /// ETH per strategy share of `token` restaked with `operator`: the
    /// strategy's underlying per share × the operator's slashing factor
    /// (EigenLayer's max magnitude, WAD) × the ETH one token counts for
    /// (from its minting adapter; 1e18 for stETH, whose rebase already
    /// shows in the strategy's balance).
    function index(address token, address operator) external view returns (uint256 idx) {
        address strategy = strategyFor[token];
        if (strategy == address(0)) revert UnknownToken(token);
        address am = IAllocationManagerOf(address(delegationManager)).allocationManager();
        idx = IStrategyViews(strategy).sharesToUnderlyingView(1e18)
            * IAllocationViews(am).getMaxMagnitude(operator, strategy) / 1e18;
        address minter = minterFor[token];
        if (minter != address(0)) idx = idx * IYieldIndex(minter).ethPerToken(token) / 1e18;
    }

    function ethPerToken(address) external pure returns (uint256) {
        return 1e18;
    }

    /// The holder of `owner`'s stake with `operator`, created on first use.
    function _holderFor(address owner, address operator) private returns (address holder) {
        if (operator == address(0)) revert NoOperator();
        holder = holderOf(owner, operator);
        if (holder.code.length == 0) _create(owner, operator);
    }

    /// The holder of `owner`'s stake with `operator` (it may not exist yet):
    /// the CREATE2 address for salt keccak256(owner, operator).
    function holderOf(address owner, address operator) public view returns (address holder) {
        bytes32 codeHash = holderCodeHash;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, owner)
            mstore(add(m, 0x20), operator)
            let salt := keccak256(m, 0x40)
            // 0xff ‖ this ‖ salt ‖ code hash, from byte 11 of the first word.
            mstore(m, address())
            mstore8(add(m, 0x0b), 0xff)
            mstore(add(m, 0x20), salt)
            mstore(add(m, 0x40), codeHash)
            holder := and(keccak256(add(m, 0x0b), 0x55), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    function _code(address impl) private pure returns (bytes memory) {
        return abi.encodePacked(hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", impl, hex"5af43d82803e903d91602b57fd5bf3");
    }

    function _create(address owner, address operator) private {
        bytes memory code = _code(holderImplementation);
        bytes32 salt = keccak256(abi.encode(owner, operator));
        address holder;
        assembly {
            holder := create2(0, add(code, 0x20), mload(code), salt)
        }
        require(holder != address(0));
        PositionHolder(holder).initialize(owner);
        emit HolderCreated(owner, operator, holder);
    }
}

/// @title PositionHolder: a user's restaked position with one operator.
/// @notice Deployed as minimal proxies. The EigenLayer adapter deposits
/// into it; only the owner can queue and complete withdrawals, and what
/// comes out goes to the owner. The holder is EigenLayer's staker, so AVS
/// rewards accrue to it: its owner names who claims them.
contract PositionHolder {
    address public immutable adapter;
    IStrategyManager public immutable strategyManager;
    IDelegationManager public immutable delegationManager;
    IRewardsCoordinator public immutable rewardsCoordinator;
    address public owner;

    event WithdrawalQueued(bytes32 root, uint256 shares);
    event Withdrawn(address indexed owner, address token, uint256 amount);

    error NotAdapter();
    error NotOwner();
    error AlreadyInitialized();
    error WrongOperator(address delegated, address wanted);
    error NoRewardsCoordinator();

    constructor(address adapter_, IStrategyManager sm, IDelegationManager dm, IRewardsCoordinator rc) {
        adapter = adapter_;
        strategyManager = sm;
        delegationManager = dm;
        rewardsCoordinator = rc;
    }

    function initialize(address owner_) external {
        if (msg.sender != adapter) revert NotAdapter();
        if (owner != address(0)) revert AlreadyInitialized();
        owner = owner_;
    }

    function restake(IStrategy strategy, IERC20 token, uint256 amount, address operator)
        external
        returns (uint256 shares)
    {
        if (msg.sender != adapter) revert NotAdapter();
        token.approve(address(strategyManager), amount);
        shares = strategyManager.depositIntoStrategy(strategy, token, amount);
        address current = delegationManager.delegatedTo(address(this));
        if (current == address(0)) {
            delegationManager.delegateTo(operator, IDelegationManager.SignatureWithExpiry("", 0), bytes32(0));
        } else if (current != operator) {
            revert WrongOperator(current, operator);
        }
    }

    /// Names who may claim this holder's AVS rewards from EigenLayer's
    /// RewardsCoordinator (`processClaim` with this holder as earner), and
    /// so where they are paid: the owner itself, or a wallet of its choice.
    function setRewardsClaimer(address claimer) external {
        if (msg.sender != owner) revert NotOwner();
        if (address(rewardsCoordinator) == address(0)) revert NoRewardsCoordinator();
        rewardsCoordinator.setClaimerFor(claimer);
    }

    /// Starts the protocol's withdrawal delay for `shares` of `strategy`.
    function queueWithdrawal(IStrategy strategy, uint256 shares) external returns (bytes32 root) {
        if (msg.sender != owner) revert NotOwner();
        IDelegationManager.QueuedWithdrawalParams[] memory p = new IDelegationManager.QueuedWithdrawalParams[](1);
        p[0].strategies = new IStrategy[](1);
        p[0].strategies[0] = strategy;
        p[0].depositShares = new uint256[](1);
        p[0].depositShares[0] = shares;
        p[0].__deprecated_withdrawer = address(this);
        root = delegationManager.queueWithdrawals(p)[0];
        emit WithdrawalQueued(root, shares);
    }

    /// After the delay: takes the tokens out and sends them to the owner.
    function completeWithdrawal(IDelegationManager.Withdrawal calldata w, IERC20 token) external {
        if (msg.sender != owner) revert NotOwner();
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = token;
        delegationManager.completeQueuedWithdrawal(w, tokens, true);
        uint256 amount = token.balanceOf(address(this));
        require(token.transfer(owner, amount));
        emit Withdrawn(owner, address(token), amount);
    }
}
