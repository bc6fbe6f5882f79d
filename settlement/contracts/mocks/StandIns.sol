// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import "../src/Common.sol";

/// @title MockLido: a local stand-in for Lido's stETH and withdrawal queue.
/// @notice Keeps the rules settlement depends on: `submit(referral)` mints
/// shares at the pooled-ETH/share rate and is capped by a stake limit that
/// regenerates per block; balances are shares × rate (oracle reports move
/// the rate); `transferShares`; EIP-2612 `permit`; withdrawals are
/// requested with stETH and claimed in ETH after a delay (the stand-in's
/// finalization), by the request's owner only.
contract MockLido is ERC20, ILido, IERC20Permit {
    struct Request {
        address owner;
        uint128 amount;
        uint128 shares;
        uint64 claimableAt;
        bool claimed;
    }

    address public immutable admin;
    uint256 public totalShares;
    uint256 public totalPooledEther;
    uint256 public maxStakeLimit;
    uint256 public stakeLimitIncreasePerBlock;
    uint256 private prevStakeLimit;
    uint256 private prevStakeBlock;
    uint64 public withdrawalDelay;
    bool private stakingPaused;
    Request[] public requests;
    mapping(address => uint256) public nonces;
    bytes32 public immutable DOMAIN_SEPARATOR;

    event Submitted(address indexed sender, uint256 amount, address referral);
    event WithdrawalRequested(uint256 indexed requestId, address indexed owner, uint256 amount);
    event WithdrawalClaimed(uint256 indexed requestId, address indexed owner, uint256 amount);

    error StakeLimit(uint256 requested, uint256 available);
    error ZeroDeposit();
    error NotRequestOwner();
    error NotFinalized(uint64 claimableAt);
    error AlreadyClaimed();
    error PermitExpired();
    error BadPermit();
    error NotAdmin();
    error StakingPaused();

    /// `initialPooledEther_` is the stake already in the pool (held by
    /// 0xdead, as Lido's bootstrap deposit is), so the token has a supply
    /// the way mainnet's has.
    constructor(uint256 maxStakeLimit_, uint256 increasePerBlock_, uint64 withdrawalDelay_, uint256 initialPooledEther_)
        ERC20("Liquid staked Ether 2.0", "stETH")
    {
        admin = msg.sender;
        totalShares = initialPooledEther_;
        totalPooledEther = initialPooledEther_;
        totalSupply = initialPooledEther_;
        balances[address(0xdead)] = initialPooledEther_;
        maxStakeLimit = maxStakeLimit_;
        stakeLimitIncreasePerBlock = increasePerBlock_;
        prevStakeLimit = maxStakeLimit_;
        prevStakeBlock = block.number;
        withdrawalDelay = withdrawalDelay_;
        DOMAIN_SEPARATOR = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Liquid staked Ether 2.0"),
                keccak256("2"),
                block.chainid,
                address(this)
            )
        );
    }

    /// What `submit` accepts right now.
    function getCurrentStakeLimit() public view returns (uint256) {
        uint256 grown = prevStakeLimit + (block.number - prevStakeBlock) * stakeLimitIncreasePerBlock;
        return grown > maxStakeLimit ? maxStakeLimit : grown;
    }

    /// Lido's pause switch (`pauseStaking` / `resumeStaking`).
    function isStakingPaused() external view returns (bool) {
        return stakingPaused;
    }

    function pauseStaking() external {
        if (msg.sender != admin) revert NotAdmin();
        stakingPaused = true;
    }

    function resumeStaking() external {
        if (msg.sender != admin) revert NotAdmin();
        stakingPaused = false;
    }

    function getTotalPooledEther() external view returns (uint256) {
        return totalPooledEther;
    }

    function submit(address referral) external payable returns (uint256 shares) {
        if (stakingPaused) revert StakingPaused();
        if (msg.value == 0) revert ZeroDeposit();
        uint256 limit = getCurrentStakeLimit();
        if (msg.value > limit) revert StakeLimit(msg.value, limit);
        prevStakeLimit = limit - msg.value;
        prevStakeBlock = block.number;
        shares = getSharesByPooledEth(msg.value);
        totalShares += shares;
        totalPooledEther += msg.value;
        totalSupply = totalPooledEther;
        balances[msg.sender] += shares;
        emit Submitted(msg.sender, msg.value, referral);
        emit Transfer(address(0), msg.sender, msg.value);
    }

    function getSharesByPooledEth(uint256 eth) public view returns (uint256) {
        return totalPooledEther == 0 ? eth : eth * totalShares / totalPooledEther;
    }

    function getPooledEthByShares(uint256 shares) public view returns (uint256) {
        return totalShares == 0 ? shares : shares * totalPooledEther / totalShares;
    }

    function sharesOf(address who) external view returns (uint256) {
        return balances[who];
    }

    function balanceOf(address who) public view override returns (uint256) {
        return getPooledEthByShares(balances[who]);
    }

    function transferShares(address to, uint256 shares) external returns (uint256) {
        uint256 amount = getPooledEthByShares(shares);
        _moveShares(msg.sender, to, shares, amount);
        return amount;
    }

    function _transfer(address from, address to, uint256 amount) internal override {
        _moveShares(from, to, getSharesByPooledEth(amount), amount);
    }

    function _moveShares(address from, address to, uint256 shares, uint256 amount) private {
        if (balances[from] < shares) revert InsufficientBalance();
        balances[from] -= shares;
        balances[to] += shares;
        emit Transfer(from, to, amount);
    }

    /// The stand-in's oracle: rewards (or a loss) change the pooled ETH.
    function handleOracleReport(uint256 newTotalPooledEther) external payable {
        if (msg.sender != admin) revert NotAdmin();
        totalPooledEther = newTotalPooledEther;
        totalSupply = newTotalPooledEther;
    }

    function setStakeLimit(uint256 max, uint256 increasePerBlock) external {
        if (msg.sender != admin) revert NotAdmin();
        maxStakeLimit = max;
        stakeLimitIncreasePerBlock = increasePerBlock;
        prevStakeLimit = max;
        prevStakeBlock = block.number;
    }

    /// The permit domain's fields, as Lido's StETHPermit answers them (so a
    /// wallet can show and sign the EIP-712 `Permit` without a hash).
    function eip712Domain()
        external
        view
        returns (string memory name, string memory version, uint256 chainId, address verifyingContract)
    {
        return ("Liquid staked Ether 2.0", "2", block.chainid, address(this));
    }

    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        if (block.timestamp > deadline) revert PermitExpired();
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                DOMAIN_SEPARATOR,
                keccak256(
                    abi.encode(
                        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                        owner,
                        spender,
                        value,
                        nonces[owner]++,
                        deadline
                    )
                )
            )
        );
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0) || signer != owner) revert BadPermit();
        allowance[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// Locks `amounts` of the caller's stETH into withdrawal requests for `owner`.
    function requestWithdrawals(uint256[] calldata amounts, address owner) external returns (uint256[] memory ids) {
        if (owner == address(0)) owner = msg.sender;
        ids = new uint256[](amounts.length);
        for (uint256 i = 0; i < amounts.length; i++) {
            uint256 shares = getSharesByPooledEth(amounts[i]);
            _moveShares(msg.sender, address(this), shares, amounts[i]);
            ids[i] = requests.length;
            requests.push(
                Request(owner, uint128(amounts[i]), uint128(shares), uint64(block.timestamp) + withdrawalDelay, false)
            );
            emit WithdrawalRequested(ids[i], owner, amounts[i]);
        }
    }

    /// Pays a finalized request's ETH to its owner (and only its owner).
    function claimWithdrawal(uint256 requestId) external {
        Request storage r = requests[requestId];
        if (msg.sender != r.owner) revert NotRequestOwner();
        if (r.claimed) revert AlreadyClaimed();
        if (block.timestamp < r.claimableAt) revert NotFinalized(r.claimableAt);
        r.claimed = true;
        balances[address(this)] -= r.shares;
        totalShares -= r.shares;
        totalPooledEther -= r.amount;
        totalSupply = totalPooledEther;
        emit WithdrawalClaimed(requestId, msg.sender, r.amount);
        (bool ok,) = msg.sender.call{value: r.amount}("");
        require(ok);
    }
}

/// @title MockRocketPool: a stand-in for a Rocket-Pool-style deposit pool and its token.
/// @notice `deposit()` mints (value − fee) / exchangeRate tokens to the
/// sender, refused once the deposit pool would exceed its maximum; `burn`
/// redeems at the exchange rate while the contract holds the ETH. The same
/// contract serves other mint-from-ETH tokens (ezETH, weETH) and, with
/// deposits disabled, tokens that cannot be minted from ETH (cbETH).
contract MockRocketPool is ERC20, IRocketDepositPool, IRocketTokenRETH {
    address public immutable admin;
    uint256 public exchangeRate; // ETH per token, WAD
    uint256 public depositFee; // WAD fraction of each deposit
    uint256 public maximumDepositPoolSize;
    uint256 public depositPoolBalance;
    uint256 public constant minimumDeposit = 0.01 ether;
    bool public depositsEnabled;

    event DepositReceived(address indexed from, uint256 amount, uint256 minted);
    event TokensBurned(address indexed from, uint256 amount, uint256 ethAmount);

    error DepositsDisabled();
    error BelowMinimumDeposit();
    error DepositPoolFull(uint256 balanceAfter, uint256 maximum);
    error InsufficientCollateral(uint256 needed, uint256 available);
    error NotAdmin();

    constructor(
        string memory name_,
        string memory symbol_,
        uint256 exchangeRate_,
        uint256 depositFee_,
        uint256 maximumDepositPoolSize_,
        bool depositsEnabled_
    ) ERC20(name_, symbol_) {
        admin = msg.sender;
        exchangeRate = exchangeRate_;
        depositFee = depositFee_;
        maximumDepositPoolSize = maximumDepositPoolSize_;
        depositsEnabled = depositsEnabled_;
    }

    function deposit() external payable {
        if (!depositsEnabled) revert DepositsDisabled();
        if (msg.value < minimumDeposit) revert BelowMinimumDeposit();
        uint256 after_ = depositPoolBalance + msg.value;
        if (after_ > maximumDepositPoolSize) revert DepositPoolFull(after_, maximumDepositPoolSize);
        depositPoolBalance = after_;
        uint256 fee = msg.value * depositFee / 1e18;
        uint256 minted = getRethValue(msg.value - fee);
        _mint(msg.sender, minted);
        emit DepositReceived(msg.sender, msg.value, minted);
    }

    function getRethValue(uint256 ethAmount) public view returns (uint256) {
        return ethAmount * 1e18 / exchangeRate;
    }

    function getEthValue(uint256 amount) public view returns (uint256) {
        return amount * exchangeRate / 1e18;
    }

    function getExchangeRate() external view returns (uint256) {
        return exchangeRate;
    }

    /// RocketDepositPool.getBalance(): ETH waiting in the deposit pool.
    function getBalance() external view returns (uint256) {
        return depositPoolBalance;
    }

    /// RocketDAOProtocolSettingsDeposit's views, served by the same stand-in.
    function getMaximumDepositPoolSize() external view returns (uint256) {
        return maximumDepositPoolSize;
    }

    function getDepositFee() external view returns (uint256) {
        return depositFee;
    }

    /// RocketDAOProtocolSettingsDeposit.getMinimumDeposit(): the smallest
    /// deposit the pool takes (`deposit` reverts `BelowMinimumDeposit` under it).
    function getMinimumDeposit() external pure returns (uint256) {
        return minimumDeposit;
    }

    function getDepositEnabled() external view returns (bool) {
        return depositsEnabled;
    }

    /// RocketDepositPool.getMaximumDepositAmount(): what a deposit may be now.
    function getMaximumDepositAmount() external view returns (uint256) {
        if (!depositsEnabled || depositPoolBalance >= maximumDepositPoolSize) return 0;
        return maximumDepositPoolSize - depositPoolBalance;
    }

    function setDepositEnabled(bool enabled) external {
        if (msg.sender != admin) revert NotAdmin();
        depositsEnabled = enabled;
    }

    function burn(uint256 amount) external {
        uint256 eth = getEthValue(amount);
        if (address(this).balance < eth) revert InsufficientCollateral(eth, address(this).balance);
        _burn(msg.sender, amount);
        emit TokensBurned(msg.sender, amount, eth);
        (bool ok,) = msg.sender.call{value: eth}("");
        require(ok);
    }

    /// The stand-in's node operators take deposits out of the pool (making room).
    function assignDeposits(uint256 amount) external {
        if (msg.sender != admin) revert NotAdmin();
        depositPoolBalance -= amount;
    }

    function setMaximumDepositPoolSize(uint256 max) external {
        if (msg.sender != admin) revert NotAdmin();
        maximumDepositPoolSize = max;
    }

    function setExchangeRate(uint256 rate) external payable {
        if (msg.sender != admin) revert NotAdmin();
        exchangeRate = rate;
    }

    /// Faucet for devnets and tests (tokens that cannot be minted from ETH).
    function mint(address to, uint256 amount) external payable {
        if (msg.sender != admin) revert NotAdmin();
        _mint(to, amount);
    }
}

/// An EigenLayer strategy: which token it holds.
contract MockStrategy is IStrategy {
    address public immutable underlyingToken;

    constructor(address token) {
        underlyingToken = token;
    }
}

/// @title MockEigenLayer: a stand-in for EigenLayer's StrategyManager,
/// DelegationManager and (simplified) AllocationManager.
/// @notice The rules kept: a staker delegates all its restaked shares to
/// exactly one operator; withdrawals are queued and complete only after
/// `minWithdrawalDelayBlocks`, by the withdrawer; operators allocate
/// magnitudes (WAD fractions of their stake, Σ ≤ 1) to services' operator sets.
contract MockEigenLayer is IStrategyManager, IDelegationManager {
    struct OperatorSet {
        address avs;
        uint32 id;
    }

    struct Allocation {
        uint64 currentMagnitude;
        int128 pendingDiff;
        uint32 effectBlock;
    }

    address public immutable admin;
    uint32 public minWithdrawalDelayBlocks;
    mapping(address => address) public strategyToken;
    mapping(address => mapping(address => uint256)) public stakerDepositShares;
    mapping(address => address[]) private stakerStrategies;
    mapping(address => address) public delegatedTo;
    mapping(address => bool) public isOperator;
    mapping(address => address) public delegationApprover;
    mapping(address => mapping(address => uint256)) public operatorShares;
    mapping(address => uint256) public cumulativeWithdrawalsQueued;
    mapping(bytes32 => bool) public pendingWithdrawals;
    mapping(address => mapping(address => uint64)) public allocatedMagnitude;
    mapping(address => uint64) public encumberedMagnitude;
    mapping(address => uint64) private slashedMagnitude;

    event StrategyAdded(address strategy, address token);
    event OperatorRegistered(address indexed operator, address delegationApprover);
    event Deposit(address indexed staker, address strategy, uint256 shares);
    event StakerDelegated(address indexed staker, address indexed operator);
    event SlashingWithdrawalQueued(bytes32 withdrawalRoot, Withdrawal withdrawal, uint256[] sharesToWithdraw);
    event SlashingWithdrawalCompleted(bytes32 withdrawalRoot);
    /// EigenLayer's AllocationManager events, with their real signatures.
    /// The stand-in keeps one magnitude per (operator, service) for all
    /// strategies, so `strategy` is the zero address.
    event AllocationUpdated(address operator, OperatorSet operatorSet, address strategy, uint64 magnitude, uint32 effectBlock);
    event MaxMagnitudeUpdated(address operator, address strategy, uint64 maxMagnitude);
    event OperatorSlashed(address operator, OperatorSet operatorSet, address[] strategies, uint256[] wadSlashed, string description);

    error NotAdmin();
    error StrategyNotWhitelisted();
    error OperatorNotRegistered();
    error ActivelyDelegated();
    error WithdrawerNotStaker();
    error InsufficientShares();
    error WithdrawalNotQueued();
    error WithdrawerNotCaller();
    error WithdrawalDelayNotElapsed(uint256 completableAtBlock);
    error TokenMismatch();
    error InsufficientMagnitude();
    error OnlyAsTokens();

    constructor(uint32 minWithdrawalDelayBlocks_) {
        admin = msg.sender;
        minWithdrawalDelayBlocks = minWithdrawalDelayBlocks_;
    }

    function addStrategy(address token) external returns (address strategy) {
        if (msg.sender != admin) revert NotAdmin();
        strategy = address(new MockStrategy(token));
        strategyToken[strategy] = token;
        emit StrategyAdded(strategy, token);
    }

    function registerAsOperator(address initDelegationApprover, uint32, string calldata) external {
        isOperator[msg.sender] = true;
        delegationApprover[msg.sender] = initDelegationApprover;
        delegatedTo[msg.sender] = msg.sender;
        emit OperatorRegistered(msg.sender, initDelegationApprover);
    }

    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount) external returns (uint256) {
        address t = strategyToken[address(strategy)];
        if (t == address(0) || t != address(token)) revert StrategyNotWhitelisted();
        require(token.transferFrom(msg.sender, address(this), amount));
        if (stakerDepositShares[msg.sender][address(strategy)] == 0) {
            stakerStrategies[msg.sender].push(address(strategy));
        }
        stakerDepositShares[msg.sender][address(strategy)] += amount;
        address op = delegatedTo[msg.sender];
        if (op != address(0)) operatorShares[op][address(strategy)] += amount;
        emit Deposit(msg.sender, address(strategy), amount);
        return amount;
    }

    function delegateTo(address operator, SignatureWithExpiry memory, bytes32) external {
        if (!isOperator[operator]) revert OperatorNotRegistered();
        if (delegatedTo[msg.sender] != address(0)) revert ActivelyDelegated();
        delegatedTo[msg.sender] = operator;
        address[] storage list = stakerStrategies[msg.sender];
        for (uint256 i = 0; i < list.length; i++) {
            operatorShares[operator][list[i]] += stakerDepositShares[msg.sender][list[i]];
        }
        emit StakerDelegated(msg.sender, operator);
    }

    function queueWithdrawals(QueuedWithdrawalParams[] calldata params) external returns (bytes32[] memory roots) {
        roots = new bytes32[](params.length);
        address op = delegatedTo[msg.sender];
        for (uint256 i = 0; i < params.length; i++) {
            QueuedWithdrawalParams calldata p = params[i];
            if (p.__deprecated_withdrawer != msg.sender) revert WithdrawerNotStaker();
            for (uint256 j = 0; j < p.strategies.length; j++) {
                address s = address(p.strategies[j]);
                if (stakerDepositShares[msg.sender][s] < p.depositShares[j]) revert InsufficientShares();
                stakerDepositShares[msg.sender][s] -= p.depositShares[j];
                if (op != address(0)) operatorShares[op][s] -= p.depositShares[j];
            }
            Withdrawal memory w = Withdrawal({
                staker: msg.sender,
                delegatedTo: op,
                withdrawer: msg.sender,
                nonce: cumulativeWithdrawalsQueued[msg.sender]++,
                startBlock: uint32(block.number),
                strategies: p.strategies,
                scaledShares: p.depositShares
            });
            roots[i] = keccak256(abi.encode(w));
            pendingWithdrawals[roots[i]] = true;
            emit SlashingWithdrawalQueued(roots[i], w, p.depositShares);
        }
    }

    function completeQueuedWithdrawal(Withdrawal calldata w, IERC20[] calldata tokens, bool receiveAsTokens) external {
        bytes32 root = keccak256(abi.encode(w));
        if (!pendingWithdrawals[root]) revert WithdrawalNotQueued();
        if (msg.sender != w.withdrawer) revert WithdrawerNotCaller();
        if (block.number < uint256(w.startBlock) + minWithdrawalDelayBlocks) {
            revert WithdrawalDelayNotElapsed(uint256(w.startBlock) + minWithdrawalDelayBlocks);
        }
        if (!receiveAsTokens) revert OnlyAsTokens();
        delete pendingWithdrawals[root];
        for (uint256 i = 0; i < w.strategies.length; i++) {
            if (strategyToken[address(w.strategies[i])] != address(tokens[i])) revert TokenMismatch();
            require(tokens[i].transfer(msg.sender, w.scaledShares[i]));
        }
        emit SlashingWithdrawalCompleted(root);
    }

    /// Stake delegated to `operator` before the devnet began (what mainnet
    /// operators already hold), so a devnet's operators are not empty.
    function seedOperatorShares(address operator, address strategy, uint256 shares) external {
        if (msg.sender != admin) revert NotAdmin();
        if (!isOperator[operator]) revert OperatorNotRegistered();
        operatorShares[operator][strategy] += shares;
    }

    /// Simplified AllocationManager: an operator sets its magnitude for one
    /// service's operator set; the magnitudes an operator allocates sum to at most 1 (WAD).
    function modifyAllocations(address operator, address avs, uint32 operatorSetId, uint64 magnitude) external {
        if (msg.sender != operator || !isOperator[operator]) revert OperatorNotRegistered();
        uint64 total = encumberedMagnitude[operator] - allocatedMagnitude[operator][avs] + magnitude;
        if (total > getMaxMagnitude(operator, address(0))) revert InsufficientMagnitude();
        encumberedMagnitude[operator] = total;
        allocatedMagnitude[operator][avs] = magnitude;
        emit AllocationUpdated(operator, OperatorSet(avs, operatorSetId), address(0), magnitude, uint32(block.number));
    }

    /// AllocationManager.getMaxMagnitude: 1 (WAD) until the operator is slashed.
    function getMaxMagnitude(address operator, address) public view returns (uint64) {
        return uint64(1e18) - slashedMagnitude[operator];
    }

    /// AllocationManager.getAllocation (the stand-in: same for every strategy).
    function getAllocation(address operator, OperatorSet memory operatorSet, address)
        external
        view
        returns (Allocation memory)
    {
        return Allocation(allocatedMagnitude[operator][operatorSet.avs], 0, 0);
    }

    /// A service slashes `wad` of what `operator` allocated to it: the
    /// magnitude slashed leaves the allocation and the maximum, and the
    /// operator's delegated shares of every strategy shrink by the same
    /// fraction of its stake (EigenLayer's slashOperator, simplified; the
    /// service's own address must call it).
    function slashOperator(address operator, uint32 operatorSetId, uint256 wad, address[] calldata strategies)
        external
    {
        uint64 allocated = allocatedMagnitude[operator][msg.sender];
        uint64 cut = uint64(uint256(allocated) * wad / 1e18);
        if (cut == 0) revert InsufficientMagnitude();
        uint64 maxBefore = getMaxMagnitude(operator, address(0));
        allocatedMagnitude[operator][msg.sender] = allocated - cut;
        encumberedMagnitude[operator] -= cut;
        slashedMagnitude[operator] += cut;
        uint256[] memory slashed = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; i++) {
            uint256 shares = operatorShares[operator][strategies[i]];
            slashed[i] = shares * cut / maxBefore;
            operatorShares[operator][strategies[i]] = shares - slashed[i];
        }
        emit MaxMagnitudeUpdated(operator, address(0), getMaxMagnitude(operator, address(0)));
        emit OperatorSlashed(operator, OperatorSet(msg.sender, operatorSetId), strategies, slashed, "stand-in slash");
    }
}
