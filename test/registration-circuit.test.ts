/**
 * RegistrationBatch against the native model (witness/registration-batches.ts): honest batches of
 * a table with every row kind (a list of 13 hashes over two rows, excluded registrants in three
 * batches, a list crossing three batch boundaries, a batch of continuation rows only, trailing
 * padding) reproduce the native public signals, the exclusion chain carried from batch to batch
 * ending at exclusionChain of the excluded orders (commitExclusion); every constraint, when its
 * input is tampered, is rejected by the very check meant for it (the test names the circuit
 * statement); values the circuit takes as given, the exclusion flags and the carried chain's
 * opening among them, change the outputs the contract recomputes; direct witness edits are checked
 * against the R1CS.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import { compileCircuit, registrationCircuitName } from "../circuits/compile.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { hornerDigest } from "../witness/payout-batches.ts";
import { powMod } from "../witness/power.ts";
import {
  buildRegistrationBatches,
  carriedState,
  exclusionChain,
  exclusionStep,
  foldOfEntries,
  INITIAL_CARRY,
  registrationDigestChallenge,
  registryEntries,
  type Registrant,
  type RegistrationBatch,
} from "../witness/registration-batches.ts";
import {
  poseidonHash,
  RegistrationCommitmentError,
  registrationDomain,
  senderWord,
  type RegistrationCommitmentErrorCode,
} from "../witness/registration-commitment.ts";
import { assertRejectedAt, calculateWitness, sharedBatchCircuitTests, symbolsOf, wireOf } from "./helpers/circuit-harness.ts";
import { prng } from "./helpers/prng.ts";
import { readR1cs, violatedConstraints } from "./helpers/r1cs.ts";

const K = config.registrationBatch.testSize;
const DEMO = config.registrationBatch.demoSize;
const W = config.registrationBatch.chunk;
const { contributorIndexBits, addressBits, countBits } = config.widths;
const CIRCUIT_FILE = join(PROJECT_ROOT, "circuits", "registration_batch.circom");
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DOMAIN = registrationDomain(31337n, REGISTRY, 5n);
const SEED = BigInt(keccak256(toUtf8Bytes("registration-circuit test seed"))) % P;

const circuit = await compileCircuit(registrationCircuitName(K));
const demoCircuit = await compileCircuit(registrationCircuitName(DEMO));
const r1cs = readR1cs(circuit.r1csPath);
const symbols = symbolsOf(circuit);

const rng = prng(17n);
const address = () =>
  `0x${rng
    .below(1n << 160n)
    .toString(16)
    .padStart(40, "0")}`;
const sortedHashes = (n: number): bigint[] => {
  const set = new Set<bigint>();
  while (set.size < n) set.add(rng.below((1n << 128n) - 1n) + 1n);
  return [...set].sort((a, b) => (a < b ? -1 : 1));
};
const registrant = (n: number, sender = address()): Registrant => ({
  sender,
  salt: rng.below(P),
  hashes: sortedHashes(n),
  excluded: false,
});

assert.equal(K, 2, "the scenarios below are laid out for batches of 2 rows");
assert.equal(W, 12, "and chunks of 12 hashes");
const repeatSender = address();
const excludedC = rng.below(P);
const excluded = (count: number): Registrant => ({
  sender: address(),
  salt: 0n,
  hashes: [],
  excluded: true,
  commitment: rng.below(P),
  count,
});
// Rows: r0 r1 || r1 x2 || x3 r4 || r4 r4 || r4 r5 || x6 pad
const registrants: Registrant[] = [
  registrant(3, repeatSender),
  registrant(13),
  { sender: address(), salt: 0n, hashes: [], excluded: true, commitment: excludedC, count: 40 },
  excluded(7),
  registrant(4 * W - 5),
  registrant(1, repeatSender),
  excluded(1),
];
/** The excluded orders, as the trainer commits them (X and commitExclusion). */
const EXCLUSION = [2, 3, 6];
const batches = buildRegistrationBatches(registrants, DOMAIN, SEED, K, config);
// first: nextJIn = 0, a closed and an open list; closing: the list closes, an excluded row; excludedFirst:
// an excluded row at row 0 under a carried chain, a list opening; middle: continuation rows only, no
// excluded row (exclOut = exclIn); closingLast: the list closes, a second registration of an address;
// final: an excluded row, padding.
const [first, closing, excludedFirst, middle, closingLast, final] = batches as [
  RegistrationBatch,
  RegistrationBatch,
  RegistrationBatch,
  RegistrationBatch,
  RegistrationBatch,
  RegistrationBatch,
];

type Input = Record<string, string | string[] | string[][]>;
/** A deep copy of the batch's input with `change` applied (values reduced mod p). */
function tampered(batch: RegistrationBatch, change: (input: Mutable) => void): Input {
  const copy = JSON.parse(JSON.stringify(batch.input)) as Input;
  const m: Mutable = {
    set(name, value, row, k) {
      const v = (((value % P) + P) % P).toString();
      if (row === undefined) copy[name] = v;
      else if (k === undefined) (copy[name] as string[])[row] = v;
      else (copy[name] as string[][])[row]![k] = v;
    },
    get(name, row, k) {
      if (row === undefined) return BigInt(copy[name] as string);
      if (k === undefined) return BigInt((copy[name] as string[])[row]!);
      return BigInt((copy[name] as string[][])[row]![k]!);
    },
    copyRow(from, to) {
      for (const name of ROW_FIELDS) (copy[name] as unknown[])[to] = JSON.parse(JSON.stringify((copy[name] as unknown[])[from]));
    },
    clearRow(row) {
      for (const name of ROW_FIELDS) {
        (copy[name] as unknown[])[row] = name === "hash" ? Array<string>(W).fill("0") : "0";
      }
    },
  };
  change(m);
  return copy;
}
interface Mutable {
  set(name: string, value: bigint, row?: number, k?: number): void;
  get(name: string, row?: number, k?: number): bigint;
  copyRow(from: number, to: number): void;
  clearRow(row: number): void;
}
const ROW_FIELDS = ["active", "last", "excluded", "senderN", "salt", "cExcluded", "hash"] as const;

const CHECK = {
  openBit: "openIn * (1 - openIn) === 0;",
  listInClosed: "(1 - openIn) * listIn === 0;",
  countInClosed: "(1 - openIn) * countIn === 0;",
  senderNInClosed: "(1 - openIn) * senderNIn === 0;",
  exclStartedBit: "exclStartedIn * (1 - exclStartedIn) === 0;",
  exclPrevInNone: "(1 - exclStartedIn) * exclPrevIn === 0;",
  exclJInNone: "(1 - exclStartedIn) * exclJIn === 0;",
  nextJ: "signal jBits[indexBits] <== Num2Bits(indexBits)(nextJIn);",
  rInv: "rInv * seed === 1;",
  rowZeroActive: "(1 - active[0]) * (1 - active[0]) === 0;",
  activeBit: "active[i] * (1 - active[i]) === 0;",
  paddingLast: "active[i] * (1 - active[i - 1]) === 0;",
  noPaddingAfterOpen: "(1 - active[i]) * openPrev === 0;",
  lastBit: "last[i] * (active[i] - last[i]) === 0;",
  excludedFirst: "excluded[i] * (first[i] - excluded[i]) === 0;",
  excludedLast: "excluded[i] * (1 - last[i]) === 0;",
  paddingSenderN: "(1 - active[i]) * senderN[i] === 0;",
  sameSender: "(active[i] - first[i]) * (senderN[i] - senderNPrev) === 0;",
  salt: "(1 - first[i] + excluded[i]) * salt[i] === 0;",
  cExcluded: "(1 - excluded[i]) * cExcluded[i] === 0;",
  noHash: "(1 - active[i] + excluded[i]) * hash[i][k] === 0;",
  senderNRange: "senderBits[i] <== Num2Bits(addressBits + countBits)(senderN[i]);",
  count: "(last[i] - excluded[i]) * (count[i] - n) === 0;",
} as const;
const rejectedBy = (input: object, check: keyof typeof CHECK) =>
  assertRejectedAt(circuit, input, CIRCUIT_FILE, "RegistrationBatch", CHECK[check]);
const rejectedByDemo = (input: object, check: keyof typeof CHECK) =>
  assertRejectedAt(demoCircuit, input, CIRCUIT_FILE, "RegistrationBatch", CHECK[check]);

describe(`RegistrationBatch(${K}, ${W}) honest batches reproduce the native model`, () => {
  test("the table: 6 batches; the carried values chain; the last batch ends at the registry's (F, m) with no list open, and at commitExclusion", () => {
    assert.equal(batches.length, 6);
    for (let b = 1; b < batches.length; b++) assert.deepEqual(batches[b]!.carriedIn, batches[b - 1]!.carriedOut);
    assert.deepEqual(first.carriedIn, {
      fold: 0n,
      nextJ: 0n,
      open: 0n,
      state: 0n,
      count: 0n,
      senderN: 0n,
      excl: 0n,
      list: 0n,
      exclPrev: 0n,
      exclJ: 0n,
    });
    assert.deepEqual(first.carriedIn, INITIAL_CARRY);
    const out = final.carriedOut;
    assert.equal(out.fold, foldOfEntries(registryEntries(registrants, DOMAIN, W)));
    assert.equal(out.nextJ, BigInt(registrants.length));
    assert.deepEqual([out.open, out.state, out.count, out.senderN, out.list], [0n, 0n, 0n, 0n, 0n]);
    assert.equal(out.excl, exclusionChain(EXCLUSION, W, DOMAIN));
    // The boundary kinds the scenarios are for.
    assert.deepEqual(
      batches.map((b) => [b.carriedIn.open, b.carriedOut.open]),
      [
        [0n, 1n],
        [1n, 0n],
        [0n, 1n],
        [1n, 1n],
        [1n, 0n],
        [0n, 0n],
      ],
    );
    assert.deepEqual(
      batches.map((b) => b.rows.filter((r) => r.excluded).length),
      [0, 1, 1, 0, 0, 1],
    );
    assert.deepEqual(
      final.rows.map((r) => r.active),
      [true, false],
    );
  });

  test("the exclusion chain: E_0 = 0, E <- Poseidon(w + 3)(E, j, domain, 0, ..., 0) per excluded order; each batch carries it, with its last step as the opening", () => {
    const e1 = poseidonHash([0n, 2n, DOMAIN, ...Array<bigint>(W).fill(0n)]);
    const e2 = poseidonHash([e1, 3n, DOMAIN, ...Array<bigint>(W).fill(0n)]);
    const e3 = poseidonHash([e2, 6n, DOMAIN, ...Array<bigint>(W).fill(0n)]);
    assert.deepEqual(
      batches.map((b) => b.carriedOut.excl),
      [0n, e1, e2, e2, e2, e3],
    );
    assert.deepEqual(
      batches.map((b) => [b.carriedOut.exclPrev, b.carriedOut.exclJ]),
      [
        [0n, 0n],
        [0n, 2n],
        [e1, 3n],
        [e1, 3n],
        [e1, 3n],
        [e2, 6n],
      ],
    );
    for (const b of batches) {
      const c = b.carriedIn;
      assert.equal(c.excl, c.excl === 0n ? 0n : exclusionStep(c.exclPrev, c.exclJ, W, DOMAIN));
      assert.equal(b.input.exclStartedIn, c.excl === 0n ? "0" : "1");
    }
    assert.equal(exclusionChain([], W, DOMAIN), 0n);
    assert.equal(exclusionChain(EXCLUSION, W, DOMAIN), e3);
    assert.equal(exclusionStep(e2, 6n, W, DOMAIN), e3);
    // Orders as commitEpoch takes X: strictly increasing.
    assert.throws(() => exclusionChain([3, 2], W, DOMAIN), RangeError);
    assert.throws(() => exclusionChain([2, 2], W, DOMAIN), RangeError);
    assert.throws(() => exclusionChain([-1], W, DOMAIN), RangeError);
    assert.throws(() => exclusionChain([1], 14, DOMAIN), RegistrationCommitmentError);
  });

  const honest: [string, RegistrationBatch][] = [
    ["the first batch (nextJIn = 0): a 1-row list, a 13-hash list opening (openOut = 1)", first],
    ["the list closing (openIn = 1), an excluded registrant (the chain's first step from exclIn = 0)", closing],
    ["an excluded row at row 0 under a carried chain (exclStartedIn = 1), a list opening", excludedFirst],
    ["continuation rows only (openIn = openOut = 1, no first row), the chain passing through (exclOut = exclIn)", middle],
    ["a list closing (openIn = 1), a second registration of an address", closingLast],
    ["the final batch: an excluded row, padding", final],
  ];
  sharedBatchCircuitTests(circuit, r1cs, symbols, honest);

  test("prod and rlcSum over all batches are identity 1's and 2's registration sides, from their definitions", () => {
    const gamma = poseidonHash([SEED, 1n]);
    const beta = poseidonHash([SEED, 2n]);
    const shift = 1n << BigInt(contributorIndexBits);
    let prod = 1n;
    let rlc = 0n;
    registrants.forEach((reg, j) => {
      for (const h of reg.excluded ? [] : reg.hashes) prod = (prod * (((gamma - h - beta * BigInt(j)) % P) + P)) % P;
      rlc = (rlc + BigInt(reg.sender) * powMod(SEED, BigInt(j) + shift) + (reg.excluded ? powMod(SEED, BigInt(j) + 2n * shift) : 0n)) % P;
    });
    assert.equal(
      batches.reduce((acc, b) => (acc * b.prod) % P, 1n),
      prod,
    );
    assert.equal(
      batches.reduce((acc, b) => (acc + b.rlcSum) % P, 0n),
      rlc,
    );
  });

  test("V, rho and the digest: V has 18 values, rho = keccak256(abi.encode(foldOut, uint256[18] V)) mod p, digest = Horner at rho; stateIn opens to (domain, listIn, countIn, senderNIn)", () => {
    for (const b of batches) {
      assert.equal(b.values.length, 18);
      assert.equal(b.rho, registrationDigestChallenge(b.carriedOut.fold, b.values));
      assert.equal(b.digest, hornerDigest(b.values, b.rho));
      const [i, o] = [b.carriedIn, b.carriedOut];
      assert.deepEqual(b.values, [
        DOMAIN,
        SEED,
        i.fold,
        i.nextJ,
        i.open,
        i.state,
        i.count,
        i.senderN,
        i.excl,
        o.fold,
        o.nextJ,
        o.open,
        o.state,
        o.count,
        o.senderN,
        o.excl,
        b.prod,
        b.rlcSum,
      ]);
      assert.equal(i.state, i.open === 1n ? carriedState(DOMAIN, i.list, i.count, i.senderN) : 0n);
    }
    assert.throws(() => registrationDigestChallenge(0n, first.values.slice(0, 16)), RangeError);
    // The open list carried out of the middle batch: registrant 4 after 3 chunks, 36 hashes.
    assert.equal(middle.carriedOut.count, 3n * BigInt(W));
    assert.equal(middle.carriedOut.senderN, senderWord(registrants[4]!.sender, 4 * W - 5));
  });

  test(`RegistrationBatch(${DEMO}) matches on the same table (11 rows and 1 of padding)`, async () => {
    const demoBatches = buildRegistrationBatches(registrants, DOMAIN, SEED, DEMO, config);
    assert.equal(demoBatches.length, 1);
    for (const batch of demoBatches) {
      const witness = await calculateWitness(demoCircuit, batch.input);
      assert.deepEqual(witness.slice(1, 5), [...batch.publicSignals]);
    }
    assert.equal(demoBatches[0]!.carriedOut.fold, final.carriedOut.fold);
    assert.equal(demoBatches[0]!.carriedOut.excl, final.carriedOut.excl);
  });
});

describe("the builder", () => {
  const build = (list: readonly Registrant[]) => buildRegistrationBatches(list, DOMAIN, SEED, K, config);
  const refuses = (list: readonly Registrant[], code: RegistrationCommitmentErrorCode) =>
    assert.throws(
      () => build(list),
      (e: unknown) => e instanceof RegistrationCommitmentError && e.code === code,
    );
  const kept = registrants[0]!;
  const entries = registryEntries(registrants, DOMAIN, W);

  test("no registrants, no batch (a batch starts with an active row)", () => {
    assert.deepEqual(build([]), []);
  });
  test("accepts a kept registrant's registered C and n when they are its list's", () => {
    assert.doesNotThrow(() => build([{ ...kept, commitment: entries[0]!.commitment, count: kept.hashes.length }]));
  });
  test("refuses a registered C its list, salt and sender do not hash to", () =>
    refuses([{ ...kept, commitment: entries[0]!.commitment + 1n }], "COMMITMENT_MISMATCH"));
  test("refuses a kept registrant whose n is not its list's length", () =>
    refuses([{ ...kept, count: kept.hashes.length + 1 }], "COUNT_MISMATCH"));
  test("refuses an excluded registrant without its registered C, or without n and list", () => {
    refuses([{ ...kept, excluded: true }], "COMMITMENT_REQUIRED");
    refuses([{ ...kept, excluded: true, hashes: [], commitment: 5n }], "COUNT_MISMATCH");
    refuses([{ ...kept, excluded: true, commitment: P }], "COMMITMENT_REQUIRED");
  });
  test("refuses a kept registrant with no list, an unsorted list, a bad sender", () => {
    refuses([{ ...kept, hashes: [] }], "NO_HASHES");
    refuses([{ ...kept, hashes: [...kept.hashes].reverse() }], "HASHES_NOT_SORTED");
    refuses([{ ...kept, sender: "0x12" }], "BAD_SENDER");
  });
  test("an excluded registrant's row: first and last, senderN with its registered n, cExcluded = its C, no hash, no salt", () => {
    const row = closing.rows[1]!;
    assert.deepEqual(row, {
      active: true,
      last: true,
      excluded: true,
      senderN: senderWord(registrants[2]!.sender, 40),
      salt: 0n,
      cExcluded: excludedC,
      hash: Array<bigint>(W).fill(0n),
    });
  });
});

describe("a tampered input is rejected by the check meant for it", () => {
  // Row layout: first = [r0, r1], closing = [r1, x2], excludedFirst = [x3, r4], middle = [r4, r4],
  // closingLast = [r4, r5], final = [x6, pad].
  const cases: [string, RegistrationBatch, (m: Mutable) => void, keyof typeof CHECK][] = [
    ["last dropped on a 1-row list: the next registrant's row would continue it", first, (m) => m.set("last", 0n, 0), "sameSender"],
    ["last set on a list's first chunk of two: 12 hashes closed, 13 registered", first, (m) => m.set("last", 1n, 1), "count"],
    ["last set on the first chunk of four after an excluded row (12 of 43 hashes)", excludedFirst, (m) => m.set("last", 1n, 1), "count"],
    ["last set on a padding row", final, (m) => m.set("last", 1n, 1), "lastBit"],
    ["last = 2", first, (m) => m.set("last", 2n, 0), "lastBit"],
    ["an excluded row with a hash", closing, (m) => m.set("hash", 5n, 1, 0), "noHash"],
    ["an excluded row with a salt", closing, (m) => m.set("salt", 5n, 1), "salt"],
    ["cExcluded on a row that is not excluded", first, (m) => m.set("cExcluded", 5n, 0), "cExcluded"],
    ["a salt on a continuation row", middle, (m) => m.set("salt", 1n, 1), "salt"],
    ["a salt on the carried-in list's row (openIn = 1)", closing, (m) => m.set("salt", 1n, 0), "salt"],
    ["senderN changed on a continuation row", middle, (m) => m.set("senderN", m.get("senderN", 1) + 1n, 1), "sameSender"],
    [
      "senderN changed on the first row of a batch continuing a list",
      middle,
      (m) => m.set("senderN", m.get("senderN", 0) - 1n, 0),
      "sameSender",
    ],
    [
      "a registered count one more than the list (n in senderN)",
      first,
      (m) => m.set("senderN", m.get("senderN", 0) + (1n << BigInt(addressBits)), 0),
      "count",
    ],
    ["a hash dropped from a closing row (count one less than n)", closingLast, (m) => m.set("hash", 0n, 1, 0), "count"],
    [
      "senderN of 2^192 (a count that overflows its 32 bits)",
      first,
      (m) => m.set("senderN", 1n << BigInt(addressBits + countBits), 0),
      "senderNRange",
    ],
    ["padding right after an open row (a list that stops unclosed)", middle, (m) => m.clearRow(1), "noPaddingAfterOpen"],
    [
      "an all-padding batch",
      final,
      (m) => {
        for (let i = 0; i < K; i++) m.clearRow(i);
        m.set("openIn", 0n);
        m.set("listIn", 0n);
        m.set("countIn", 0n);
        m.set("senderNIn", 0n);
      },
      "rowZeroActive",
    ],
    ["active = 2", final, (m) => m.set("active", 2n, 1), "activeBit"],
    [
      "an excluded continuation row",
      middle,
      (m) => {
        m.set("excluded", 1n, 1);
        m.set("hash", 0n, 1, 0);
        m.set("cExcluded", 7n, 1);
      },
      "excludedFirst",
    ],
    [
      "an excluded registrant over two rows (excluded first row not last)",
      first,
      (m) => {
        m.set("excluded", 1n, 1);
        for (let k = 0; k < W; k++) m.set("hash", 0n, 1, k);
        m.set("salt", 0n, 1);
      },
      "excludedLast",
    ],
    ["excluded on a padding row", final, (m) => m.set("excluded", 1n, 1), "excludedFirst"],
    ["senderN on a padding row", final, (m) => m.set("senderN", 5n, 1), "paddingSenderN"],
    ["salt on a padding row", final, (m) => m.set("salt", 5n, 1), "salt"],
    ["cExcluded on a padding row", final, (m) => m.set("cExcluded", 5n, 1), "cExcluded"],
    ["a hash on a padding row", final, (m) => m.set("hash", 5n, 1, W - 1), "noHash"],
    ["openIn = 2", excludedFirst, (m) => m.set("openIn", 2n), "openBit"],
    ["listIn on a batch with nothing open", excludedFirst, (m) => m.set("listIn", 5n), "listInClosed"],
    ["countIn on a batch with nothing open", excludedFirst, (m) => m.set("countIn", 5n), "countInClosed"],
    ["senderNIn on a batch with nothing open", excludedFirst, (m) => m.set("senderNIn", 5n), "senderNInClosed"],
    ["exclStartedIn = 2", excludedFirst, (m) => m.set("exclStartedIn", 2n), "exclStartedBit"],
    ["exclPrevIn with no exclusion carried in (exclStartedIn = 0)", first, (m) => m.set("exclPrevIn", 5n), "exclPrevInNone"],
    ["exclJIn with no exclusion carried in (exclStartedIn = 0)", closing, (m) => m.set("exclJIn", 1n), "exclJInNone"],
    ["nextJIn = 2^20", excludedFirst, (m) => m.set("nextJIn", 1n << BigInt(contributorIndexBits)), "nextJ"],
    ["seed 0 (r has no inverse)", first, (m) => m.set("seed", 0n), "rInv"],
  ];
  for (const [name, batch, change, check] of cases) test(name, () => rejectedBy(tampered(batch, change), check));

  test(`a padding row before an active row (RegistrationBatch(${DEMO}): with ${K} rows, row 0 is active by its own check)`, async () => {
    const [demo] = buildRegistrationBatches(registrants, DOMAIN, SEED, DEMO, config) as [RegistrationBatch];
    assert.deepEqual(
      demo.rows.map((r) => r.active),
      [...Array<boolean>(DEMO - 1).fill(true), false],
    );
    await rejectedByDemo(
      tampered(demo, (m) => {
        m.copyRow(DEMO - 2, DEMO - 1);
        m.clearRow(DEMO - 2);
      }),
      "paddingLast",
    );
  });
});

describe("values taken as given are bound by the outputs the contract recomputes", () => {
  const outputsOf = async (input: object) => (await calculateWitness(circuit, input)).slice(1, 3);
  /** registrant 5, one row with one hash: its list is known, so it could be excluded with cExcluded = its C. */
  const c5 = registryEntries(registrants, DOMAIN, W)[5]!.commitment;
  const excludeAfterTheFact = (m: Mutable) => {
    m.set("excluded", 1n, 1);
    for (let k = 0; k < W; k++) m.set("hash", 0n, 1, k);
    m.set("salt", 0n, 1);
    m.set("cExcluded", c5, 1);
  };
  // chainChanges: foldOut (public) moves, so the contract derives another rho; else the digest moves.
  const binding: [string, RegistrationBatch, (m: Mutable) => void, boolean][] = [
    ["another epoch's domain", first, (m) => m.set("domain", registrationDomain(31337n, REGISTRY, 6n)), true],
    ["another domain under a continuing list (it is inside stateIn)", middle, (m) => m.set("domain", m.get("domain") + 1n), false],
    ["another foldIn", excludedFirst, (m) => m.set("foldIn", m.get("foldIn") + 1n), true],
    ["nextJIn one more", excludedFirst, (m) => m.set("nextJIn", m.get("nextJIn") + 1n), false],
    ["listIn, countIn or senderNIn of the open list changed", middle, (m) => m.set("countIn", m.get("countIn") + 1n), false],
    ["a first row's salt", first, (m) => m.set("salt", m.get("salt", 0) + 1n, 0), true],
    ["a hash of a list that closes in the batch", first, (m) => m.set("hash", m.get("hash", 0, 0) + 1n, 0, 0), true],
    ["a hash of a list that stays open", middle, (m) => m.set("hash", m.get("hash", 1, 3) + 1n, 1, 3), false],
    ["an excluded registrant's C", closing, (m) => m.set("cExcluded", m.get("cExcluded", 1) + 1n, 1), true],
    ["another seed", first, (m) => m.set("seed", m.get("seed") + 1n), false],
    ["a rho the contract did not derive", first, (m) => m.set("rho", m.get("rho") + 1n), false],
    [
      "exclPrevIn of the carried chain, in a batch with no excluded row (exclOut = exclIn)",
      middle,
      (m) => m.set("exclPrevIn", m.get("exclPrevIn") + 1n),
      false,
    ],
    ["exclJIn of the carried chain, in a batch with no excluded row", middle, (m) => m.set("exclJIn", m.get("exclJIn") + 1n), false],
    [
      "the carried chain dropped (exclStartedIn = 0, its opening 0: exclIn = 0)",
      middle,
      (m) => {
        m.set("exclStartedIn", 0n);
        m.set("exclPrevIn", 0n);
        m.set("exclJIn", 0n);
      },
      false,
    ],
    [
      "exclPrevIn under an excluded row (the row's Poseidon input)",
      excludedFirst,
      (m) => m.set("exclPrevIn", m.get("exclPrevIn") + 1n),
      false,
    ],
    ["a kept registrant excluded after the fact, cExcluded = its C (F unchanged)", closingLast, excludeAfterTheFact, false],
    ["an excluded registrant's order moved (its flag on another row's j)", final, (m) => m.set("nextJIn", m.get("nextJIn") + 1n), false],
  ];
  for (const [name, batch, change, chainChanges] of binding) {
    test(`${name}: a witness exists, but its outputs differ from what the contract recomputes`, async () => {
      const [chainOut, digest] = await outputsOf(tampered(batch, change));
      if (chainChanges) assert.notEqual(chainOut, batch.publicSignals[0]);
      else {
        assert.equal(chainOut, batch.publicSignals[0]);
        assert.notEqual(digest, batch.digest);
      }
    });
  }

  test("a flag flipped after the seed (a kept registrant excluded with cExcluded = its C) keeps F but changes exclOut: the table's chain no longer reaches commitExclusion", async () => {
    // In the circuit: the flipped batch has a witness with the same chainOut, and another exclOut.
    const witness = await calculateWitness(circuit, tampered(closingLast, excludeAfterTheFact));
    assert.deepEqual(violatedConstraints(r1cs, witness), []);
    assert.equal(witness[1], closingLast.publicSignals[0]);
    const exclOut = wireOf(symbols, `main.excl[${K - 1}]`);
    assert.equal((await calculateWitness(circuit, closingLast.input))[exclOut], closingLast.carriedOut.excl);
    assert.equal(witness[exclOut], exclusionStep(closingLast.carriedIn.excl, 5n, W, DOMAIN));
    assert.notEqual(witness[exclOut], closingLast.carriedOut.excl);
    // Over the whole table: every fold is the same, the chain ends at the flipped set's.
    const flipped = buildRegistrationBatches(
      registrants.map((r, j) => (j === 5 ? { ...r, excluded: true, commitment: c5, count: 1 } : r)),
      DOMAIN,
      SEED,
      K,
      config,
    );
    assert.deepEqual(
      flipped.map((b) => b.carriedOut.fold),
      batches.map((b) => b.carriedOut.fold),
    );
    assert.equal(flipped.at(-1)!.carriedOut.excl, exclusionChain([2, 3, 5, 6], W, DOMAIN));
    assert.notEqual(flipped.at(-1)!.carriedOut.excl, exclusionChain(EXCLUSION, W, DOMAIN));
  });

  test("why exclIn is opened: given as itself, it would be solved for after rho (exclOut = exclIn with no excluded row) to fit a forged prod", () => {
    // The forged claim: the middle batch's prod times an invented (h = 1, j = 4) factor.
    const { values } = middle;
    const gamma = poseidonHash([SEED, 1n]);
    const beta = poseidonHash([SEED, 2n]);
    const forged = values.map((v, k) => (k === 16 ? (v * (((gamma - 1n - 4n * beta) % P) + P)) % P : v));
    const rho = registrationDigestChallenge(middle.carriedOut.fold, forged);
    const target = hornerDigest(forged, rho);
    // A circuit taking exclIn as itself would output Horner of its V with x at exclIn and exclOut:
    // linear in x with coefficient rho^9 + rho^2, so x is solved for.
    const circuitV = (x: bigint) => values.map((v, k) => (k === 8 || k === 15 ? x : v));
    const at0 = hornerDigest(circuitV(0n), rho);
    const coefficient = (powMod(rho, 9n) + powMod(rho, 2n)) % P;
    const x = ((((target - at0) % P) + P) * powMod(coefficient, P - 2n)) % P;
    assert.equal(hornerDigest(circuitV(x), rho), target);
    assert.notEqual(x, middle.carriedIn.excl);
    // The circuit's exclIn is exclStartedIn * Poseidon(exclPrevIn, exclJIn, domain, 0, ...): x would need a preimage.
    assert.equal(middle.carriedIn.excl, exclusionStep(BigInt(middle.input.exclPrevIn), BigInt(middle.input.exclJIn), W, DOMAIN));
  });
});

describe("direct edits of the witness vector violate the R1CS", () => {
  test("a wrong rInv (the hint r^-1 plus one) breaks rInv * seed == 1", async () => {
    const witness = await calculateWitness(circuit, first.input);
    const wire = wireOf(symbols, "main.rInv");
    assert.equal((witness[wire]! * SEED) % P, 1n);
    witness[wire] = (witness[wire]! + 1n) % P;
    assert.notDeepEqual(violatedConstraints(r1cs, witness, r1cs.constraintsOfWire[wire]), []);
  });

  /** IsZero's inv wires of the zero hashes of `batch`: the one hint a zero input leaves free. */
  const zeroHashInverses = (batch: RegistrationBatch) => {
    const wires: number[] = [];
    for (const [name, wire] of symbols.wireOf) {
      // circom numbers the anonymous IsZero of row i, hash k as [i * w + k].
      const match = /^main\.IsZero_\d+_\d+\[(\d+)\]\.inv$/.exec(name);
      const index = Number(match?.[1]);
      if (match && batch.rows[Math.floor(index / W)]!.hash[index % W] === 0n) wires.push(wire);
    }
    return wires.sort((a, b) => a - b);
  };
  for (const [name, batch] of [
    ["the first batch (no exclusion carried in)", first],
    ["the final batch (an excluded row under a carried chain, padding)", final],
  ] as const) {
    test(`${name}: every single-wire edit (+1, -1) breaks a constraint, except IsZero's inv of a zero hash`, async () => {
      const witness = await calculateWitness(circuit, batch.input);
      const free = new Set<number>();
      for (let wire = 1; wire < witness.length; wire++) {
        const original = witness[wire]!;
        for (const delta of [1n, P - 1n]) {
          witness[wire] = (original + delta) % P;
          if (violatedConstraints(r1cs, witness, r1cs.constraintsOfWire[wire]!).length === 0) free.add(wire);
        }
        witness[wire] = original;
      }
      const expected = zeroHashInverses(batch);
      assert.ok(expected.length > 0);
      assert.deepEqual(
        [...free].sort((a, b) => a - b),
        expected,
      );
    });
  }
});

describe("constraint count", () => {
  const perRow = (demoCircuit.constraints - circuit.constraints) / (DEMO - K);
  const fixed = circuit.constraints - perRow * K;
  test(`per registration row: ${perRow.toFixed(1)} constraints by difference (K=${K}: ${circuit.constraints}, K=${DEMO}: ${demoCircuit.constraints}; ${fixed.toFixed(0)} per batch); ${(perRow / W).toFixed(1)} per example`, () => {
    assert.equal(r1cs.constraints.length, circuit.constraints);
    // Poseidon(w + 3) and Poseidon(3) per row are most of it; see the circuit header.
    assert.ok(perRow <= 1150, `${perRow} constraints per row`);
    // The demo instance fits the 2^14 powers of tau (constraints + 4 public signals + 1).
    assert.ok(demoCircuit.constraints + 5 <= 2 ** 14);
  });
});
