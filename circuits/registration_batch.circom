pragma circom 2.1.9;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "./lib/power.circom";

// RegistrationBatch(K, w, ...): K rows of the registration table (docs/soundness-ii.md), each row
// one chunk of w example hashes of one registrant's list, re-hashed to the commitment C_j that
// ContributorRegistry folded into F; the batch's factors of the multiset product and its terms of
// the one polynomial in r.
//
// Inputs (the batch, as witness/registration-batches.ts builds it):
//   domain        regDomain = keccak(chainId, registry, epoch) mod p: s_0 of every C_j of the epoch
//   seed          PUBLIC: the epoch's seed; r = seed, gamma = Poseidon(seed, 1), beta = Poseidon(seed, 2)
//   foldIn        F after the registrants closed before this batch (0 before the first batch)
//   nextJIn       registrants started before this batch, i.e. the j of the next first row (indexBits)
//   openIn        1 if the previous batch's last registrant continues into this batch (a bit)
//   listIn        that registrant's list chain s_k so far; 0 when openIn = 0
//   countIn       the number of its hashes so far; 0 when openIn = 0
//   senderNIn     its senderN; 0 when openIn = 0
//   exclStartedIn 1 if a registrant before this batch is excluded (a bit)
//   exclPrevIn    the exclusion chain E before the last such registrant; 0 when exclStartedIn = 0
//   exclJIn       that registrant's order j; 0 when exclStartedIn = 0
//                 (together they open exclIn, the chain E carried in: see "Why exclIn is opened")
//   active[i]     1 for a table row, 0 for padding (padding only at the end)
//   last[i]       1 on the registrant's last row (its list closes)
//   excluded[i]   1 for an excluded registrant: one row, no hashes, its C given as cExcluded; the
//                 trainer committed these flags before the seed (commitExclusion, see below)
//   senderN[i]    sender + n * 2^addressBits of the row's registrant (n: its registered count)
//   salt[i]       the registrant's salt on its first row, 0 on every other row
//   cExcluded[i]  C_j on an excluded row, 0 otherwise
//   hash[i][k]    the row's chunk of the sorted list, zero-padded; all 0 on excluded and padding rows
//   rho           PUBLIC: the digest challenge (see below)
// Outputs:        chainOut, digest. Public signals in snarkjs order: [chainOut, digest, seed, rho].
//
// Derived per row (prev = row i - 1, or the carried-in values for i = 0; open_{-1} = openIn):
//   first[i] = active[i] (1 - open_{i-1}),  open[i] = active[i] - last[i] (= active (1 - last)),
//   j[i] = nextJIn - 1 + (first rows so far, this one included): the registrant's order j.
// Enforces, for every row i:
//   - active, last, excluded are bits; row 0 is active; padding only at the end (no active row
//     after a padding row) and never right after an open row (a list never stops unclosed);
//     last => active; excluded => first and last (an excluded registrant is exactly one row);
//   - padding rows have every input 0; an excluded row has every hash 0 and salt 0; cExcluded is 0
//     unless excluded; salt is 0 unless first; a continuation row repeats the previous senderN;
//   - list[i] = Poseidon(w + 3)(first ? domain : list_{i-1}, first * senderN, salt, hash[i][0..w-1]):
//     the chain s_k of docs/soundness-ii.md, so on a registrant's last row list == C_j; except on an
//     excluded row, whose list is unused (its C is cExcluded) and whose Poseidon is the exclusion
//     chain's step instead: list[i] = Poseidon(w + 3)(excl_{i-1}, j[i], domain, 0, ..., 0) (salt and
//     hashes are 0 there; the domain takes the salt's place);
//   - excl[i] = excluded ? list[i] : excl_{i-1} (excl_{-1} = exclIn): the exclusion chain
//     E_0 = 0, E <- Poseidon(w + 3)(E, j, domain, 0, ..., 0) per excluded registrant j in order, which the
//     trainer commits as commitExclusion in commitEpoch, before the seed;
//   - exclIn = exclStartedIn * Poseidon(w + 3)(exclPrevIn, exclJIn, domain, 0, ..., 0), exclStartedIn a bit,
//     exclPrevIn = exclJIn = 0 unless exclStartedIn;
//   - count[i] = (first ? 0 : count_{i-1}) + (nonzero hashes of the row); on a last row that is not
//     excluded, count == n (the high countBits of senderN, range-checked): the list holds exactly
//     the n examples the registrant declared and paid the fee for;
//   - fold[i] = last ? Poseidon(3)(fold_{i-1}, excluded ? cExcluded : list[i], senderN) : fold_{i-1}:
//     the registry's F = PoseidonT4(F, C, msg.sender + n 2^160), registrant by registrant in order j;
//   - prod = product over every hash h != 0 of (gamma - h - beta j[i]) (identity 1's registration side;
//     a zero hash contributes 1, found by IsZero);
//   - rlcSum = sum over last rows of sender r^(j + 2^indexBits) + excluded r^(j + 2^(indexBits+1))
//     (identity 2's registration side), with sender the low addressBits of senderN (range-checked).
//     r^(j + 2^indexBits) is carried row to row: r^(nextJIn - 1 + 2^indexBits) from the bits of
//     nextJIn (Num2Bits, so nextJIn < 2^indexBits) times an inverse of r (rInv * r == 1), then times
//     r on each first row;
//   - digest = Horner evaluation at rho of
//       V = [domain, seed, foldIn, nextJIn, openIn, stateIn, countIn, senderNIn, exclIn,
//            foldOut, nextJOut, openOut, stateOut, countOut, senderNOut, exclOut, prod, rlcSum],
//     foldOut = fold[K-1] = chainOut, nextJOut = nextJIn + (first rows), openOut = open[K-1],
//     exclOut = excl[K-1],
//     countOut = openOut count[K-1], senderNOut = openOut senderN[K-1], and the carried state
//       stateIn  = openIn  Poseidon(4)(domain, listIn, countIn, senderNIn),
//       stateOut = openOut Poseidon(4)(domain, list[K-1], count[K-1], senderN[K-1]).
//
// No chain of its own: every row is fixed before the seed, by the registry and the trainer's
// commit. F is final when registration closes, and the table is the unique opening of F: each
// registrant's (C_j, senderN_j) is a Poseidon input of F, and each non-excluded C_j a Poseidon chain
// over (domain, senderN_j, salt_j, its chunks). The exclusion flags are fixed by commitExclusion:
// the chain over the excluded orders that the last batch's exclOut must equal. They must be: for a
// registrant whose list the trainer knows, excluded = 1 with cExcluded = C_j folds to the same F as
// excluded = 0, and identity 2 alone (checked at r = seed) binds only flags fixed before the seed;
// flags chosen after it would make the two identities a knapsack over sock-puppet registrations
// (found by review). With the flags fixed, identity 2 ties them to the committed X (the contract
// adds r^(j + 2^(indexBits+1)) for X, the circuit for its flags). The values carried between
// batches are contract storage, written by the previous batch's V.
// Why stateIn is a hash and not the list chain itself: the contract checks digest == Horner(V) at
// rho, which pins V_circuit to V_contract only if V_circuit was fixed before rho. A carried-in value
// the batch does not hash would be a free variable after rho: with listIn, countIn, senderNIn given
// as themselves, a batch starting with a first row (or a batch of continuation rows for senderNIn,
// countIn and domain) leaves them unused, and the prover solves the digest equation for one of them
// to claim any prod or rlcSum. So an open registrant's (list, count, senderN), with the domain, cross
// the boundary inside one Poseidon, and closed-registrant carries are 0 (checked on the way in).
// Row 0 is always active, so the domain enters a Poseidon whose output reaches V in every batch: a
// kept first row's list (its C_j, folded into foldOut, or stateOut if still open), the carried
// state (row 0 continues), or an excluded row's exclusion step (exclOut). The last one was missing
// at first: a batch of excluded rows and padding left the domain free after rho, and a review
// forged the grand product with it and paid a sock puppet the pool (test/registration-domain.test.ts).
// An all-padding batch, which would leave the domain free, does not exist: an epoch with no
// registrants has no registration batch.
// Why exclIn is opened and not given: in a batch with no excluded row exclOut = exclIn, so a given
// exclIn would enter the digest only linearly, (rho^9 + rho^2) exclIn, with a nonzero coefficient:
// the prover would solve for it after rho (the contract's exclIn and the claimed exclOut are fixed,
// the circuit's are not) and claim any prod or rlcSum. So the circuit takes the chain's last step,
// and exclIn is a Poseidon output (or 0): matching another value needs a preimage. In a batch with
// an excluded row, exclIn is also the first excluded row's Poseidon input.
//
// What the caller (PayoutSettlement.sol) MUST do: take domain (regDomain of its registry and epoch)
// and the carried-in values (foldIn, nextJIn, openIn, stateIn, countIn, senderNIn, exclIn: 0s before
// the first batch, then the previous batch's outputs) from its own storage, receive foldOut,
// nextJOut, openOut, stateOut, countOut, senderNOut, exclOut, prod and rlcSum, derive
// rho = keccak256(abi.encode(uint256 foldOut, uint256[18] V)) mod p itself, recompute the digest
// and verify against (foldOut, digest, seed, rho) with its stored seed. After the last batch:
// foldOut == the registry's F and nextJOut == its m, openOut == 0, exclOut == commitExclusion (in
// the seed); multiply prod into the registration side of identity 1 and add rlcSum to the
// registration side of identity 2. With m = 0 there is no batch (its initial storage is already
// F = 0, m = 0, nothing open, E = 0: commitExclusion must be 0). It need not check where padding
// is: a padding row contributes nothing.
//
// The transcript: digest == Horner(V_contract) at rho means V_circuit == V_contract (except with
// probability <= 17/p per candidate, the degree in rho of their difference) only if V_circuit was
// fixed before rho was drawn: a value the prover may still choose after seeing rho can be solved for
// (085f677, ../shared/audits/). Here every private input is a Poseidon input whose output is foldOut
// (public) or in V (a changed input gives an unpredictable V, not a solvable one), or ranges over a
// few values: the flags, openIn, exclStartedIn and nextJIn leave at most 2^(3K + 2 + indexBits)
// candidates.
// Binding table, every private input and what fixes it before rho:
//   | input          | fixed before rho by                                                              |
//   | domain         | a Poseidon input in every batch: row 0's list (kept first row), stateIn (row 0 continues) or row 0's exclusion step (exclOut) |
//   | foldIn         | foldOut (public): the first Poseidon input of the fold, or foldOut itself when no row is last |
//   | nextJIn        | Num2Bits(indexBits): one of 2^indexBits values                                   |
//   | openIn         | a bit                                                                            |
//   | listIn         | stateIn: a Poseidon(4) input when openIn = 1; 0 otherwise                        |
//   | countIn        | stateIn: a Poseidon(4) input when openIn = 1; 0 otherwise                        |
//   | senderNIn      | stateIn: a Poseidon(4) input when openIn = 1; 0 otherwise                        |
//   | exclStartedIn  | a bit: exclIn (in V) is 0 or a Poseidon output                                   |
//   | exclPrevIn     | exclIn (in V): a Poseidon(w + 3) input when exclStartedIn = 1; 0 otherwise       |
//   | exclJIn        | exclIn (in V): a Poseidon(w + 3) input when exclStartedIn = 1; 0 otherwise       |
//   | active[i]      | a bit (which rows are hashed into the list and fold chains)                      |
//   | last[i]        | a bit: a last row's (C, senderN) is a Poseidon input of foldOut                  |
//   | excluded[i]    | a bit: an excluded row's Poseidon is the exclusion chain's step, so a flipped flag changes exclOut (in V), which must reach commitExclusion (in the seed); identity 2 then ties the fixed flags to X |
//   | senderN[i]     | kept first row: list Poseidon input; later rows equal it; last row (every excluded row): fold Poseidon input |
//   | salt[i]        | kept first row: list Poseidon input; 0 on every other row                        |
//   | cExcluded[i]   | excluded row: fold Poseidon input (foldOut); 0 otherwise                         |
//   | hash[i][k]     | list Poseidon input, ending in foldOut (list closed) or stateOut (open); 0 on excluded and padding rows |
//   | seed           | public signal: the contract passes its stored seed                               |
//   | rho            | public signal: the contract derives it by keccak after foldOut and V             |
// rInv is not an input: seed fixes it (rInv * seed == 1). Nor is exclIn, the chain carried in: its
// opening (exclStartedIn, exclPrevIn, exclJIn) is, so that it is 0 or a Poseidon output, never a
// value solved for after rho (see "Why exclIn is opened").
template RegistrationBatch(K, w, addressBits, countBits, indexBits) {
    assert(K >= 1);
    // Poseidon(w + 3): circomlib's Poseidon takes at most 16 inputs.
    assert(w >= 1 && w <= 13);
    // senderN = sender + n 2^addressBits must be a canonical field element.
    assert(addressBits + countBits <= 252);
    assert(indexBits >= 1 && indexBits <= 64);

    signal input domain;
    signal input seed;
    signal input foldIn;
    signal input nextJIn;
    signal input openIn;
    signal input listIn;
    signal input countIn;
    signal input senderNIn;
    signal input exclStartedIn;
    signal input exclPrevIn;
    signal input exclJIn;
    signal input active[K];
    signal input last[K];
    signal input excluded[K];
    signal input senderN[K];
    signal input salt[K];
    signal input cExcluded[K];
    signal input hash[K][w];
    signal input rho;

    signal output chainOut;
    signal output digest;

    // Challenges: the same gamma and beta as every circuit of the epoch.
    signal gamma <== Poseidon(2)([seed, 1]);
    signal beta <== Poseidon(2)([seed, 2]);
    // r^(2^k) for k <= indexBits: the bits of nextJIn, then the shift r^(2^indexBits). The excluded
    // term's r^(j + 2^(indexBits+1)) is r^(j + 2^indexBits) * r^(2^indexBits).
    signal squares[indexBits + 1] <== Squares(indexBits + 1)(seed);
    signal shift <== squares[indexBits];

    // Carried in: a bit, and the open registrant's values behind one Poseidon (see the header).
    openIn * (1 - openIn) === 0;
    (1 - openIn) * listIn === 0;
    (1 - openIn) * countIn === 0;
    (1 - openIn) * senderNIn === 0;
    signal openedState <== Poseidon(4)([domain, listIn, countIn, senderNIn]);
    signal stateIn <== openIn * openedState;

    // The exclusion chain carried in, given by its last step (see the header): exclIn is 0 before
    // the first excluded registrant, else Poseidon(w + 3)(exclPrevIn, exclJIn, domain, 0, ..., 0).
    exclStartedIn * (1 - exclStartedIn) === 0;
    (1 - exclStartedIn) * exclPrevIn === 0;
    (1 - exclStartedIn) * exclJIn === 0;
    component exclInHash = Poseidon(w + 3);
    exclInHash.inputs[0] <== exclPrevIn;
    exclInHash.inputs[1] <== exclJIn;
    exclInHash.inputs[2] <== domain;
    for (var k = 3; k < w + 3; k++) {
        exclInHash.inputs[k] <== 0;
    }
    signal exclIn <== exclStartedIn * exclInHash.out;

    // r^(nextJIn - 1 + 2^indexBits): the power of the row before the first.
    signal jBits[indexBits] <== Num2Bits(indexBits)(nextJIn);
    signal lowSquares[indexBits];
    for (var k = 0; k < indexBits; k++) {
        lowSquares[k] <== squares[k];
    }
    signal rToJ <== PowerByBits(indexBits)(lowSquares, jBits);
    signal rInv <-- seed != 0 ? 1 / seed : 0;
    rInv * seed === 1;
    signal rToJBefore <== rToJ * rInv;
    signal powerBefore <== rToJBefore * shift;

    signal first[K];
    signal open[K];
    signal base[K];
    signal firstSenderN[K];
    signal listSeed[K];    // the row Poseidon's inputs 0 and 1: (base, first senderN), or (exclPrev, j) when excluded
    signal listSender[K];
    signal exclDomain[K];  // excluded * domain: the exclusion step's third input
    signal list[K];
    signal excl[K];        // the exclusion chain after row i
    signal countReset[K];
    signal count[K];
    signal senderBits[K][addressBits + countBits];
    signal betaJ[K];
    signal isZero[K][w];
    signal factorMinusOne[K][w];
    signal prodAcc[K * w];
    signal claimed[K];     // C: cExcluded on an excluded row, list otherwise
    signal foldHash[K];
    signal fold[K];
    signal powerTimesR[K];
    signal power[K];       // r^(j[i] + 2^indexBits)
    signal excludedShift[K];
    signal weighted[K];
    signal term[K];

    component listHash[K];
    var firstCount = 0;
    for (var i = 0; i < K; i++) {
        var openPrev = i == 0 ? openIn : open[i - 1];
        var listPrev = i == 0 ? listIn : list[i - 1];
        var countPrev = i == 0 ? countIn : count[i - 1];
        var senderNPrev = i == 0 ? senderNIn : senderN[i - 1];
        var foldPrev = i == 0 ? foldIn : fold[i - 1];
        var powerPrev = i == 0 ? powerBefore : power[i - 1];
        var exclPrev = i == 0 ? exclIn : excl[i - 1];

        // Flags.
        if (i == 0) {
            // Row 0 is active: written quadratic so that --O2 keeps active[0] an input wire (a linear
            // active[0] === 1 would substitute it away and shift the private inputs' wires).
            (1 - active[0]) * (1 - active[0]) === 0;
        } else {
            active[i] * (1 - active[i]) === 0;
            // Padding only at the end: an active row never follows a padding row.
            active[i] * (1 - active[i - 1]) === 0;
        }
        // A list never stops unclosed: no padding row right after an open row.
        (1 - active[i]) * openPrev === 0;
        first[i] <== active[i] * (1 - openPrev);
        // last is a bit, and 0 on padding.
        last[i] * (active[i] - last[i]) === 0;
        open[i] <== active[i] - last[i];
        // excluded is a bit, 0 unless first, and then also last.
        excluded[i] * (first[i] - excluded[i]) === 0;
        excluded[i] * (1 - last[i]) === 0;

        // Zero inputs where the row has no such value.
        (1 - active[i]) * senderN[i] === 0;
        (active[i] - first[i]) * (senderN[i] - senderNPrev) === 0;
        (1 - first[i] + excluded[i]) * salt[i] === 0;
        (1 - excluded[i]) * cExcluded[i] === 0;

        // The registrant's order j.
        firstCount += first[i];
        var j = nextJIn - 1 + firstCount;

        // The row's Poseidon: the list chain, or on an excluded row (salt and hashes 0, its list
        // unused: C = cExcluded) the exclusion chain's step Poseidon(exclPrev, j, domain, 0, ..., 0).
        base[i] <== listPrev + first[i] * (domain - listPrev);
        firstSenderN[i] <== first[i] * senderN[i];
        listSeed[i] <== base[i] + excluded[i] * (exclPrev - base[i]);
        listSender[i] <== firstSenderN[i] + excluded[i] * (j - firstSenderN[i]);
        listHash[i] = Poseidon(w + 3);
        listHash[i].inputs[0] <== listSeed[i];
        listHash[i].inputs[1] <== listSender[i];
        // An excluded row's step hashes the domain where a kept first row hashes its salt: so the
        // domain is a Poseidon input in every batch, also one of excluded rows and padding only.
        exclDomain[i] <== excluded[i] * domain;
        listHash[i].inputs[2] <== salt[i] + exclDomain[i];
        for (var k = 0; k < w; k++) {
            listHash[i].inputs[3 + k] <== hash[i][k];
        }
        list[i] <== listHash[i].out;
        excl[i] <== exclPrev + excluded[i] * (list[i] - exclPrev);

        // gamma - h - beta j per hash; a zero hash contributes 1.
        betaJ[i] <== beta * j;
        var nonzero = 0;
        for (var k = 0; k < w; k++) {
            // No hash on an excluded or padding row.
            (1 - active[i] + excluded[i]) * hash[i][k] === 0;
            isZero[i][k] <== IsZero()(hash[i][k]);
            nonzero += 1 - isZero[i][k];
            factorMinusOne[i][k] <== (1 - isZero[i][k]) * (gamma - hash[i][k] - betaJ[i] - 1);
            if (i == 0 && k == 0) {
                prodAcc[0] <== 1 + factorMinusOne[0][0];
            } else {
                prodAcc[i * w + k] <== prodAcc[i * w + k - 1] + prodAcc[i * w + k - 1] * factorMinusOne[i][k];
            }
        }
        countReset[i] <== first[i] * countPrev;
        count[i] <== countPrev - countReset[i] + nonzero;

        // senderN = sender + n 2^addressBits, both range-checked (padding: 0).
        senderBits[i] <== Num2Bits(addressBits + countBits)(senderN[i]);
        var sender = 0;
        var n = 0;
        for (var b = 0; b < addressBits; b++) {
            sender += senderBits[i][b] * (2 ** b);
        }
        for (var b = 0; b < countBits; b++) {
            n += senderBits[i][addressBits + b] * (2 ** b);
        }
        // A closed list holds exactly the n hashes the registrant declared.
        (last[i] - excluded[i]) * (count[i] - n) === 0;

        // The registry's fold.
        claimed[i] <== list[i] + excluded[i] * (cExcluded[i] - list[i]);
        foldHash[i] <== Poseidon(3)([foldPrev, claimed[i], senderN[i]]);
        fold[i] <== foldPrev + last[i] * (foldHash[i] - foldPrev);

        // sender r^(j + 2^indexBits) + excluded r^(j + 2^(indexBits+1)) on last rows.
        powerTimesR[i] <== powerPrev * seed;
        power[i] <== powerPrev + first[i] * (powerTimesR[i] - powerPrev);
        excludedShift[i] <== excluded[i] * shift;
        weighted[i] <== power[i] * (sender + excludedShift[i]);
        term[i] <== last[i] * weighted[i];
    }

    // Carried out: an open registrant's (list, count, senderN) behind one Poseidon, else 0s.
    signal openOut <== open[K - 1];
    signal closingState <== Poseidon(4)([domain, list[K - 1], count[K - 1], senderN[K - 1]]);
    signal stateOut <== openOut * closingState;
    signal countOut <== openOut * count[K - 1];
    signal senderNOut <== openOut * senderN[K - 1];

    var rlcSum = 0;
    for (var i = 0; i < K; i++) {
        rlcSum += term[i];
    }
    chainOut <== fold[K - 1];

    var V[18] = [
        domain, seed, foldIn, nextJIn, openIn, stateIn, countIn, senderNIn, exclIn,
        fold[K - 1], nextJIn + firstCount, openOut, stateOut, countOut, senderNOut, excl[K - 1], prodAcc[K * w - 1], rlcSum
    ];
    signal horner[18];
    horner[0] <== V[0];
    for (var v = 1; v < 18; v++) {
        horner[v] <== horner[v - 1] * rho + V[v];
    }
    digest <== horner[17];
}
