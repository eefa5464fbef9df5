// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ProtocolParams} from "./generated/ProtocolParams.sol";

/// @title ContributorRegistry
/// @notice Contributors register their data for an epoch before its registration closes.
///
/// The owner (the trainer) opens an epoch's registration with a deadline and the commitment to
/// its held-out validation set, keccak256(abi.encode(validationSetHash, salt)) (committed before
/// registration closes and revealed to PayoutSettlement.revealValidation after scoring, so nobody
/// can tune data toward it). Each contributor then registers once per epoch, from its own address
/// (the payee), with a commitment to its example hashes and their count: keccak256 of the sorted
/// 128-bit hashes packed (witness/epoch-witness.ts registrationCommitment).
///
/// Registration rules, all fixed at deployment (config/protocol.json `registration`):
///  - the window: a deadline at least `minRegistrationWindow` seconds after opening; nobody can
///    close it earlier (the owner could otherwise close it once the data it wanted was in);
///  - caps: at most `maxRegistrants` registrants per epoch (below 2^CONTRIBUTOR_INDEX_BITS, the
///    circuits' index width, checked here), `maxExamplesPerRegistrant` examples each and
///    `maxExamplesPerEpoch` in all. The settlement takes at most 2^16 - 1 batches per table, so
///    without the epoch cap Sybils could declare more examples (or registrants) than any epoch can
///    prove and leave it unopenable; PayoutSettlement's constructor checks both caps fit its batches;
///  - a fee of `feePerExample` pool-token units per registered example, burned (see register).
///
/// The Registered events are the evidence for deduplication: an example registered by several
/// contributors is credited to the one with the lowest `order` (the earliest registrant). The
/// witness builder applies that rule off chain and writes the evidence into the epoch record;
/// anyone can recheck it from these events. Nothing about examples is stored: one slot per epoch
/// (deadline, count), one for the validation commitment, one flag per registrant.
contract ContributorRegistry is Ownable {
    using SafeERC20 for IERC20;

    struct EpochRegistration {
        uint64 closesAt; // unix time; 0 means never opened
        uint32 count; //    registrations so far: the next registrant's order
        uint64 examples; // examples declared so far, <= maxExamplesPerEpoch
    }

    /// @notice Where registration fees go: an address nobody holds a key for. OpenZeppelin's
    /// ERC20 refuses transfers to address(0), and a pool token need not have `burn`/`burnFrom`
    /// (OpenToken has neither), so the fee is burned by sending it here: it leaves circulation for
    /// good (still counted in totalSupply), and neither the owner nor anyone else can spend it.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    /// @notice The token registration fees are paid in: the pool token.
    IERC20 public immutable feeToken;
    /// @notice Token base units burned per registered example (0: registration is free).
    uint256 public immutable feePerExample;
    /// @notice The shortest registration window openRegistration accepts, in seconds.
    uint64 public immutable minRegistrationWindow;
    /// @notice The most registrants an epoch takes (below 2^CONTRIBUTOR_INDEX_BITS).
    uint32 public immutable maxRegistrants;
    /// @notice The most examples one registration may declare.
    uint32 public immutable maxExamplesPerRegistrant;
    /// @notice The most examples all registrations of an epoch may declare together.
    uint64 public immutable maxExamplesPerEpoch;

    mapping(uint64 epoch => EpochRegistration) private _epochs;
    mapping(uint64 epoch => bytes32) public validationCommitment;
    mapping(uint64 epoch => mapping(address contributor => bool)) public isRegistered;

    event RegistrationOpened(uint64 indexed epoch, uint64 closesAt, bytes32 validationCommitment);
    event Registered(
        uint64 indexed epoch, address indexed contributor, uint32 order, bytes32 examplesCommitment, uint32 exampleCount
    );

    error RegistrationAlreadyOpened(uint64 epoch);
    error RegistrationNotOpened(uint64 epoch);
    error RegistrationClosed(uint64 epoch, uint64 closedAt);
    error DeadlineInThePast(uint64 closesAt);
    error RegistrationWindowTooShort(uint64 closesAt, uint64 earliestAllowed);
    error AlreadyRegistered(uint64 epoch, address contributor);
    error NoExamples();
    error TooManyExamples(uint32 exampleCount, uint32 maxExamplesPerRegistrant);
    error TooManyRegistrants(uint64 epoch, uint32 maxRegistrants);
    error TooManyExamplesInEpoch(uint64 epoch, uint64 maxExamplesPerEpoch);
    error FeeNotApproved(address contributor, uint256 fee, uint256 allowance);
    error InvalidRegistrationParams(string reason);

    /// @param feeToken_ the pool token fees are paid in (address(0) only with a zero fee).
    /// @param feePerExample_ base units burned per registered example.
    /// @param minRegistrationWindow_ seconds; at least 1.
    /// @param maxRegistrants_ in [1, 2^CONTRIBUTOR_INDEX_BITS - 1].
    /// @param maxExamplesPerRegistrant_ at least 1.
    /// @param maxExamplesPerEpoch_ at least maxExamplesPerRegistrant_.
    constructor(
        IERC20 feeToken_,
        uint256 feePerExample_,
        uint64 minRegistrationWindow_,
        uint32 maxRegistrants_,
        uint32 maxExamplesPerRegistrant_,
        uint64 maxExamplesPerEpoch_
    ) Ownable(msg.sender) {
        if (feePerExample_ != 0 && address(feeToken_) == address(0)) revert InvalidRegistrationParams("fee token");
        if (minRegistrationWindow_ == 0) revert InvalidRegistrationParams("minRegistrationWindow");
        if (maxRegistrants_ == 0 || uint256(maxRegistrants_) >= (1 << ProtocolParams.CONTRIBUTOR_INDEX_BITS)) {
            revert InvalidRegistrationParams("maxRegistrants");
        }
        if (maxExamplesPerRegistrant_ == 0) revert InvalidRegistrationParams("maxExamplesPerRegistrant");
        if (maxExamplesPerEpoch_ < maxExamplesPerRegistrant_) revert InvalidRegistrationParams("maxExamplesPerEpoch");
        feeToken = feeToken_;
        feePerExample = feePerExample_;
        minRegistrationWindow = minRegistrationWindow_;
        maxRegistrants = maxRegistrants_;
        maxExamplesPerRegistrant = maxExamplesPerRegistrant_;
        maxExamplesPerEpoch = maxExamplesPerEpoch_;
    }

    /// @notice Opens registration for `epoch` until `closesAt` (unix time), committing to the
    /// validation set. The deadline is final: at least minRegistrationWindow from now, and there
    /// is no way to close registration before it.
    function openRegistration(uint64 epoch, uint64 closesAt, bytes32 validationCommitment_) external onlyOwner {
        if (_epochs[epoch].closesAt != 0) revert RegistrationAlreadyOpened(epoch);
        if (closesAt <= block.timestamp) revert DeadlineInThePast(closesAt);
        uint64 earliest = uint64(block.timestamp) + minRegistrationWindow;
        if (closesAt < earliest) revert RegistrationWindowTooShort(closesAt, earliest);
        _epochs[epoch].closesAt = closesAt;
        validationCommitment[epoch] = validationCommitment_;
        emit RegistrationOpened(epoch, closesAt, validationCommitment_);
    }

    /// @notice Registers the caller's examples for `epoch`: once per contributor, before the
    /// deadline, at most maxExamplesPerRegistrant examples, while the epoch has fewer than
    /// maxRegistrants registrants. `examplesCommitment` = keccak256(abi.encodePacked(uint128[]
    /// sorted hashes)). Pays exampleCount * feePerExample of feeToken from the caller (approve this
    /// registry first; none needed when the fee is 0), sent to BURN_ADDRESS: never to the owner,
    /// so the fee prices squatting and Sybil registrations without paying the trainer for them.
    function register(uint64 epoch, bytes32 examplesCommitment, uint32 exampleCount) external {
        EpochRegistration storage e = _epochs[epoch];
        uint64 closesAt = e.closesAt;
        if (closesAt == 0) revert RegistrationNotOpened(epoch);
        if (block.timestamp >= closesAt) revert RegistrationClosed(epoch, closesAt);
        if (exampleCount == 0) revert NoExamples();
        if (exampleCount > maxExamplesPerRegistrant) revert TooManyExamples(exampleCount, maxExamplesPerRegistrant);
        if (isRegistered[epoch][msg.sender]) revert AlreadyRegistered(epoch, msg.sender);
        uint32 order = e.count;
        if (order >= maxRegistrants) revert TooManyRegistrants(epoch, maxRegistrants);
        uint64 examples = e.examples + exampleCount;
        if (examples > maxExamplesPerEpoch) revert TooManyExamplesInEpoch(epoch, maxExamplesPerEpoch);
        isRegistered[epoch][msg.sender] = true;
        e.count = order + 1;
        e.examples = examples;
        emit Registered(epoch, msg.sender, order, examplesCommitment, exampleCount);
        uint256 fee = feePerExample * exampleCount;
        if (fee != 0) {
            uint256 allowance = feeToken.allowance(msg.sender, address(this));
            if (allowance < fee) revert FeeNotApproved(msg.sender, fee, allowance);
            feeToken.safeTransferFrom(msg.sender, BURN_ADDRESS, fee);
        }
    }

    /// @notice Whether registration for `epoch` was opened and has closed.
    function registrationClosed(uint64 epoch) external view returns (bool) {
        uint64 closesAt = _epochs[epoch].closesAt;
        return closesAt != 0 && block.timestamp >= closesAt;
    }

    /// @notice The first payee of `words` (the low 160 bits of each payout word; 0, a padding
    /// row, is skipped) that is not registered for `epoch`, or address(0) if every one is.
    function firstUnregistered(uint64 epoch, uint256[] calldata words) external view returns (address) {
        mapping(address => bool) storage registered = isRegistered[epoch];
        for (uint256 i = 0; i < words.length; i++) {
            address payee = address(uint160(words[i]));
            if (payee != address(0) && !registered[payee]) return payee;
        }
        return address(0);
    }

    /// @notice The deadline and the number of registrations of `epoch`.
    function registration(uint64 epoch) external view returns (uint64 closesAt, uint32 count) {
        EpochRegistration memory e = _epochs[epoch];
        return (e.closesAt, e.count);
    }
}
