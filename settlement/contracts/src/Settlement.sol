// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import "./Common.sol";
import "./Guarantee.sol";

interface ISolverRegistry {
    function eligible(address solver) external view returns (bool);
    function reserve(address solver, bytes32 award, uint256 amount, uint64 releaseAt) external;
    function payClaim(bytes32 award, address owner, uint256 pay, uint256 release) external;
}

/// @title Settlement: executes awarded plans for signed yield-and-risk intents.
/// @notice Only the node's executor calls `settle` (and pays its gas). For
/// each award it checks the auctioneer's EIP-712 signature, that the bid
/// hashes to the awarded hash, and that the solver is bonded; for each
/// intent: the owner's EIP-712 signature (ERC-1271 for contract wallets),
/// deadline, nonce (bitmap), that allocations + fee = amount, the fee and
/// operator caps and excluded operators, and that every position routes
/// through an allow-listed adapter. Funds come from the owner's ETH escrow
/// or an ERC-20 allowance (or permit); positions are delivered to the owner
/// (restaked ones to per-operator position holders the owner controls);
/// each position must yield at least the executor's minimum out.
///
/// An intent whose owner-side checks fail (signature no longer valid,
/// deadline passed, nonce used or cancelled, escrow or allowance short) is
/// skipped with `IntentSkipped` and the rest of the award settles: a staker
/// cannot make another's settlement revert. `settle` never sends ETH to an
/// owner or a solver: ETH fees and ETH held as is are credited to escrow,
/// withdrawn with `withdraw`.
///
/// Delivered-yield guarantees (docs/guarantee.md): a plan may carry a floor
/// net APY over a horizon, capped from the solver's bond. As an award
/// settles, its guaranteed intents become leaves of one Merkle root (the
/// route and entry index of each position read from the protocols' own
/// views), emitted whole in `GuaranteesCommitted`, and the caps are
/// reserved in the SolverRegistry under that root. In the day after an
/// intent's horizon anyone may `claim` for it: the shortfall below the
/// floor, from today's indexes, is credited to the owner's escrow, the
/// rest of its cap returns to the solver. Three keys: the admin (configuration, pause),
/// the auctioneer (signs awards), executors (send `settle`). After the
/// deploy's setup window, a new auctioneer, executor, adapter or route is
/// queued behind a timelock and visible as `ChangeQueued` for `delay`
/// seconds before anyone can execute it; `pause` stops `settle` at once.
contract Settlement is ReentrancyGuard {
    struct Intent {
        address owner;
        address asset;
        uint256 amount;
        uint16 minNetApyBps;
        uint16 maxLossBps;
        uint16 lossConfidenceBps;
        uint16 maxOperatorBps;
        uint16 maxServiceBps;
        uint16 minLiquidBps;
        uint16 liquidWithinDays;
        uint16 maxFeeBps;
        address[] excludedOperators;
        uint256 nonce;
        uint64 deadline;
    }

    struct BidAllocation {
        string position;
        uint256 amount;
    }

    /// A plan and, if `guaranteeCap` > 0, its guarantee: at least
    /// `guaranteeBps` net APY over `guaranteeDays`, paid up to the cap.
    struct BidPlan {
        bytes32 intentId;
        BidAllocation[] allocations;
        uint256 fee;
        uint16 guaranteeBps;
        uint16 guaranteeDays;
        uint256 guaranteeCap;
    }

    /// One position of a guaranteed plan as settled: how its index is read
    /// (the route's adapter, token and operator), the ETH put in, and the
    /// index (WAD) at entry. `adapter` zero: ETH held as is (index 1e18).
    struct Leg {
        address adapter;
        address token;
        address operator;
        uint256 entryValue;
        uint256 entryIndex;
    }

    /// One guaranteed intent as settled: a leaf of its award's commitment
    /// (keccak256(abi.encode(leaf))).
    struct Leaf {
        bytes32 intentId;
        address owner;
        uint256 amount;
        uint16 floorBps;
        uint16 horizonDays;
        uint256 cap;
        uint64 settledAt;
        Leg[] legs;
    }

    struct Bid {
        uint64 auctionId;
        address solver;
        BidPlan[] plans;
    }

    struct Award {
        uint64 auctionId;
        bytes32 bidHash;
        address solver;
        bytes32[] intentIds;
        int256 score;
    }

    /// An intent with its owner's signature and, optionally, an EIP-2612
    /// permit for its token: abi.encode(uint256 deadline, uint8 v, bytes32 r, bytes32 s).
    struct SignedIntent {
        Intent intent;
        bytes signature;
        bytes permit;
    }

    /// One award to settle: the revealed bid, the auctioneer's signed award,
    /// the intents in the bid's plan order, and per allocation the least the
    /// position must yield (tokens, or strategy shares).
    struct Settle {
        Bid bid;
        Award award;
        bytes awardSignature;
        SignedIntent[] intents;
        uint256[][] minOut;
    }

    /// How a position is reached. `adapter` zero = hold `token` as is.
    struct Route {
        address adapter;
        bool known;
        address token;
        address operator;
    }

    /// An owner's escrowed ETH, and the bits of nonces 0..159, in one slot
    /// so that settling from escrow writes one word.
    struct Account {
        uint96 escrow;
        uint160 lowNonces;
    }

    /// What one award's intents share while they are settled: where its
    /// arrays start in the calldata (after their length words) and its
    /// queue of ETH allocations in memory (a count, then 8-word records),
    /// sent by `_flush` as one call per adapter.
    struct Ctx {
        bytes32 domain;
        address solver;
        uint64 auctionId;
        uint256 plans;
        uint256 intents;
        uint256 mins;
        uint256 ids;
        uint256 queue;
        uint256 skipped;
        uint256 guaranteed; // memory: a count, then the plan index of each settled guaranteed intent
    }

    bytes32 public constant INTENT_TYPEHASH = keccak256(
        "Intent(address owner,address asset,uint256 amount,uint16 minNetApyBps,uint16 maxLossBps,uint16 lossConfidenceBps,uint16 maxOperatorBps,uint16 maxServiceBps,uint16 minLiquidBps,uint16 liquidWithinDays,uint16 maxFeeBps,address[] excludedOperators,uint256 nonce,uint64 deadline)"
    );
    bytes32 public constant AWARD_TYPEHASH =
        keccak256("Award(uint64 auctionId,bytes32 bidHash,address solver,bytes32[] intentIds,int256 score)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// Guarantee terms: horizons within [30, 730] days; at most 16 positions
    /// per guaranteed plan, so a claim's gas is bounded.
    uint256 private constant MIN_GUARANTEE_DAYS = 30;
    uint256 private constant MAX_GUARANTEE_DAYS = 730;
    uint256 private constant MAX_GUARANTEE_LEGS = 16;
    /// Distinct routes an award remembers (see `_route`), and the bytes they take.
    uint256 private constant ROUTES_CACHED = 8;
    uint256 private constant ROUTE_CACHE = 0x20 + 8 * 0x80;
    uint256 private constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    address public immutable admin;
    ISolverRegistry public immutable registry;
    /// Seconds a queued configuration change waits before it can execute.
    uint64 public immutable delay;
    /// One slot: `settle` reads both, the first read warms the second.
    address public auctioneer;
    bool public paused;
    /// Whether the setup window is closed (then changes go through the timelock).
    bool public configured;
    /// keccak256(call) of a queued change => when it may execute.
    mapping(bytes32 => uint256) public eta;
    mapping(address => bool) public isExecutor;
    mapping(address => bool) public adapterAllowed;
    mapping(bytes32 => Route) public routes;
    mapping(address => Account) private accounts;
    mapping(address => mapping(uint256 => uint256)) public nonceBitmap;
    /// Intent id => its guarantee was claimed.
    mapping(bytes32 => bool) public guaranteeClaimed;

    event Deposited(address indexed owner, uint256 amount);
    event Withdrawn(address indexed owner, uint256 amount);
    event NonceInvalidated(address indexed owner, uint256 nonce);
    /// One per settled intent. The solver is the award's (`AwardSettled`,
    /// same transaction, same `auctionId`): a topic per intent for it cost
    /// 375 gas an intent and told nothing new.
    event IntentSettled(bytes32 indexed intentId, address indexed owner, uint64 auctionId, uint256 fee);
    event AwardSettled(uint64 indexed auctionId, address indexed solver, bytes32 bidHash, uint256 intents);
    event RouteSet(string position, address adapter, address token, address operator);
    event AdapterAllowed(address adapter, bool allowed);
    event AuctioneerSet(address auctioneer);
    event ExecutorSet(address executor, bool allowed);
    /// Owner-side checks failed for this intent; the rest of its award settled.
    /// An award's guaranteed intents: `root` is their Merkle root (leaves
    /// keccak256(abi.encode(leaf)), OpenZeppelin's tree of unsorted leaves).
    event GuaranteesCommitted(bytes32 indexed root, address indexed solver, uint64 indexed auctionId, Leaf[] leaves);
    event GuaranteeClaimed(bytes32 indexed intentId, address indexed owner, bytes32 indexed root, uint256 paid, uint256 released);
    event IntentSkipped(bytes32 indexed intentId, address indexed owner, uint64 auctionId, uint8 reason);
    event ChangeQueued(bytes32 indexed id, bytes call, uint256 eta);
    event ChangeCancelled(bytes32 indexed id);
    event ChangeExecuted(bytes32 indexed id);
    event PausedSet(bool paused);
    event SetupClosed();

    /// `IntentSkipped` reasons.
    uint8 public constant SKIP_SIGNATURE = 1;
    uint8 public constant SKIP_EXPIRED = 2;
    uint8 public constant SKIP_NONCE_USED = 3;
    uint8 public constant SKIP_ESCROW = 4;
    uint8 public constant SKIP_ALLOWANCE = 5;

    error NotAdmin();
    error NotExecutor();
    error BadAwardSignature();
    error BidMismatch();
    error LengthMismatch();
    error SolverNotEligible(address solver);
    error IntentMismatch(uint256 index);
    error NonceUsed(address owner, uint256 nonce);
    error InsufficientEscrow(address owner, uint256 have, uint256 want);
    error AmountMismatch(bytes32 intentId, uint256 total, uint256 amount);
    error FeeTooHigh(bytes32 intentId, uint256 fee);
    error OperatorCapExceeded(bytes32 intentId, address operator);
    error ExcludedOperator(bytes32 intentId, address operator);
    error UnknownPosition(string position);
    error AdapterNotAllowed(address adapter);
    error AssetNotAccepted(bytes32 intentId, string position);
    error MinOutNotMet(bytes32 intentId, uint256 allocation, uint256 out, uint256 minOut);
    error TransferFailed();
    error EscrowOverflow();
    error BadIntent(bytes32 intentId);
    error IsPaused();
    error ZeroAddress();
    error SharedKey(address key);
    error TimelockRequired();
    error NotQueued(bytes32 id);
    error TooEarly(bytes32 id, uint256 eta);
    error AlreadyQueued(bytes32 id);
    error ChangeFailed(bytes32 id);
    error BadGuarantee(bytes32 intentId);
    error NotCommitted(bytes32 intentId);
    error ClaimWindow(uint64 opensAt, uint64 closesAt);
    error AlreadyClaimed(bytes32 intentId);

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin();
        _;
    }

    /// Configuration: the admin directly during setup, afterwards only a
    /// timelocked change (`execute` calls back into this contract).
    modifier onlyConfig() {
        if (msg.sender != address(this)) {
            if (msg.sender != admin) revert NotAdmin();
            if (configured) revert TimelockRequired();
        }
        _;
    }

    constructor(address auctioneer_, ISolverRegistry registry_, address executor, uint64 delay_) {
        admin = msg.sender;
        registry = registry_;
        delay = delay_;
        _setAuctioneer(auctioneer_);
        _setExecutor(executor, true);
    }

    // ---- configuration -------------------------------------------------

    /// Ends the setup window: from now on every change waits `delay`.
    function closeSetup() external onlyAdmin {
        configured = true;
        emit SetupClosed();
    }

    /// Queues a change (abi-encoded call of `setAuctioneer`, `setExecutor`,
    /// `allowAdapter` or `setRoute`), executable after `delay` seconds.
    function queue(bytes calldata call) external onlyAdmin returns (bytes32 id) {
        id = keccak256(call);
        if (eta[id] != 0) revert AlreadyQueued(id);
        uint256 at = block.timestamp + delay;
        eta[id] = at;
        emit ChangeQueued(id, call, at);
    }

    function cancel(bytes32 id) external onlyAdmin {
        if (eta[id] == 0) revert NotQueued(id);
        delete eta[id];
        emit ChangeCancelled(id);
    }

    /// Executes a queued change once its delay has passed (anyone may: the
    /// change was public for `delay` seconds).
    function execute(bytes calldata call) external {
        bytes32 id = keccak256(call);
        uint256 at = eta[id];
        if (at == 0) revert NotQueued(id);
        if (block.timestamp < at) revert TooEarly(id, at);
        delete eta[id];
        (bool ok,) = address(this).call(call);
        if (!ok) revert ChangeFailed(id);
        emit ChangeExecuted(id);
    }

    /// Stops (or resumes) `settle` at once; escrow withdrawals stay open.
    function setPaused(bool p) external onlyAdmin {
        paused = p;
        emit PausedSet(p);
    }

    function setAuctioneer(address a) external onlyConfig {
        _setAuctioneer(a);
    }

    function setExecutor(address e, bool allowed) external onlyConfig {
        _setExecutor(e, allowed);
    }

    function _setAuctioneer(address a) private {
        // A zero auctioneer would accept any unrecoverable signature.
        if (a == address(0)) revert ZeroAddress();
        if (a == admin || isExecutor[a]) revert SharedKey(a);
        auctioneer = a;
        emit AuctioneerSet(a);
    }

    function _setExecutor(address e, bool allowed) private {
        if (e == address(0)) revert ZeroAddress();
        if (allowed && (e == admin || e == auctioneer)) revert SharedKey(e);
        isExecutor[e] = allowed;
        emit ExecutorSet(e, allowed);
    }

    function allowAdapter(address adapter, bool allowed) external onlyConfig {
        adapterAllowed[adapter] = allowed;
        emit AdapterAllowed(adapter, allowed);
    }

    /// Where position `id` (the market position id, such as stETH at an operator) goes.
    function setRoute(string calldata id, address adapter, address token, address operator) external onlyConfig {
        routes[keccak256(bytes(id))] = Route(adapter, true, token, operator);
        emit RouteSet(id, adapter, token, operator);
    }

    // ---- escrow and nonces ----------------------------------------------

    receive() external payable {
        _deposit(msg.sender);
    }

    /// Escrows ETH for the sender's intents; withdrawable until spent.
    function deposit() external payable {
        _deposit(msg.sender);
    }

    /// Escrows ETH for `owner` (a wallet funding its user, a faucet);
    /// only `owner` can withdraw it or spend it through a signed intent.
    function depositFor(address owner) external payable {
        _deposit(owner);
    }

    function _deposit(address owner) private {
        uint256 next = uint256(accounts[owner].escrow) + msg.value;
        if (next > type(uint96).max) revert EscrowOverflow();
        accounts[owner].escrow = uint96(next);
        emit Deposited(owner, msg.value);
    }

    function withdraw(uint256 amount) external nonReentrant {
        uint256 have = accounts[msg.sender].escrow;
        if (have < amount) revert InsufficientEscrow(msg.sender, have, amount);
        accounts[msg.sender].escrow = uint96(have - amount);
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function escrowOf(address owner) external view returns (uint256) {
        return accounts[owner].escrow;
    }

    function nonceUsed(address owner, uint256 nonce) public view returns (bool) {
        if (nonce < 160) return accounts[owner].lowNonces & (uint160(1) << uint160(nonce)) != 0;
        return nonceBitmap[owner][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// Cancels the sender's intents with these nonces, on-chain.
    function invalidateNonces(uint256[] calldata nonces) external {
        for (uint256 i = 0; i < nonces.length; i++) {
            if (_spend(msg.sender, nonces[i], 0) != 0) revert NonceUsed(msg.sender, nonces[i]);
            emit NonceInvalidated(msg.sender, nonces[i]);
        }
    }

    /// Adds `amount` to `who`'s escrow (ETH `settle` owes it: fees, ETH held as is).
    function _credit(address who, uint256 amount) private {
        uint256 next = uint256(accounts[who].escrow) + amount;
        if (next > type(uint96).max) revert EscrowOverflow();
        accounts[who].escrow = uint96(next);
    }

    /// Marks `nonce` used and takes `eth` from escrow: one storage write for
    /// nonces below 160 (they share the escrow's slot). Returns 0, or why
    /// not (`SKIP_NONCE_USED`, `SKIP_ESCROW`) having written nothing.
    function _spend(address owner, uint256 nonce, uint256 eth) private returns (uint8) {
        uint256 slot;
        uint256 w;
        assembly {
            mstore(0, owner)
            mstore(0x20, accounts.slot)
            slot := keccak256(0, 0x40)
            w := sload(slot)
        }
        if (eth > w & type(uint96).max) return SKIP_ESCROW;
        if (nonce < 160) {
            uint256 bit = 1 << (96 + nonce);
            if (w & bit != 0) return SKIP_NONCE_USED;
            w |= bit;
        } else {
            uint256 bit = 1 << (nonce & 0xff);
            uint256 word = nonceBitmap[owner][nonce >> 8];
            if (word & bit != 0) return SKIP_NONCE_USED;
            nonceBitmap[owner][nonce >> 8] = word | bit;
        }
        assembly {
            sstore(slot, sub(w, eth))
        }
        return 0;
    }

    // ---- EIP-712 ---------------------------------------------------------

    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("stakebid"), keccak256("1"), block.chainid, address(this))
        );
    }

    /// The intent's id: its EIP-712 digest under this contract's domain
    /// (the same code `settle` runs).
    function intentId(Intent calldata i) external view returns (bytes32 id) {
        uint256 p;
        assembly {
            p := i
        }
        return _intentId(p, domainSeparator());
    }

    /// The EIP-712 digest of the `Intent` whose ABI head starts at calldata
    /// `it`: its 14 head words are copied after the type hash as they are
    /// (static fields encode as themselves), the array's offset replaced by
    /// the hash of its elements. Words that are not clean values of their
    /// type (an address with high bits, a uint16 above 65535) are refused,
    /// so what is hashed is what is checked.
    function _intentId(uint256 it, bytes32 domain) private pure returns (bytes32 id) {
        bytes32 typehash = INTENT_TYPEHASH;
        bool dirty;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            calldatacopy(add(m, 0x20), it, 0x1c0)
            dirty := or(shr(160, mload(add(m, 0x20))), shr(160, mload(add(m, 0x40))))
            // The eight uint16 fields (words 4..11 after the type hash), unrolled.
            let bps := or(
                or(or(mload(add(m, 0x80)), mload(add(m, 0xa0))), or(mload(add(m, 0xc0)), mload(add(m, 0xe0)))),
                or(or(mload(add(m, 0x100)), mload(add(m, 0x120))), or(mload(add(m, 0x140)), mload(add(m, 0x160))))
            )
            dirty := or(dirty, shr(16, bps))
            dirty := or(dirty, shr(64, mload(add(m, 0x1c0))))
            let ex := add(it, mload(add(m, 0x180)))
            let bytes_ := shl(5, calldataload(ex))
            calldatacopy(add(m, 0x1e0), add(ex, 0x20), bytes_)
            mstore(add(m, 0x180), keccak256(add(m, 0x1e0), bytes_))
            let h := keccak256(m, 0x1e0)
            mstore(m, 0x1901)
            mstore(add(m, 0x20), domain)
            mstore(add(m, 0x40), h)
            id := keccak256(add(m, 0x1e), 0x42)
        }
        if (dirty) revert BadIntent(id);
    }

    function _digest(bytes32 structHash, bytes32 domain) private pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// The ECDSA signer of `digest` for the signature whose length word is
    /// at calldata `sig` (65 bytes r ‖ s ‖ v, low s), or zero.
    function _recover(bytes32 digest, uint256 sig) private view returns (address signer) {
        assembly ("memory-safe") {
            let s := calldataload(add(sig, 0x40))
            if and(eq(calldataload(sig), 65), iszero(gt(s, HALF_N))) {
                let v := byte(0, calldataload(add(sig, 0x60)))
                if lt(v, 27) { v := add(v, 27) }
                let m := mload(0x40)
                mstore(m, digest)
                mstore(add(m, 0x20), v)
                mstore(add(m, 0x40), calldataload(add(sig, 0x20)))
                mstore(add(m, 0x60), s)
                // The precompile returns nothing for a signature that recovers
                // no key. (Yul evaluates arguments right to left: the call
                // must be a statement of its own before returndatasize.)
                let ok := staticcall(gas(), 1, m, 0x80, m, 0x20)
                if and(ok, eq(returndatasize(), 0x20)) { signer := mload(m) }
            }
        }
    }

    /// Whether `owner` signed `digest`: ECDSA, or, for a contract wallet,
    /// ERC-1271. ECDSA is tried first (as OpenZeppelin's SignatureChecker
    /// does): a wallet that answers it needs no code lookup (2,600 gas cold).
    function _signed(address owner, bytes32 digest, uint256 sigAt) private view returns (bool) {
        if (owner != address(0) && _recover(digest, sigAt) == owner) return true;
        if (owner.code.length > 0) {
            try IERC1271(owner).isValidSignature(digest, _bytes(sigAt)) returns (bytes4 magic) {
                return magic == IERC1271.isValidSignature.selector;
            } catch {}
        }
        return false;
    }

    // ---- reading the calldata ---------------------------------------------
    //
    // `settle` follows the ABI offsets of each award's intents, plans and
    // minimums by hand: the compiler's decoder re-validates every offset and
    // value on each access, which cost ~9k gas an intent. Reading raw words
    // is safe here because everything read is authenticated afterwards or is
    // the executor's own: an intent by its owner's signature over exactly the
    // words read (`_intentId`), a plan by the bid hash (the bid's bytes are
    // the hashed bytes, so its offsets are the canonical ones), minimums and
    // permits are the executor's. A word past the calldata reads as zero.

    function _word(uint256 at) private pure returns (uint256 w) {
        assembly {
            w := calldataload(at)
        }
    }

    /// The `i`-th element of an ABI array of dynamic elements whose
    /// contents (after the length word) start at `base`.
    function _tail(uint256 base, uint256 i) private pure returns (uint256 p) {
        assembly {
            p := add(base, calldataload(add(base, shl(5, i))))
        }
    }

    /// The `bytes` whose length word is at `at`.
    function _bytes(uint256 at) private pure returns (bytes calldata b) {
        assembly {
            b.offset := add(at, 0x20)
            b.length := calldataload(at)
        }
    }

    // ---- guarantees ------------------------------------------------------

    /// Checks a settled plan's guarantee terms (ETH input, floor at most
    /// 100 %, horizon in range, cap in 128 bits, few enough positions) and
    /// notes the plan for the award's commitment. The words are read raw,
    /// so the range checks also refuse dirty high bits.
    function _guaranteed(Ctx memory c, uint256 i, uint256 it, uint256 plan, bytes32 id) private pure {
        uint256 floor = _word(plan + 0x60);
        uint256 days_ = _word(plan + 0x80);
        uint256 cap = _word(plan + 0xa0);
        if (
            _word(it + 0x20) != 0 || floor > 10_000 || days_ < MIN_GUARANTEE_DAYS || days_ > MAX_GUARANTEE_DAYS
                || cap == 0 || cap > type(uint128).max || _word(plan + _word(plan + 0x20)) > MAX_GUARANTEE_LEGS
        ) revert BadGuarantee(id);
        uint256 gl = c.guaranteed;
        assembly ("memory-safe") {
            let k := mload(gl)
            mstore(add(gl, shl(5, add(k, 1))), i)
            mstore(gl, add(k, 1))
        }
    }

    /// The award's commitment: one leaf per settled guaranteed intent (its
    /// positions' routes and entry indexes, read once per route after every
    /// deposit of the award is done), their Merkle root, the leaves in an
    /// event, and the caps reserved in the registry under the root until the
    /// last claim window closes. A reservation the solver's free bond cannot
    /// cover reverts the award (the solver's fault).
    function _commit(Ctx memory c) private {
        uint256 g = _mload(c.guaranteed);
        Leaf[] memory leaves = new Leaf[](g);
        bytes32[] memory tree = new bytes32[](2 * g - 1);
        IndexCache memory ic = IndexCache(0, new uint256[2][](g * MAX_GUARANTEE_LEGS));
        uint256 caps;
        uint256 longest;
        for (uint256 k = 0; k < g; k++) {
            Leaf memory l = _leaf(c, _mload(c.guaranteed + 32 * (k + 1)), ic);
            leaves[k] = l;
            tree[2 * g - 2 - k] = keccak256(abi.encode(l));
            caps += l.cap;
            if (l.horizonDays > longest) longest = l.horizonDays;
        }
        for (uint256 x = g - 1; x > 0; x--) {
            tree[x - 1] = _hashPair(tree[2 * x - 1], tree[2 * x]);
        }
        bytes32 root = tree[0];
        emit GuaranteesCommitted(root, c.solver, c.auctionId, leaves);
        registry.reserve(c.solver, root, caps, uint64(block.timestamp + longest * 1 days + GuaranteeRule.CLAIM_WINDOW));
    }

    /// Indexes read while committing one award: (keccak(adapter, token,
    /// operator), index) pairs, so each route is read once.
    struct IndexCache {
        uint256 n;
        uint256[2][] seen;
    }

    /// The leaf of the award's plan `i` (settled just now).
    function _leaf(Ctx memory c, uint256 i, IndexCache memory ic) private view returns (Leaf memory l) {
        uint256 plan = _tail(c.plans, i);
        uint256 it;
        {
            uint256 si = _tail(c.intents, i);
            it = si + _word(si);
        }
        l.intentId = bytes32(_word(plan));
        l.owner = address(uint160(_word(it)));
        l.amount = _word(it + 0x40);
        l.floorBps = uint16(_word(plan + 0x60));
        l.horizonDays = uint16(_word(plan + 0x80));
        l.cap = _word(plan + 0xa0);
        l.settledAt = uint64(block.timestamp);
        l.legs = _legs(plan + _word(plan + 0x20), c.queue, ic);
    }

    /// The legs of a plan whose allocations (length word) are at `al`.
    function _legs(uint256 al, uint256 q, IndexCache memory ic) private view returns (Leg[] memory legs) {
        uint256 n = _word(al);
        legs = new Leg[](n);
        for (uint256 j = 0; j < n; j++) {
            uint256 e = _tail(al + 0x20, j);
            Leg memory leg = legs[j];
            (leg.adapter, leg.token, leg.operator) = _route(e + _word(e), q);
            leg.entryValue = _word(e + 0x20);
            uint256 key = uint256(keccak256(abi.encode(leg.adapter, leg.token, leg.operator)));
            uint256 x = 0;
            while (x < ic.n && ic.seen[x][0] != key) x++;
            if (x == ic.n) {
                ic.seen[x] = [key, _indexOf(leg.adapter, leg.token, leg.operator)];
                ic.n++;
            }
            leg.entryIndex = ic.seen[x][1];
        }
    }

    /// A position's yield index now (WAD): the adapter's reading of the
    /// protocol's own view; ETH held as is stays at 1e18.
    function _indexOf(address adapter, address token, address operator) private view returns (uint256) {
        if (adapter == address(0)) return 1e18;
        return IYieldIndex(adapter).index(token, operator);
    }

    /// OpenZeppelin's commutative node hash: keccak256 of the sorted pair.
    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 h) {
        (bytes32 x, bytes32 y) = a < b ? (a, b) : (b, a);
        assembly ("memory-safe") {
            mstore(0x00, x)
            mstore(0x20, y)
            h := keccak256(0x00, 0x40)
        }
    }

    /// Anyone, in the day after `leaf`'s horizon: checks the leaf against its
    /// award's commitment `root`, reads each position's index now, and pays
    /// the shortfall below the floor (`GuaranteeRule`, elapsed time capped at
    /// the horizon), at most the cap, from the solver's reserved collateral
    /// into the owner's escrow here; the rest of the cap returns to the
    /// solver. Once per intent. Not stopped by `pause`: a pause must not let
    /// a claim's window pass.
    function claim(bytes32 root, Leaf calldata leaf, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 paid)
    {
        bytes32 node = keccak256(abi.encode(leaf));
        for (uint256 k = 0; k < proof.length; k++) {
            node = _hashPair(node, proof[k]);
        }
        if (node != root) revert NotCommitted(leaf.intentId);
        uint64 opensAt = leaf.settledAt + uint64(leaf.horizonDays) * 1 days;
        uint64 closesAt = opensAt + uint64(GuaranteeRule.CLAIM_WINDOW);
        if (block.timestamp < opensAt || block.timestamp > closesAt) revert ClaimWindow(opensAt, closesAt);
        if (guaranteeClaimed[leaf.intentId]) revert AlreadyClaimed(leaf.intentId);
        guaranteeClaimed[leaf.intentId] = true;
        uint256 n = leaf.legs.length;
        GuaranteeRule.Leg[] memory legs = new GuaranteeRule.Leg[](n);
        for (uint256 j = 0; j < n; j++) {
            Leg calldata l = leaf.legs[j];
            legs[j] = GuaranteeRule.Leg(
                uint128(l.entryValue), uint128(l.entryIndex), uint128(_indexOf(l.adapter, l.token, l.operator))
            );
        }
        uint256 t = GuaranteeRule.elapsed(leaf.settledAt, uint64(block.timestamp), leaf.horizonDays);
        paid = GuaranteeRule.payout(leaf.amount, leaf.floorBps, t, leaf.cap, legs);
        uint256 released = leaf.cap - paid;
        // The registry pays into `depositFor(owner)`: credited, not pushed.
        registry.payClaim(root, leaf.owner, paid, released);
        emit GuaranteeClaimed(leaf.intentId, leaf.owner, root, paid, released);
    }

    // ---- settlement ------------------------------------------------------

    /// Settles a batch of awards in one transaction. An intent whose owner
    /// no longer backs it is skipped (`IntentSkipped`); any other failure
    /// reverts the batch whole.
    function settle(Settle[] calldata batch) external nonReentrant {
        if (paused) revert IsPaused();
        if (!isExecutor[msg.sender]) revert NotExecutor();
        bytes32 domain = domainSeparator();
        for (uint256 k = 0; k < batch.length; k++) {
            _settleAward(batch[k], domain);
        }
    }

    function _settleAward(Settle calldata s, bytes32 domain) private {
        Award calldata a = s.award;
        if (a.auctionId != s.bid.auctionId || a.solver != s.bid.solver) revert BidMismatch();
        if (_bidHash(s.bid, a) != a.bidHash) revert BidMismatch();
        uint256 n = s.bid.plans.length;
        if (a.intentIds.length != n || s.intents.length != n || s.minOut.length != n) revert LengthMismatch();
        bytes32 awardHash = keccak256(
            abi.encode(
                AWARD_TYPEHASH, a.auctionId, a.bidHash, a.solver, keccak256(abi.encodePacked(a.intentIds)), a.score
            )
        );
        bytes calldata asig = s.awardSignature;
        uint256 asigAt;
        assembly {
            asigAt := sub(asig.offset, 0x20)
        }
        if (_recover(_digest(awardHash, domain), asigAt) != auctioneer) revert BadAwardSignature();
        if (!registry.eligible(a.solver)) revert SolverNotEligible(a.solver);
        Ctx memory c = _context(s, domain);
        {
            uint256 gl;
            assembly ("memory-safe") {
                gl := mload(0x40)
                mstore(gl, 0)
                mstore(0x40, add(gl, shl(5, add(n, 1))))
            }
            c.guaranteed = gl;
        }
        uint256 ethFees;
        for (uint256 i = 0; i < n; i++) {
            // What one intent allocates in memory is not needed by the next
            // (queued allocations live in `c.queue`): reuse it, so memory
            // cost stays linear in the batch.
            uint256 mark;
            assembly ("memory-safe") {
                mark := mload(0x40)
            }
            ethFees += _settleIntent(i, c);
            assembly {
                mstore(0x40, mark)
            }
        }
        _flush(c.queue);
        if (_mload(c.guaranteed) > 0) _commit(c);
        // Credited, not sent: a solver's address cannot make its award revert.
        if (ethFees > 0) _credit(a.solver, ethFees);
        emit AwardSettled(a.auctionId, a.solver, a.bidHash, n - c.skipped);
    }

    /// Where an award's arrays start in the calldata, and room to queue
    /// every allocation of the award.
    function _context(Settle calldata s, bytes32 domain) private pure returns (Ctx memory c) {
        c.domain = domain;
        c.solver = s.award.solver;
        c.auctionId = s.award.auctionId;
        BidPlan[] calldata plans = s.bid.plans;
        uint256 p;
        assembly {
            p := plans.offset
        }
        c.plans = p;
        {
            SignedIntent[] calldata intents = s.intents;
            uint256 o;
            assembly {
                o := intents.offset
            }
            c.intents = o;
        }
        {
            uint256[][] calldata mins = s.minOut;
            uint256 o;
            assembly {
                o := mins.offset
            }
            c.mins = o;
        }
        {
            bytes32[] calldata ids = s.award.intentIds;
            uint256 o;
            assembly {
                o := ids.offset
            }
            c.ids = o;
        }
        uint256 slots;
        for (uint256 i = 0; i < plans.length; i++) {
            uint256 plan = _tail(p, i);
            slots += _word(plan + _word(plan + 0x20));
        }
        uint256 q;
        assembly ("memory-safe") {
            let cache := mload(0x40)
            mstore(cache, 0)
            q := add(cache, ROUTE_CACHE)
            // Queue: record count, adapter table, records; the table after
            // the records (at most one entry per record).
            let t := add(add(q, 0x40), shl(8, slots))
            mstore(q, 0)
            mstore(add(q, 0x20), t)
            mstore(t, 0)
            mstore(0x40, add(add(t, 0x20), shl(7, slots)))
        }
        c.queue = q;
    }

    /// keccak256(abi.encode(bid)), hashed from the calldata as it arrived
    /// rather than re-encoded: in the canonical encoding of `Settle` the
    /// award's bytes follow the bid's, so the bid is the calldata between
    /// them. Anything else hashes differently and is refused; the bid's
    /// offsets all point inside the hashed bytes, so what is decoded below is
    /// what was awarded.
    function _bidHash(Bid calldata bid, Award calldata award) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let len := sub(award, bid)
            // Award before bid (not the canonical layout): hash nothing, so BidMismatch.
            if gt(len, calldatasize()) { len := 0 }
            // Scratch space past the free-memory pointer; nothing is kept.
            let ptr := mload(0x40)
            mstore(ptr, 0x20)
            calldatacopy(add(ptr, 0x20), bid, len)
            h := keccak256(ptr, add(len, 0x20))
        }
    }

    /// Checks and executes the award's `i`-th intent, or skips it when its
    /// owner no longer backs it; returns its fee if paid in ETH.
    function _settleIntent(uint256 i, Ctx memory c) private returns (uint256 ethFee) {
        unchecked {
            uint256 plan = _tail(c.plans, i);
            uint256 si = _tail(c.intents, i);
            uint256 it = si + _word(si);
            bytes32 id = _intentId(it, c.domain);
            if (id != bytes32(_word(c.ids + 32 * i)) || id != bytes32(_word(plan))) revert IntentMismatch(i);
            uint8 why = _ownerSide(si, it, id);
            if (why != 0) {
                c.skipped++;
                emit IntentSkipped(id, address(uint160(_word(it))), c.auctionId, why);
                return 0;
            }
            bool tokensLeft = _checkPlan(it, plan, _tail(c.mins, i), id, c.queue);
            if (_word(plan + 0x60) | _word(plan + 0x80) | _word(plan + 0xa0) != 0) _guaranteed(c, i, it, plan, id);
            bool eth = _word(it + 0x20) == 0;
            if (tokensLeft) _deliverTokens(it, plan, _tail(c.mins, i), id, c.queue);
            uint256 fee = _word(plan + 0x40);
            if (eth) {
                ethFee = fee;
            } else if (fee > 0) {
                if (!IERC20(address(uint160(_word(it + 0x20)))).transferFrom(address(uint160(_word(it))), c.solver, fee))
                {
                    revert TransferFailed();
                }
            }
            emit IntentSettled(id, address(uint160(_word(it))), c.auctionId, fee);
        }
    }

    /// The owner's side of intent `it` (whose signed wrapper is at `si`):
    /// its signature, deadline, nonce and funds. ETH comes from escrow and
    /// is taken here with the nonce; tokens need the allowance (after the
    /// permit, if one came) and the balance. Returns 0, or the reason to
    /// skip the intent (`SKIP_…`) having spent nothing.
    function _ownerSide(uint256 si, uint256 it, bytes32 id) private returns (uint8) {
        unchecked {
            address owner = address(uint160(_word(it)));
            if (!_signed(owner, id, si + _word(si + 0x20))) return SKIP_SIGNATURE;
            if (block.timestamp > _word(it + 13 * 32)) return SKIP_EXPIRED;
            uint256 nonce = _word(it + 12 * 32);
            uint256 amount = _word(it + 0x40);
            address asset = address(uint160(_word(it + 0x20)));
            if (asset == address(0)) return _spend(owner, nonce, amount);
            if (nonceUsed(owner, nonce)) return SKIP_NONCE_USED;
            uint256 permitAt = si + _word(si + 0x40);
            if (_word(permitAt) > 0) _permit(it, permitAt);
            if (IERC20(asset).allowance(owner, address(this)) < amount || IERC20(asset).balanceOf(owner) < amount) {
                return SKIP_ALLOWANCE;
            }
            return _spend(owner, nonce, 0);
        }
    }

    /// The on-chain checks of a plan (amounts, fee cap, operator cap,
    /// excluded operators, known positions behind allowed adapters), queueing
    /// each ETH allocation that goes through an adapter as it is checked (a
    /// later failure reverts everything). Returns whether allocations are
    /// left that move tokens or ETH directly (`_deliverTokens`).
    function _checkPlan(uint256 it, uint256 plan, uint256 minOut, bytes32 id, uint256 q)
        private
        view
        returns (bool tokensLeft)
    {
        unchecked {
            uint256 al = plan + _word(plan + 0x20);
            uint256 n = _word(al);
            if (_word(minOut) != n) revert LengthMismatch();
            // (operator, amount) of each allocation, for the caps below.
            uint256 ops;
            assembly ("memory-safe") {
                ops := mload(0x40)
                mstore(0x40, add(ops, shl(6, n)))
            }
            uint256 total = _word(plan + 0x40);
            for (uint256 j = 0; j < n; j++) {
                (address op, uint256 amount, bool direct) = _checkAllocation(it, _tail(al + 0x20, j), minOut + 0x20 * (j + 1), id, j, q);
                tokensLeft = tokensLeft || direct;
                total = _add(total, amount);
                assembly {
                    mstore(add(ops, shl(6, j)), op)
                    mstore(add(ops, add(shl(6, j), 0x20)), amount)
                }
            }
            uint256 want = _word(it + 0x40);
            if (total != want) revert AmountMismatch(id, total, want);
            uint256 fee = _word(plan + 0x40);
            if (_above(fee, want, _word(it + 10 * 32))) revert FeeTooHigh(id, fee);
            _checkOperators(it, ops, n, id);
        }
    }

    /// One allocation: its route known and its adapter allowed; an ETH
    /// allocation through an adapter is queued for the award's one call per
    /// adapter (`direct` false), anything else is left for `_deliverTokens`.
    function _checkAllocation(uint256 it, uint256 e, uint256 minAt, bytes32 id, uint256 j, uint256 q)
        private
        view
        returns (address op, uint256 amount, bool direct)
    {
        unchecked {
            amount = _word(e + 0x20);
            (address adapter, address token, address operator) = _route(e + _word(e), q);
            op = operator;
            if (adapter == address(0) || _word(it + 0x20) != 0) return (op, amount, true);
            uint256 minOut = _word(minAt);
            address owner = address(uint160(_word(it)));
            _enqueue(q, adapter, minOut, id, j, owner, operator, token, amount);
        }
    }

    /// Queues one ETH allocation for `adapter`: record k of the queue (next
    /// record of the same adapter, minOut, intent id, allocation index, then
    /// the adapter's EthDeposit (owner, operator, token, amount) as it is
    /// sent), linked at the tail of its adapter's list in the award's
    /// adapter table (adapter, first record, last record, count), so
    /// `_flush` walks each adapter's records without scanning the others.
    function _enqueue(
        uint256 q,
        address adapter,
        uint256 minOut,
        bytes32 id,
        uint256 j,
        address owner,
        address operator,
        address token,
        uint256 amount
    ) private pure {
        assembly ("memory-safe") {
            let k := mload(q)
            mstore(q, add(k, 1))
            let r := add(add(q, 0x40), shl(8, k))
            mstore(r, 0)
            mstore(add(r, 0x20), minOut)
            mstore(add(r, 0x40), id)
            mstore(add(r, 0x60), j)
            mstore(add(r, 0x80), owner)
            mstore(add(r, 0xa0), operator)
            mstore(add(r, 0xc0), token)
            mstore(add(r, 0xe0), amount)
            let t := mload(add(q, 0x20))
            let n := mload(t)
            let g := 0
            for { let x := 0 } lt(x, n) { x := add(x, 1) } {
                let e := add(add(t, 0x20), shl(7, x))
                if eq(mload(e), adapter) {
                    g := e
                    break
                }
            }
            switch g
            case 0 {
                g := add(add(t, 0x20), shl(7, n))
                mstore(t, add(n, 1))
                mstore(g, adapter)
                mstore(add(g, 0x20), r)
                mstore(add(g, 0x60), 1)
            }
            default {
                mstore(mload(add(g, 0x40)), r)
                mstore(add(g, 0x60), add(mload(add(g, 0x60)), 1))
            }
            mstore(add(g, 0x40), r)
        }
    }

    /// The route of the position whose name (a string's length word) is at
    /// `name`: it must be known and its adapter (if any) allowed. Routes
    /// checked once in an award are remembered in the award's route cache
    /// (the `ROUTE_CACHE` bytes below its queue `q`: a count, then up to
    /// `ROUTES_CACHED` entries of name hash, adapter, token, operator), so a
    /// batch whose intents use the same few positions reads storage once per
    /// position. Routes cannot change inside a settlement (admin only).
    function _route(uint256 name, uint256 q) private view returns (address adapter, address token, address operator) {
        bytes32 h;
        bool found;
        uint256 cache = q - ROUTE_CACHE;
        assembly ("memory-safe") {
            let m := mload(0x40)
            let len := calldataload(name)
            calldatacopy(m, add(name, 0x20), len)
            h := keccak256(m, len)
            let n := mload(cache)
            for { let k := 0 } lt(k, n) { k := add(k, 1) } {
                let e := add(add(cache, 0x20), shl(7, k))
                if eq(mload(e), h) {
                    found := 1
                    adapter := mload(add(e, 0x20))
                    token := mload(add(e, 0x40))
                    operator := mload(add(e, 0x60))
                    break
                }
            }
        }
        if (found) return (adapter, token, operator);
        Route storage r = routes[h];
        uint256 w;
        assembly {
            w := sload(r.slot)
            adapter := and(w, 0xffffffffffffffffffffffffffffffffffffffff)
            token := sload(add(r.slot, 1))
            operator := sload(add(r.slot, 2))
        }
        if (w >> 160 == 0) revert UnknownPosition(string(_bytes(name)));
        if (adapter != address(0) && !adapterAllowed[adapter]) revert AdapterNotAllowed(adapter);
        assembly ("memory-safe") {
            let n := mload(cache)
            if lt(n, ROUTES_CACHED) {
                let e := add(add(cache, 0x20), shl(7, n))
                mstore(e, h)
                mstore(add(e, 0x20), adapter)
                mstore(add(e, 0x40), token)
                mstore(add(e, 0x60), operator)
                mstore(cache, add(n, 1))
            }
        }
    }

    /// No excluded operator, and no operator above `maxOperatorBps` of the
    /// amount. `ops`: (operator, amount) per allocation; every partial sum is
    /// at most the plan's total, which `_checkPlan` summed checked, and the
    /// amount and the cap are clean (`_intentId`), so nothing here overflows
    /// (amounts of 2^242 wei or more are refused as `BadIntent`).
    function _checkOperators(uint256 it, uint256 ops, uint256 n, bytes32 id) private pure {
        uint256 kind; // 1: excluded, 2: above the cap
        address bad;
        assembly ("memory-safe") {
            let ex := add(it, calldataload(add(it, 0x160)))
            let exEnd := add(add(ex, 0x20), shl(5, calldataload(ex)))
            let amountIn := calldataload(add(it, 0x40))
            let cap := mul(amountIn, calldataload(add(it, 0xc0)))
            // No real amount is this large; refused rather than risk overflow.
            if gt(amountIn, shl(242, 1)) { kind := 3 }
            let end := add(ops, shl(6, n))
            for { let p := ops } and(iszero(kind), lt(p, end)) { p := add(p, 0x40) } {
                let op := mload(p)
                if op {
                    for { let e := add(ex, 0x20) } lt(e, exEnd) { e := add(e, 0x20) } {
                        if eq(calldataload(e), op) {
                            kind := 1
                            bad := op
                        }
                    }
                    // Each operator once, at its first allocation.
                    let first := iszero(kind)
                    for { let x := ops } and(first, lt(x, p)) { x := add(x, 0x40) } {
                        if eq(mload(x), op) { first := 0 }
                    }
                    if first {
                        let sum := 0
                        for { let x := p } lt(x, end) { x := add(x, 0x40) } {
                            if eq(mload(x), op) { sum := add(sum, mload(add(x, 0x20))) }
                        }
                        if gt(mul(sum, 10000), cap) {
                            kind := 2
                            bad := op
                        }
                    }
                }
            }
        }
        if (kind == 1) revert ExcludedOperator(id, bad);
        if (kind == 2) revert OperatorCapExceeded(id, bad);
        if (kind == 3) revert BadIntent(id);
    }

    function _permit(uint256 it, uint256 permitAt) private {
        (uint256 deadline, uint8 v, bytes32 r, bytes32 s) =
            abi.decode(_bytes(permitAt), (uint256, uint8, bytes32, bytes32));
        address asset = address(uint160(_word(it + 0x20)));
        // A permit someone already submitted (front-run) is fine: the allowance is there.
        try IERC20Permit(asset).permit(
            address(uint160(_word(it))), address(this), _word(it + 0x40), deadline, v, r, s
        ) {} catch {}
    }

    /// The allocations not queued: a position held as is (tokens stay with
    /// the owner, ETH goes to it) or tokens handed to an adapter.
    function _deliverTokens(uint256 it, uint256 plan, uint256 minOut, bytes32 id, uint256 q) private {
        unchecked {
            uint256 al = plan + _word(plan + 0x20);
            address owner = address(uint160(_word(it)));
            address asset = address(uint160(_word(it + 0x20)));
            for (uint256 j = 0; j < _word(al); j++) {
                uint256 e = _tail(al + 0x20, j);
                uint256 amount = _word(e + 0x20);
                (address adapter, address token, address operator) = _route(e + _word(e), q);
                if (adapter != address(0) && asset == address(0)) continue; // queued
                uint256 out;
                if (adapter == address(0)) {
                    if (asset != token) revert AssetNotAccepted(id, string(_bytes(e + _word(e))));
                    // ETH held as is goes back to escrow (never pushed: an
                    // owner's code cannot make the award revert); a token
                    // held as is stays in the owner's wallet.
                    if (asset == address(0)) _credit(owner, amount);
                    out = amount;
                } else {
                    if (!IERC20(asset).transferFrom(owner, adapter, amount)) revert TransferFailed();
                    uint256 before = operator == address(0) ? _balance(token, owner) : 0;
                    out = IAdapter(adapter).stake(asset, amount, owner, operator, token);
                    // A liquid position is measured where it lands, not as the adapter reports it.
                    if (operator == address(0)) out = _gain(token, owner, before);
                }
                uint256 want = _word(minOut + 0x20 * (j + 1));
                if (out < want) revert MinOutNotMet(id, j, out, want);
            }
        }
    }

    /// Sends the award's queued ETH allocations, one `stakeEth` call per
    /// adapter with all of its allocations in queue order, and checks each
    /// position's minimum out.
    function _flush(uint256 q) private {
        unchecked {
            uint256 t = _mload(q + 0x20);
            uint256 n = _mload(t);
            for (uint256 g = t + 0x20; g < t + 0x20 + (n << 7); g += 0x80) {
                uint256 mark;
                assembly ("memory-safe") {
                    mark := mload(0x40)
                }
                uint256 bal = _balancesBefore(g);
                (uint256 list, uint256 m, uint256 outs) = _stakeEth(g);
                _checkOuts(list, m, outs, bal);
                assembly {
                    mstore(0x40, mark)
                }
            }
        }
    }

    /// `who`'s balance of `token`.
    function _balance(address token, address who) private view returns (uint256) {
        return IERC20(token).balanceOf(who);
    }

    /// What `who`'s balance of `token` gained since it was `before`.
    function _gain(address token, address who, uint256 before) private view returns (uint256) {
        uint256 now_ = IERC20(token).balanceOf(who);
        return now_ > before ? now_ - before : 0;
    }

    /// Marks a duplicate (owner, token) record in the balances array.
    uint256 private constant DUPLICATE = type(uint256).max;

    /// Before adapter table entry `g`'s call, in the order `_stakeEth`
    /// lists its records: each liquid allocation's owner balance of its
    /// token. A later record of the same owner and token (two intents of one
    /// owner in one award) shares the first one's gain: its minimum is
    /// added to the first record's and it is marked `DUPLICATE`. Duplicates
    /// are found in transient storage (keyed by owner and token, cleared in
    /// `_checkOuts`), so the check stays linear in the batch.
    function _balancesBefore(uint256 g) private returns (uint256 bal) {
        unchecked {
            uint256 m = _mload(g + 0x60);
            uint256 r = _mload(g + 0x20);
            assembly ("memory-safe") {
                bal := mload(0x40)
                mstore(0x40, add(bal, shl(5, m)))
            }
            for (uint256 x = 0; x < m; x++) {
                uint256 b;
                if (_mload(r + 0xa0) == 0) {
                    address owner = address(uint160(_mload(r + 0x80)));
                    address token = address(uint160(_mload(r + 0xc0)));
                    uint256 first;
                    assembly {
                        mstore(0, owner)
                        mstore(0x20, token)
                        let k := keccak256(0, 0x40)
                        first := tload(k)
                        if iszero(first) { tstore(k, r) }
                    }
                    if (first == 0) {
                        b = _balance(token, owner);
                    } else {
                        b = DUPLICATE;
                        uint256 sum = _add(_mload(first + 0x20), _mload(r + 0x20));
                        assembly {
                            mstore(add(first, 0x20), sum)
                        }
                    }
                }
                assembly {
                    mstore(add(bal, shl(5, x)), b)
                }
                r = _mload(r);
            }
        }
    }

    /// Each allocation's minimum out after an adapter call. A liquid
    /// position counts what its owner's balance gained (measured, so an
    /// adapter cannot overstate it) against the minimums of all its
    /// allocations in the call (summed in `_balancesBefore`). A restaked
    /// position's strategy shares sit in a holder the adapter creates, so
    /// they are taken as the adapter reports them (adapters and routes
    /// change only through the timelock).
    function _checkOuts(uint256 list, uint256 m, uint256 outs, uint256 bal) private {
        unchecked {
            for (uint256 x = 0; x < m; x++) {
                uint256 r = _mload(list + (x << 5));
                uint256 before = _mload(bal + (x << 5));
                uint256 out;
                if (_mload(r + 0xa0) != 0) {
                    out = _mload(outs + (x << 5));
                } else {
                    if (before == DUPLICATE) continue;
                    address owner = address(uint160(_mload(r + 0x80)));
                    address token = address(uint160(_mload(r + 0xc0)));
                    assembly {
                        mstore(0, owner)
                        mstore(0x20, token)
                        tstore(keccak256(0, 0x40), 0)
                    }
                    out = _gain(token, owner, before);
                }
                uint256 want = _mload(r + 0x20);
                if (out < want) revert MinOutNotMet(bytes32(_mload(r + 0x40)), _mload(r + 0x60), out, want);
            }
        }
    }

    function _mload(uint256 at) private pure returns (uint256 w) {
        assembly {
            w := mload(at)
        }
    }

    /// One `stakeEth` call to the adapter of table entry `g` with its
    /// queued allocations; returns where their records (`list`) and the
    /// adapter's outs are, and how many there are.
    function _stakeEth(uint256 g) private returns (uint256 list, uint256 m, uint256 outs) {
        uint256 buf;
        uint256 value;
        assembly ("memory-safe") {
            m := mload(add(g, 0x60))
            buf := mload(0x40)
            let d := add(buf, 0x44)
            list := add(d, shl(7, m))
            let r := mload(add(g, 0x20))
            for { let x := 0 } lt(x, m) { x := add(x, 1) } {
                mcopy(add(d, shl(7, x)), add(r, 0x80), 0x80)
                value := add(value, mload(add(r, 0xe0)))
                mstore(add(list, shl(5, x)), r)
                r := mload(r)
            }
            mstore(0x40, add(list, shl(5, m)))
        }
        outs = callStakeEth(address(uint160(_mload(g))), value, buf, m);
    }

    /// a + b, reverting on overflow (the hot paths run unchecked: their
    /// pointer arithmetic cannot matter, these sums can).
    function _add(uint256 a, uint256 b) private pure returns (uint256) {
        return a + b;
    }

    /// Whether `part` is above `bps` basis points of `whole` (checked).
    function _above(uint256 part, uint256 whole, uint256 bps) private pure returns (bool) {
        return part * 10_000 > whole * bps;
    }
}
