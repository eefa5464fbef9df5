// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ProtocolParams} from "./generated/ProtocolParams.sol";
import {epochDomain} from "./EpochDomain.sol";

/// The Poseidon hash of three field elements: poseidon-solidity's PoseidonT4 library, deployed on
/// its own and called (its `hash` is pure, so a plain call is allowed); circomlib's Poseidon(3).
interface IPoseidon3 {
    function hash(uint256[3] memory inputs) external pure returns (uint256);
}

/// @title ContributorRegistry
/// @notice Contributors register their data for an epoch before its registration closes.
///
/// The owner (the PayoutSettlement contract, which escrows the pool first) opens an epoch's
/// registration with a deadline and the commitment to its held-out validation set,
/// keccak256(abi.encode(validationSetHash, salt)) (revealed to PayoutSettlement.revealValidation
/// after scoring, so nobody can tune data toward it).
///
/// A registration is (commitment C, count n) from the registrant's own address. C is the Poseidon
/// chain over the registrant's sorted example hashes, bound to the epoch (through
/// registrationDomain), the sender, n and a salt (witness/registration-commitment.ts,
/// docs/soundness-ii.md): a copy of C sent from another address registers a commitment nobody can
/// open for that address, and the salt hides which data it commits to. The registry cannot check
/// C; the RegistrationBatch circuit re-hashes every delivered list to its C with the sender and n
/// folded here, and the trainer excludes (publicly, contestably) registrants whose data never came.
///
/// Stored per epoch: the deadline, the count m, the examples declared, and ONE running hash
/// F = Poseidon(F, C, sender + n * 2^160) over the registrations in order (F = 0 before the
/// first). The circuits re-fold it; nothing per registrant or per hash is stored. The same address
/// may register more than once: each registration is its own row j (its order), paid on its own.
///
/// Registration rules, all fixed at deployment (config/protocol.json `registration`):
///  - the window: a deadline at least `minRegistrationWindow` seconds after opening; nobody can
///    close it earlier (the owner could otherwise close it once the data it wanted was in);
///  - caps: at most `maxRegistrants` registrants per epoch (below 2^CONTRIBUTOR_INDEX_BITS, the
///    circuits' index width, checked here), `maxExamplesPerRegistrant` examples each and
///    `maxExamplesPerEpoch` in all. The settlement takes at most 2^16 - 1 batches per table, so
///    without the epoch cap Sybils could declare more examples (or registrants) than any epoch can
///    prove and leave it unopenable; PayoutSettlement's constructor checks both caps fit its batches;
///  - a fee, burned (see register), fixed per epoch from its pool when registration opens, so
///    that filling either cap costs at least the pool (registrationFee). A fee fixed at deployment
///    alone let one party, right after openEpoch, register a little real data and fill the rest of
///    the example cap with undelivered registrations for far less than the pool: honest
///    contributors were shut out, the fillers excluded, and its one real registration paid the
///    whole pool (found by a red team, test/registration-cap-squat.test.ts). Now the squat burns at
///    least what it can win, and an honest registration pays at most the mean reward per example
///    of a full epoch (or, for a small one, of a full epoch's mean registration).
contract ContributorRegistry is Ownable {
    using SafeERC20 for IERC20;

    struct EpochRegistration {
        uint64 closesAt; // unix time; 0 means never opened
        uint32 count; //    registrations so far: the next registrant's order j
        uint64 examples; // examples declared so far, <= maxExamplesPerEpoch
        uint96 pool; //     the epoch's pool (< 2^96, from the owner): fixes its fees (registrationFee)
    }

    /// @notice Where registration fees go: an address nobody holds a key for. OpenZeppelin's
    /// ERC20 refuses transfers to address(0), and a pool token need not have `burn`/`burnFrom`
    /// (OpenToken has neither), so the fee is burned by sending it here: it leaves circulation for
    /// good (still counted in totalSupply), and neither the owner nor anyone else can spend it.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    uint256 private constant P = ProtocolParams.FIELD_MODULUS;

    /// @notice The token registration fees are paid in: the pool token.
    IERC20 public immutable feeToken;
    /// @notice Poseidon(3), for the running hash of the registrations.
    IPoseidon3 public immutable poseidon;
    /// @notice The floor of an epoch's fee per registered example, in token base units (0 and a
    /// zero pool: registration is free); registrationFee raises it with the pool.
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
    /// @notice F of each epoch: Poseidon(F, C_j, sender_j + n_j * 2^160) folded over j = 0..m-1.
    mapping(uint64 epoch => uint256) public registrationFold;

    event RegistrationOpened(uint64 indexed epoch, uint64 closesAt, bytes32 validationCommitment);
    event RegistrationCancelled(uint64 indexed epoch);
    event Registered(
        uint64 indexed epoch,
        address indexed contributor,
        uint32 order,
        uint256 commitment,
        uint32 exampleCount,
        uint256 fold
    );

    error RegistrationAlreadyOpened(uint64 epoch);
    error RegistrationNotOpened(uint64 epoch);
    error RegistrationClosed(uint64 epoch, uint64 closedAt);
    error DeadlineInThePast(uint64 closesAt);
    error RegistrationWindowTooShort(uint64 closesAt, uint64 earliestAllowed);
    error NoExamples();
    error NonReducedCommitment(uint256 commitment);
    error TooManyExamples(uint32 exampleCount, uint32 maxExamplesPerRegistrant);
    error TooManyRegistrants(uint64 epoch, uint32 maxRegistrants);
    error TooManyExamplesInEpoch(uint64 epoch, uint64 maxExamplesPerEpoch);
    error FeeNotApproved(address contributor, uint256 fee, uint256 allowance);
    error InvalidRegistrationParams(string reason);
    error RegistrantsExist(uint64 epoch, uint32 count);
    error PoolOutOfRange(uint256 pool);

    /// @param feeToken_ the pool token fees are paid in (address(0) only with a zero fee).
    /// @param poseidon_ a deployed PoseidonT4 (poseidon-solidity).
    /// @param feePerExample_ the least base units burned per registered example, whatever the pool.
    /// @param minRegistrationWindow_ seconds; at least 1.
    /// @param maxRegistrants_ in [1, 2^CONTRIBUTOR_INDEX_BITS - 1].
    /// @param maxExamplesPerRegistrant_ at least 1.
    /// @param maxExamplesPerEpoch_ at least maxExamplesPerRegistrant_.
    constructor(
        IERC20 feeToken_,
        IPoseidon3 poseidon_,
        uint256 feePerExample_,
        uint64 minRegistrationWindow_,
        uint32 maxRegistrants_,
        uint32 maxExamplesPerRegistrant_,
        uint64 maxExamplesPerEpoch_
    ) Ownable(msg.sender) {
        if (feePerExample_ != 0 && address(feeToken_) == address(0)) revert InvalidRegistrationParams("fee token");
        if (address(poseidon_).code.length == 0) revert InvalidRegistrationParams("poseidon");
        if (minRegistrationWindow_ == 0) revert InvalidRegistrationParams("minRegistrationWindow");
        if (maxRegistrants_ == 0 || uint256(maxRegistrants_) >= (1 << ProtocolParams.CONTRIBUTOR_INDEX_BITS)) {
            revert InvalidRegistrationParams("maxRegistrants");
        }
        if (maxExamplesPerRegistrant_ == 0) revert InvalidRegistrationParams("maxExamplesPerRegistrant");
        if (maxExamplesPerEpoch_ < maxExamplesPerRegistrant_) revert InvalidRegistrationParams("maxExamplesPerEpoch");
        feeToken = feeToken_;
        poseidon = poseidon_;
        feePerExample = feePerExample_;
        minRegistrationWindow = minRegistrationWindow_;
        maxRegistrants = maxRegistrants_;
        maxExamplesPerRegistrant = maxExamplesPerRegistrant_;
        maxExamplesPerEpoch = maxExamplesPerEpoch_;
    }

    /// @notice keccak256(abi.encode(chainid, this, epoch)) mod p: the first element of every
    /// registration commitment of `epoch` (witness/registration-commitment.ts registrationDomain).
    function registrationDomain(uint64 epoch) public view returns (uint256) {
        return epochDomain(address(this), epoch);
    }

    /// @notice Opens registration for `epoch` until `closesAt` (unix time), committing to the
    /// validation set, with the epoch's `pool` (escrowed by the owner) fixing its fees. The
    /// deadline is final: at least minRegistrationWindow from now, and there is no way to close
    /// registration before it.
    function openRegistration(uint64 epoch, uint64 closesAt, bytes32 validationCommitment_, uint256 pool)
        external
        onlyOwner
    {
        if (_epochs[epoch].closesAt != 0) revert RegistrationAlreadyOpened(epoch);
        if (closesAt <= block.timestamp) revert DeadlineInThePast(closesAt);
        uint64 earliest = uint64(block.timestamp) + minRegistrationWindow;
        if (closesAt < earliest) revert RegistrationWindowTooShort(closesAt, earliest);
        if (pool >> 96 != 0) revert PoolOutOfRange(pool);
        _epochs[epoch] = EpochRegistration({closesAt: closesAt, count: 0, examples: 0, pool: uint96(pool)});
        validationCommitment[epoch] = validationCommitment_;
        emit RegistrationOpened(epoch, closesAt, validationCommitment_);
    }

    /// @notice Closes registration of an epoch nobody registered for (its pool was refunded): no
    /// fee can then be burned for an epoch that will never pay (found by review). Once anyone
    /// registered, the deadline is final: nobody can close early what contributors rely on.
    function cancelRegistration(uint64 epoch) external onlyOwner {
        EpochRegistration storage e = _epochs[epoch];
        if (e.closesAt == 0) revert RegistrationNotOpened(epoch);
        if (e.count != 0) revert RegistrantsExist(epoch, e.count);
        if (block.timestamp < e.closesAt) e.closesAt = uint64(block.timestamp);
        emit RegistrationCancelled(epoch);
    }

    /// @notice Registers `exampleCount` examples committed to by `commitment` for `epoch`, from
    /// the caller's address (the payee), before the deadline, within the caps. Pays
    /// registrationFee(epoch, exampleCount) of feeToken from the caller (approve this registry
    /// first; none needed when the fee is 0), sent to BURN_ADDRESS: never to the owner, so the fee
    /// prices squatting and Sybil registrations without paying the trainer for them.
    function register(uint64 epoch, uint256 commitment, uint32 exampleCount) external {
        EpochRegistration storage e = _epochs[epoch];
        uint64 closesAt = e.closesAt;
        if (closesAt == 0) revert RegistrationNotOpened(epoch);
        if (block.timestamp >= closesAt) revert RegistrationClosed(epoch, closesAt);
        if (exampleCount == 0) revert NoExamples();
        if (exampleCount > maxExamplesPerRegistrant) revert TooManyExamples(exampleCount, maxExamplesPerRegistrant);
        // A commitment >= p would fold as commitment - p: two encodings of one registration.
        if (commitment >= P) revert NonReducedCommitment(commitment);
        uint32 order = e.count;
        if (order >= maxRegistrants) revert TooManyRegistrants(epoch, maxRegistrants);
        uint64 examples = e.examples + exampleCount;
        if (examples > maxExamplesPerEpoch) revert TooManyExamplesInEpoch(epoch, maxExamplesPerEpoch);
        e.count = order + 1;
        e.examples = examples;
        // sender + n * 2^160 < 2^192 < p: the circuit splits it back into sender and n.
        uint256 senderWord = uint256(uint160(msg.sender)) | (uint256(exampleCount) << ProtocolParams.ADDRESS_BITS);
        uint256 fold = poseidon.hash([registrationFold[epoch], commitment, senderWord]);
        registrationFold[epoch] = fold;
        emit Registered(epoch, msg.sender, order, commitment, exampleCount, fold);
        uint256 fee = _fee(e.pool, exampleCount);
        if (fee != 0) {
            uint256 allowance = feeToken.allowance(msg.sender, address(this));
            if (allowance < fee) revert FeeNotApproved(msg.sender, fee, allowance);
            feeToken.safeTransferFrom(msg.sender, BURN_ADDRESS, fee);
        }
    }

    /// @notice What registering `exampleCount` examples for `epoch` costs (an epoch not opened
    /// counts as a zero pool; register refuses it anyway): max(exampleCount * perExample, perRegistration) with perExample =
    /// max(feePerExample, ceil(pool / maxExamplesPerEpoch)) and perRegistration =
    /// ceil(pool / maxRegistrants). Filling the example cap costs maxExamplesPerEpoch * perExample
    /// >= pool, and filling the registrant cap maxRegistrants * perRegistration >= pool, so
    /// squatting either cap burns at least the pool it could win. No overflow: pool < 2^96 and
    /// exampleCount < 2^32 (a feePerExample above 2^224 only makes register revert).
    function registrationFee(uint64 epoch, uint32 exampleCount) external view returns (uint256) {
        return _fee(_epochs[epoch].pool, exampleCount);
    }

    function _fee(uint256 pool, uint32 exampleCount) private view returns (uint256) {
        uint256 perExample = _ceilDiv(pool, maxExamplesPerEpoch);
        if (perExample < feePerExample) perExample = feePerExample;
        uint256 fee = perExample * exampleCount;
        uint256 perRegistration = _ceilDiv(pool, maxRegistrants);
        return fee < perRegistration ? perRegistration : fee;
    }

    /// a / b rounded up; b > 0 (the constructor checks both caps are at least 1), so (a - 1) / b + 1
    /// cannot overflow.
    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        unchecked {
            return a == 0 ? 0 : (a - 1) / b + 1;
        }
    }

    /// @notice Whether registration for `epoch` was opened and has closed.
    function registrationClosed(uint64 epoch) external view returns (bool) {
        uint64 closesAt = _epochs[epoch].closesAt;
        return closesAt != 0 && block.timestamp >= closesAt;
    }

    /// @notice The deadline and the number of registrations of `epoch`.
    function registration(uint64 epoch) external view returns (uint64 closesAt, uint32 count) {
        EpochRegistration memory e = _epochs[epoch];
        return (e.closesAt, e.count);
    }
}
