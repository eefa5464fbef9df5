pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "./lib/chain_absorb.circom";
include "./lib/power.circom";

// ExampleBatch(E, ...): one batch of E rows of the CLAIM table (docs/soundness-ii.md, "ClaimBatch").
// A claim row (h, j, s) says: registrant j (its registration order) listed example h, scored s.
//
// Inputs (the batch, as witness/example-batches.ts builds it):
//   chainIn    claim commitment chain after the previous batch (0 before the first)
//   domain     keccak(chainId, settlement contract, epoch) mod p, computed by the contract
//   seed       PUBLIC: the epoch's seed, drawn by the commit transaction after every chain is
//              committed; r = seed, gamma = Poseidon(seed, 1), beta = Poseidon(seed, 2)
//   hashIn     last claim hash of the previous batch (0 before the first)      (hashBits)
//   jIn        last claim registrant of the previous batch (0 before the first) (indexBits)
//   hash[i]    example hash h, 0 for a padding row
//   j[i]       registration order of the claimant (indexBits)
//   score[i]   s, signed fixed point as a field element (a negative s is p - |s|)
//   rho        PUBLIC: the digest challenge (see below)
// Outputs:     chainOut, digest. Public signals in snarkjs order: [chainOut, digest, seed, rho].
//
// Enforces, for every row i:
//   - rows are active (hash != 0) then padding (hash == 0): no active row after padding;
//   - a padding row has j = 0 and score = 0: it contributes nothing to any sum and 1 to prod;
//   - the key (hash, j), i.e. hash * 2^indexBits + j, is non-decreasing over the active rows,
//     continuing from (hashIn, jIn). It is checked as the lexicographic order it is: the hash
//     step hash - previous hash is range-checked to hashBits, and when the hash repeats, the
//     j step j - previous j to indexBits. Why not one (hashBits+indexBits)-bit gap of the packed
//     key: a bound on the key does not bound hash (hash = (key - j) / 2^indexBits mod p for
//     any j, e.g. hash = 2^-indexBits mod p has key 1), and a registration hash outside
//     [1, 2^hashBits) could then sit inside another example's run and break it, crediting that
//     example twice. Here the last hash is range-checked to hashBits, so every hash lies in
//     [hashIn, 2^hashBits) (hashIn itself is range-checked) and no sum wraps around p; every j,
//     jIn and every step are range-checked to indexBits, at the same cost in constraints;
//   - credited = active and hash != previous hash (previous = hashIn for row 0): the first claim
//     of a run of equal hashes, i.e. its lowest j, the earliest registrant. A row that is not
//     credited (a later claim of the same example, or padding) must have score 0;
//   - score + 2^(scoreBits-1) in [0, 2^scoreBits), i.e. s is a signed scoreBits-bit integer;
//     clipped = max(s, 0) (the top bit of the offset score is the sign);
//   - scoreSum = sum clipped[i];  rlcSum = sum clipped[i] * r^j[i], r^j by square-and-multiply
//     over the range-checked bits of j (r^(2^k) shared by the batch);
//   - prod = product over active rows of (gamma - hash[i] - beta * j[i]) (padding: 1);
//   - chainOut = ChainAbsorb(chainIn; domain, hashIn + jIn * 2^hashBits,
//       hash[i] + j[i] * 2^hashBits + (score[i] + 2^(scoreBits-1)) * 2^(hashBits+indexBits) ...):
//     one field element per row, injective because every limb is range-checked; the chain does
//     not depend on the seed, so the claim commitment exists before the seed is drawn;
//   - digest = Horner evaluation at rho of
//       V = [chainIn, domain, seed, hashIn, jIn, hashOut, jOut, scoreSum, rlcSum, prod],
//     (hashOut, jOut) = the last active row's (hash, j), or (hashIn, jIn) if all rows are padding.
//
// Four public signals whatever E: the caller (the settlement contract) MUST take chainIn, domain,
// seed, hashIn and jIn from its own state, receive chainOut, hashOut, jOut, scoreSum, rlcSum and
// prod, derive rho = keccak256(abi.encode(uint256 chainOut, uint256[10] V)) mod p itself,
// recompute the digest and verify against (chainOut, digest, seed, rho) with its stored seed.
//
// The transcript: digest == Horner(V_contract) at rho means V_circuit == V_contract (except with
// probability <= 9/p per keccak query) only if V_circuit was fixed before rho was drawn; a value
// the prover may still choose after seeing rho can be solved for (r was such a value at 085f677:
// ../shared/audits/). Binding table, every private input and what fixes it before rho:
//   | chainIn  | chainOut: the first Poseidon input of the chain |
//   | domain   | chainOut: absorbed element 0 |
//   | hashIn   | chainOut: absorbed element 1, limb [0, hashBits) |
//   | jIn      | chainOut: absorbed element 1, limb [hashBits, hashBits+indexBits) |
//   | hash[i]  | chainOut: absorbed element 2+i, limb [0, hashBits) |
//   | j[i]     | chainOut: absorbed element 2+i, limb [hashBits, hashBits+indexBits) |
//   | score[i] | chainOut: absorbed element 2+i, limb [hashBits+indexBits, +scoreBits) (offset by 2^(scoreBits-1)) |
//   | seed     | public signal: the contract passes its stored seed |
//   | rho      | public signal: the contract derives it by keccak after chainOut and V |
// hashOut, jOut, scoreSum, rlcSum and prod are functions of the rows and the seed, so V_circuit
// is a function of (chainOut, seed): fixed before rho.
//
// Across batches the caller MUST also (docs/soundness-ii.md, "Identities checked at finalize"):
// continue chainIn, hashIn and jIn from the previous batch's chainOut, hashOut and jOut, starting
// at (0, 0, 0); check that the last chainOut is the committed claim chain (the seed depends on
// it); add up scoreSum (== S), rlcSum (the claim side of identity 2, sum s_e r^(j_e)) and
// multiply prod (the claim side of identity 1, the multiset against the registration hashes) over
// every batch. It need not check where padding is: a padding row contributes nothing.
template ExampleBatch(E, hashBits, indexBits, scoreBits, absorbWidth) {
    assert(E >= 1);
    // One packed row must be below p to be an injective encoding.
    assert(hashBits + indexBits + scoreBits <= 252);
    // hashIn + E hash steps of up to 2^hashBits must not wrap around p.
    assert(hashBits <= 240);
    assert(indexBits >= 1);
    assert(scoreBits >= 2 && scoreBits <= 120);

    signal input chainIn;
    signal input domain;
    signal input seed;
    signal input hashIn;
    signal input jIn;
    signal input hash[E];
    signal input j[E];
    signal input score[E];
    signal input rho;

    signal output chainOut;
    signal output digest;

    _ <== Num2Bits(hashBits)(hashIn);
    _ <== Num2Bits(indexBits)(jIn);
    // r = seed: r^(2^k), shared by the batch. gamma and beta: the multiset challenges.
    signal squares[indexBits] <== Squares(indexBits)(seed);
    signal gamma <== Poseidon(2)([seed, 1]);
    signal beta <== Poseidon(2)([seed, 2]);

    var offset = 2 ** (scoreBits - 1);
    signal isPadding[E];
    signal hashStep[E];        // active * (hash - previous hash); 0 on padding
    signal previousHash[E + 1];
    signal sameRun[E];         // hashStep == 0: not credited (a repeated hash, or padding)
    signal jDelta[E];          // active * (j - previous j); 0 on padding
    signal previousJ[E + 1];
    signal jStep[E];           // sameRun * jDelta: the order of j within a run of equal hashes
    signal jBits[E][indexBits];
    signal offsetBits[E][scoreBits];
    signal clipped[E];
    signal power[E];           // r^j[i]
    signal term[E];            // clipped[i] * r^j[i]
    signal betaJ[E];           // beta * j[i]
    signal paddingFactor[E];   // isPadding[i] * (gamma - 1): turns a padding row's factor gamma into 1
    signal prod[E + 1];
    previousHash[0] <== hashIn;
    previousJ[0] <== jIn;
    prod[0] <== 1;

    for (var i = 0; i < E; i++) {
        isPadding[i] <== IsZero()(hash[i]);
        if (i > 0) {
            // Padding only at the end: an active row never follows a padding row.
            isPadding[i - 1] * (1 - isPadding[i]) === 0;
        }
        isPadding[i] * j[i] === 0;

        // Hashes non-decreasing, each step below 2^hashBits.
        hashStep[i] <== (1 - isPadding[i]) * (hash[i] - previousHash[i]);
        previousHash[i + 1] <== previousHash[i] + hashStep[i];
        _ <== Num2Bits(hashBits)(hashStep[i]);
        // Credited exactly when the hash moved: a later claim of the same example (or padding)
        // carries no score, so only the earliest registrant of each example is paid for it.
        sameRun[i] <== IsZero()(hashStep[i]);
        sameRun[i] * score[i] === 0;

        // Within a run of equal hashes, j non-decreasing: the credited row has the lowest j.
        jBits[i] <== Num2Bits(indexBits)(j[i]);
        jDelta[i] <== (1 - isPadding[i]) * (j[i] - previousJ[i]);
        previousJ[i + 1] <== previousJ[i] + jDelta[i];
        jStep[i] <== sameRun[i] * jDelta[i];
        _ <== Num2Bits(indexBits)(jStep[i]);

        offsetBits[i] <== Num2Bits(scoreBits)(score[i] + offset);
        // The top bit of s + 2^(scoreBits-1) is 1 exactly when s >= 0.
        clipped[i] <== offsetBits[i][scoreBits - 1] * score[i];
        power[i] <== PowerByBits(indexBits)(squares, jBits[i]);
        term[i] <== clipped[i] * power[i];

        // Padding has hash = j = 0, so its factor gamma - 0 - 0 - (gamma - 1) is 1.
        betaJ[i] <== beta * j[i];
        paddingFactor[i] <== isPadding[i] * (gamma - 1);
        prod[i + 1] <== prod[i] * (gamma - hash[i] - betaJ[i] - paddingFactor[i]);
    }
    // The last active hash bounds every active hash from above.
    _ <== Num2Bits(hashBits)(previousHash[E]);

    var keyShift = 2 ** hashBits;
    signal absorbed[E + 2];
    absorbed[0] <== domain;
    absorbed[1] <== hashIn + jIn * keyShift;
    for (var i = 0; i < E; i++) {
        absorbed[2 + i] <== hash[i] + j[i] * keyShift + (score[i] + offset) * (2 ** (hashBits + indexBits));
    }
    chainOut <== ChainAbsorb(E + 2, absorbWidth)(chainIn, absorbed);

    var scoreSum = 0;
    var rlcSum = 0;
    for (var i = 0; i < E; i++) {
        scoreSum += clipped[i];
        rlcSum += term[i];
    }
    signal horner[10];
    horner[0] <== chainIn;
    horner[1] <== horner[0] * rho + domain;
    horner[2] <== horner[1] * rho + seed;
    horner[3] <== horner[2] * rho + hashIn;
    horner[4] <== horner[3] * rho + jIn;
    horner[5] <== horner[4] * rho + previousHash[E];
    horner[6] <== horner[5] * rho + previousJ[E];
    horner[7] <== horner[6] * rho + scoreSum;
    horner[8] <== horner[7] * rho + rlcSum;
    horner[9] <== horner[8] * rho + prod[E];
    digest <== horner[9];
}
