pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/chain_absorb.circom";
include "./lib/power.circom";

// PayoutBatch(B, ...): one batch of B rows of the contributor table, proved to pay the floor split.
//
// Inputs (the batch, as witness/payout-batches.ts builds it):
//   chainIn     commitment chain value after the previous batch (0 before the first)
//   domain      keccak(chainId, settlement contract, epoch) mod p, computed by the contract
//   pool        R, the epoch's reward pool in token base units          (poolBits)
//   total       S, the sum of all contributors' totals in the epoch      (totalBits, S >= 1)
//   addressIn   last contributor address of the previous batch (0 first) (addressBits)
//   r           PUBLIC: the epoch's challenge keccak(commitExamples, commitContributors, domain)
//               mod p, supplied by the contract from its storage
//   batchIndex  this batch's index k (batchIndexBits): its rows are c = k * B + i of the table
//   address[i], amount[i] (T_c), reward[i], remainder[i]
//   rho         PUBLIC: the digest challenge (see below)
// Outputs:       chainOut, digest. Public signals in snarkjs order: [chainOut, digest, r, rho].
//
// Enforces, for every row i:
//   - rows are active (address != 0) then padding (address == 0): no active row after padding;
//   - a padding row has amount 0, hence reward 0 and remainder 0: padding pays nothing;
//   - active addresses strictly increase, continuing from addressIn: each identity paid once;
//     the gap address - previous - 1 is range-checked to addressBits, and the last address too,
//     so every address lies in [1, 2^addressBits);
//   - amount < 2^totalBits, reward < 2^poolBits, 0 <= remainder < total and
//     reward * total + remainder == pool * amount (floor division, no rounding up);
//   - rlcSum = sum amount[i] * r^(k * B + i): r^(k*B) by square-and-multiply over the bits of k,
//     then a running power of r; padding rows add 0 (their amount is 0);
//   - chainOut = ChainAbsorb(chainIn; domain, pool + total * 2^poolBits + k * 2^(poolBits+totalBits),
//                            addressIn, address[i] + amount[i] * 2^addressBits ...);
//   - digest = Horner evaluation at rho of
//       V = [chainIn, domain, pool, total, addressIn, sum(amount), r, batchIndex, rlcSum, word[0..B-1]],
//     with word[i] = address[i] + reward[i] * 2^addressBits (the packed payout word).
//
// Why a digest instead of B public signals: each public signal costs ~6.8k gas (one ecMul) to
// verify. Here the verifier has four (chainOut, digest, r, rho) for any B.
//
// The transcript: the contract draws rho = keccak256(chainOut, V_contract, keccak(words)) mod p,
// where V_contract is built from its own state and the claim, and checks digest == Horner of
// V_contract at rho. That equality means V_circuit == V_contract (except with probability
// <= (B+9)/p per keccak query, the degree of their difference) ONLY IF V_circuit was fixed
// before rho was drawn: a value the prover may still choose after seeing rho can be solved for
// (the digest is a polynomial in it; this forged payouts at 085f677, ../shared/audits/).
// So every private input must be fixed by chainOut (absorbed: Poseidon is collision resistant
// and every absorbed element packs range-checked limbs injectively) or be a function of what is,
// and every other value must be a public signal the contract supplies. Binding table:
//   | input      | fixed before rho by                                                         |
//   | chainIn    | chainOut: the first Poseidon input of the chain (and the contract's stored chain in V) |
//   | domain     | chainOut: absorbed element 0                                                |
//   | pool       | chainOut: absorbed element 1, limb [0, poolBits)                            |
//   | total      | chainOut: absorbed element 1, limb [poolBits, poolBits+totalBits)           |
//   | batchIndex | chainOut: absorbed element 1, limb [poolBits+totalBits, +batchIndexBits)    |
//   | addressIn  | chainOut: absorbed element 2                                                |
//   | address[i] | chainOut: absorbed element 3+i, limb [0, addressBits)                       |
//   | amount[i]  | chainOut: absorbed element 3+i, limb [addressBits, addressBits+totalBits)   |
//   | reward[i]  | a function of (pool, total, amount[i]): the unique floor quotient (range checks) |
//   | remainder[i] | a function of (pool, total, amount[i]): the unique remainder in [0, total) |
//   | r          | public signal: the contract passes its stored r                             |
//   | rho        | public signal: the contract derives it by keccak after chainOut and the claim |
// Hence V_circuit is a function of (chainOut, r): fixed before rho.
//
// What the caller MUST do (PayoutSettlement.sol does it): take V from its own state and the words
// it is about to pay, derive rho itself, recompute the digest and verify the proof against
// (chainOut, digest, r, rho) with its stored r. If the caller lets the prover choose rho or r,
// nothing binds the words: never do that. The caller also checks: chainIn is its stored chain,
// batchIndex is the batch's position, total matches the epoch, the sum of paid rewards stays <=
// pool, the sum of amounts over all batches equals total, the sum of rlcSum over all batches
// equals the example side's, and the last chainOut is the committed commitContributors (by
// recomputing r). The chain does not depend on r, so the commitment exists before r is drawn.
template PayoutBatch(B, addressBits, totalBits, poolBits, batchIndexBits, absorbWidth) {
    assert(B >= 1);
    // word = address + reward * 2^addressBits must stay below p (~2^253.6) to be canonical.
    assert(addressBits + poolBits <= 253);
    // pool * amount must not wrap around p; the header element packs pool, total and batchIndex.
    assert(poolBits + totalBits + batchIndexBits <= 252);

    signal input chainIn;
    signal input domain;
    signal input pool;
    signal input total;
    signal input addressIn;
    signal input r;
    signal input batchIndex;
    signal input address[B];
    signal input amount[B];
    signal input reward[B];
    signal input remainder[B];
    signal input rho;

    signal output chainOut;
    signal output digest;

    // Batch header: widths of the epoch parameters, total >= 1.
    _ <== Num2Bits(poolBits)(pool);
    _ <== Num2Bits(totalBits)(total);
    signal totalInverse <-- total != 0 ? 1 / total : 0;
    totalInverse * total === 1;
    _ <== Num2Bits(addressBits)(addressIn);
    signal batchIndexBitsOf[batchIndexBits] <== Num2Bits(batchIndexBits)(batchIndex);

    signal isPadding[B];
    signal step[B];        // active * (address - previous address)
    signal previous[B + 1];
    signal quotientPart[B];
    previous[0] <== addressIn;

    for (var i = 0; i < B; i++) {
        isPadding[i] <== IsZero()(address[i]);
        if (i > 0) {
            // Padding only at the end: an active row never follows a padding row.
            isPadding[i - 1] * (1 - isPadding[i]) === 0;
        }
        isPadding[i] * amount[i] === 0;

        step[i] <== (1 - isPadding[i]) * (address[i] - previous[i]);
        previous[i + 1] <== previous[i] + step[i];
        // Active: address - previous - 1 in [0, 2^addressBits). Padding: 0.
        _ <== Num2Bits(addressBits)(step[i] - (1 - isPadding[i]));

        _ <== Num2Bits(totalBits)(amount[i]);
        _ <== Num2Bits(poolBits)(reward[i]);
        _ <== Num2Bits(totalBits)(remainder[i]);
        _ <== Num2Bits(totalBits)(total - 1 - remainder[i]);

        quotientPart[i] <== reward[i] * total;
        quotientPart[i] + remainder[i] === pool * amount[i];
    }
    // The last active address bounds every active address from above.
    _ <== Num2Bits(addressBits)(previous[B]);

    var addressShift = 2 ** addressBits;
    signal absorbed[B + 3];
    absorbed[0] <== domain;
    absorbed[1] <== pool + total * (2 ** poolBits) + batchIndex * (2 ** (poolBits + totalBits));
    absorbed[2] <== addressIn;
    for (var i = 0; i < B; i++) {
        absorbed[3 + i] <== address[i] + amount[i] * addressShift;
    }
    chainOut <== ChainAbsorb(B + 3, absorbWidth)(chainIn, absorbed);

    // r^(batchIndex * B) = (r^B)^batchIndex, then one multiplication by r per row.
    signal rToB <== PowerByConstant(B)(r);
    signal power[B];
    power[0] <== PowerByBits(batchIndexBits)(Squares(batchIndexBits)(rToB), batchIndexBitsOf);
    signal term[B];
    for (var i = 0; i < B; i++) {
        term[i] <== amount[i] * power[i];
        if (i + 1 < B) {
            power[i + 1] <== power[i] * r;
        }
    }

    var amountSum = 0;
    var rlcSum = 0;
    for (var i = 0; i < B; i++) {
        amountSum += amount[i];
        rlcSum += term[i];
    }
    var headerLength = 9;
    signal horner[headerLength + B];
    horner[0] <== chainIn;
    horner[1] <== horner[0] * rho + domain;
    horner[2] <== horner[1] * rho + pool;
    horner[3] <== horner[2] * rho + total;
    horner[4] <== horner[3] * rho + addressIn;
    horner[5] <== horner[4] * rho + amountSum;
    horner[6] <== horner[5] * rho + r;
    horner[7] <== horner[6] * rho + batchIndex;
    horner[8] <== horner[7] * rho + rlcSum;
    for (var i = 0; i < B; i++) {
        horner[headerLength + i] <== horner[headerLength + i - 1] * rho + address[i] + reward[i] * addressShift;
    }
    digest <== horner[headerLength + B - 1];
}
