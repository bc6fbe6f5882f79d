// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title SolverRegistry: solvers' bonds, slashing with evidence, delayed withdrawals.
/// @notice A solver bonds ETH; only solvers at or above `minBond` can be awarded.
/// The auctioneer can slash a bond, naming an evidence hash (the commitment
/// left unrevealed, the rejected bid, the failed settlement). Withdrawals wait
/// `withdrawalDelay` seconds, so a solver cannot pull its bond out from under
/// a penalty for a round it just played; slashing reaches queued amounts too.
/// The auctioneer key can be rotated by the deployer (`admin`) through a
/// timelock of twice the withdrawal delay: a solver that distrusts the new
/// key sees the proposal and has time to queue and withdraw its bond before
/// that key can slash it. A leaked key is replaced without a redeploy.
contract SolverRegistry {
    struct Bond {
        uint256 amount; // slashable, includes a queued withdrawal
        uint256 queued; // part of `amount` waiting to leave
        uint64 unlockAt; // when `queued` can be withdrawn
    }

    address public auctioneer;
    address public immutable admin;
    /// Seconds between proposing a new auctioneer and it taking office.
    uint64 public immutable rotationDelay;
    address public pendingAuctioneer;
    uint64 public rotationReadyAt;
    address public immutable treasury;
    uint256 public immutable minBond;
    uint64 public immutable withdrawalDelay;
    mapping(address => Bond) public bonds;
    /// keccak256(abi.encode(auction, solver, offence, evidence)) => already
    /// slashed. The evidence (the unopened commitment, the rejected bid) is
    /// in the key: each of a solver's commitments is charged, so it cannot
    /// commit several bids and open only the one that wins; and commitments
    /// are bound to the round's announcement, so a repeated auction id
    /// (a store reset) never meets an older penalty's key.
    mapping(bytes32 => bool) public slashedFor;
    bool private entered;

    event Bonded(address indexed solver, uint256 amount, uint256 total);
    event Slashed(address indexed solver, uint256 amount, bytes32 indexed evidence, uint8 offence);
    event WithdrawalQueued(address indexed solver, uint256 amount, uint64 unlockAt);
    event Withdrawn(address indexed solver, uint256 amount);
    event AuctioneerProposed(address indexed next, uint64 readyAt);
    event AuctioneerRotated(address indexed previous, address indexed next);
    event RotationCancelled(address indexed next);

    error NotAuctioneer();
    error NotAdmin();
    error NoRotation();
    error RotationNotReady(uint64 readyAt);
    error ZeroAuctioneer();
    error NothingToWithdraw();
    error TooEarly(uint64 unlockAt);
    error InsufficientBond(uint256 have, uint256 want);
    error TransferFailed();
    error Reentrancy();
    error AlreadySlashed(bytes32 key);
    error NotAnOffence(uint8 offence);

    modifier nonReentrant() {
        if (entered) revert Reentrancy();
        entered = true;
        _;
        entered = false;
    }

    constructor(address auctioneer_, address treasury_, uint256 minBond_, uint64 withdrawalDelay_) {
        if (auctioneer_ == address(0)) revert ZeroAuctioneer();
        auctioneer = auctioneer_;
        admin = msg.sender;
        rotationDelay = 2 * withdrawalDelay_;
        treasury = treasury_;
        minBond = minBond_;
        withdrawalDelay = withdrawalDelay_;
    }

    /// Admin only: proposes `next` as the auctioneer; it takes office with
    /// `acceptAuctioneer` once `rotationDelay` has passed.
    function proposeAuctioneer(address next) external {
        if (msg.sender != admin) revert NotAdmin();
        if (next == address(0)) revert ZeroAuctioneer();
        pendingAuctioneer = next;
        rotationReadyAt = uint64(block.timestamp) + rotationDelay;
        emit AuctioneerProposed(next, rotationReadyAt);
    }

    /// Admin only: withdraws a proposal before it takes office.
    function cancelRotation() external {
        if (msg.sender != admin) revert NotAdmin();
        address next = pendingAuctioneer;
        if (next == address(0)) revert NoRotation();
        pendingAuctioneer = address(0);
        rotationReadyAt = 0;
        emit RotationCancelled(next);
    }

    /// Anyone, once the timelock has passed: the proposed auctioneer takes office.
    function acceptAuctioneer() external {
        address next = pendingAuctioneer;
        if (next == address(0)) revert NoRotation();
        if (block.timestamp < rotationReadyAt) revert RotationNotReady(rotationReadyAt);
        emit AuctioneerRotated(auctioneer, next);
        auctioneer = next;
        pendingAuctioneer = address(0);
        rotationReadyAt = 0;
    }

    /// Adds msg.value to the caller's bond.
    function bond() external payable {
        Bond storage b = bonds[msg.sender];
        b.amount += msg.value;
        emit Bonded(msg.sender, msg.value, b.amount);
    }

    /// Whether `solver` may be awarded: its bond, less what it queued to withdraw, is at least `minBond`.
    function eligible(address solver) public view returns (bool) {
        Bond storage b = bonds[solver];
        return b.amount - b.queued >= minBond;
    }

    /// Queues `amount` of the caller's bond for withdrawal after the delay (restarts the clock).
    function queueWithdrawal(uint256 amount) external {
        Bond storage b = bonds[msg.sender];
        if (b.amount < b.queued + amount) revert InsufficientBond(b.amount - b.queued, amount);
        b.queued += amount;
        b.unlockAt = uint64(block.timestamp) + withdrawalDelay;
        emit WithdrawalQueued(msg.sender, b.queued, b.unlockAt);
    }

    /// Pays out the queued amount (less anything slashed meanwhile) once the delay has passed.
    function withdraw() external nonReentrant {
        Bond storage b = bonds[msg.sender];
        uint256 amount = b.queued < b.amount ? b.queued : b.amount;
        if (amount == 0) revert NothingToWithdraw();
        if (block.timestamp < b.unlockAt) revert TooEarly(b.unlockAt);
        b.amount -= amount;
        b.queued = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /// What one offence costs, fixed here so the auctioneer names an
    /// offence and its evidence, never an amount: 1 an unrevealed
    /// commitment, 3 an invalid plan, 4 a settlement fault. 2 (a reveal
    /// matching no commitment) proves nothing and is not charged.
    function penaltyOf(uint8 offence) public pure returns (uint256) {
        if (offence == 1) return 0.1 ether;
        if (offence == 3 || offence == 4) return 0.25 ether;
        return 0;
    }

    /// Auctioneer only: takes `penaltyOf(offence)` (at most what is left)
    /// from `solver`'s bond to the treasury, once per (auction, solver,
    /// offence, evidence); `evidence` names what proves it.
    function slash(address solver, uint64 auction, uint8 offence, bytes32 evidence)
        external
        nonReentrant
        returns (uint256 taken)
    {
        if (msg.sender != auctioneer) revert NotAuctioneer();
        uint256 amount = penaltyOf(offence);
        if (amount == 0) revert NotAnOffence(offence);
        bytes32 key = keccak256(abi.encode(auction, solver, offence, evidence));
        if (slashedFor[key]) revert AlreadySlashed(key);
        slashedFor[key] = true;
        Bond storage b = bonds[solver];
        taken = amount < b.amount ? amount : b.amount;
        b.amount -= taken;
        if (b.queued > b.amount) b.queued = b.amount;
        emit Slashed(solver, taken, evidence, offence);
        (bool ok,) = treasury.call{value: taken}("");
        if (!ok) revert TransferFailed();
    }
}
