// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IBatchVerifier} from "./IBatchVerifier.sol";
import {ContributorRegistry} from "./ContributorRegistry.sol";
import {ProtocolParams} from "./generated/ProtocolParams.sol";

/// @title PayoutSettlement
/// @notice Escrows an epoch's reward pool and releases it only once the whole policy is proven:
/// every ExampleBatch (dedup by strictly increasing hashes, clipping, per-example scores) and
/// every PayoutBatch (floor split per contributor) verifies, and the global checks hold.
///
/// Life of an epoch:
///  1. ContributorRegistry: registration opens (validation-set commitment) and closes.
///  2. openEpoch (owner, after registration closed): escrows R, fixes S, both batch counts and
///     both table commitments, draws r = keccak(commitExamples, commitContributors, domain) mod p
///     and records the model lineage (model hash, validation commitment, previous model hash).
///  3. revealValidation (owner, once the epoch is open, i.e. after the example table, and so
///     every score, is committed): the validation set's hash and the salt of the registry's
///     commitment keccak256(abi.encode(validationSetHash, salt)); checked and emitted. The set was
///     hidden while contributors could still register (nobody could tune data toward it or copy
///     it unseen), and it is public before anyone is paid (anyone can check that no credited
///     example copies it). May come before, between or after the batches of step 4.
///  4. submitExampleBatch / submitPayoutBatch (the owner, who committed the tables; each table in
///     order, in any interleaving,
///     over as many transactions and days as needed): for each, this contract does what the
///     circuit's header says the caller must: it takes chainIn, domain, r and the order key
///     (hashIn / addressIn) from its own state, derives the digest challenge rho by keccak itself,
///     recomputes the Horner digest and verifies the proof against (chainOut, digest, rho). A
///     payout batch pays nothing: it leaves keccak(words) in storage. Every payee must be a
///     registrant of the epoch, and the last payout batch brings the number of rows to the number
///     of registrations: with the circuit's strictly increasing addresses, the contributor table
///     is exactly the set of registrants (none added, none left out).
///  5. finalize (anyone): the validation set revealed; all batches verified; both chains end at the committed values (checked
///     by recomputing r from them); sum of example score sums == S == sum of payout amounts;
///     sum of example RLC sums == sum of payout RLC sums (sum_c T_c r^c == sum_e s_e r^(c_e));
///     sum of rewards <= R (also checked at every payout batch).
///  6. release (anyone, after finalize): pays one payout batch, its words passed again and checked
///     against the stored hash, which is then deleted: no batch twice. A transfer the token
///     refuses (a blocklisted payee, say) does not hold up the rest of the batch: that reward is
///     credited to the payee's `claimable` balance (PayoutDeferred), which only the payee can
///     withdraw, to itself or to another address (withdraw / withdrawTo).
/// A partially proven epoch stays as it is until completed: it is never paid early.
///
/// Way out: the owner may cancelEpoch, which returns the pool, while the epoch is open and NOT
/// finalizable (an epoch opened with wrong parameters would otherwise lock it forever: a batch
/// that cannot verify, sums that cannot match). Once every batch is verified and the global checks
/// hold, cancel is refused (EpochFinalizable): anyone may finalize, and the pool belongs to the
/// contributors. Residual: while batches are missing or the validation set is unrevealed the owner
/// can still cancel, so it can race the last batch or withhold the reveal; contributors are then
/// no worse off than if the epoch had never been opened (withholding the reveal is no new power:
/// the trainer can already withhold its proofs).
///
/// Not enforced here (see DESIGN.md, trust model): that the example table is the right one (that
/// each example hash was registered by the contributor it is credited to, and by no earlier
/// registrant: the trainer publishes the table and anyone rechecks it from the registry's
/// events), that the scores are the model's, and that the committed model is the trained one.
/// The dust R - sum(rewards) stays here.
contract PayoutSettlement is Ownable {
    using SafeERC20 for IERC20;

    enum Status {
        None,
        Open,
        Finalized,
        Cancelled
    }

    /// Per-epoch state in seven slots; a batch touches the ones of its own table.
    struct Epoch {
        // slot 0: parameters and progress (256 bits exactly).
        uint96 pool; //           R < 2^POOL_BITS (93)
        uint64 total; //          S in [1, 2^TOTAL_BITS)
        uint16 exampleBatches; // batch counts, >= 1
        uint16 payoutBatches;
        uint16 nextExample; //    batches verified so far
        uint16 nextPayout;
        uint16 released; //       payout batches released
        Status status;
        bool validationRevealed; // revealValidation matched the registry's commitment
        // slot 1, 2: the commitment chains after the last verified batch of each table.
        uint256 exampleChain;
        uint256 payoutChain;
        // slot 3: the challenge r.
        uint256 r;
        // slot 4: sum of example RLC sums minus sum of payout RLC sums, mod p.
        uint256 rlcDiff;
        // slot 5: last example hash (hashIn of the next batch), sums of both sides (each <= total).
        uint128 lastHash;
        uint64 scoreSum;
        uint64 amountSum;
        // slot 6: last active payee (addressIn of the next batch), rewards of verified batches.
        address lastAddress;
        uint96 paid; //           <= pool, checked at every payout batch
    }

    /// What an ExampleBatch proof claims, besides the proof.
    struct ExampleClaim {
        uint256 chainOut;
        uint256 hashOut;
        uint256 scoreSum;
        uint256 rlcSum;
    }

    /// What a PayoutBatch proof claims, besides the proof and the words.
    struct PayoutClaim {
        uint256 chainOut;
        uint256 amountSum;
        uint256 rlcSum;
    }

    /// A Groth16 proof as the generated verifier takes it (b with swapped coordinates).
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    uint256 private constant P = ProtocolParams.FIELD_MODULUS;
    uint256 private constant ADDRESS_BITS = ProtocolParams.ADDRESS_BITS;

    IERC20 public immutable token;
    ContributorRegistry public immutable registry;
    IBatchVerifier public immutable exampleVerifier;
    IBatchVerifier public immutable payoutVerifier;
    /// Rows per batch: the E and B of the circuits the verifiers were generated for.
    uint256 public immutable exampleBatchSize;
    uint256 public immutable payoutBatchSize;
    /// Hash of the model of the last opened epoch: the next epoch's previous model.
    bytes32 public latestModelHash;

    mapping(uint64 epoch => Epoch) private _epochs;
    /// keccak256(abi.encodePacked(words)) of each verified, not yet released payout batch.
    mapping(uint64 epoch => mapping(uint256 batchIndex => bytes32)) public payoutWordsHash;
    /// Rewards a release could not transfer (the token refused), owed to each payee across epochs.
    mapping(address payee => uint256) public claimable;
    /// Sum of every `claimable` balance: tokens held for payees, no longer part of any epoch's pool.
    /// Whatever ever spends this contract's balance otherwise (the dust) must leave this much.
    uint256 public totalClaimable;

    event EpochOpened(uint64 indexed epoch, EpochParams params, uint256 domain, uint256 r);
    event ModelLineage(
        uint64 indexed epoch, bytes32 indexed modelHash, bytes32 validationCommitment, bytes32 previousModelHash
    );
    event ExampleBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut);
    event PayoutBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut, bytes32 wordsHash);
    event ValidationRevealed(uint64 indexed epoch, bytes32 validationSetHash, bytes32 salt);
    event EpochFinalized(uint64 indexed epoch, uint256 paid, uint256 dust);
    event BatchReleased(uint64 indexed epoch, uint32 batchIndex, uint256 paid);
    event EpochSettled(uint64 indexed epoch);
    event EpochCancelled(uint64 indexed epoch, uint256 refunded);
    /// A release could not transfer `amount` to `payee`: credited to claimable[payee] instead.
    event PayoutDeferred(uint64 indexed epoch, address indexed payee, uint256 amount);
    event Withdrawn(address indexed payee, address indexed to, uint256 amount);

    error UnsupportedProtocolParams();
    error InvalidBatchSize(uint256 batchSize);
    error RegistryCapsExceedBatches(uint256 maxExamplesPerEpoch, uint256 maxRegistrants);
    error ZeroAddress();
    error RegistrationStillOpen(uint64 epoch);
    error EpochAlreadyOpen(uint64 epoch);
    error PoolOutOfRange(uint256 pool);
    error TotalOutOfRange(uint256 total);
    error BatchCountOutOfRange(uint256 batchCount);
    error EpochNotOpen(uint64 epoch);
    error BatchAlreadyVerified(uint64 epoch, uint32 batchIndex);
    error BatchOutOfOrder(uint32 expected, uint32 got);
    error WrongBatchLength(uint256 expected, uint256 got);
    error NonReducedFieldElement(uint256 value);
    error HashOutOfRange(uint256 hashOut);
    error InvalidProof();
    error PaddingBeforeLastBatch(uint64 epoch, uint32 batchIndex);
    error PoolExceeded(uint256 pool, uint256 paid);
    error TotalMismatch(uint256 expected, uint256 got);
    error ScoreSumMismatch(uint256 expected, uint256 got);
    error BatchesMissing(uint256 examplesVerified, uint256 exampleBatches, uint256 payoutsVerified, uint256 payoutBatches);
    error CommitmentMismatch(uint256 r, uint256 recomputed);
    error RlcMismatch(uint256 difference);
    error EpochNotFinalized(uint64 epoch);
    error BatchIndexOutOfRange(uint32 batchIndex);
    error AlreadyReleased(uint64 epoch, uint32 batchIndex);
    error WordsMismatch(bytes32 stored, bytes32 given);
    error EpochNotCancellable(uint64 epoch);
    error EpochFinalizable(uint64 epoch);
    error PayeeNotRegistered(uint64 epoch, address payee);
    error ValidationAlreadyRevealed(uint64 epoch);
    error ValidationRevealMismatch(bytes32 commitment, bytes32 revealed);
    error ValidationNotRevealed(uint64 epoch);
    error RegistrantCountMismatch(uint256 registrations, uint256 rows);
    error NothingToWithdraw(address payee);

    constructor(
        IERC20 token_,
        ContributorRegistry registry_,
        IBatchVerifier exampleVerifier_,
        uint256 exampleBatchSize_,
        IBatchVerifier payoutVerifier_,
        uint256 payoutBatchSize_
    ) Ownable(msg.sender) {
        // The packing above holds only while the generated widths fit it.
        if (
            ProtocolParams.POOL_BITS > 96 || ProtocolParams.TOTAL_BITS > 64 || ADDRESS_BITS != 160
                || ProtocolParams.EXAMPLE_HASH_BITS > 128 || ProtocolParams.BATCH_INDEX_BITS != 16
        ) revert UnsupportedProtocolParams();
        if (
            address(token_) == address(0) || address(registry_) == address(0) || address(exampleVerifier_) == address(0)
                || address(payoutVerifier_) == address(0)
        ) revert ZeroAddress();
        if (exampleBatchSize_ == 0 || exampleBatchSize_ > 1024) revert InvalidBatchSize(exampleBatchSize_);
        if (payoutBatchSize_ == 0 || payoutBatchSize_ > 1024) revert InvalidBatchSize(payoutBatchSize_);
        // openEpoch takes at most 2^16 - 1 batches per table: an epoch the registry lets Sybils
        // fill past that (one example row per declared example, one payout row per registrant)
        // could never be opened, and the contributors' fees and data would be for nothing.
        uint256 maxBatches = type(uint16).max;
        uint256 maxExamples = registry_.maxExamplesPerEpoch();
        uint256 maxRegistrants = registry_.maxRegistrants();
        if (maxExamples > maxBatches * exampleBatchSize_ || maxRegistrants > maxBatches * payoutBatchSize_) {
            revert RegistryCapsExceedBatches(maxExamples, maxRegistrants);
        }
        token = token_;
        registry = registry_;
        exampleVerifier = exampleVerifier_;
        exampleBatchSize = exampleBatchSize_;
        payoutVerifier = payoutVerifier_;
        payoutBatchSize = payoutBatchSize_;
    }

    /// @notice keccak256(abi.encode(chainid, this, epoch)) mod p (witness/domain.ts epochDomain).
    function domain(uint64 epoch) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), epoch))) % P;
    }

    /// @notice r = keccak256(abi.encode(commitExamples, commitContributors, domain)) mod p
    /// (witness/challenge.ts epochChallenge).
    function challenge(uint64 epoch, uint256 commitExamples, uint256 commitContributors) public view returns (uint256) {
        return uint256(keccak256(abi.encode(commitExamples, commitContributors, domain(epoch)))) % P;
    }

    /// @notice The stored state of `epoch` (all zero if it was never opened).
    function epochState(uint64 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// The parameters of openEpoch.
    struct EpochParams {
        uint256 pool; //               R, escrowed from the owner (approve first)
        uint256 total; //              S, the sum of all clipped scores
        uint32 exampleBatches; //      ExampleBatch proofs to verify
        uint32 payoutBatches; //       PayoutBatch proofs to verify
        uint256 commitExamples; //     the example table's chain value after its last batch
        uint256 commitContributors; // the contributor table's chain value after its last batch
        bytes32 modelHash; //          hash of the trained model this epoch pays for
    }

    /// @notice Opens `epoch` once its registration has closed: escrows the pool, fixes S, both
    /// batch counts and both table commitments, draws r and records the model lineage.
    function openEpoch(uint64 epoch, EpochParams calldata params) external onlyOwner {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.None) revert EpochAlreadyOpen(epoch);
        if (!registry.registrationClosed(epoch)) revert RegistrationStillOpen(epoch);
        if (params.pool >> ProtocolParams.POOL_BITS != 0) revert PoolOutOfRange(params.pool);
        if (params.total == 0 || params.total >> ProtocolParams.TOTAL_BITS != 0) revert TotalOutOfRange(params.total);
        if (params.exampleBatches == 0 || params.exampleBatches > type(uint16).max) {
            revert BatchCountOutOfRange(params.exampleBatches);
        }
        if (params.payoutBatches == 0 || params.payoutBatches > type(uint16).max) {
            revert BatchCountOutOfRange(params.payoutBatches);
        }
        if (params.commitExamples >= P) revert NonReducedFieldElement(params.commitExamples);
        if (params.commitContributors >= P) revert NonReducedFieldElement(params.commitContributors);
        e.pool = uint96(params.pool);
        e.total = uint64(params.total);
        e.exampleBatches = uint16(params.exampleBatches);
        e.payoutBatches = uint16(params.payoutBatches);
        e.status = Status.Open;
        uint256 r = challenge(epoch, params.commitExamples, params.commitContributors);
        e.r = r;
        token.safeTransferFrom(msg.sender, address(this), params.pool);
        emit EpochOpened(epoch, params, domain(epoch), r);
        emit ModelLineage(epoch, params.modelHash, registry.validationCommitment(epoch), latestModelHash);
        latestModelHash = params.modelHash;
    }

    /// @notice Reveals the validation set `epoch` was scored against: keccak256(abi.encode(
    /// validationSetHash, salt)) must be the commitment the registration opened with. Only once
    /// the epoch is open, so the example table (every score) was committed before the set is
    /// known; once per epoch; finalize waits for it. The salt hides a low-entropy set (e.g. a
    /// subset of a public dataset) until then.
    function revealValidation(uint64 epoch, bytes32 validationSetHash, bytes32 salt) external onlyOwner {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Open) revert EpochNotOpen(epoch);
        if (e.validationRevealed) revert ValidationAlreadyRevealed(epoch);
        bytes32 commitment = registry.validationCommitment(epoch);
        bytes32 revealed = keccak256(abi.encode(validationSetHash, salt));
        if (revealed != commitment) revert ValidationRevealMismatch(commitment, revealed);
        e.validationRevealed = true;
        emit ValidationRevealed(epoch, validationSetHash, salt);
    }

    /// @notice Verifies example batch `batchIndex` of `epoch` (the owner, in order). Only the owner,
    /// who committed the tables: a batch is checked against the committed chain only at finalize,
    /// and a verified batch cannot be replaced, so anyone else could verify a batch of a table of
    /// their own first and leave the epoch unfinalizable (found by review: a one-row table of
    /// hash 1 front-running the trainer's batch 0).
    function submitExampleBatch(uint64 epoch, uint32 batchIndex, ExampleClaim calldata claim, Proof calldata proof)
        external
        onlyOwner
    {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Open) revert EpochNotOpen(epoch);
        _checkOrder(epoch, batchIndex, e.nextExample, e.exampleBatches);
        if (claim.chainOut >= P) revert NonReducedFieldElement(claim.chainOut);
        if (claim.rlcSum >= P) revert NonReducedFieldElement(claim.rlcSum);
        if (claim.hashOut >> ProtocolParams.EXAMPLE_HASH_BITS != 0) revert HashOutOfRange(claim.hashOut);
        // Clipped scores are never negative: a sum past S can never come back.
        uint256 scoreSum = e.scoreSum + claim.scoreSum;
        if (scoreSum > e.total) revert ScoreSumMismatch(e.total, scoreSum);

        uint256 chainIn = e.exampleChain;
        uint256 r = e.r;
        uint256[7] memory v =
            [chainIn, domain(epoch), r, uint256(e.lastHash), claim.hashOut, claim.scoreSum, claim.rlcSum];
        uint256 rho = uint256(keccak256(abi.encode(claim.chainOut, v))) % P;
        uint256 acc = 0;
        for (uint256 i = 0; i < 7; i++) {
            acc = addmod(mulmod(acc, rho, P), v[i], P);
        }
        // r is a public signal from storage: the prover cannot pick it after seeing rho.
        if (!exampleVerifier.verifyProof(proof.a, proof.b, proof.c, [claim.chainOut, acc, r, rho])) revert InvalidProof();

        e.nextExample = uint16(batchIndex + 1);
        e.exampleChain = claim.chainOut;
        e.lastHash = uint128(claim.hashOut);
        e.scoreSum = uint64(scoreSum);
        e.rlcDiff = addmod(e.rlcDiff, claim.rlcSum, P);
        emit ExampleBatchVerified(epoch, batchIndex, claim.chainOut);
    }

    /// @notice Verifies payout batch `batchIndex` of `epoch` (the owner, in order, for the reason
    /// given at submitExampleBatch) and stores the hash of its words for the release. Pays nothing.
    /// @param words payoutBatchSize words address + reward * 2^ADDRESS_BITS; 0 for padding
    function submitPayoutBatch(
        uint64 epoch,
        uint32 batchIndex,
        PayoutClaim calldata claim,
        uint256[] calldata words,
        Proof calldata proof
    ) external onlyOwner {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Open) revert EpochNotOpen(epoch);
        _checkOrder(epoch, batchIndex, e.nextPayout, e.payoutBatches);
        if (words.length != payoutBatchSize) revert WrongBatchLength(payoutBatchSize, words.length);
        // The digest reduces mod p, so x and x + p would give the same digest while the contract
        // pays (or counts) x + p: a word >= p would alias another (payee, reward).
        if (claim.chainOut >= P) revert NonReducedFieldElement(claim.chainOut);
        if (claim.amountSum >= P) revert NonReducedFieldElement(claim.amountSum);
        if (claim.rlcSum >= P) revert NonReducedFieldElement(claim.rlcSum);

        BatchScan memory scan = _payoutDigest(e, domain(epoch), batchIndex, claim, words);
        if (!payoutVerifier.verifyProof(proof.a, proof.b, proof.c, [claim.chainOut, scan.digest, e.r, scan.rho])) {
            revert InvalidProof();
        }
        bool lastBatch = batchIndex == e.payoutBatches - 1;
        if (scan.padded && !lastBatch) revert PaddingBeforeLastBatch(epoch, batchIndex);
        address stranger = registry.firstUnregistered(epoch, words);
        if (stranger != address(0)) revert PayeeNotRegistered(epoch, stranger);
        if (lastBatch) {
            // Earlier batches are full (no padding before the last one).
            (, uint32 registrations) = registry.registration(epoch);
            uint256 rows = uint256(batchIndex) * payoutBatchSize + scan.active;
            if (rows != registrations) revert RegistrantCountMismatch(registrations, rows);
        }
        uint256 paid = e.paid + scan.paid;
        if (paid > e.pool) revert PoolExceeded(e.pool, paid);
        // Amounts are never negative, so a sum past S can never come back: fail at once.
        uint256 amountSum = e.amountSum + claim.amountSum;
        if (amountSum > e.total) revert TotalMismatch(e.total, amountSum);

        e.nextPayout = uint16(batchIndex + 1);
        e.payoutChain = claim.chainOut;
        if (scan.last != address(0)) e.lastAddress = scan.last;
        e.paid = uint96(paid);
        e.amountSum = uint64(amountSum);
        e.rlcDiff = addmod(e.rlcDiff, P - claim.rlcSum, P);
        payoutWordsHash[epoch][batchIndex] = scan.wordsHash;
        emit PayoutBatchVerified(epoch, batchIndex, claim.chainOut, scan.wordsHash);
    }

    /// @notice Checks that the validation set is revealed, every batch of `epoch` is verified and
    /// the global checks hold; from then on the epoch's payouts can be released. Callable by anyone.
    function finalize(uint64 epoch) external {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Open) revert EpochNotOpen(epoch);
        if (e.nextExample != e.exampleBatches || e.nextPayout != e.payoutBatches) {
            revert BatchesMissing(e.nextExample, e.exampleBatches, e.nextPayout, e.payoutBatches);
        }
        // r was drawn from the committed values: both chains end there iff r recomputes.
        uint256 recomputed = challenge(epoch, e.exampleChain, e.payoutChain);
        if (recomputed != e.r) revert CommitmentMismatch(e.r, recomputed);
        if (e.scoreSum != e.total) revert ScoreSumMismatch(e.total, e.scoreSum);
        if (e.amountSum != e.total) revert TotalMismatch(e.total, e.amountSum);
        if (e.rlcDiff != 0) revert RlcMismatch(e.rlcDiff);
        // Last: a complete, consistent epoch is paid only once its validation set is public.
        if (!e.validationRevealed) revert ValidationNotRevealed(epoch);
        e.status = Status.Finalized;
        emit EpochFinalized(epoch, e.paid, e.pool - e.paid);
    }

    /// @notice Pays payout batch `batchIndex` of a finalized `epoch`: `words` must be the words
    /// its proof was verified with. Each batch once. Callable by anyone.
    function release(uint64 epoch, uint32 batchIndex, uint256[] calldata words) external {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Finalized) revert EpochNotFinalized(epoch);
        if (batchIndex >= e.payoutBatches) revert BatchIndexOutOfRange(batchIndex);
        bytes32 stored = payoutWordsHash[epoch][batchIndex];
        if (stored == 0) revert AlreadyReleased(epoch, batchIndex);
        bytes32 given = keccak256(abi.encodePacked(words));
        if (given != stored) revert WordsMismatch(stored, given);
        delete payoutWordsHash[epoch][batchIndex];
        uint16 released = e.released + 1;
        e.released = released;
        uint256 paid = _pay(epoch, words);
        emit BatchReleased(epoch, batchIndex, paid);
        if (released == e.payoutBatches) emit EpochSettled(epoch);
    }

    /// @notice Pays the caller its whole claimable balance: the rewards releases could not
    /// transfer to it. Reverts if the token still refuses the caller (see withdrawTo).
    function withdraw() external {
        _withdraw(msg.sender);
    }

    /// @notice Pays the caller's whole claimable balance to `to`: the way out for a payee whose
    /// own address the token refuses. Only the caller's own balance moves.
    function withdrawTo(address to) external {
        if (to == address(0)) revert ZeroAddress();
        _withdraw(to);
    }

    /// @notice Returns the pool of an epoch that is open but cannot be finalized to the owner.
    function cancelEpoch(uint64 epoch) external onlyOwner {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Open) revert EpochNotCancellable(epoch);
        if (_finalizable(e, epoch)) revert EpochFinalizable(epoch);
        e.status = Status.Cancelled;
        uint256 pool = e.pool;
        token.safeTransfer(msg.sender, pool);
        emit EpochCancelled(epoch, pool);
    }

    /// Whether finalize would succeed now (the same checks, as a predicate).
    function _finalizable(Epoch storage e, uint64 epoch) private view returns (bool) {
        return e.validationRevealed && e.nextExample == e.exampleBatches && e.nextPayout == e.payoutBatches
            && challenge(epoch, e.exampleChain, e.payoutChain) == e.r && e.scoreSum == e.total && e.amountSum == e.total
            && e.rlcDiff == 0;
    }

    function _checkOrder(uint64 epoch, uint32 batchIndex, uint16 next, uint16 count) private pure {
        if (batchIndex < next) revert BatchAlreadyVerified(epoch, batchIndex);
        if (batchIndex >= count) revert BatchIndexOutOfRange(batchIndex);
        if (batchIndex > next) revert BatchOutOfOrder(next, batchIndex);
    }

    /// What one pass over a payout batch's words yields.
    struct BatchScan {
        uint256 rho;
        uint256 digest;
        bytes32 wordsHash;
        uint256 paid; //     sum of the batch's rewards
        uint256 active; //   rows with a payee (not padding)
        address last; //     last active payee, 0 if none
        bool padded; //      a word with payee 0 (a padding row) is present
    }

    /// rho = keccak256(abi.encode(chainOut, V[0..8], keccak256(words))) mod p, then the Horner
    /// digest of V = [chainIn, domain, pool, total, addressIn, amountSum, r, batchIndex, rlcSum,
    /// words...] at rho. Also range-checks each word and returns what the batch pays.
    function _payoutDigest(
        Epoch storage e,
        uint256 dom,
        uint32 batchIndex,
        PayoutClaim calldata claim,
        uint256[] calldata words
    ) private view returns (BatchScan memory scan) {
        scan.wordsHash = keccak256(abi.encodePacked(words));
        uint256[9] memory v = [
            e.payoutChain,
            dom,
            uint256(e.pool),
            uint256(e.total),
            uint256(uint160(e.lastAddress)),
            claim.amountSum,
            e.r,
            uint256(batchIndex),
            claim.rlcSum
        ];
        uint256 rho = uint256(keccak256(abi.encode(claim.chainOut, v, scan.wordsHash))) % P;
        // Every header value is below p: chains, r and claims were checked or reduced, the rest
        // are narrower than p.
        uint256 acc = 0;
        for (uint256 i = 0; i < 9; i++) {
            acc = addmod(mulmod(acc, rho, P), v[i], P);
        }
        // The per-word loop in assembly: ~110 gas per word cheaper than the Solidity loop. It
        // reads only calldata and writes only stack variables.
        bool padded;
        address last;
        uint256 paid;
        uint256 active;
        uint256 p = P;
        bytes4 nonReduced = NonReducedFieldElement.selector;
        assembly ("memory-safe") {
            for {
                let off := words.offset
                let end := add(off, shl(5, words.length))
            } lt(off, end) { off := add(off, 32) } {
                let word := calldataload(off)
                if iszero(lt(word, p)) {
                    mstore(0, nonReduced)
                    mstore(4, word)
                    revert(0, 0x24)
                }
                acc := addmod(mulmod(acc, rho, p), word, p)
                let payee := and(word, 0xffffffffffffffffffffffffffffffffffffffff) // ADDRESS_BITS = 160
                switch payee
                case 0 { padded := 1 }
                default {
                    last := payee
                    active := add(active, 1)
                    // word < p < 2^254: a reward is < 2^94, and 1024 of them cannot wrap.
                    paid := add(paid, shr(160, word))
                }
            }
        }
        scan.active = active;
        scan.padded = padded;
        scan.last = last;
        scan.paid = paid;
        scan.rho = rho;
        scan.digest = acc;
    }

    /// Transfers each active word's reward to its payee; zero rewards and padding are skipped. A
    /// transfer the token refuses (reverts or returns false) is credited to the payee's claimable
    /// balance instead, so one payee cannot block the others. Returns transferred + credited.
    function _pay(uint64 epoch, uint256[] calldata words) private returns (uint256 paid) {
        uint256 deferred = 0;
        for (uint256 i = 0; i < words.length;) {
            uint256 word = words[i];
            address payee = address(uint160(word));
            uint256 reward = word >> ADDRESS_BITS;
            if (payee != address(0) && reward != 0) {
                if (!token.trySafeTransfer(payee, reward)) {
                    // A caller of release cannot starve a transfer into this branch on purpose:
                    // a call that ran out of gas leaves under 1/64 of its gas here (EIP-150),
                    // less than the credit below costs (a storage write: over 5k gas, 22k for a
                    // first credit) for any token whose transfer costs under ~300k gas, so the
                    // whole release runs out of gas instead. Payees are strictly increasing
                    // within a batch: one credit per payee.
                    claimable[payee] += reward;
                    deferred += reward;
                    emit PayoutDeferred(epoch, payee, reward);
                }
                paid += reward;
            }
            unchecked {
                ++i;
            }
        }
        if (deferred != 0) totalClaimable += deferred;
    }

    /// Checks-effects-interactions: the balance is zeroed before the transfer, so a reentrant
    /// call finds nothing left; a failed transfer reverts and restores it.
    function _withdraw(address to) private {
        uint256 amount = claimable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        claimable[msg.sender] = 0;
        totalClaimable -= amount;
        emit Withdrawn(msg.sender, to, amount);
        token.safeTransfer(to, amount);
    }
}
