// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IPayoutVerifier} from "./IPayoutVerifier.sol";
import {ProtocolParams} from "./generated/ProtocolParams.sol";

/// @title PayoutSettlement
/// @notice Pays an epoch's reward pool to its contributors, one proven PayoutBatch at a time.
///
/// The owner (the trainer) opens an epoch with the pool R, the total S and the number of batches,
/// escrowing R here. Anyone may then submit the batches in order, each with a Groth16 proof of
/// circuits/payout_batch.circom. This contract does what that circuit's header says the caller
/// must: it takes the batch header V from its own state, derives the digest challenge rho from
/// keccak itself (never from the prover), recomputes the Horner digest over V and the payout words
/// it is about to pay, and verifies the proof against (chainOut, digest, rho). It then checks what
/// the circuit cannot see across batches: order, padding only in the last batch, the sum of paid
/// rewards within the epoch's pool, and the sum of amounts over all batches equal to S.
/// witness/payout-batches.ts (digestChallenge, hornerDigest) computes the same rho and digest.
///
/// Not enforced here: that the committed tables are the right ones (the trainer publishes them,
/// see DESIGN.md), and escrow until every batch of the epoch verifies (a later change; the state
/// below keeps it possible: the chain after each batch is in BatchSettled events and in storage).
/// The dust R - sum(rewards) stays in this contract.
contract PayoutSettlement is Ownable {
    using SafeERC20 for IERC20;

    /// Per-epoch state in three storage slots. Every batch reads and rewrites all three, so each
    /// extra slot would cost ~5k gas per batch (cold read + rewrite) and ~22k on the epoch's first
    /// batch (a zero slot made non-zero). That is why the batch counters are 16 bits (65,535
    /// batches, 2 million contributors per epoch at B = 31), why `settled` is not stored
    /// (nextBatch == batchCount) and why amountSum fits 64 bits (it may never exceed total, checked
    /// on every batch). Widths come from ProtocolParams and are checked in the constructor.
    struct Epoch {
        // slot 0: the epoch's parameters and progress.
        uint96 pool; //       R < 2^POOL_BITS (93)
        uint64 total; //      S in [1, 2^TOTAL_BITS)
        uint16 batchCount; // >= 1 once opened, so 0 means "never opened"
        uint16 nextBatch; //  batches settled so far
        uint64 amountSum; //  sum of the settled batches' amounts T_c, <= total; == total when settled
        // slot 1: the Poseidon commitment chain after the last settled batch (chainIn of the next).
        uint256 chain;
        // slot 2: last active payee (addressIn of the next batch) and the rewards paid so far.
        address lastAddress;
        uint96 paid; //       <= pool, checked before every batch pays
    }

    /// What epochState() returns: the stored state and whether the epoch is settled.
    struct EpochView {
        uint256 pool;
        uint256 total;
        uint256 batchCount;
        uint256 nextBatch;
        bool settled;
        uint256 chain;
        address lastAddress;
        uint256 paid;
        uint256 amountSum;
    }

    uint256 private constant P = ProtocolParams.FIELD_MODULUS;
    uint256 private constant ADDRESS_BITS = ProtocolParams.ADDRESS_BITS;

    /// The token paid out ($OPEN).
    IERC20 public immutable token;
    /// The Groth16 verifier of PayoutBatch(batchSize).
    IPayoutVerifier public immutable verifier;
    /// Rows per batch: the B of the circuit the verifier was generated for.
    uint256 public immutable batchSize;

    mapping(uint64 epoch => Epoch) private _epochs;

    event EpochOpened(uint64 indexed epoch, uint256 pool, uint256 total, uint32 batchCount, uint256 domain);
    event BatchSettled(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut, uint256 paid);
    event EpochSettled(uint64 indexed epoch, uint256 paid, uint256 dust);

    error UnsupportedProtocolParams();
    error InvalidBatchSize(uint256 batchSize);
    error ZeroAddress();
    error EpochAlreadyOpen(uint64 epoch);
    error PoolOutOfRange(uint256 pool);
    error TotalOutOfRange(uint256 total);
    error BatchCountOutOfRange(uint256 batchCount);
    error EpochNotOpen(uint64 epoch);
    error EpochAlreadySettled(uint64 epoch);
    error BatchAlreadySettled(uint64 epoch, uint32 batchIndex);
    error BatchOutOfOrder(uint32 expected, uint32 got);
    error WrongBatchLength(uint256 expected, uint256 got);
    error NonReducedFieldElement(uint256 value);
    error InvalidProof();
    error PaddingBeforeLastBatch(uint64 epoch, uint32 batchIndex);
    error PoolExceeded(uint256 pool, uint256 paid);
    error TotalMismatch(uint256 expected, uint256 got);

    constructor(IERC20 token_, IPayoutVerifier verifier_, uint256 batchSize_) Ownable(msg.sender) {
        // The packing above holds only while the generated widths fit it.
        if (ProtocolParams.POOL_BITS > 96 || ProtocolParams.TOTAL_BITS > 64 || ADDRESS_BITS != 160) {
            revert UnsupportedProtocolParams();
        }
        if (address(token_) == address(0) || address(verifier_) == address(0)) revert ZeroAddress();
        if (batchSize_ == 0 || batchSize_ > 1024) revert InvalidBatchSize(batchSize_);
        token = token_;
        verifier = verifier_;
        batchSize = batchSize_;
    }

    /// @notice keccak256(abi.encode(chainid, this, epoch)) mod p: binds a proof to this chain,
    /// this contract and this epoch (witness/domain.ts epochDomain).
    function domain(uint64 epoch) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), epoch))) % P;
    }

    /// @notice The state of `epoch` (all zero if it was never opened).
    function epochState(uint64 epoch) external view returns (EpochView memory) {
        Epoch memory e = _epochs[epoch];
        return EpochView(
            e.pool, e.total, e.batchCount, e.nextBatch, _isSettled(e), e.chain, e.lastAddress, e.paid, e.amountSum
        );
    }

    function _isSettled(Epoch memory e) private pure returns (bool) {
        return e.batchCount != 0 && e.nextBatch == e.batchCount;
    }

    /// @notice Opens `epoch`: escrows `pool` tokens pulled from the owner (approve first) to be
    /// split over contributors whose amounts sum to `total`, in `batchCount` batches
    /// (1 to 65,535; see Epoch).
    function openEpoch(uint64 epoch, uint256 pool, uint256 total, uint32 batchCount) external onlyOwner {
        if (_epochs[epoch].batchCount != 0) revert EpochAlreadyOpen(epoch);
        if (pool >> ProtocolParams.POOL_BITS != 0) revert PoolOutOfRange(pool);
        if (total == 0 || total >> ProtocolParams.TOTAL_BITS != 0) revert TotalOutOfRange(total);
        if (batchCount == 0 || batchCount > type(uint16).max) revert BatchCountOutOfRange(batchCount);
        Epoch storage e = _epochs[epoch];
        e.pool = uint96(pool);
        e.total = uint64(total);
        e.batchCount = uint16(batchCount);
        token.safeTransferFrom(msg.sender, address(this), pool);
        emit EpochOpened(epoch, pool, total, batchCount, domain(epoch));
    }

    /// @notice Verifies batch `batchIndex` of `epoch` and pays its words. Callable by anyone.
    /// @param chainOut the commitment chain after this batch (public output of the proof)
    /// @param amountSum the sum of this batch's amounts T_c
    /// @param words batchSize payout words address + reward * 2^ADDRESS_BITS; 0 for padding
    /// @param a the proof's pi_a; @param b pi_b with coordinates swapped; @param c pi_c
    function submitBatch(
        uint64 epoch,
        uint32 batchIndex,
        uint256 chainOut,
        uint256 amountSum,
        uint256[] calldata words,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c
    ) external {
        Epoch memory e = _epochs[epoch];
        if (e.batchCount == 0) revert EpochNotOpen(epoch);
        if (_isSettled(e)) revert EpochAlreadySettled(epoch);
        if (batchIndex < e.nextBatch) revert BatchAlreadySettled(epoch, batchIndex);
        if (batchIndex > e.nextBatch) revert BatchOutOfOrder(e.nextBatch, batchIndex);
        if (words.length != batchSize) revert WrongBatchLength(batchSize, words.length);
        // The digest reduces mod p, so x and x + p would give the same digest while the contract
        // pays (or counts) x + p: a word >= p would alias another (payee, reward).
        if (chainOut >= P) revert NonReducedFieldElement(chainOut);
        if (amountSum >= P) revert NonReducedFieldElement(amountSum);

        BatchScan memory scan = _digest(e, domain(epoch), chainOut, amountSum, words);
        if (!verifier.verifyProof(a, b, c, [chainOut, scan.digest, scan.rho])) revert InvalidProof();
        _settle(e, epoch, batchIndex, chainOut, amountSum, scan);
        _pay(words);
    }

    /// What one pass over a batch's words yields.
    struct BatchScan {
        uint256 rho;
        uint256 digest;
        uint256 paid; //     sum of the batch's rewards
        address last; //     last active payee, 0 if none
        bool padded; //      a word with payee 0 (a padding row) is present
    }

    /// The checks a proof cannot make because they span batches, then the state update (effects
    /// before the transfers). A valid proof can reach each of them: the circuit takes S and the
    /// batch count as given, so an epoch opened with the wrong S or batch count shows up here.
    function _settle(
        Epoch memory e,
        uint64 epoch,
        uint32 batchIndex,
        uint256 chainOut,
        uint256 amountSum,
        BatchScan memory scan
    ) private {
        bool lastBatch = batchIndex == e.batchCount - 1;
        if (scan.padded && !lastBatch) revert PaddingBeforeLastBatch(epoch, batchIndex);
        uint256 paid = e.paid + scan.paid;
        if (paid > e.pool) revert PoolExceeded(e.pool, paid);
        // Amounts are never negative, so a sum past S can never come back: fail at once.
        uint256 sum = e.amountSum + amountSum;
        if (sum > e.total || (lastBatch && sum != e.total)) revert TotalMismatch(e.total, sum);

        Epoch storage s = _epochs[epoch];
        s.nextBatch = uint16(batchIndex + 1);
        s.amountSum = uint64(sum);
        s.chain = chainOut;
        if (scan.last != address(0)) s.lastAddress = scan.last;
        s.paid = uint96(paid);
        emit BatchSettled(epoch, batchIndex, chainOut, scan.paid);
        if (lastBatch) emit EpochSettled(epoch, paid, e.pool - paid);
    }

    /// rho = keccak256(abi.encode(chainOut, V[0..5], keccak256(words))) mod p, then the Horner
    /// digest of V = [chainIn, domain, pool, total, addressIn, amountSum, words...] at rho.
    /// Also range-checks each word and returns what the batch pays: the sum of its rewards, its
    /// last active payee (0 if none) and whether it has a padding row (a word whose payee is 0).
    function _digest(Epoch memory e, uint256 dom, uint256 chainOut, uint256 amountSum, uint256[] calldata words)
        private
        pure
        returns (BatchScan memory scan)
    {
        uint256 addressIn = uint256(uint160(e.lastAddress));
        uint256 rho = uint256(
            keccak256(
                abi.encode(
                    chainOut, e.chain, dom, uint256(e.pool), uint256(e.total), addressIn, amountSum,
                    keccak256(abi.encodePacked(words))
                )
            )
        ) % P;
        // Every header value is below p: chain and amountSum were checked, domain is reduced,
        // pool, total and addressIn are narrower than p.
        uint256 acc = e.chain;
        acc = addmod(mulmod(acc, rho, P), dom, P);
        acc = addmod(mulmod(acc, rho, P), e.pool, P);
        acc = addmod(mulmod(acc, rho, P), e.total, P);
        acc = addmod(mulmod(acc, rho, P), addressIn, P);
        acc = addmod(mulmod(acc, rho, P), amountSum, P);
        // The per-word loop in assembly: ~110 gas per word cheaper than the Solidity loop (bounds
        // checks, memory struct writes), which is ~3.5k gas per batch of 31. It reads only
        // calldata and writes only stack variables.
        bool padded;
        address last;
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
                let payee := and(word, 0xffffffffffffffffffffffffffffffffffffffff) // ADDRESS_BITS = 160
                switch payee
                case 0 { padded := 1 }
                default {
                    last := payee
                    // word < p < 2^254: a reward is < 2^94, and 1024 of them cannot wrap.
                    paid := add(paid, shr(160, word))
                }
            }
        }
        scan.padded = padded;
        scan.last = last;
        scan.paid = paid;
        scan.rho = rho;
        scan.digest = acc;
    }

    /// Transfers each active word's reward to its payee; zero rewards and padding are skipped.
    function _pay(uint256[] calldata words) private {
        for (uint256 i = 0; i < words.length;) {
            uint256 word = words[i];
            address payee = address(uint160(word));
            uint256 reward = word >> ADDRESS_BITS;
            if (payee != address(0) && reward != 0) token.safeTransfer(payee, reward);
            unchecked {
                ++i;
            }
        }
    }
}
