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
///
/// Collateral: when a plan with a delivered-yield guarantee settles, the
/// Settlement reserves the guarantee's cap from the solver's free bond,
/// keyed by the award's commitment (the Merkle root of its guaranteed
/// intents, docs/guarantee.md). Reserved collateral belongs to the award's
/// stakers first: it cannot be queued or withdrawn, penalties take only the
/// free part, and it does not count towards eligibility. Only the
/// Settlement — whose `claim` checks an intent's leaf against the root and
/// computes the shortfall from the protocols' own indexes — can pay from
/// it, and only into that intent owner's escrow there; whatever a claim
/// does not pay returns to the solver's free bond at once. After the last
/// claim window anyone can release what is left. No key (not the
/// auctioneer, not the admin) can move reserved collateral otherwise.
///
/// Bond migration: `bonds(solver)` keeps the previous registry's first three
/// return words (amount, queued, unlockAt) so the CLI's `migrate-bond` reads
/// either; a solver queues and withdraws from the old registry and bonds the
/// proceeds here (`bondFor` lets a script bond for it).
contract SolverRegistry {
    struct Bond {
        uint256 amount; // slashable, includes a queued withdrawal and reserved collateral
        uint256 queued; // part of `amount` waiting to leave
        uint64 unlockAt; // when `queued` can be withdrawn
        uint256 reserved; // part of `amount` held as collateral for awards
    }

    struct Reservation {
        address solver;
        uint64 releaseAt; // after it anyone may release what is left
        uint256 amount; // still held
    }

    address public auctioneer;
    address public immutable admin;
    /// Seconds between proposing a new auctioneer and it taking office.
    uint64 public immutable rotationDelay;
    address public pendingAuctioneer;
    uint64 public rotationReadyAt;
    address public immutable treasury;
    /// The only contract that reserves collateral and pays claims from it.
    address public immutable settlement;
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
    /// An award's commitment (the Merkle root of its guaranteed intents) =>
    /// the collateral held for it.
    mapping(bytes32 => Reservation) public reservations;
    bool private entered;

    event Bonded(address indexed solver, uint256 amount, uint256 total);
    event Slashed(address indexed solver, uint256 amount, bytes32 indexed evidence, uint8 offence);
    event WithdrawalQueued(address indexed solver, uint256 amount, uint64 unlockAt);
    event Withdrawn(address indexed solver, uint256 amount);
    event AuctioneerProposed(address indexed next, uint64 readyAt);
    event AuctioneerRotated(address indexed previous, address indexed next);
    event RotationCancelled(address indexed next);
    event CollateralReserved(address indexed solver, bytes32 indexed award, uint256 amount, uint64 releaseAt);
    event CollateralReleased(address indexed solver, bytes32 indexed award, uint256 amount);
    event CollateralPaid(address indexed solver, bytes32 indexed award, address indexed owner, uint256 amount);

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
    error AlreadyReserved(bytes32 award);
    error NoReservation(bytes32 award);
    error NotYetReleasable(uint64 releaseAt);
    error ZeroAddress();
    error NotSettlement();
    error ReservationShort(bytes32 award, uint256 have, uint256 want);

    modifier nonReentrant() {
        if (entered) revert Reentrancy();
        entered = true;
        _;
        entered = false;
    }

    constructor(
        address auctioneer_,
        address treasury_,
        uint256 minBond_,
        uint64 withdrawalDelay_,
        address settlement_
    ) {
        if (auctioneer_ == address(0)) revert ZeroAuctioneer();
        settlement = settlement_;
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
        _bond(msg.sender);
    }

    /// Adds msg.value to `solver`'s bond (a migration script moving a
    /// withdrawn bond from a previous registry, or a team's treasury).
    function bondFor(address solver) external payable {
        if (solver == address(0)) revert ZeroAddress();
        _bond(solver);
    }

    function _bond(address solver) private {
        Bond storage b = bonds[solver];
        b.amount += msg.value;
        emit Bonded(solver, msg.value, b.amount);
    }

    /// The part of `solver`'s bond neither queued to leave nor reserved.
    function freeBond(address solver) public view returns (uint256) {
        Bond storage b = bonds[solver];
        uint256 held = b.queued + b.reserved;
        return b.amount > held ? b.amount - held : 0;
    }

    /// Whether `solver` may be awarded: its bond, less what it queued to
    /// withdraw and what is reserved as collateral, is at least `minBond`.
    function eligible(address solver) public view returns (bool) {
        return freeBond(solver) >= minBond;
    }

    /// Queues `amount` of the caller's bond for withdrawal after the delay
    /// (restarts the clock); reserved collateral cannot be queued.
    function queueWithdrawal(uint256 amount) external {
        uint256 free = freeBond(msg.sender);
        if (free < amount) revert InsufficientBond(free, amount);
        Bond storage b = bonds[msg.sender];
        b.queued += amount;
        b.unlockAt = uint64(block.timestamp) + withdrawalDelay;
        emit WithdrawalQueued(msg.sender, b.queued, b.unlockAt);
    }

    /// Pays out the queued amount (less anything slashed meanwhile, never
    /// reserved collateral) once the delay has passed.
    function withdraw() external nonReentrant {
        Bond storage b = bonds[msg.sender];
        uint256 unreserved = b.amount - b.reserved;
        uint256 amount = b.queued < unreserved ? b.queued : unreserved;
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
        // Reserved collateral is the award's stakers' before the treasury's.
        uint256 slashable = b.amount - b.reserved;
        taken = amount < slashable ? amount : slashable;
        b.amount -= taken;
        if (b.queued > b.amount - b.reserved) b.queued = b.amount - b.reserved;
        emit Slashed(solver, taken, evidence, offence);
        (bool ok,) = treasury.call{value: taken}("");
        if (!ok) revert TransferFailed();
    }

    /// Settlement only, as an award with guarantees settles: holds
    /// `amount` of `solver`'s free bond for the award committed as `award`
    /// until `releaseAt` (the end of its last claim window). Once per award.
    function reserve(address solver, bytes32 award, uint256 amount, uint64 releaseAt) external {
        if (msg.sender != settlement) revert NotSettlement();
        if (reservations[award].solver != address(0)) revert AlreadyReserved(award);
        uint256 free = freeBond(solver);
        if (free < amount) revert InsufficientBond(free, amount);
        bonds[solver].reserved += amount;
        reservations[award] = Reservation(solver, releaseAt, amount);
        emit CollateralReserved(solver, award, amount, releaseAt);
    }

    /// Settlement only, for one intent's claim: pays `pay` of `award`'s
    /// collateral into `owner`'s escrow at the Settlement (credited, never
    /// pushed to the owner) and returns `release` to the solver's free bond.
    function payClaim(bytes32 award, address owner, uint256 pay, uint256 release_) external nonReentrant {
        if (msg.sender != settlement) revert NotSettlement();
        Reservation storage r = reservations[award];
        address solver = r.solver;
        if (solver == address(0)) revert NoReservation(award);
        uint256 both = pay + release_;
        if (r.amount < both) revert ReservationShort(award, r.amount, both);
        r.amount -= both;
        Bond storage b = bonds[solver];
        b.reserved -= both;
        b.amount -= pay;
        if (release_ > 0) emit CollateralReleased(solver, award, release_);
        if (pay > 0) {
            emit CollateralPaid(solver, award, owner, pay);
            (bool ok,) = settlement.call{value: pay}(abi.encodeCall(IEscrowFor.depositFor, (owner)));
            if (!ok) revert TransferFailed();
        }
    }

    /// Anyone, after the award's last claim window: returns what is left of
    /// its collateral to the solver's free bond. A claim that cannot be
    /// made (a protocol's view reverting) therefore locks nothing forever.
    function release(bytes32 award) external {
        Reservation storage r = reservations[award];
        if (r.solver == address(0)) revert NoReservation(award);
        if (block.timestamp <= r.releaseAt) revert NotYetReleasable(r.releaseAt);
        uint256 amount = r.amount;
        r.amount = 0;
        bonds[r.solver].reserved -= amount;
        emit CollateralReleased(r.solver, award, amount);
    }
}

/// Where a claim's payment goes: the owner's escrow at the Settlement.
interface IEscrowFor {
    function depositFor(address owner) external payable;
}
