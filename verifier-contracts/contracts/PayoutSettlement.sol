// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IBatchVerifier} from "./IBatchVerifier.sol";
import {ContributorRegistry} from "./ContributorRegistry.sol";
import {ProtocolParams} from "./generated/ProtocolParams.sol";
import {epochDomain} from "./EpochDomain.sol";

/// @title PayoutSettlement
/// @notice Escrows an epoch's reward pool from the moment its registration opens and releases it
/// only once the whole statement of docs/soundness-ii.md is proven: the claim table is exactly the
/// registrations (a grand product over (hash, j) on both sides), each example is credited to its
/// earliest registrant, scores are clipped and summed per registration, and the pool is split by
/// floor division, one payout row per registration in registration order j.
///
/// Life of an epoch (deadlines fixed at deployment, measured from the registration deadline):
///  1. openEpoch (owner): escrows R and opens registration in the registry (this contract owns
///     it) with its deadline and the validation commitment, and fixes the epoch it follows (its
///     model's lineage, below). cancelEpoch refunds R only while nobody registered, or after an
///     empty commit (below). The pool must arrive whole: a token that takes a fee on transfer is
///     refused (PoolNotReceived), as one epoch's shortfall would be paid from another's escrow.
///  2. commitEpoch (the trainer, within commitWindow after the deadline): both table
///     commitments, S, the three batch counts, the model hash and the exclusion set X (registrants
///     whose data never arrived: sorted orders, emitted). The registry's running hash F and count
///     m are read here. Then the seed is drawn from all of it; r = seed, and the circuits derive
///     gamma and beta from it.
///  3. contestExclusion (anyone, within contestWindow of the commit): a Delivery receipt the owner
///     signed (EIP-712) for an excluded registrant voids the commit; the owner commits again
///     (before the commit deadline) without excluding it. Nobody can be excluded once the trainer
///     acknowledged its data, so excluding an earliest registrant to hand its examples to a later
///     copier cannot survive its receipt. An empty commit (S = 0, every registrant excluded: no
///     data arrived) is the way out of an epoch whose registrants never delivered (found by
///     review: one undelivered registration in the last block blocked cancelEpoch, and the pool
///     could then only be burned): once its contest window is over, cancelEpoch refunds R; it
///     can be neither finalized nor forfeited.
///  4. After the contest window and before the settle deadline: the batches of the three tables
///     (owner; each table in order, any interleaving) and revealValidation (owner).
///  5. finalize (anyone): every batch verified; the chains end at the committed values; the
///     registration side ends at the registry's (F, m) with no list open; sum of clipped scores ==
///     S == sum of amounts; the two grand products are equal; the RLC difference is 0; the
///     validation set is revealed. Then release (anyone) pays each payout batch once: whole, or
///     in row ranges from a cursor (releaseRows) when the token's transfers make a whole batch too
///     costly for one transaction.
///  6. forfeit (anyone, after the settle deadline, epoch not finalized): the pool is burned: it
///     never returns to the owner, so walking away after seeing the results gains nothing.
///
/// Model lineage, per epoch (epochs may overlap: N + 1 may open, register and commit while N
/// still proves): openEpoch(N + 1, ..., follows = N) fixes the followed epoch, which must have been
/// opened here and not cancelled or forfeited (LineageNotOpened, LineageEnded), and N + 1's
/// registration must close at least a contest window and half a commit window after N's
/// (LineageTooEarly), so N's commit, however late in its window, is final with half a commit
/// window left before N + 1's commit deadline (found by review: N's trainer committing in the
/// last second otherwise left N + 1 uncommittable, its pool burned);
/// follows = 0 starts a lineage. commitEpoch(N + 1) copies N's stored model hash into N + 1's
/// previousModelHash once N's commit can no longer change: N finalized, committed with its
/// contest window over, or forfeited after such a commit (else LineageNotCommitted while N may
/// still commit, LineageContestable while its contest window runs). What binds it:
///   - N + 1 records a model hash N committed, never one the trainer passes in: N's modelHash is
///     written only by commitEpoch(N), and read here only from N's own storage.
///   - A contest of N cannot change what N + 1 records: N + 1 reads N's hash only after N's
///     contest window closed (a contest voids a commit only within it, and the trainer may then
///     recommit another model), and from then on N's commit is final (N finalizes or is
///     forfeited; neither writes its modelHash, and a forfeit keeps committedAt: a review found
///     that a watcher forfeiting N first made N + 1 uncommittable). So N + 1's previousModelHash
///     always equals N's final committed model hash, and once recorded it is never rewritten.
///   - No cycles: the followed epoch must be opened before, and committed before.
///   - If N ends without a model (an empty commit, whether cancelled yet or not; cancelled or
///     forfeited uncommitted; or its commit deadline passed without a commit), N + 1 commits with previousModelHash 0: the lineage visibly breaks,
///     and N + 1's contributors are not punished for N's trainer.
/// finalize emits ModelLineage(epoch, modelHash, validationCommitment, previousModelHash, follows).
///
/// Each batch: this contract does what the circuit's header says the caller must: takes the
/// carried values (chain, last key, registration state) from its storage, derives the digest
/// challenge rho by keccak itself, recomputes the Horner digest and verifies the proof against
/// (chainOut, digest, seed, rho) with its stored seed.
///
/// Not proven (the trust model, README): that the scores are the committed model's and that the
/// model is the trained one (recomputable off chain), and the trainer's word on undelivered data
/// (X is public and contestable with a receipt).
contract PayoutSettlement is Ownable, EIP712 {
    using SafeERC20 for IERC20;

    enum Status {
        None,
        Registration, // escrowed; registration open or closed, no live commit
        Committed,
        Finalized,
        Cancelled,
        Forfeited
    }

    struct Epoch {
        // slot 0
        uint96 pool; //            R < 2^POOL_BITS
        uint64 total; //           S in [1, 2^TOTAL_BITS)
        uint16 exampleBatches;
        uint16 registrationBatches;
        uint16 payoutBatches;
        uint16 released; //        payout batches released
        Status status;
        bool validationRevealed;
        // slot 1
        uint64 committedAt;
        uint16 nextExample; //     batches verified so far
        uint16 nextRegistration;
        uint16 nextPayout;
        uint96 paid; //            rewards of verified payout batches, <= pool
        uint32 registrants; //     m, read from the registry at commit
        // slot 2..5: the commit
        uint256 seed;
        uint256 commitExamples;
        uint256 commitPayouts;
        bytes32 exclusionHash; //  keccak256 of X as a bitmap over the m registrations
        // slot 6..8: chains and the identities
        uint256 exampleChain;
        uint256 payoutChain;
        uint256 rlcDiff; //        claims + registrations - payouts - sum_{j in X} r^(j + 2^21)
        // slot 9, 10: the grand products of both sides
        uint256 claimProduct;
        uint256 registrationProduct;
        // slot 11: the claim table's last key, and the sums of both sides (each <= total)
        uint128 lastHash;
        uint32 lastJ;
        uint64 scoreSum;
        // slot 12: the registration table's carried state, and the lineage
        uint64 amountSum;
        uint32 regNextJ; //        registrants started
        uint32 regCount; //        hashes so far of the open registrant
        bool regOpen; //           a registrant's list continues into the next batch
        uint64 follows; //         the epoch whose model this one continues, fixed at opening (0: none)
        // slot 13..15
        uint256 regFold;
        uint256 regState;
        uint256 regSenderWord;
        // slot 16..20 (the trainer's slot also holds the registration deadline)
        bytes32 modelHash;
        address trainer; //        the only key that commits, proves and reveals; receipts are its signatures
        uint64 closesAt; //        the registration deadline, copied at opening: read with the trainer, no registry call per batch
        uint256 commitExclusion; // Poseidon chain over the excluded orders (the circuit's flags, fixed before the seed)
        uint256 regExcl; //        the registration table's exclusion chain so far
        bytes32 previousModelHash; // the followed epoch's model hash, copied at commit (0 when follows is 0)
    }

    /// What an ExampleBatch (claim rows) proof claims, besides the proof.
    struct ExampleClaim {
        uint256 chainOut;
        uint256 hashOut;
        uint256 jOut;
        uint256 scoreSum;
        uint256 rlcSum;
        uint256 product;
    }

    /// What a RegistrationBatch proof claims, besides the proof.
    struct RegistrationClaim {
        uint256 foldOut;
        uint256 nextJOut;
        uint256 openOut;
        uint256 stateOut;
        uint256 countOut;
        uint256 senderWordOut;
        uint256 exclOut;
        uint256 product;
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

    /// How far releaseRows got in a payout batch: one slot.
    struct ReleaseCursor {
        uint32 rows; //  rows paid so far, < the batch's rows
        uint96 paid; // what they paid (transferred + credited), <= pool
    }

    /// The verifier and rows per batch of each circuit.
    struct Verifiers {
        IBatchVerifier example;
        uint256 exampleBatchSize;
        IBatchVerifier registration;
        uint256 registrationBatchSize;
        IBatchVerifier payout;
        uint256 payoutBatchSize;
    }

    /// Deadlines in seconds: commit within commitWindow of the registration deadline; contests
    /// within contestWindow of the commit; everything proven by the settle deadline =
    /// registration deadline + commitWindow + contestWindow + proofWindow.
    struct Windows {
        uint64 commitWindow;
        uint64 contestWindow;
        uint64 proofWindow;
    }

    /// The parameters of commitEpoch.
    struct Commit {
        uint256 commitExamples; //  the claim table's chain after its last batch
        uint256 commitPayouts; //   the payout table's chain after its last batch
        uint256 commitExclusion; // E: the Poseidon chain over X the registration table's flags must reproduce
        uint256 total; //           S, the sum of all credited clipped scores
        uint32 exampleBatches;
        uint32 registrationBatches;
        uint32 payoutBatches;
        bytes32 modelHash; //       hash of the trained model this epoch pays for
    }

    uint256 private constant P = ProtocolParams.FIELD_MODULUS;
    uint256 private constant ADDRESS_BITS = ProtocolParams.ADDRESS_BITS;
    uint256 private constant INDEX_BITS = ProtocolParams.CONTRIBUTOR_INDEX_BITS;
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;
    /// XORed into a batch's stored words hash at its first partial release: the full release of an
    /// untouched batch then finds its cursor at 0 from the hash it reads anyway, with no other
    /// storage read, and the words are still checked against the whole hash (only its last bit moves).
    bytes32 private constant PARTLY_RELEASED = bytes32(uint256(1));
    /// The receipt the trainer signs when a registrant's data arrives and re-hashes to its C.
    bytes32 public constant DELIVERY_TYPEHASH =
        keccak256("Delivery(uint64 epoch,uint32 order,uint256 commitment)");

    IERC20 public immutable token;
    ContributorRegistry public immutable registry;
    IBatchVerifier public immutable exampleVerifier;
    IBatchVerifier public immutable registrationVerifier;
    IBatchVerifier public immutable payoutVerifier;
    uint256 public immutable exampleBatchSize;
    uint256 public immutable registrationBatchSize;
    uint256 public immutable payoutBatchSize;
    uint64 public immutable commitWindow;
    uint64 public immutable contestWindow;
    uint64 public immutable proofWindow;

    mapping(uint64 epoch => Epoch) private _epochs;
    /// keccak256(abi.encodePacked(words)) of each verified payout batch not yet fully released,
    /// with its lowest bit flipped (PARTLY_RELEASED) once releaseRows paid some of its rows; zero
    /// once every row is paid.
    mapping(uint64 epoch => mapping(uint256 batchIndex => bytes32)) public payoutWordsHash;
    /// The release cursor of each partly released payout batch: the rows releaseRows paid so far
    /// (rows [0, rows) of its words) and what they paid. Zero before a batch's first partial
    /// release and again once it is complete.
    mapping(uint64 epoch => mapping(uint256 batchIndex => ReleaseCursor)) public releaseCursor;
    /// Rewards a release could not transfer (the token refused), owed to each payee across epochs.
    mapping(address payee => uint256) public claimable;
    /// Sum of every `claimable` balance: tokens held for payees, no longer part of any epoch's pool.
    uint256 public totalClaimable;
    /// Set while openEpoch takes a pool in: a token that calls the owner back during that transfer
    /// cannot open or cancel an epoch inside it, whose pool the outer balance check would count too
    /// (red team 8: a fee-on-transfer token's shortfall covered by nested epochs).
    bool private transient _poolArriving;

    event EpochOpened(
        uint64 indexed epoch, uint64 closesAt, uint256 pool, bytes32 validationCommitment, address trainer, uint64 follows
    );
    event EpochCommitted(uint64 indexed epoch, Commit params, bytes exclusion, uint256 seed, uint256 fold, uint32 registrants);
    event ModelLineage(
        uint64 indexed epoch,
        bytes32 indexed modelHash,
        bytes32 validationCommitment,
        bytes32 previousModelHash,
        uint64 follows
    );
    event ExclusionContested(uint64 indexed epoch, uint32 order, uint256 commitment);
    event ExampleBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut);
    event RegistrationBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 foldOut);
    event PayoutBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut, bytes32 wordsHash);
    event ValidationRevealed(uint64 indexed epoch, bytes32 validationSetHash, bytes32 salt);
    event EpochFinalized(uint64 indexed epoch, uint256 paid, uint256 dust);
    /// Payout batch `batchIndex` is fully paid; `paid`: its whole total (transferred + credited),
    /// the rows paid in this transaction and in any BatchRowsReleased before it.
    event BatchReleased(uint64 indexed epoch, uint32 batchIndex, uint256 paid);
    /// releaseRows paid rows [fromRow, toRow) of payout batch `batchIndex` (`paid` for them) and
    /// left the rest of it for later: the call that pays its last row emits BatchReleased instead.
    event BatchRowsReleased(uint64 indexed epoch, uint32 batchIndex, uint256 fromRow, uint256 toRow, uint256 paid);
    event EpochSettled(uint64 indexed epoch);
    event EpochCancelled(uint64 indexed epoch, uint256 refunded);
    event EpochForfeited(uint64 indexed epoch, uint256 burned);
    /// A release could not transfer `amount` to `payee`: credited to claimable[payee] instead.
    event PayoutDeferred(uint64 indexed epoch, address indexed payee, uint256 amount);
    event Withdrawn(address indexed payee, address indexed to, uint256 amount);

    error UnsupportedProtocolParams();
    error InvalidBatchSize(uint256 batchSize);
    error InvalidWindows();
    error RegistryCapsExceedBatches(uint256 maxExamplesPerEpoch, uint256 maxRegistrants);
    error ZeroAddress();
    error EpochAlreadyOpen(uint64 epoch);
    error PoolOutOfRange(uint256 pool);
    error RegistrationStillOpen(uint64 epoch);
    error CommitDeadlinePassed(uint64 epoch, uint256 deadline);
    error NotCommittable(uint64 epoch);
    error TotalOutOfRange(uint256 total);
    error BatchCountOutOfRange(uint256 batchCount);
    error PayoutRowsOutOfRange(uint256 rows, uint256 registrants);
    error InvalidExclusionSet(uint256 position);
    error NotExcluded(uint64 epoch, uint32 order);
    error EpochNotCommitted(uint64 epoch);
    error ContestWindowClosed(uint64 epoch);
    error ContestWindowOpen(uint64 epoch, uint256 endsAt);
    error SettleDeadlinePassed(uint64 epoch, uint256 deadline);
    error SettleDeadlineNotReached(uint64 epoch, uint256 deadline);
    error ExclusionSetMismatch(bytes32 stored, bytes32 given);
    error NotTheTrainersReceipt(address signer);
    error NotTheTrainer(address caller, address trainer);
    error BatchAlreadyVerified(uint64 epoch, uint32 batchIndex);
    error BatchOutOfOrder(uint32 expected, uint32 got);
    error WrongBatchLength(uint256 expected, uint256 got);
    error NonReducedFieldElement(uint256 value);
    error ClaimOutOfRange(string field, uint256 value);
    error InvalidProof();
    error PoolExceeded(uint256 pool, uint256 paid);
    error TotalMismatch(uint256 expected, uint256 got);
    error ScoreSumMismatch(uint256 expected, uint256 got);
    error BatchesMissing(uint256 examples, uint256 registrations, uint256 payouts);
    error CommitmentMismatch(uint256 committed, uint256 reached);
    error RegistrationsMismatch(uint256 fold, uint256 registryFold, uint256 registrants, bool open);
    error ExclusionMismatch(uint256 committed, uint256 reached);
    error ProductMismatch(uint256 claims, uint256 registrations);
    error RlcMismatch(uint256 difference);
    error ValidationAlreadyRevealed(uint64 epoch);
    error ValidationRevealMismatch(bytes32 commitment, bytes32 revealed);
    error ValidationNotRevealed(uint64 epoch);
    error EpochNotFinalized(uint64 epoch);
    error BatchIndexOutOfRange(uint32 batchIndex);
    error AlreadyReleased(uint64 epoch, uint32 batchIndex);
    error WordsMismatch(bytes32 stored, bytes32 given);
    error NoRowsToRelease();
    error EpochNotCancellable(uint64 epoch);
    error EpochFinalizable(uint64 epoch);
    error ZeroTrainer();
    error NothingToWithdraw(address payee);
    error LineageNotOpened(uint64 follows);
    error LineageEnded(uint64 follows);
    error LineageNotCommitted(uint64 follows);
    error LineageContestable(uint64 follows, uint256 contestEnds);
    error LineageTooEarly(uint64 follows, uint256 earliestClosesAt);
    error PoolNotReceived(uint256 pool, uint256 received);
    error EmptyCommit(uint64 epoch);
    error NobodyRegistered(uint64 epoch);
    error PoolArriving();
    error TrainerNotAKey(address trainer);

    constructor(IERC20 token_, ContributorRegistry registry_, Verifiers memory verifiers, Windows memory windows)
        Ownable(msg.sender)
        EIP712("AttributionSettlement", "1")
    {
        // The packing above holds only while the generated widths fit it.
        if (
            ProtocolParams.POOL_BITS > 96 || ProtocolParams.TOTAL_BITS > 64 || ADDRESS_BITS != 160
                || ProtocolParams.EXAMPLE_HASH_BITS > 128 || ProtocolParams.BATCH_INDEX_BITS != 16 || INDEX_BITS > 32
        ) revert UnsupportedProtocolParams();
        if (
            address(token_) == address(0) || address(registry_) == address(0)
                || address(verifiers.example) == address(0) || address(verifiers.registration) == address(0)
                || address(verifiers.payout) == address(0)
        ) revert ZeroAddress();
        _checkBatchSize(verifiers.exampleBatchSize);
        _checkBatchSize(verifiers.registrationBatchSize);
        _checkBatchSize(verifiers.payoutBatchSize);
        // A release pays a whole payout batch in one transaction: more payees than fit its gas cap
        // would leave a finalized epoch that can never be paid.
        if (verifiers.payoutBatchSize > ProtocolParams.MAX_PAYEES_PER_RELEASE) revert InvalidBatchSize(verifiers.payoutBatchSize);
        if (windows.commitWindow == 0 || windows.contestWindow == 0 || windows.proofWindow == 0) revert InvalidWindows();
        // At most 2^16 - 1 batches per table: an epoch the registry lets Sybils fill past that
        // could never be committed. Payout rows are also registration orders j < 2^INDEX_BITS.
        uint256 maxBatches = type(uint16).max;
        uint256 maxExamples = registry_.maxExamplesPerEpoch();
        uint256 maxRegistrants = registry_.maxRegistrants();
        // Registration rows: at most one per registrant plus one per REGISTRATION_CHUNK examples
        // (found by review: at K = 2 Sybils could fill more rows than 65,535 batches hold).
        uint256 maxRegistrationRows = maxRegistrants + (maxExamples + ProtocolParams.REGISTRATION_CHUNK - 1) / ProtocolParams.REGISTRATION_CHUNK;
        if (
            maxExamples > maxBatches * verifiers.exampleBatchSize
                || maxRegistrants > maxBatches * verifiers.payoutBatchSize
                || maxRegistrationRows > maxBatches * verifiers.registrationBatchSize
                || maxRegistrants + verifiers.payoutBatchSize > (1 << INDEX_BITS)
        ) revert RegistryCapsExceedBatches(maxExamples, maxRegistrants);
        token = token_;
        registry = registry_;
        exampleVerifier = verifiers.example;
        exampleBatchSize = verifiers.exampleBatchSize;
        registrationVerifier = verifiers.registration;
        registrationBatchSize = verifiers.registrationBatchSize;
        payoutVerifier = verifiers.payout;
        payoutBatchSize = verifiers.payoutBatchSize;
        commitWindow = windows.commitWindow;
        contestWindow = windows.contestWindow;
        proofWindow = windows.proofWindow;
    }

    /// @notice keccak256(abi.encode(chainid, this, epoch)) mod p (witness/domain.ts epochDomain).
    function domain(uint64 epoch) public view returns (uint256) {
        return epochDomain(address(this), epoch);
    }

    /// @notice The stored state of `epoch` (all zero if it was never opened).
    function epochState(uint64 epoch) external view returns (Epoch memory) {
        return _epochs[epoch];
    }

    /// @notice The EIP-712 digest of a Delivery receipt (what the trainer signs).
    function deliveryDigest(uint64 epoch, uint32 order, uint256 commitment) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(DELIVERY_TYPEHASH, epoch, order, commitment)));
    }

    /// @notice The commit deadline and the settle deadline of `epoch` (0, 0 if never opened).
    function deadlines(uint64 epoch) public view returns (uint256 commitBy, uint256 settleBy) {
        (uint64 closesAt,) = registry.registration(epoch);
        if (closesAt == 0) return (0, 0);
        commitBy = uint256(closesAt) + commitWindow;
        settleBy = commitBy + contestWindow + proofWindow;
    }

    /// @notice Escrows `pool` from the owner (approve first) and opens registration for `epoch`.
    /// `trainer` is fixed for the epoch: only it commits, proves and reveals, and a Delivery
    /// receipt counts only with its signature (an owner key changed later cannot void receipts:
    /// found by review). `follows`: the epoch whose model this epoch's continues, opened here
    /// before and not cancelled or forfeited, or 0 for the first of a lineage (see the header).
    function openEpoch(
        uint64 epoch,
        uint64 closesAt,
        bytes32 validationCommitment,
        uint256 pool,
        address trainer,
        uint64 follows
    ) external onlyOwner {
        if (_poolArriving) revert PoolArriving();
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.None) revert EpochAlreadyOpen(epoch);
        if (pool >> ProtocolParams.POOL_BITS != 0) revert PoolOutOfRange(pool);
        if (trainer == address(0)) revert ZeroTrainer();
        // Receipts are the trainer's ECDSA signatures: a contract has no key to sign one the
        // contest recovers, so every exclusion would stand (red team 10). commitEpoch checks again.
        // An account that delegated its code (EIP-7702: 0xef0100 and an address) keeps its key.
        bytes memory code = trainer.code;
        if (code.length != 0 && (code.length != 23 || bytes3(code) != 0xef0100)) revert TrainerNotAKey(trainer);
        if (follows != 0) {
            // follows == epoch lands here too: this epoch is not open yet.
            Status followed = _epochs[follows].status;
            if (followed == Status.None) revert LineageNotOpened(follows);
            if (followed == Status.Cancelled || followed == Status.Forfeited) revert LineageEnded(follows);
            (uint64 followedClosesAt,) = registry.registration(follows);
            // Half a commit window of margin: the follower can still commit (in a block) after the
            // followed epoch's latest possible commit turns final (a review found 2 s left).
            uint256 earliest = uint256(followedClosesAt) + contestWindow + commitWindow / 2;
            if (closesAt < earliest) revert LineageTooEarly(follows, earliest);
        }
        e.pool = uint96(pool);
        e.status = Status.Registration;
        e.trainer = trainer;
        e.closesAt = closesAt;
        e.follows = follows;
        registry.openRegistration(epoch, closesAt, validationCommitment, pool); // the pool fixes the fees
        // Every later payment (refund, release, burn) sends e.pool out of one shared balance: a pool
        // that arrives short (a fee-on-transfer token) would be paid from other epochs' escrow.
        uint256 held = token.balanceOf(address(this));
        _poolArriving = true;
        token.safeTransferFrom(msg.sender, address(this), pool);
        _poolArriving = false;
        uint256 received = token.balanceOf(address(this)) - held;
        if (received != pool) revert PoolNotReceived(pool, received);
        emit EpochOpened(epoch, closesAt, pool, validationCommitment, trainer, follows);
    }

    /// @notice Refunds the pool of an epoch nobody has registered for (and closes its
    /// registration), or of an empty commit whose contest window is over: every registrant
    /// excluded, and none held the trainer's receipt for its data. Otherwise, from the first
    /// registration on, the pool is the contributors': only finalize pays it, only forfeit burns
    /// it (a review found that cancelling any time before the deadline let the owner take R back
    /// after acknowledging delivered data).
    function cancelEpoch(uint64 epoch) external onlyOwner {
        if (_poolArriving) revert PoolArriving();
        Epoch storage e = _epochs[epoch];
        if (e.status == Status.Registration) {
            registry.cancelRegistration(epoch); // reverts once anyone registered
        } else if (e.status == Status.Committed && e.total == 0) {
            uint256 contestEnds = uint256(e.committedAt) + contestWindow;
            if (block.timestamp < contestEnds) revert ContestWindowOpen(epoch, contestEnds);
        } else {
            revert EpochNotCancellable(epoch);
        }
        e.status = Status.Cancelled;
        uint256 pool = e.pool;
        token.safeTransfer(msg.sender, pool);
        emit EpochCancelled(epoch, pool);
    }

    /// @notice Fixes the epoch's tables, S, batch counts, model and exclusion set, then draws the
    /// seed. `exclusion`: X as a bitmap over the m registrations, ceil(m / 8) bytes, bit j (byte
    /// j / 8, bit j % 8 from the least significant) set when registration j is excluded. S = 0
    /// only with every registration excluded: an empty commit, which only cancelEpoch ends. A bitmap,
    /// not a list of orders: a list cost ~3.3k gas per excluded registrant, so ~5,000 Sybils that
    /// register and never deliver made the commit exceed a transaction's gas (found by review).
    function commitEpoch(uint64 epoch, Commit calldata params, bytes calldata exclusion) external {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Registration) revert NotCommittable(epoch);
        _checkTrainer(e);
        // The trainer commits from its own key: code placed at its address after the opening
        // (CREATE2) would leave receipts no key signs.
        if (msg.sender != tx.origin) revert TrainerNotAKey(msg.sender);
        (uint64 closesAt, uint32 m) = registry.registration(epoch);
        if (block.timestamp < closesAt) revert RegistrationStillOpen(epoch);
        // Nothing to commit, and the pool stays the owner's to cancel (a review found the trainer
        // could otherwise lock out the owner's cancel, or name any model for the lineage).
        if (m == 0) revert NobodyRegistered(epoch);
        uint256 commitBy = uint256(closesAt) + commitWindow; // deadlines(epoch), without its second registry call
        if (block.timestamp >= commitBy) revert CommitDeadlinePassed(epoch, commitBy);
        if (params.total >> ProtocolParams.TOTAL_BITS != 0) revert TotalOutOfRange(params.total);
        _checkBatchCount(params.exampleBatches);
        _checkBatchCount(params.registrationBatches);
        _checkBatchCount(params.payoutBatches);
        // Every registrant needs a payout row; rows are orders j < 2^INDEX_BITS (the exponent
        // ranges of the RLC identity must not overlap).
        uint256 rows = uint256(params.payoutBatches) * payoutBatchSize;
        if (rows < m || rows > (1 << INDEX_BITS)) revert PayoutRowsOutOfRange(rows, m);
        if (params.commitExamples >= P) revert NonReducedFieldElement(params.commitExamples);
        if (params.commitPayouts >= P) revert NonReducedFieldElement(params.commitPayouts);
        if (params.commitExclusion >= P) revert NonReducedFieldElement(params.commitExclusion);
        if (exclusion.length != (uint256(m) + 7) / 8) revert InvalidExclusionSet(exclusion.length);
        // No bit past registration m - 1: one encoding per set.
        if (m % 8 != 0 && uint8(exclusion[exclusion.length - 1]) >> (m % 8) != 0) revert InvalidExclusionSet(m);
        if (params.total == 0 && !_excludesAll(exclusion, m)) revert TotalOutOfRange(0);
        if (e.follows != 0) e.previousModelHash = _committedModel(e.follows);
        bytes32 exclusionHash = keccak256(exclusion);
        uint256 fold = registry.registrationFold(epoch);
        uint256 seed = uint256(
            keccak256(
                abi.encode(
                    domain(epoch), params, fold, m, exclusionHash, uint256(e.pool)
                )
            )
        ) % P;

        e.total = uint64(params.total);
        e.exampleBatches = uint16(params.exampleBatches);
        e.registrationBatches = uint16(params.registrationBatches);
        e.payoutBatches = uint16(params.payoutBatches);
        e.status = Status.Committed;
        e.committedAt = uint64(block.timestamp);
        e.registrants = m;
        e.seed = seed;
        e.commitExamples = params.commitExamples;
        e.commitPayouts = params.commitPayouts;
        e.exclusionHash = exclusionHash;
        e.modelHash = params.modelHash;
        e.commitExclusion = params.commitExclusion;
        e.claimProduct = 1;
        e.registrationProduct = 1;
        // The exclusion flags the registration circuit proves enter as x_j r^(j + 2^21): the
        // contract subtracts its own sum over X, so the flags must be exactly X.
        e.rlcDiff = (P - _exclusionSum(seed, exclusion)) % P;
        emit EpochCommitted(epoch, params, exclusion, seed, fold, m);
    }

    /// @notice Voids the commit of `epoch` if the epoch's trainer signed a Delivery receipt
    /// for registration `order`, which it excluded: `exclusion` is the committed bitmap. The
    /// trainer may commit again before the commit deadline.
    function contestExclusion(
        uint64 epoch,
        bytes calldata exclusion,
        uint32 order,
        uint256 commitment,
        bytes calldata signature
    ) external {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Committed) revert EpochNotCommitted(epoch);
        if (block.timestamp >= uint256(e.committedAt) + contestWindow) revert ContestWindowClosed(epoch);
        bytes32 given = keccak256(exclusion);
        if (given != e.exclusionHash) revert ExclusionSetMismatch(e.exclusionHash, given);
        if (order >= e.registrants || uint8(exclusion[order / 8]) >> (order % 8) & 1 == 0) revert NotExcluded(epoch, order);
        address signer = ECDSA.recover(deliveryDigest(epoch, order, commitment), signature);
        if (signer != e.trainer) revert NotTheTrainersReceipt(signer);
        // Nothing was verified yet (batches wait for the contest window): only the commit goes.
        e.status = Status.Registration;
        e.committedAt = 0;
        e.seed = 0;
        e.exclusionHash = 0;
        emit ExclusionContested(epoch, order, commitment);
    }

    /// @notice Checks the revealed validation set against the registry's commitment (owner, after
    /// the commit, so every score is fixed before the set is public).
    function revealValidation(uint64 epoch, bytes32 validationSetHash, bytes32 salt) external {
        Epoch storage e = _epochs[epoch];
        _checkProvingTime(e, epoch);
        if (e.validationRevealed) revert ValidationAlreadyRevealed(epoch);
        bytes32 commitment = registry.validationCommitment(epoch);
        bytes32 revealed = keccak256(abi.encode(validationSetHash, salt));
        if (revealed != commitment) revert ValidationRevealMismatch(commitment, revealed);
        e.validationRevealed = true;
        emit ValidationRevealed(epoch, validationSetHash, salt);
    }

    /// @notice Verifies claim batch `batchIndex` of `epoch` (the trainer, in order).
    function submitExampleBatch(uint64 epoch, uint32 batchIndex, ExampleClaim calldata claim, Proof calldata proof)
        external
    {
        Epoch storage e = _epochs[epoch];
        _checkProvingTime(e, epoch);
        _checkOrder(epoch, batchIndex, e.nextExample, e.exampleBatches);
        _checkReduced(claim.chainOut);
        _checkReduced(claim.rlcSum);
        _checkReduced(claim.product);
        if (claim.hashOut >> ProtocolParams.EXAMPLE_HASH_BITS != 0) revert ClaimOutOfRange("hashOut", claim.hashOut);
        if (claim.jOut >> INDEX_BITS != 0) revert ClaimOutOfRange("jOut", claim.jOut);
        // Clipped scores are never negative: a sum past S can never come back.
        uint256 scoreSum = e.scoreSum + claim.scoreSum;
        if (scoreSum > e.total) revert ScoreSumMismatch(e.total, scoreSum);

        uint256 seed = e.seed;
        uint256[10] memory v = [
            e.exampleChain,
            domain(epoch),
            seed,
            uint256(e.lastHash),
            uint256(e.lastJ),
            claim.hashOut,
            claim.jOut,
            claim.scoreSum,
            claim.rlcSum,
            claim.product
        ];
        uint256 rho = uint256(keccak256(abi.encode(claim.chainOut, v))) % P;
        if (!exampleVerifier.verifyProof(proof.a, proof.b, proof.c, [claim.chainOut, _horner(v, rho), seed, rho])) {
            revert InvalidProof();
        }
        e.nextExample = uint16(batchIndex + 1);
        e.exampleChain = claim.chainOut;
        e.lastHash = uint128(claim.hashOut);
        e.lastJ = uint32(claim.jOut);
        e.scoreSum = uint64(scoreSum);
        e.rlcDiff = addmod(e.rlcDiff, claim.rlcSum, P);
        e.claimProduct = mulmod(e.claimProduct, claim.product, P);
        emit ExampleBatchVerified(epoch, batchIndex, claim.chainOut);
    }

    /// @notice Verifies registration batch `batchIndex` of `epoch` (the trainer, in order): re-hashed
    /// lists of the registrants, continuing the registry's running hash from this contract's state.
    function submitRegistrationBatch(
        uint64 epoch,
        uint32 batchIndex,
        RegistrationClaim calldata claim,
        Proof calldata proof
    ) external {
        Epoch storage e = _epochs[epoch];
        _checkProvingTime(e, epoch);
        _checkOrder(epoch, batchIndex, e.nextRegistration, e.registrationBatches);
        _checkReduced(claim.foldOut);
        _checkReduced(claim.stateOut);
        _checkReduced(claim.exclOut);
        _checkReduced(claim.product);
        _checkReduced(claim.rlcSum);
        if (claim.nextJOut > e.registrants) revert ClaimOutOfRange("nextJOut", claim.nextJOut);
        if (claim.openOut > 1) revert ClaimOutOfRange("openOut", claim.openOut);
        if (claim.countOut >> 32 != 0) revert ClaimOutOfRange("countOut", claim.countOut);
        if (claim.senderWordOut >> (ADDRESS_BITS + 32) != 0) revert ClaimOutOfRange("senderWordOut", claim.senderWordOut);

        uint256 seed = e.seed;
        uint256 rho;
        uint256 digest;
        {
            uint256[18] memory v = [
                epochDomain(address(registry), epoch), // registry.registrationDomain, without the call
                seed,
                e.regFold,
                uint256(e.regNextJ),
                e.regOpen ? 1 : 0,
                e.regState,
                uint256(e.regCount),
                e.regSenderWord,
                e.regExcl,
                claim.foldOut,
                claim.nextJOut,
                claim.openOut,
                claim.stateOut,
                claim.countOut,
                claim.senderWordOut,
                claim.exclOut,
                claim.product,
                claim.rlcSum
            ];
            rho = uint256(keccak256(abi.encode(claim.foldOut, v))) % P;
            digest = _horner18(v, rho);
        }
        if (!registrationVerifier.verifyProof(proof.a, proof.b, proof.c, [claim.foldOut, digest, seed, rho])) {
            revert InvalidProof();
        }
        e.nextRegistration = uint16(batchIndex + 1);
        e.regFold = claim.foldOut;
        e.regNextJ = uint32(claim.nextJOut);
        e.regOpen = claim.openOut == 1;
        e.regState = claim.stateOut;
        e.regCount = uint32(claim.countOut);
        e.regSenderWord = claim.senderWordOut;
        e.regExcl = claim.exclOut;
        e.registrationProduct = mulmod(e.registrationProduct, claim.product, P);
        e.rlcDiff = addmod(e.rlcDiff, claim.rlcSum, P);
        emit RegistrationBatchVerified(epoch, batchIndex, claim.foldOut);
    }

    /// @notice Verifies payout batch `batchIndex` of `epoch` (the trainer, in order) and stores the
    /// hash of its words for the release. Pays nothing. Row i is registrant j = batchIndex * B + i.
    /// @param words payoutBatchSize words address + reward * 2^ADDRESS_BITS; 0 for padding
    function submitPayoutBatch(
        uint64 epoch,
        uint32 batchIndex,
        PayoutClaim calldata claim,
        uint256[] calldata words,
        Proof calldata proof
    ) external {
        Epoch storage e = _epochs[epoch];
        _checkProvingTime(e, epoch);
        _checkOrder(epoch, batchIndex, e.nextPayout, e.payoutBatches);
        if (words.length != payoutBatchSize) revert WrongBatchLength(payoutBatchSize, words.length);
        // The digest reduces mod p, so x and x + p would give the same digest while the contract
        // pays (or counts) x + p: a word >= p would alias another (payee, reward).
        _checkReduced(claim.chainOut);
        _checkReduced(claim.amountSum);
        _checkReduced(claim.rlcSum);

        BatchScan memory scan = _payoutDigest(e, domain(epoch), batchIndex, claim, words);
        if (!payoutVerifier.verifyProof(proof.a, proof.b, proof.c, [claim.chainOut, scan.digest, e.seed, scan.rho])) {
            revert InvalidProof();
        }
        uint256 paid = e.paid + scan.paid;
        if (paid > e.pool) revert PoolExceeded(e.pool, paid);
        // Amounts are never negative, so a sum past S can never come back: fail at once.
        uint256 amountSum = e.amountSum + claim.amountSum;
        if (amountSum > e.total) revert TotalMismatch(e.total, amountSum);

        e.nextPayout = uint16(batchIndex + 1);
        e.payoutChain = claim.chainOut;
        e.paid = uint96(paid);
        e.amountSum = uint64(amountSum);
        e.rlcDiff = addmod(e.rlcDiff, P - claim.rlcSum, P);
        payoutWordsHash[epoch][batchIndex] = scan.wordsHash;
        emit PayoutBatchVerified(epoch, batchIndex, claim.chainOut, scan.wordsHash);
    }

    /// @notice Checks that the whole statement holds; from then on the epoch's payouts can be
    /// released. Callable by anyone, also after the settle deadline.
    function finalize(uint64 epoch) external {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Committed) revert EpochNotCommitted(epoch);
        bytes memory failure = _finalizeFailure(e, epoch);
        if (failure.length != 0) {
            assembly ("memory-safe") {
                revert(add(failure, 32), mload(failure))
            }
        }
        e.status = Status.Finalized;
        emit EpochFinalized(epoch, e.paid, e.pool - e.paid);
        emit ModelLineage(epoch, e.modelHash, registry.validationCommitment(epoch), e.previousModelHash, e.follows);
    }

    /// @notice Burns the pool of an epoch that was not finalized by its settle deadline: the owner
    /// cannot take it back by withholding proofs or the validation reveal. Never an epoch nobody
    /// registered for, nor an empty commit: both are the owner's to cancel. Callable by anyone; an
    /// epoch that is complete and consistent cannot be burned (finalize it instead: a review found
    /// that a watcher could otherwise burn a proven pool ahead of its finalize).
    function forfeit(uint64 epoch) external {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Registration && e.status != Status.Committed) revert EpochNotCancellable(epoch);
        // Nothing was delivered to pay for: the owner's pool, refunded by cancelEpoch, not burned.
        if (e.status == Status.Committed && e.total == 0) revert EmptyCommit(epoch);
        // Nobody to protect: burning it would only let a watcher front-run the owner's cancel.
        (uint64 closesAt, uint32 m) = registry.registration(epoch);
        if (m == 0) revert NobodyRegistered(epoch);
        uint256 settleBy = uint256(closesAt) + commitWindow + contestWindow + proofWindow; // deadlines(epoch)
        if (block.timestamp < settleBy) revert SettleDeadlineNotReached(epoch, settleBy);
        if (e.status == Status.Committed && _finalizeFailure(e, epoch).length == 0) revert EpochFinalizable(epoch);
        e.status = Status.Forfeited;
        uint256 pool = e.pool;
        token.safeTransfer(BURN_ADDRESS, pool);
        emit EpochForfeited(epoch, pool);
    }

    /// The first check of the statement a committed epoch fails, as its encoded custom error, or
    /// empty when every batch is verified and everything holds (finalize would succeed).
    function _finalizeFailure(Epoch storage e, uint64 epoch) private view returns (bytes memory) {
        // An empty commit pays nobody: finalizing it would leave the whole pool as dust.
        if (e.total == 0) return abi.encodeWithSelector(EmptyCommit.selector, epoch);
        if (
            e.nextExample != e.exampleBatches || e.nextRegistration != e.registrationBatches
                || e.nextPayout != e.payoutBatches
        ) return abi.encodeWithSelector(BatchesMissing.selector, e.nextExample, e.nextRegistration, e.nextPayout);
        if (e.exampleChain != e.commitExamples) {
            return abi.encodeWithSelector(CommitmentMismatch.selector, e.commitExamples, e.exampleChain);
        }
        if (e.payoutChain != e.commitPayouts) {
            return abi.encodeWithSelector(CommitmentMismatch.selector, e.commitPayouts, e.payoutChain);
        }
        uint256 registryFold = registry.registrationFold(epoch);
        if (e.regFold != registryFold || e.regNextJ != e.registrants || e.regOpen) {
            return abi.encodeWithSelector(RegistrationsMismatch.selector, e.regFold, registryFold, e.regNextJ, e.regOpen);
        }
        if (e.regExcl != e.commitExclusion) {
            return abi.encodeWithSelector(ExclusionMismatch.selector, e.commitExclusion, e.regExcl);
        }
        if (e.scoreSum != e.total) return abi.encodeWithSelector(ScoreSumMismatch.selector, e.total, e.scoreSum);
        if (e.amountSum != e.total) return abi.encodeWithSelector(TotalMismatch.selector, e.total, e.amountSum);
        if (e.claimProduct != e.registrationProduct) {
            return abi.encodeWithSelector(ProductMismatch.selector, e.claimProduct, e.registrationProduct);
        }
        if (e.rlcDiff != 0) return abi.encodeWithSelector(RlcMismatch.selector, e.rlcDiff);
        // Last: a complete, consistent epoch is paid only once its validation set is public.
        if (!e.validationRevealed) return abi.encodeWithSelector(ValidationNotRevealed.selector, epoch);
        return "";
    }

    /// @notice Pays payout batch `batchIndex` of a finalized `epoch`, or the rest of it after
    /// releaseRows: `words` must be the words its proof was verified with. Each row once. Callable
    /// by anyone.
    function release(uint64 epoch, uint32 batchIndex, uint256[] calldata words) external {
        _release(epoch, batchIndex, words, words.length);
    }

    /// @notice Pays at most `rows` further rows of payout batch `batchIndex` from its cursor
    /// (releaseCursor): for a pool token whose transfers cost so much that a whole batch does not
    /// fit one transaction. `words`: the whole batch, as for release. Callable by anyone: every
    /// call moves the cursor forward over rows it pays, so a caller can only pay rows that are due,
    /// each once and in order (a call of one row at a time costs its sender, not the payees).
    function releaseRows(uint64 epoch, uint32 batchIndex, uint256[] calldata words, uint256 rows) external {
        if (rows == 0) revert NoRowsToRelease();
        _release(epoch, batchIndex, words, rows);
    }

    /// Pays rows [cursor, min(cursor + rows, words.length)) of the batch. Effects before the
    /// transfers: the cursor (or the cleared hash) is written first, so a reentrant release from
    /// inside a payment finds those rows paid.
    function _release(uint64 epoch, uint32 batchIndex, uint256[] calldata words, uint256 rows) private {
        Epoch storage e = _epochs[epoch];
        if (e.status != Status.Finalized) revert EpochNotFinalized(epoch);
        if (batchIndex >= e.payoutBatches) revert BatchIndexOutOfRange(batchIndex);
        bytes32 stored = payoutWordsHash[epoch][batchIndex];
        if (stored == 0) revert AlreadyReleased(epoch, batchIndex);
        bytes32 given = keccak256(abi.encodePacked(words));
        // An untouched batch (its hash is the words'): from row 0, nothing paid, no other slot read.
        uint256 from;
        uint256 paidBefore;
        if (given != stored) {
            if (given != stored ^ PARTLY_RELEASED) revert WordsMismatch(_wordsHash(epoch, batchIndex, stored), given);
            ReleaseCursor storage cursor = releaseCursor[epoch][batchIndex];
            (from, paidBefore) = (cursor.rows, cursor.paid);
        }
        uint256 end = words.length;
        uint256 to;
        unchecked {
            // from < end (a complete batch has no hash), and from + rows < end when it is taken.
            to = end - from > rows ? from + rows : end;
        }
        if (to < end) {
            if (from == 0) payoutWordsHash[epoch][batchIndex] = stored ^ PARTLY_RELEASED;
            // The cursor whole before the transfers, which may call back in (a token's receive
            // hook, red team 5): its paid is the range's rewards summed from the words first (what
            // _pay counts: each word's reward, transferred or deferred). The event follows the
            // payments it announces (verify/chain-read.ts reads them in that order).
            uint256 part = _rewardSum(words[from:to]);
            ReleaseCursor storage next = releaseCursor[epoch][batchIndex];
            (next.rows, next.paid) = (uint32(to), uint96(paidBefore + part)); // <= the batch's total <= pool < 2^96
            _pay(epoch, words[from:to]);
            emit BatchRowsReleased(epoch, batchIndex, from, to, part);
            return;
        }
        delete payoutWordsHash[epoch][batchIndex];
        if (from != 0) delete releaseCursor[epoch][batchIndex];
        uint16 released = e.released + 1;
        e.released = released;
        uint256 paid;
        unchecked {
            paid = paidBefore + _pay(epoch, words[from:]); // <= pool < 2^96
        }
        emit BatchReleased(epoch, batchIndex, paid);
        if (released == e.payoutBatches) emit EpochSettled(epoch);
    }

    /// The rewards of `words`: what _pay transfers or defers (padding words are 0).
    function _rewardSum(uint256[] calldata words) private pure returns (uint256 sum) {
        unchecked {
            for (uint256 i = 0; i < words.length; ++i) sum += words[i] >> ADDRESS_BITS; // < 2^94 each, <= 1024 words
        }
    }

    /// The words hash a batch was verified with, from its stored value (flipped while partly released).
    function _wordsHash(uint64 epoch, uint32 batchIndex, bytes32 stored) private view returns (bytes32) {
        return releaseCursor[epoch][batchIndex].rows == 0 ? stored : stored ^ PARTLY_RELEASED;
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

    /// The model hash epoch `followed` committed, once that commit is final: finalized, committed
    /// with its contest window over, or forfeited after such a commit (committedAt stays set; a
    /// contest resets it). Zero when `followed` ended without a model: an empty commit (S = 0,
    /// nobody's data), cancelled, forfeited uncommitted, or its commit deadline passed without a
    /// commit. See the header.
    function _committedModel(uint64 followed) private view returns (bytes32) {
        Epoch storage f = _epochs[followed];
        Status status = f.status;
        if (status == Status.Finalized || (status == Status.Forfeited && f.committedAt != 0)) return f.modelHash;
        if (status == Status.Committed) {
            uint256 contestEnds = uint256(f.committedAt) + contestWindow;
            if (block.timestamp < contestEnds) revert LineageContestable(followed, contestEnds);
            // An empty commit trained on nobody's data: no model (red team 7: else a refunded
            // epoch would put any model hash into its follower's lineage for free).
            return f.total == 0 ? bytes32(0) : f.modelHash;
        }
        if (status == Status.Registration) {
            (uint256 commitBy,) = deadlines(followed);
            if (block.timestamp < commitBy) revert LineageNotCommitted(followed);
        }
        return bytes32(0);
    }

    /// Whether the bitmap (its length and trailing bits already checked) sets all m bits.
    function _excludesAll(bytes calldata exclusion, uint256 m) private pure returns (bool) {
        uint256 full = m / 8;
        for (uint256 i = 0; i < full; i++) {
            if (uint8(exclusion[i]) != 0xff) return false;
        }
        return m % 8 == 0 || uint8(exclusion[full]) == (1 << (m % 8)) - 1;
    }

    function _checkBatchSize(uint256 size) private pure {
        if (size == 0 || size > 1024) revert InvalidBatchSize(size);
    }

    function _checkBatchCount(uint256 count) private pure {
        if (count == 0 || count > type(uint16).max) revert BatchCountOutOfRange(count);
    }

    function _checkReduced(uint256 value) private pure {
        if (value >= P) revert NonReducedFieldElement(value);
    }

    /// Only the epoch's trainer commits, proves and reveals: it committed the tables, and a batch
    /// meets the committed chain only at finalize, so anyone else's validly proved batch of a table
    /// of its own would leave the epoch unfinalizable.
    function _checkTrainer(Epoch storage e) private view {
        if (msg.sender != e.trainer) revert NotTheTrainer(msg.sender, e.trainer);
    }

    /// Batches and the reveal: the trainer, after the contest window of a live commit, before the
    /// settle deadline.
    function _checkProvingTime(Epoch storage e, uint64 epoch) private view {
        if (e.status != Status.Committed) revert EpochNotCommitted(epoch);
        _checkTrainer(e);
        uint256 contestEnds = uint256(e.committedAt) + contestWindow;
        if (block.timestamp < contestEnds) revert ContestWindowOpen(epoch, contestEnds);
        // deadlines(epoch) without its registry call: a committed epoch's registration deadline
        // is the one openEpoch set (only cancelEpoch moves the registry's, and only before a commit).
        uint256 settleBy = uint256(e.closesAt) + commitWindow + contestWindow + proofWindow;
        if (block.timestamp >= settleBy) revert SettleDeadlinePassed(epoch, settleBy);
    }

    function _checkOrder(uint64 epoch, uint32 batchIndex, uint16 next, uint16 count) private pure {
        if (batchIndex < next) revert BatchAlreadyVerified(epoch, batchIndex);
        if (batchIndex >= count) revert BatchIndexOutOfRange(batchIndex);
        if (batchIndex > next) revert BatchOutOfOrder(next, batchIndex);
    }

    /// sum over the set bits j of the bitmap of r^(j + 2^(INDEX_BITS + 1)), r = seed: one running
    /// power, an empty byte skipped with one multiplication by r^8.
    function _exclusionSum(uint256 r, bytes calldata exclusion) private pure returns (uint256 sum) {
        uint256 power = r; // r^(2^(INDEX_BITS + 1)) r^j, for j = 0 first
        for (uint256 k = 0; k < INDEX_BITS + 1; k++) {
            power = mulmod(power, power, P);
        }
        uint256 r8 = mulmod(r, r, P);
        r8 = mulmod(r8, r8, P);
        r8 = mulmod(r8, r8, P);
        for (uint256 i = 0; i < exclusion.length; i++) {
            uint8 bits = uint8(exclusion[i]);
            if (bits == 0) {
                power = mulmod(power, r8, P);
                continue;
            }
            for (uint256 b = 0; b < 8; b++) {
                if (bits >> b & 1 == 1) sum = addmod(sum, power, P);
                power = mulmod(power, r, P);
            }
        }
    }

    function _horner(uint256[10] memory v, uint256 rho) private pure returns (uint256 acc) {
        for (uint256 i = 0; i < 10; i++) {
            acc = addmod(mulmod(acc, rho, P), v[i], P);
        }
    }

    function _horner18(uint256[18] memory v, uint256 rho) private pure returns (uint256 acc) {
        for (uint256 i = 0; i < 18; i++) {
            acc = addmod(mulmod(acc, rho, P), v[i], P);
        }
    }

    /// What one pass over a payout batch's words yields.
    struct BatchScan {
        uint256 rho;
        uint256 digest;
        bytes32 wordsHash;
        uint256 paid; // sum of the batch's rewards
    }

    /// rho = keccak256(abi.encode(chainOut, V[0..7], keccak256(words))) mod p, then the Horner
    /// digest of V = [chainIn, domain, pool, total, seed, batchIndex, amountSum, rlcSum, words...]
    /// at rho. Also range-checks each word and returns what the batch pays.
    function _payoutDigest(
        Epoch storage e,
        uint256 dom,
        uint32 batchIndex,
        PayoutClaim calldata claim,
        uint256[] calldata words
    ) private view returns (BatchScan memory scan) {
        scan.wordsHash = keccak256(abi.encodePacked(words));
        uint256[8] memory v = [
            e.payoutChain, dom, uint256(e.pool), uint256(e.total), e.seed, uint256(batchIndex), claim.amountSum, claim.rlcSum
        ];
        uint256 rho = uint256(keccak256(abi.encode(claim.chainOut, v, scan.wordsHash))) % P;
        uint256 acc = 0;
        for (uint256 i = 0; i < 8; i++) {
            acc = addmod(mulmod(acc, rho, P), v[i], P);
        }
        // The per-word loop in assembly: ~110 gas per word cheaper than the Solidity loop. It
        // reads only calldata and writes only stack variables.
        uint256 paid;
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
                // word < p < 2^254: a reward is < 2^94, and 1024 of them cannot wrap.
                paid := add(paid, shr(160, word)) // ADDRESS_BITS = 160
            }
        }
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
                    // whole release runs out of gas instead. This holds for every row, so also
                    // for releaseRows, whose caller chooses which row comes last: each transfer
                    // is its own call with its own 63/64. (With a costlier transfer a caller can
                    // starve a row into this credit: deferred to claimable, never lost.)
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
