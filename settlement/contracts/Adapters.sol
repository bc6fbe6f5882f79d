// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import "./Common.sol";

/// @title LidoAdapter: ETH → stETH through Lido's `submit(referral)`.
/// @notice One `submit` per award; the shares are split pro rata. stETH
/// handed in as stETH passes straight through to the owner.
contract LidoAdapter is IAdapter {
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
        outs = new uint256[](ds.length);
        uint256 left = shares;
        for (uint256 i = 0; i < ds.length; i++) {
            uint256 s = proRata(shares, ds[i].amount, total, left, i + 1 == ds.length);
            left -= s;
            outs[i] = lido.transferShares(ds[i].owner, s);
        }
    }

    function stake(address tokenIn, uint256 amount, address owner, address, address) external returns (uint256) {
        if (tokenIn != address(lido)) revert AssetNotAccepted(tokenIn);
        require(IERC20(tokenIn).transfer(owner, amount));
        return amount;
    }
}

/// @title RocketPoolAdapter: ETH → rETH (or another deposit-pool token)
/// through the deposit pool's `deposit()`.
/// @notice One `deposit` per award; what it mints is split pro rata.
contract RocketPoolAdapter is IAdapter {
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
        outs = new uint256[](ds.length);
        uint256 left = minted;
        for (uint256 i = 0; i < ds.length; i++) {
            uint256 out = proRata(minted, ds[i].amount, total, left, i + 1 == ds.length);
            left -= out;
            outs[i] = out;
            require(token.transfer(ds[i].owner, out));
        }
    }

    function stake(address tokenIn, uint256 amount, address owner, address, address) external returns (uint256) {
        if (tokenIn != address(token)) revert AssetNotAccepted(tokenIn);
        require(token.transfer(owner, amount));
        return amount;
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
contract EigenLayerAdapter is IAdapter {
    address public immutable admin;
    IStrategyManager public immutable strategyManager;
    IDelegationManager public immutable delegationManager;
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

    constructor(IStrategyManager sm, IDelegationManager dm) {
        admin = msg.sender;
        strategyManager = sm;
        delegationManager = dm;
        address impl = address(new PositionHolder(address(this), sm, dm));
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
    /// restakes what it got.
    function stakeEth(EthDeposit[] calldata ds) external payable returns (uint256[] memory outs) {
        uint256 n = ds.length;
        outs = new uint256[](n);
        address[] memory holders = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            holders[i] = _holderFor(ds[i].owner, ds[i].operator, ds[i].token);
        }
        bool[] memory done = new bool[](n);
        uint256 spent;
        for (uint256 i = 0; i < n; i++) {
            if (!done[i]) spent += _mintAndRestake(ds, holders, done, ds[i].token, outs);
        }
        if (spent != msg.value) revert ValueMismatch(msg.value, spent);
    }

    /// The allocations on `token` not yet done: minted in one call to its
    /// minting adapter, delivered to their holders, restaked. Returns the ETH spent.
    function _mintAndRestake(
        EthDeposit[] calldata ds,
        address[] memory holders,
        bool[] memory done,
        address token,
        uint256[] memory outs
    ) private returns (uint256 value) {
        EthDeposit[] memory sub;
        uint256[] memory at;
        (sub, at, value) = _collect(ds, holders, done, token);
        address minter = minterFor[token];
        if (minter == address(0)) revert UnknownToken(token);
        uint256[] memory got = IAdapter(minter).stakeEth{value: value}(sub);
        if (got.length != at.length) revert UnknownToken(token);
        IStrategy strategy = IStrategy(strategyFor[token]);
        for (uint256 q = 0; q < at.length; q++) {
            // The minting adapter ignores `operator`; it is kept here for the restake.
            outs[at[q]] = PositionHolder(sub[q].owner).restake(strategy, IERC20(token), got[q], sub[q].operator);
        }
    }

    /// The not-yet-done allocations on `token`, addressed to their holders.
    function _collect(EthDeposit[] calldata ds, address[] memory holders, bool[] memory done, address token)
        private
        pure
        returns (EthDeposit[] memory sub, uint256[] memory at, uint256 value)
    {
        uint256 m;
        for (uint256 k = 0; k < ds.length; k++) {
            if (!done[k] && ds[k].token == token) m++;
        }
        sub = new EthDeposit[](m);
        at = new uint256[](m);
        m = 0;
        for (uint256 k = 0; k < ds.length; k++) {
            if (done[k] || ds[k].token != token) continue;
            sub[m] = EthDeposit(holders[k], ds[k].operator, token, ds[k].amount);
            at[m++] = k;
            value += ds[k].amount;
            done[k] = true;
        }
    }

    /// Token input: the token is the position's, restaked as is.
    function stake(address tokenIn, uint256 amount, address owner, address operator, address token)
        external
        returns (uint256)
    {
        if (tokenIn != token) revert UnknownToken(tokenIn);
        address holder = _holderFor(owner, operator, token);
        require(IERC20(token).transfer(holder, amount));
        return PositionHolder(holder).restake(IStrategy(strategyFor[token]), IERC20(token), amount, operator);
    }

    /// The holder of `owner`'s stake with `operator`, created on first use.
    function _holderFor(address owner, address operator, address token) private returns (address holder) {
        if (strategyFor[token] == address(0)) revert UnknownToken(token);
        if (operator == address(0)) revert NoOperator();
        holder = holderOf(owner, operator);
        if (holder.code.length == 0) _create(owner, operator);
    }

    /// The holder of `owner`'s stake with `operator` (it may not exist yet).
    function holderOf(address owner, address operator) public view returns (address) {
        bytes32 h = keccak256(
            abi.encodePacked(bytes1(0xff), address(this), keccak256(abi.encode(owner, operator)), holderCodeHash)
        );
        return address(uint160(uint256(h)));
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
/// comes out goes to the owner.
contract PositionHolder {
    address public immutable adapter;
    IStrategyManager public immutable strategyManager;
    IDelegationManager public immutable delegationManager;
    address public owner;

    event WithdrawalQueued(bytes32 root, uint256 shares);
    event Withdrawn(address indexed owner, address token, uint256 amount);

    error NotAdapter();
    error NotOwner();
    error AlreadyInitialized();
    error WrongOperator(address delegated, address wanted);

    constructor(address adapter_, IStrategyManager sm, IDelegationManager dm) {
        adapter = adapter_;
        strategyManager = sm;
        delegationManager = dm;
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
