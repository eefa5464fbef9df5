pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/chain_absorb.circom";
include "./lib/power.circom";

// ExampleBatch(E, ...): one batch of E rows of the example table, proved to feed the policy.
//
// Inputs (the batch, as witness/example-batches.ts builds it):
//   chainIn          example commitment chain after the previous batch (0 before the first)
//   domain           keccak(chainId, settlement contract, epoch) mod p, computed by the contract
//   r                PUBLIC: the epoch's challenge keccak(commitExamples, commitContributors,
//                    domain) mod p, supplied by the contract from its storage
//   hashIn           last example hash of the previous batch (0 before the first) (hashBits)
//   hash[i]          example hash, 0 for a padding row
//   contributor[i]   c_e: the row of the example's contributor in the address-sorted
//                    contributor table (indexBits)
//   score[i]         s_e, signed fixed point as a field element (a negative s is p - |s|)
//   rho              PUBLIC: the digest challenge (see below)
// Outputs:       chainOut, digest. Public signals in snarkjs order: [chainOut, digest, r, rho].
//
// Enforces, for every row i:
//   - rows are active (hash != 0) then padding (hash == 0): no active row after padding;
//   - a padding row has contributor 0 and score 0: padding contributes nothing;
//   - active hashes strictly increase, continuing from hashIn: each example counts once, whoever
//     registered it; the gap hash - previous - 1 is range-checked to hashBits, and the last hash
//     too, so every hash lies in [1, 2^hashBits) and no sum wraps around p;
//   - contributor < 2^indexBits; score + 2^(scoreBits-1) in [0, 2^scoreBits), i.e. s is a signed
//     scoreBits-bit integer; clipped = max(s, 0) (the top bit of the offset score is the sign);
//   - scoreSum = sum clipped[i];  rlcSum = sum clipped[i] * r^contributor[i], with r^c by
//     square-and-multiply over the range-checked bits of c (r^(2^k) shared by the batch);
//   - chainOut = ChainAbsorb(chainIn; domain, hashIn,
//                  hash[i] + contributor[i] * 2^hashBits + (score[i] + 2^(scoreBits-1)) * 2^(hashBits+indexBits) ...):
//     one field element per row, injective because every limb is range-checked; the chain does
//     not depend on r, so both commitments exist before r is drawn;
//   - digest = Horner evaluation at rho of V = [chainIn, domain, r, hashIn, hashOut, scoreSum, rlcSum],
//     hashOut = the last active hash (hashIn if the batch is all padding).
//
// Four public signals whatever E, as in PayoutBatch: the caller (PayoutSettlement.sol) MUST take
// chainIn, domain, r and hashIn from its own state, receive chainOut, hashOut, scoreSum and rlcSum,
// derive rho = keccak256(chainOut, V) mod p itself, recompute the digest and verify against
// (chainOut, digest, r, rho) with its stored r.
//
// The transcript: digest == Horner(V_contract) at rho means V_circuit == V_contract (except with
// probability <= 6/p per keccak query) only if V_circuit was fixed before rho was drawn; a value
// the prover may still choose after seeing rho can be solved for (r was such a value at 085f677:
// ../shared/audits/). Binding table, every private input and what fixes it before rho:
//   | input          | fixed before rho by                                                    |
//   | chainIn        | chainOut: the first Poseidon input of the chain                        |
//   | domain         | chainOut: absorbed element 0                                           |
//   | hashIn         | chainOut: absorbed element 1                                           |
//   | hash[i]        | chainOut: absorbed element 2+i, limb [0, hashBits)                     |
//   | contributor[i] | chainOut: absorbed element 2+i, limb [hashBits, hashBits+indexBits)    |
//   | score[i]       | chainOut: absorbed element 2+i, limb [hashBits+indexBits, +scoreBits) (offset by 2^(scoreBits-1)) |
//   | r              | public signal: the contract passes its stored r                        |
//   | rho            | public signal: the contract derives it by keccak after chainOut and the claim |
// hashOut, scoreSum and rlcSum are functions of the rows and r, so V_circuit is a function of
// (chainOut, r): fixed before rho.
// Across batches the caller MUST also: continue chainIn and hashIn from the previous batch's
// chainOut and hashOut; check that the last chainOut is the committed commitExamples (it does so
// by recomputing r); add up scoreSum (== S) and rlcSum (== the payout side's sum T_c r^c) over
// every batch. It need not check where padding is: a padding row contributes nothing.
template ExampleBatch(E, hashBits, indexBits, scoreBits, absorbWidth) {
    assert(E >= 1);
    // One packed row must be below p to be an injective encoding.
    assert(hashBits + indexBits + scoreBits <= 252);
    // hashIn + E gaps of up to 2^hashBits must not wrap around p.
    assert(hashBits <= 240);
    assert(scoreBits >= 2 && scoreBits <= 120);

    signal input chainIn;
    signal input domain;
    signal input r;
    signal input hashIn;
    signal input hash[E];
    signal input contributor[E];
    signal input score[E];
    signal input rho;

    signal output chainOut;
    signal output digest;

    _ <== Num2Bits(hashBits)(hashIn);
    // r^(2^k), shared by the batch.
    signal squares[indexBits] <== Squares(indexBits)(r);

    var offset = 2 ** (scoreBits - 1);
    signal isPadding[E];
    signal step[E];        // active * (hash - previous hash)
    signal previous[E + 1];
    signal indexBitsOf[E][indexBits];
    signal offsetBits[E][scoreBits];
    signal clipped[E];
    signal power[E];       // r^contributor[i]
    signal term[E];        // clipped[i] * r^contributor[i]
    previous[0] <== hashIn;

    for (var i = 0; i < E; i++) {
        isPadding[i] <== IsZero()(hash[i]);
        if (i > 0) {
            // Padding only at the end: an active row never follows a padding row.
            isPadding[i - 1] * (1 - isPadding[i]) === 0;
        }
        isPadding[i] * score[i] === 0;
        isPadding[i] * contributor[i] === 0;

        step[i] <== (1 - isPadding[i]) * (hash[i] - previous[i]);
        previous[i + 1] <== previous[i] + step[i];
        // Active: hash - previous - 1 in [0, 2^hashBits). Padding: 0.
        _ <== Num2Bits(hashBits)(step[i] - (1 - isPadding[i]));

        indexBitsOf[i] <== Num2Bits(indexBits)(contributor[i]);
        offsetBits[i] <== Num2Bits(scoreBits)(score[i] + offset);
        // The top bit of s + 2^(scoreBits-1) is 1 exactly when s >= 0.
        clipped[i] <== offsetBits[i][scoreBits - 1] * score[i];

        power[i] <== PowerByBits(indexBits)(squares, indexBitsOf[i]);
        term[i] <== clipped[i] * power[i];
    }
    // The last active hash bounds every active hash from above.
    _ <== Num2Bits(hashBits)(previous[E]);

    signal absorbed[E + 2];
    absorbed[0] <== domain;
    absorbed[1] <== hashIn;
    for (var i = 0; i < E; i++) {
        absorbed[2 + i] <== hash[i] + contributor[i] * (2 ** hashBits) + (score[i] + offset) * (2 ** (hashBits + indexBits));
    }
    chainOut <== ChainAbsorb(E + 2, absorbWidth)(chainIn, absorbed);

    var scoreSum = 0;
    var rlcSum = 0;
    for (var i = 0; i < E; i++) {
        scoreSum += clipped[i];
        rlcSum += term[i];
    }
    signal horner[7];
    horner[0] <== chainIn;
    horner[1] <== horner[0] * rho + domain;
    horner[2] <== horner[1] * rho + r;
    horner[3] <== horner[2] * rho + hashIn;
    horner[4] <== horner[3] * rho + previous[E];
    horner[5] <== horner[4] * rho + scoreSum;
    horner[6] <== horner[5] * rho + rlcSum;
    digest <== horner[6];
}
