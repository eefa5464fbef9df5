// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

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
/// The Registered events are the evidence for deduplication: an example registered by several
/// contributors is credited to the one with the lowest `order` (the earliest registrant). The
/// witness builder applies that rule off chain and writes the evidence into the epoch record;
/// anyone can recheck it from these events. Nothing about examples is stored: one slot per epoch
/// (deadline, count), one for the validation commitment, one flag per registrant.
contract ContributorRegistry is Ownable {
    struct EpochRegistration {
        uint64 closesAt; // unix time; 0 means never opened
        uint32 count; //    registrations so far: the next registrant's order
    }

    mapping(uint64 epoch => EpochRegistration) private _epochs;
    mapping(uint64 epoch => bytes32) public validationCommitment;
    mapping(uint64 epoch => mapping(address contributor => bool)) public isRegistered;

    event RegistrationOpened(uint64 indexed epoch, uint64 closesAt, bytes32 validationCommitment);
    event RegistrationClosedEarly(uint64 indexed epoch, uint64 closedAt);
    event Registered(
        uint64 indexed epoch, address indexed contributor, uint32 order, bytes32 examplesCommitment, uint32 exampleCount
    );

    error RegistrationAlreadyOpened(uint64 epoch);
    error RegistrationNotOpened(uint64 epoch);
    error RegistrationClosed(uint64 epoch, uint64 closedAt);
    error DeadlineInThePast(uint64 closesAt);
    error AlreadyRegistered(uint64 epoch, address contributor);
    error NoExamples();

    constructor() Ownable(msg.sender) {}

    /// @notice Opens registration for `epoch` until `closesAt` (unix time), committing to the
    /// validation set.
    function openRegistration(uint64 epoch, uint64 closesAt, bytes32 validationCommitment_) external onlyOwner {
        if (_epochs[epoch].closesAt != 0) revert RegistrationAlreadyOpened(epoch);
        if (closesAt <= block.timestamp) revert DeadlineInThePast(closesAt);
        _epochs[epoch].closesAt = closesAt;
        validationCommitment[epoch] = validationCommitment_;
        emit RegistrationOpened(epoch, closesAt, validationCommitment_);
    }

    /// @notice Closes registration for `epoch` now, before its deadline (the owner may only
    /// shorten it, never reopen it).
    function closeRegistration(uint64 epoch) external onlyOwner {
        EpochRegistration storage e = _epochs[epoch];
        if (e.closesAt == 0) revert RegistrationNotOpened(epoch);
        if (block.timestamp >= e.closesAt) revert RegistrationClosed(epoch, e.closesAt);
        e.closesAt = uint64(block.timestamp);
        emit RegistrationClosedEarly(epoch, uint64(block.timestamp));
    }

    /// @notice Registers the caller's examples for `epoch`: once per contributor, before the
    /// deadline. `examplesCommitment` = keccak256(abi.encodePacked(uint128[] sorted hashes)).
    function register(uint64 epoch, bytes32 examplesCommitment, uint32 exampleCount) external {
        EpochRegistration storage e = _epochs[epoch];
        uint64 closesAt = e.closesAt;
        if (closesAt == 0) revert RegistrationNotOpened(epoch);
        if (block.timestamp >= closesAt) revert RegistrationClosed(epoch, closesAt);
        if (exampleCount == 0) revert NoExamples();
        if (isRegistered[epoch][msg.sender]) revert AlreadyRegistered(epoch, msg.sender);
        isRegistered[epoch][msg.sender] = true;
        uint32 order = e.count;
        e.count = order + 1;
        emit Registered(epoch, msg.sender, order, examplesCommitment, exampleCount);
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
