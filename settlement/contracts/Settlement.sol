// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import "./Common.sol";

interface ISolverRegistry {
    function eligible(address solver) external view returns (bool);
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

    struct BidPlan {
        bytes32 intentId;
        BidAllocation[] allocations;
        uint256 fee;
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

    /// An award's ETH allocations, waiting to go to their adapters: one
    /// call per adapter per award (one value transfer, one protocol
    /// deposit), not one per allocation.
    struct Pending {
        address[] adapter;
        address[] owner;
        address[] operator;
        address[] token;
        uint256[] amount;
        uint256[] minOut;
        bytes32[] intentId;
        uint256[] allocation;
        uint256 n;
    }

    bytes32 public constant INTENT_TYPEHASH = keccak256(
        "Intent(address owner,address asset,uint256 amount,uint16 minNetApyBps,uint16 maxLossBps,uint16 lossConfidenceBps,uint16 maxOperatorBps,uint16 maxServiceBps,uint16 minLiquidBps,uint16 liquidWithinDays,uint16 maxFeeBps,address[] excludedOperators,uint256 nonce,uint64 deadline)"
    );
    bytes32 public constant AWARD_TYPEHASH =
        keccak256("Award(uint64 auctionId,bytes32 bidHash,address solver,bytes32[] intentIds,int256 score)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    uint256 private constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    address public immutable admin;
    ISolverRegistry public immutable registry;
    address public auctioneer;
    mapping(address => bool) public isExecutor;
    mapping(address => bool) public adapterAllowed;
    mapping(bytes32 => Route) public routes;
    mapping(address => Account) private accounts;
    mapping(address => mapping(uint256 => uint256)) public nonceBitmap;

    event Deposited(address indexed owner, uint256 amount);
    event Withdrawn(address indexed owner, uint256 amount);
    event NonceInvalidated(address indexed owner, uint256 nonce);
    event IntentSettled(
        bytes32 indexed intentId, address indexed owner, address indexed solver, uint64 auctionId, uint256 fee
    );
    event AwardSettled(uint64 indexed auctionId, address indexed solver, bytes32 bidHash, uint256 intents);
    event RouteSet(string position, address adapter, address token, address operator);
    event AdapterAllowed(address adapter, bool allowed);

    error NotAdmin();
    error NotExecutor();
    error BadAwardSignature();
    error BidMismatch();
    error LengthMismatch();
    error SolverNotEligible(address solver);
    error IntentMismatch(uint256 index);
    error BadSignature(bytes32 intentId);
    error Expired(bytes32 intentId, uint64 deadline);
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

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin();
        _;
    }

    constructor(address auctioneer_, ISolverRegistry registry_, address executor) {
        admin = msg.sender;
        auctioneer = auctioneer_;
        registry = registry_;
        isExecutor[executor] = true;
    }

    // ---- configuration -------------------------------------------------

    function setAuctioneer(address a) external onlyAdmin {
        auctioneer = a;
    }

    function setExecutor(address e, bool allowed) external onlyAdmin {
        isExecutor[e] = allowed;
    }

    function allowAdapter(address adapter, bool allowed) external onlyAdmin {
        adapterAllowed[adapter] = allowed;
        emit AdapterAllowed(adapter, allowed);
    }

    /// Where position `id` (the market position id, such as stETH at an operator) goes.
    function setRoute(string calldata id, address adapter, address token, address operator) external onlyAdmin {
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
            _spend(msg.sender, nonces[i], 0);
            emit NonceInvalidated(msg.sender, nonces[i]);
        }
    }

    /// Marks `nonce` used and takes `eth` from escrow: one storage write for
    /// nonces below 160.
    function _spend(address owner, uint256 nonce, uint256 eth) private {
        Account memory a = accounts[owner];
        if (nonce < 160) {
            uint160 bit = uint160(1) << uint160(nonce);
            if (a.lowNonces & bit != 0) revert NonceUsed(owner, nonce);
            a.lowNonces |= bit;
        } else {
            uint256 bit = 1 << (nonce & 0xff);
            uint256 word = nonceBitmap[owner][nonce >> 8];
            if (word & bit != 0) revert NonceUsed(owner, nonce);
            nonceBitmap[owner][nonce >> 8] = word | bit;
        }
        if (eth > a.escrow) revert InsufficientEscrow(owner, a.escrow, eth);
        a.escrow -= uint96(eth);
        accounts[owner] = a;
    }

    // ---- EIP-712 ---------------------------------------------------------

    function domainSeparator() public view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("stakebid"), keccak256("1"), block.chainid, address(this))
        );
    }

    /// The intent's id: its EIP-712 digest under this contract's domain.
    function intentId(Intent calldata i) public view returns (bytes32) {
        return _digest(_hashIntent(i), domainSeparator());
    }

    function _hashIntent(Intent calldata i) private pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                abi.encode(
                    INTENT_TYPEHASH,
                    i.owner,
                    i.asset,
                    i.amount,
                    i.minNetApyBps,
                    i.maxLossBps,
                    i.lossConfidenceBps,
                    i.maxOperatorBps
                ),
                abi.encode(
                    i.maxServiceBps,
                    i.minLiquidBps,
                    i.liquidWithinDays,
                    i.maxFeeBps,
                    keccak256(abi.encodePacked(i.excludedOperators)),
                    i.nonce,
                    i.deadline
                )
            )
        );
    }

    function _digest(bytes32 structHash, bytes32 domain) private pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _recover(bytes32 digest, bytes calldata sig) private pure returns (address) {
        if (sig.length != 65) return address(0);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v < 27) v += 27;
        if (uint256(s) > HALF_N) return address(0);
        return ecrecover(digest, v, r, s);
    }

    /// An ECDSA signature by `owner`, or, for a contract wallet, ERC-1271.
    /// ECDSA is tried first (as OpenZeppelin's SignatureChecker does): a
    /// wallet that answers it needs no code lookup (2,600 gas cold).
    function _checkSignature(address owner, bytes32 digest, bytes calldata sig) private view {
        if (owner != address(0) && _recover(digest, sig) == owner) return;
        if (owner.code.length > 0) {
            try IERC1271(owner).isValidSignature(digest, sig) returns (bytes4 magic) {
                if (magic == IERC1271.isValidSignature.selector) return;
            } catch {}
        }
        revert BadSignature(digest);
    }

    // ---- settlement ------------------------------------------------------

    /// Settles a batch of awards in one transaction; any failure reverts it whole.
    function settle(Settle[] calldata batch) external nonReentrant {
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
        if (_recover(_digest(awardHash, domain), s.awardSignature) != auctioneer) revert BadAwardSignature();
        if (!registry.eligible(a.solver)) revert SolverNotEligible(a.solver);
        Pending memory p = _pending(s.bid.plans);
        uint256 ethFees;
        for (uint256 i = 0; i < n; i++) {
            bytes32 id = _digest(_hashIntent(s.intents[i].intent), domain);
            if (id != a.intentIds[i] || id != s.bid.plans[i].intentId) revert IntentMismatch(i);
            // What one intent allocates in memory is not needed by the next
            // (queued allocations live in `p`): reuse it, so memory cost
            // stays linear in the batch.
            uint256 mark;
            assembly ("memory-safe") {
                mark := mload(0x40)
            }
            ethFees += _settleIntent(s.intents[i], s.bid.plans[i], s.minOut[i], id, a, p);
            assembly {
                mstore(0x40, mark)
            }
        }
        _flush(p);
        if (ethFees > 0) {
            (bool ok,) = a.solver.call{value: ethFees}("");
            if (!ok) revert TransferFailed();
        }
        emit AwardSettled(a.auctionId, a.solver, a.bidHash, n);
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

    /// Checks and executes one intent's plan; returns its fee if paid in ETH.
    function _settleIntent(
        SignedIntent calldata si,
        BidPlan calldata plan,
        uint256[] calldata minOut,
        bytes32 id,
        Award calldata a,
        Pending memory p
    ) private returns (uint256 ethFee) {
        Intent calldata it = si.intent;
        _checkSignature(it.owner, id, si.signature);
        if (block.timestamp > it.deadline) revert Expired(id, it.deadline);
        uint256 n = plan.allocations.length;
        if (minOut.length != n) revert LengthMismatch();
        Route[] memory rs = _checkPlan(it, plan, id);
        bool eth = it.asset == address(0);
        _spend(it.owner, it.nonce, eth ? it.amount : 0);
        if (!eth && si.permit.length > 0) _permit(it, si.permit);
        _deliverAll(it, plan, minOut, rs, id, p);
        if (eth) {
            ethFee = plan.fee;
        } else if (plan.fee > 0) {
            if (!IERC20(it.asset).transferFrom(it.owner, a.solver, plan.fee)) revert TransferFailed();
        }
        emit IntentSettled(id, it.owner, a.solver, a.auctionId, plan.fee);
    }

    /// The on-chain checks of a plan: amounts, fee cap, operator cap,
    /// excluded operators, known positions behind allowed adapters.
    function _checkPlan(Intent calldata it, BidPlan calldata plan, bytes32 id)
        private
        view
        returns (Route[] memory rs)
    {
        uint256 n = plan.allocations.length;
        rs = new Route[](n);
        uint256 total = plan.fee;
        for (uint256 j = 0; j < n; j++) {
            Route memory r = routes[keccak256(bytes(plan.allocations[j].position))];
            if (!r.known) revert UnknownPosition(plan.allocations[j].position);
            if (r.adapter != address(0) && !adapterAllowed[r.adapter]) revert AdapterNotAllowed(r.adapter);
            rs[j] = r;
            total += plan.allocations[j].amount;
        }
        if (total != it.amount) revert AmountMismatch(id, total, it.amount);
        if (plan.fee * 10_000 > it.amount * it.maxFeeBps) revert FeeTooHigh(id, plan.fee);
        for (uint256 j = 0; j < n; j++) {
            address op = rs[j].operator;
            if (op == address(0)) continue;
            for (uint256 e = 0; e < it.excludedOperators.length; e++) {
                if (it.excludedOperators[e] == op) revert ExcludedOperator(id, op);
            }
            uint256 sum;
            bool first = true;
            for (uint256 k = 0; k < n; k++) {
                if (rs[k].operator != op) continue;
                if (k < j) {
                    first = false;
                    break;
                }
                sum += plan.allocations[k].amount;
            }
            if (first && sum * 10_000 > it.amount * it.maxOperatorBps) revert OperatorCapExceeded(id, op);
        }
    }

    function _permit(Intent calldata it, bytes calldata permit) private {
        (uint256 deadline, uint8 v, bytes32 r, bytes32 s) = abi.decode(permit, (uint256, uint8, bytes32, bytes32));
        // A permit someone already submitted (front-run) is fine: the allowance is there.
        try IERC20Permit(it.asset).permit(it.owner, address(this), it.amount, deadline, v, r, s) {} catch {}
    }

    /// Room for every allocation of an award.
    function _pending(BidPlan[] calldata plans) private pure returns (Pending memory p) {
        uint256 slots;
        for (uint256 i = 0; i < plans.length; i++) {
            slots += plans[i].allocations.length;
        }
        p.adapter = new address[](slots);
        p.owner = new address[](slots);
        p.operator = new address[](slots);
        p.token = new address[](slots);
        p.amount = new uint256[](slots);
        p.minOut = new uint256[](slots);
        p.intentId = new bytes32[](slots);
        p.allocation = new uint256[](slots);
    }

    /// Moves an intent's allocations into positions: tokens at once, ETH
    /// through an adapter queued for the award's one call per adapter.
    function _deliverAll(
        Intent calldata it,
        BidPlan calldata plan,
        uint256[] calldata minOut,
        Route[] memory rs,
        bytes32 id,
        Pending memory p
    ) private {
        for (uint256 j = 0; j < rs.length; j++) {
            BidAllocation calldata al = plan.allocations[j];
            Route memory r = rs[j];
            if (r.adapter != address(0) && it.asset == address(0)) {
                uint256 k = p.n++;
                p.adapter[k] = r.adapter;
                p.owner[k] = it.owner;
                p.operator[k] = r.operator;
                p.token[k] = r.token;
                p.amount[k] = al.amount;
                p.minOut[k] = minOut[j];
                p.intentId[k] = id;
                p.allocation[k] = j;
                continue;
            }
            uint256 out = _deliver(it, r, al, id);
            if (out < minOut[j]) revert MinOutNotMet(id, j, out, minOut[j]);
        }
    }

    /// Sends the award's queued ETH allocations, one call per adapter, and
    /// checks each position's minimum out.
    function _flush(Pending memory p) private {
        for (uint256 i = 0; i < p.n; i++) {
            address ad = p.adapter[i];
            if (ad == address(0)) continue;
            uint256 mark;
            assembly ("memory-safe") {
                mark := mload(0x40)
            }
            uint256 m;
            for (uint256 k = i; k < p.n; k++) {
                if (p.adapter[k] == ad) m++;
            }
            EthDeposit[] memory ds = new EthDeposit[](m);
            uint256[] memory at = new uint256[](m);
            uint256 value;
            m = 0;
            for (uint256 k = i; k < p.n; k++) {
                if (p.adapter[k] != ad) continue;
                ds[m] = EthDeposit(p.owner[k], p.operator[k], p.token[k], p.amount[k]);
                at[m++] = k;
                value += p.amount[k];
                p.adapter[k] = address(0);
            }
            uint256[] memory outs = IAdapter(ad).stakeEth{value: value}(ds);
            if (outs.length != m) revert LengthMismatch();
            for (uint256 q = 0; q < m; q++) {
                uint256 k = at[q];
                if (outs[q] < p.minOut[k]) revert MinOutNotMet(p.intentId[k], p.allocation[k], outs[q], p.minOut[k]);
            }
            assembly {
                mstore(0x40, mark)
            }
        }
    }

    /// Moves one allocation that needs no ETH sent to an adapter (held as
    /// is, or tokens into an adapter); returns what the position got.
    function _deliver(Intent calldata it, Route memory r, BidAllocation calldata al, bytes32 id)
        private
        returns (uint256)
    {
        if (r.adapter == address(0)) {
            if (it.asset != r.token) revert AssetNotAccepted(id, al.position);
            if (it.asset == address(0)) {
                (bool ok,) = it.owner.call{value: al.amount}("");
                if (!ok) revert TransferFailed();
            }
            // A token held as is stays in the owner's wallet.
            return al.amount;
        }
        if (!IERC20(it.asset).transferFrom(it.owner, r.adapter, al.amount)) revert TransferFailed();
        return IAdapter(r.adapter).stake(it.asset, al.amount, it.owner, r.operator, r.token);
    }
}
