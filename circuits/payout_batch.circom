pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/chain_absorb.circom";
include "./lib/power.circom";

// PayoutBatch(B, ...): one batch of B rows of the PAYOUT table (docs/soundness-ii.md), keyed by
// registration order: row i of batch k is registrant j = k * B + i.
//
// Inputs (the batch, as witness/payout-batches.ts builds it):
//   chainIn     payout commitment chain after the previous batch (0 before the first)
//   domain      keccak(chainId, settlement contract, epoch) mod p, computed by the contract
//   pool        R, the epoch's reward pool in token base units          (poolBits)
//   total       S, the sum of all registrants' totals in the epoch       (totalBits, S >= 1)
//   seed        PUBLIC: the epoch's seed, drawn by the commit transaction after every chain is
//               committed; r = seed
//   batchIndex  this batch's index k (batchIndexBits): its rows are j = k * B + i
//   address[i]  registrant j's sender (addressBits), 0 for a padding row
//   amount[i]   T_j, registrant j's credited score total (totalBits)
//   reward[i], remainder[i]   floor(R * T_j / S) and its remainder
//   rho         PUBLIC: the digest challenge (see below)
// Outputs:       chainOut, digest. Public signals in snarkjs order: [chainOut, digest, seed, rho].
//
// Enforces, for every row i:
//   - address < 2^addressBits: the payout word decodes to it;
//   - a padding row (address == 0) has amount 0, hence reward 0 and remainder 0: it pays nothing.
//     Padding may appear anywhere, and no address order is checked (rows are in registration
//     order; an address that registered twice has two rows): identity 2 makes every row j < m
//     registrant j's sender with its credited total, and every row j >= m amount 0 and address 0;
//   - amount < 2^totalBits, reward < 2^poolBits, 0 <= remainder < total and
//     reward * total + remainder == pool * amount (floor division, no rounding up);
//   - every j = k * B + i is below 2^indexBits ((k + 1) * B <= 2^indexBits): the exponents j and
//     j + 2^indexBits of identity 2 stay in their own ranges, so no row can stand in for another
//     range's term (an amount at r^(2^indexBits + j) would cancel registrant j's sender);
//   - rlcSum = sum (amount[i] + address[i] * r^(2^indexBits)) * r^(k * B + i): r^(k*B) by
//     square-and-multiply over the bits of k, then a running power of r; padding rows add 0;
//   - chainOut = ChainAbsorb(chainIn; domain, pool + total * 2^poolBits + k * 2^(poolBits+totalBits),
//                            address[i] + amount[i] * 2^addressBits ...);
//   - digest = Horner evaluation at rho of
//       V = [chainIn, domain, pool, total, seed, batchIndex, amountSum, rlcSum, word[0..B-1]],
//     with word[i] = address[i] + reward[i] * 2^addressBits (the packed payout word).
//
// Why a digest instead of B public signals: each public signal costs ~6.8k gas (one ecMul) to
// verify. Here the verifier has four (chainOut, digest, seed, rho) for any B.
//
// The transcript: the contract draws rho = keccak256(abi.encode(uint256 chainOut, uint256[8] V,
// bytes32 keccak256(abi.encodePacked(words)))) mod p, where V is built from its own state and the
// claim, and checks digest == Horner of (V, words) at rho. That equality means V_circuit ==
// V_contract (except with probability <= (B+7)/p per keccak query, the degree of their
// difference) ONLY IF V_circuit was fixed before rho was drawn: a value the prover may still
// choose after seeing rho can be solved for (the digest is a polynomial in it; this forged
// payouts at 085f677, ../shared/audits/). So every private input must be fixed by chainOut
// (absorbed: Poseidon is collision resistant and every absorbed element packs range-checked limbs
// injectively) or be a function of what is, and every other value must be a public signal the
// contract supplies. Binding table:
//   | chainIn      | chainOut: the first Poseidon input of the chain (and the contract's stored chain in V) |
//   | domain       | chainOut: absorbed element 0 |
//   | pool         | chainOut: absorbed element 1, limb [0, poolBits) |
//   | total        | chainOut: absorbed element 1, limb [poolBits, poolBits+totalBits) |
//   | batchIndex   | chainOut: absorbed element 1, limb [poolBits+totalBits, +batchIndexBits) |
//   | address[i]   | chainOut: absorbed element 2+i, limb [0, addressBits) |
//   | amount[i]    | chainOut: absorbed element 2+i, limb [addressBits, addressBits+totalBits) |
//   | reward[i]    | a function of (pool, total, amount[i]): the unique floor quotient (range checks) |
//   | remainder[i] | a function of (pool, total, amount[i]): the unique remainder in [0, total) |
//   | seed         | public signal: the contract passes its stored seed |
//   | rho          | public signal: the contract derives it by keccak after chainOut and V |
// Hence V_circuit is a function of (chainOut, seed): fixed before rho.
//
// What the caller MUST do (the settlement contract): take V from its own state and the words it is
// about to pay, derive rho itself, recompute the digest and verify the proof against
// (chainOut, digest, seed, rho) with its stored seed. If the caller lets the prover choose rho or
// the seed, nothing binds the words: never do that. The caller also checks: chainIn is its stored
// chain (0 for batch 0), batchIndex is the batch's position, pool and total are the epoch's, the
// last chainOut is the committed payout chain (the seed depends on it), the sum of amountSum over
// all batches equals S, the sum of paid rewards stays <= R, and identity 2 at finalize (the sum of
// rlcSum over all batches plus the exclusion terms equals the claim and registration sides).
template PayoutBatch(B, addressBits, totalBits, poolBits, batchIndexBits, indexBits, absorbWidth) {
    assert(B >= 1);
    // word = address + reward * 2^addressBits must stay below p (~2^253.6) to be canonical.
    assert(addressBits + poolBits <= 253);
    // A row element packs address and amount injectively below p.
    assert(addressBits + totalBits <= 252);
    // pool * amount must not wrap around p; the header element packs pool, total and batchIndex.
    assert(poolBits + totalBits + batchIndexBits <= 252);
    // One batch must fit the registration orders.
    assert(indexBits >= 1 && B <= 2 ** indexBits);

    signal input chainIn;
    signal input domain;
    signal input pool;
    signal input total;
    signal input seed;
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
    signal batchIndexBitsOf[batchIndexBits] <== Num2Bits(batchIndexBits)(batchIndex);
    // The batch's last row j = k * B + B - 1 is a registration order (below 2^indexBits).
    _ <== Num2Bits(indexBits)(batchIndex * B + B - 1);

    signal isPadding[B];
    signal quotientPart[B];
    for (var i = 0; i < B; i++) {
        _ <== Num2Bits(addressBits)(address[i]);
        isPadding[i] <== IsZero()(address[i]);
        isPadding[i] * amount[i] === 0;

        _ <== Num2Bits(totalBits)(amount[i]);
        _ <== Num2Bits(poolBits)(reward[i]);
        _ <== Num2Bits(totalBits)(remainder[i]);
        _ <== Num2Bits(totalBits)(total - 1 - remainder[i]);

        quotientPart[i] <== reward[i] * total;
        quotientPart[i] + remainder[i] === pool * amount[i];
    }

    var addressShift = 2 ** addressBits;
    signal absorbed[B + 2];
    absorbed[0] <== domain;
    absorbed[1] <== pool + total * (2 ** poolBits) + batchIndex * (2 ** (poolBits + totalBits));
    for (var i = 0; i < B; i++) {
        absorbed[2 + i] <== address[i] + amount[i] * addressShift;
    }
    chainOut <== ChainAbsorb(B + 2, absorbWidth)(chainIn, absorbed);

    // r = seed. Addresses sit at r^(2^indexBits + j): r^(2^indexBits) by indexBits squarings.
    signal squares[indexBits + 1] <== Squares(indexBits + 1)(seed);
    // r^(batchIndex * B) = (r^B)^batchIndex, then one multiplication by r per row.
    signal rToB <== PowerByConstant(B)(seed);
    signal power[B];
    power[0] <== PowerByBits(batchIndexBits)(Squares(batchIndexBits)(rToB), batchIndexBitsOf);
    signal shiftedAddress[B];   // address[i] * r^(2^indexBits)
    signal term[B];             // (amount[i] + address[i] * r^(2^indexBits)) * r^j
    for (var i = 0; i < B; i++) {
        shiftedAddress[i] <== address[i] * squares[indexBits];
        term[i] <== (amount[i] + shiftedAddress[i]) * power[i];
        if (i + 1 < B) {
            power[i + 1] <== power[i] * seed;
        }
    }

    var amountSum = 0;
    var rlcSum = 0;
    for (var i = 0; i < B; i++) {
        amountSum += amount[i];
        rlcSum += term[i];
    }
    var headerLength = 8;
    signal horner[headerLength + B];
    horner[0] <== chainIn;
    horner[1] <== horner[0] * rho + domain;
    horner[2] <== horner[1] * rho + pool;
    horner[3] <== horner[2] * rho + total;
    horner[4] <== horner[3] * rho + seed;
    horner[5] <== horner[4] * rho + batchIndex;
    horner[6] <== horner[5] * rho + amountSum;
    horner[7] <== horner[6] * rho + rlcSum;
    for (var i = 0; i < B; i++) {
        horner[headerLength + i] <== horner[headerLength + i - 1] * rho + address[i] + reward[i] * addressShift;
    }
    digest <== horner[headerLength + B - 1];
}
