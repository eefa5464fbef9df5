/**
 * ExampleBatch (claim rows) against the reference model (witness/example-batches.ts): honest
 * batches reproduce the native outputs, the builder rejects every table the circuit would with a
 * typed error naming the row, and every constrained field, when tampered, is rejected by the check
 * meant for it (named by its source text). Values the circuit takes as given (chainIn, domain,
 * seed, rho) are shown to change the outputs the contract recomputes. Direct witness edits are
 * checked against the R1CS.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import { poseidon2 } from "poseidon-lite";
import { compileCircuit, exampleCircuitName } from "../circuits/compile.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { chainAbsorb } from "../witness/commitment.ts";
import { epochDomain } from "../witness/domain.ts";
import {
  buildExampleBatches,
  exampleChains,
  exampleDigestChallenge,
  exampleRowElement,
  ExampleTableError,
  multisetChallenges,
  type ExampleBatch,
  type ExampleRow,
  type ExampleTableErrorCode,
} from "../witness/example-batches.ts";
import { hornerDigest } from "../witness/payout-batches.ts";
import { powMod } from "../witness/power.ts";
import { assertRejectedAt, calculateWitness, sharedBatchCircuitTests, sourceLine, symbolsOf, wireOf } from "./helpers/circuit-harness.ts";
import { prng } from "./helpers/prng.ts";
import { readR1cs, violatedConstraints } from "./helpers/r1cs.ts";

const E = config.exampleBatch.testSize;
const DEMO = config.exampleBatch.demoSize;
const { exampleHashBits, contributorIndexBits, scoreBits } = config.widths;
const CIRCUIT_FILE = join(PROJECT_ROOT, "circuits", "example_batch.circom");
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DOMAIN = epochDomain(31337n, CONTRACT, 7n);
// Any field element will do: the circuit takes the seed as a public signal.
const SEED = BigInt(keccak256(toUtf8Bytes("example-circuit test seed"))) % P;
const HALF = 1n << BigInt(scoreBits - 1);
const HASH_LIMIT = 1n << BigInt(exampleHashBits);

const circuit = await compileCircuit(exampleCircuitName(E));
const demoCircuit = await compileCircuit(exampleCircuitName(DEMO));
const r1cs = readR1cs(circuit.r1csPath);
const symbols = symbolsOf(circuit);

/**
 * A claim table of `examples` random 128-bit hashes, each claimed by 1 to 3 registrants below 50
 * (sorted, distinct), the first claim scored with either sign, the later ones 0.
 */
function randomRows(examples: number, seed: bigint): ExampleRow[] {
  const rng = prng(seed);
  const hashes = new Set<bigint>();
  while (hashes.size < examples) hashes.add(rng.below(HASH_LIMIT - 1n) + 1n);
  return [...hashes]
    .sort((a, b) => (a < b ? -1 : 1))
    .flatMap((hash, e) => {
      const js = new Set<number>();
      const claims = rng.int(1, 3);
      while (js.size < claims) js.add(rng.int(0, 49));
      const score = (rng.below(2_000_000n) - 600_000n) * (e % 3 === 0 ? -1n : 1n);
      return [...js].sort((a, b) => a - b).map((j, k) => ({ hash, j, score: k === 0 ? score : 0n }));
    });
}
/** The first `count` rows of a random table (the last run may be cut short: still a valid table). */
const randomTable = (count: number, seed: bigint) => randomRows(count, seed).slice(0, count);
const only = (rows: ExampleRow[], size = E) => {
  const batches = buildExampleBatches(rows, DOMAIN, SEED, size, config);
  assert.equal(batches.length, 1);
  return batches[0]!;
};

const full = only(randomTable(E, 1n));
const padded = only(randomTable(E - 2, 2n));
// Three batches. X, the last row of the first batch, is claimed twice more at the start of the
// second (a run across the boundary); Y ends the second batch claimed twice by the same
// registrant and once more at the start of the third ((hash, j) repeated, within a batch and
// across the boundary).
const straddling: ExampleRow[] = (() => {
  const base = randomRows(3 * E, 3n).filter((row, i, all) => i === 0 || row.hash !== all[i - 1]!.hash);
  const x = { ...base[E - 1]!, j: 10 };
  const y = base[2 * E - 4]!;
  return [
    ...base.slice(0, E - 1),
    x,
    { hash: x.hash, j: 11, score: 0n },
    { hash: x.hash, j: 14, score: 0n },
    ...base.slice(E, 2 * E - 4),
    y,
    { ...y, score: 0n },
    { ...y, score: 0n },
    ...base.slice(2 * E - 3, 2 * E + 1),
  ];
})();
const [first, second, third] = buildExampleBatches(straddling, DOMAIN, SEED, E, config) as [ExampleBatch, ExampleBatch, ExampleBatch];
const extremes = only([
  { hash: 1n, j: 0, score: -HALF },
  { hash: 2n, j: 2 ** contributorIndexBits - 1, score: HALF - 1n },
  { hash: HASH_LIMIT - 1n, j: 7, score: 0n },
  { hash: HASH_LIMIT - 1n, j: 2 ** contributorIndexBits - 1, score: 0n },
]);
const empty = only([]);

interface Fields {
  chainIn: bigint;
  domain: bigint;
  seed: bigint;
  hashIn: bigint;
  jIn: bigint;
  rho: bigint;
  hash: bigint[];
  j: bigint[];
  score: bigint[];
}
const ROW_FIELDS = ["hash", "j", "score"] as const;
function fieldsOf(batch: ExampleBatch): Fields {
  const i = batch.input;
  return {
    chainIn: BigInt(i.chainIn),
    domain: BigInt(i.domain),
    seed: BigInt(i.seed),
    hashIn: BigInt(i.hashIn),
    jIn: BigInt(i.jIn),
    rho: BigInt(i.rho),
    hash: i.hash.map(BigInt),
    j: i.j.map(BigInt),
    score: i.score.map(BigInt),
  };
}
function tampered(batch: ExampleBatch, change: (f: Fields) => void): Record<string, string | string[]> {
  const f = fieldsOf(batch);
  change(f);
  const field = (v: bigint) => (((v % P) + P) % P).toString();
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Array.isArray(v) ? v.map(field) : field(v)]));
}
function moveRow(f: Fields, from: number, to: number): void {
  for (const key of ROW_FIELDS) [f[key][from], f[key][to]] = [f[key][to]!, f[key][from]!];
}
/** Index of the first row of `batch` that repeats the previous row's hash (an uncredited claim). */
function uncreditedRow(batch: ExampleBatch, after = 1): number {
  const i = batch.input.hash.findIndex((h, k) => k >= after && h !== "0" && h === batch.input.hash[k - 1]);
  assert.ok(i > 0, "fixture needs an uncredited row");
  return i;
}
function inverse(x: bigint): bigint {
  return powMod(x, P - 2n);
}

const CHECK = {
  hashIn: "_ <== Num2Bits(hashBits)(hashIn);",
  jIn: "_ <== Num2Bits(indexBits)(jIn);",
  paddingLast: "isPadding[i - 1] * (1 - isPadding[i]) === 0;",
  paddingJ: "isPadding[i] * j[i] === 0;",
  hashOrder: "_ <== Num2Bits(hashBits)(hashStep[i]);",
  uncreditedScore: "sameRun[i] * score[i] === 0;",
  j: "jBits[i] <== Num2Bits(indexBits)(j[i]);",
  jOrder: "_ <== Num2Bits(indexBits)(jStep[i]);",
  score: "offsetBits[i] <== Num2Bits(scoreBits)(score[i] + offset);",
  lastHash: "_ <== Num2Bits(hashBits)(previousHash[E]);",
} as const;

function assertRejectedBy(input: object, check: keyof typeof CHECK): Promise<void> {
  return assertRejectedAt(circuit, input, CIRCUIT_FILE, "ExampleBatch", CHECK[check]);
}

describe(`ExampleBatch(${E}) honest batches reproduce the reference model`, () => {
  const honest: [string, ExampleBatch][] = [
    ["a full batch with runs and negative scores", full],
    ["a batch ending in two padding rows", padded],
    ["the first of three batches (a run starts in its last row)", first],
    ["the second batch (the run continues across the boundary; (hash, j) claimed twice at its end)", second],
    ["the third batch (continues from a repeated (hash, j); padding)", third],
    ["every width at its extreme (score -2^47 and 2^47 - 1, j 2^20 - 1, hash 2^128 - 1)", extremes],
    ["an empty table: one batch of padding", empty],
  ];
  sharedBatchCircuitTests(circuit, r1cs, symbols, honest);
  test("the fixtures hold what they claim: a run across the first boundary, a repeated (hash, j), negative scores", () => {
    assert.equal(second.input.hash[0], first.input.hash[E - 1]);
    assert.equal(second.input.hash[1], first.input.hash[E - 1]);
    assert.equal(straddling.length, 3 * E - 3);
    assert.deepEqual([second.input.hash[E - 1], second.input.j[E - 1]], [second.input.hash[E - 2], second.input.j[E - 2]]);
    assert.deepEqual([third.input.hash[0], third.input.j[0]], [second.input.hash[E - 1], second.input.j[E - 1]]);
    assert.ok(full.input.score.some((s) => BigInt(s) > P / 2n));
    assert.ok(third.input.hash.includes("0"));
  });
  test("scoreSum, rlcSum and prod equal their definitions; the chain absorbs (domain, hashIn + jIn 2^128, packed rows)", () => {
    const rows = straddling;
    const gamma = poseidon2([SEED, 1n]);
    const beta = poseidon2([SEED, 2n]);
    assert.deepEqual(multisetChallenges(SEED), { gamma, beta });
    const clipped = rows.map((row) => (row.score > 0n ? row.score : 0n));
    const batches = [first, second, third];
    assert.equal(
      batches.reduce((a, b) => a + b.scoreSum, 0n),
      clipped.reduce((a, b) => a + b, 0n),
    );
    assert.equal(
      batches.reduce((a, b) => (a + b.rlcSum) % P, 0n),
      rows.reduce((acc, row, i) => (acc + clipped[i]! * powMod(SEED, BigInt(row.j))) % P, 0n),
    );
    const factor = (row: ExampleRow) => (((gamma - row.hash - beta * BigInt(row.j)) % P) + P) % P;
    assert.equal(
      batches.reduce((a, b) => (a * b.prod) % P, 1n),
      rows.reduce((acc, row) => (acc * factor(row)) % P, 1n),
    );
    const packed = (row: ExampleRow) => row.hash + (BigInt(row.j) << 128n) + ((row.score + HALF) << BigInt(128 + contributorIndexBits));
    assert.deepEqual(
      rows.map((row) => exampleRowElement(row, config)),
      rows.map(packed),
    );
    const secondRows = [...rows.slice(E, 2 * E)];
    const header = second.hashIn + (second.jIn << 128n);
    assert.equal(second.chainOut, chainAbsorb(first.chainOut, [DOMAIN, header, ...secondRows.map(packed)], config.hash.chainAbsorbWidth));
    assert.deepEqual(
      exampleChains(rows, DOMAIN, E, config),
      batches.map((b) => b.chainOut),
    );
  });
  test("batches continue: chainIn, hashIn and jIn are the previous chainOut, hashOut and jOut ((0, 0, 0) first); V and rho as the contract computes them", () => {
    assert.deepEqual([first.chainIn, first.hashIn, first.jIn], [0n, 0n, 0n]);
    for (const [prev, next] of [
      [first, second],
      [second, third],
    ] as const) {
      assert.deepEqual([next.chainIn, next.hashIn, next.jIn], [prev.chainOut, prev.hashOut, prev.jOut]);
    }
    const lastActive = third.input.hash.findLastIndex((h) => h !== "0");
    assert.deepEqual([third.hashOut, third.jOut], [BigInt(third.input.hash[lastActive]!), BigInt(third.input.j[lastActive]!)]);
    assert.deepEqual([empty.hashOut, empty.jOut, empty.prod, empty.scoreSum, empty.rlcSum], [0n, 0n, 1n, 0n, 0n]);
    const b = second;
    assert.deepEqual(b.values, [b.chainIn, DOMAIN, SEED, b.hashIn, b.jIn, b.hashOut, b.jOut, b.scoreSum, b.rlcSum, b.prod]);
    assert.equal(b.rho, exampleDigestChallenge(b.chainOut, b.values));
    assert.equal(b.digest, hornerDigest(b.values, b.rho));
  });
  test("buildExampleBatches with precomputed chains gives the same batches", () => {
    const chains = exampleChains(straddling, DOMAIN, E, config);
    assert.deepEqual(buildExampleBatches(straddling, DOMAIN, SEED, E, config, chains), [first, second, third]);
  });
  test(`ExampleBatch(${DEMO}) matches on a batch spanning several Poseidon chunks`, async () => {
    const batch = only(randomTable(DEMO - 1, 5n), DEMO);
    const witness = await calculateWitness(demoCircuit, batch.input);
    assert.deepEqual(witness.slice(1, 5), [...batch.publicSignals]);
  });
});

describe("the builder rejects a table the circuit would, naming the row", () => {
  const rows = randomTable(6, 9n);
  const run = rows.findIndex((row, i) => i > 0 && row.hash === rows[i - 1]!.hash);
  const cases: [string, ExampleRow[], ExampleTableErrorCode, number][] = [
    ["hash 0", rows.map((row, i) => (i === 2 ? { ...row, hash: 0n } : row)), "HASH_RANGE", 2],
    ["hash 2^128", [...rows, { hash: HASH_LIMIT, j: 0, score: 0n }], "HASH_RANGE", rows.length],
    ["j 2^20", rows.map((row, i) => (i === 1 ? { ...row, j: 2 ** contributorIndexBits } : row)), "INDEX_RANGE", 1],
    ["j not an integer", rows.map((row, i) => (i === 1 ? { ...row, j: 1.5 } : row)), "INDEX_RANGE", 1],
    ["score 2^47", rows.map((row, i) => (i === 0 ? { ...row, score: HALF } : row)), "SCORE_RANGE", 0],
    [
      "hashes out of order",
      [
        { hash: 9n, j: 0, score: 1n },
        { hash: 5n, j: 1, score: 2n },
      ],
      "ORDER",
      1,
    ],
    [
      "j decreasing within a run",
      [
        { hash: 5n, j: 3, score: 1n },
        { hash: 5n, j: 2, score: 0n },
      ],
      "ORDER",
      1,
    ],
    ["a later claim with a score", rows.map((row, i) => (i === run ? { ...row, score: 1n } : row)), "UNCREDITED_SCORE", run],
  ];
  for (const [name, table, code, row] of cases) {
    test(`${name}: ExampleTableError ${code} at row ${row}`, () => {
      assert.ok(run > 0);
      for (const build of [() => buildExampleBatches(table, DOMAIN, SEED, E, config), () => exampleChains(table, DOMAIN, E, config)]) {
        assert.throws(build, (error) => {
          assert.ok(error instanceof ExampleTableError);
          assert.equal(error.code, code);
          assert.equal(error.row, row);
          assert.match(error.message, new RegExp(`^claim row ${row}: `));
          return true;
        });
      }
    });
  }
});

describe("a tampered input is rejected by the check meant for it", () => {
  const cases: [string, ExampleBatch, (f: Fields) => void, keyof typeof CHECK][] = [
    [
      "unsorted hashes (rows swapped across two runs): hash order",
      full,
      (f) => {
        const i = f.hash.findIndex((h, k) => k > 0 && h > f.hash[k - 1]!);
        moveRow(f, i - 1, i);
      },
      "hashOrder",
    ],
    [
      "a batch restarts below the carried key (hash < hashIn): hash order",
      third,
      (f) => {
        f.hash[0] = f.hashIn - 1n;
      },
      "hashOrder",
    ],
    [
      "a negative hash (p - 1): hash order",
      full,
      (f) => {
        f.hash[0] = P - 1n;
      },
      "hashOrder",
    ],
    [
      "a hash aliasing a key inside the previous run (H + 7 / 2^20 mod p, j = 0: key H 2^20 + 7 < 2^148): hash order",
      full,
      (f) => {
        const i = uncreditedRow(full);
        f.hash[i] = (f.hash[i - 1]! + 7n * inverse(1n << BigInt(contributorIndexBits))) % P;
        f.j[i] = 0n;
      },
      "hashOrder",
    ],
    [
      "last hash 2^128: last hash below 2^128",
      full,
      (f) => {
        f.hash[E - 1] = HASH_LIMIT;
      },
      "lastHash",
    ],
    [
      "j decreasing within a run (the credited row not the earliest registrant): j order",
      full,
      (f) => {
        const i = uncreditedRow(full);
        f.j[i - 1] = f.j[i]! + 1n;
      },
      "jOrder",
    ],
    [
      "second batch continues the run with j below jIn: j order",
      second,
      (f) => {
        f.j[0] = f.jIn - 1n;
      },
      "jOrder",
    ],
    [
      "third batch repeats (hash, jIn - 1) after (hash, jIn): j order",
      third,
      (f) => {
        f.jIn = f.j[0]! + 1n;
      },
      "jOrder",
    ],
    [
      "a later claim of an example scored too (credited twice): uncredited score",
      full,
      (f) => {
        f.score[uncreditedRow(full)] = 5n;
      },
      "uncreditedScore",
    ],
    [
      "second batch: the straddling run's continuation scored: uncredited score",
      second,
      (f) => {
        f.score[0] = 1n;
      },
      "uncreditedScore",
    ],
    [
      "a padding row with a score (padding that pays): uncredited score",
      padded,
      (f) => {
        f.score[E - 1] = 5n;
      },
      "uncreditedScore",
    ],
    [
      "a padding row naming a registrant: padding j",
      padded,
      (f) => {
        f.j[E - 1] = 3n;
      },
      "paddingJ",
    ],
    ["an active row after a padding row: padding only at the end", padded, (f) => moveRow(f, E - 3, E - 2), "paddingLast"],
    [
      "j 2^20: j range",
      full,
      (f) => {
        f.j[0] = 1n << BigInt(contributorIndexBits);
      },
      "j",
    ],
    [
      "j p - 1 (a negative registrant): j range",
      full,
      (f) => {
        f.j[0] = P - 1n;
      },
      "j",
    ],
    [
      "score 2^47 (one past the largest): score range",
      full,
      (f) => {
        f.score[0] = HALF;
      },
      "score",
    ],
    [
      "score -2^47 - 1: score range",
      full,
      (f) => {
        f.score[0] = P - HALF - 1n;
      },
      "score",
    ],
    [
      "hashIn 2^128: hashIn range",
      second,
      (f) => {
        f.hashIn = HASH_LIMIT;
      },
      "hashIn",
    ],
    [
      "jIn 2^20: jIn range",
      second,
      (f) => {
        f.jIn = 1n << BigInt(contributorIndexBits);
      },
      "jIn",
    ],
  ];
  for (const [name, batch, change, check] of cases) test(name, () => assertRejectedBy(tampered(batch, change), check));
});

describe("values taken as given are bound by the outputs the contract recomputes", () => {
  const outputsOf = async (input: object) => (await calculateWitness(circuit, input)).slice(1, 3);
  const binding: [string, ExampleBatch, (f: Fields) => void, boolean][] = [
    [
      "a wrong seed (not the epoch's; a public signal the contract supplies)",
      full,
      (f) => {
        f.seed += 1n;
      },
      false,
    ],
    [
      "a broken chain (second batch restarts at 0)",
      second,
      (f) => {
        f.chainIn = 0n;
      },
      true,
    ],
    [
      "a batch from another epoch (domain of epoch 8)",
      full,
      (f) => {
        f.domain = epochDomain(31337n, CONTRACT, 8n);
      },
      true,
    ],
    [
      "a batch from another chain (domain of chain 1)",
      full,
      (f) => {
        f.domain = epochDomain(1n, CONTRACT, 7n);
      },
      true,
    ],
    [
      "the carried key reset to (0, 0) on the third batch",
      third,
      (f) => {
        f.hashIn = 0n;
        f.jIn = 0n;
      },
      true,
    ],
    [
      "a positive score raised by one",
      full,
      (f) => {
        f.score[f.score.findIndex((v) => v > 0n && v < P / 2n)]! += 1n;
      },
      true,
    ],
    [
      "a credited claim moved to another registrant",
      full,
      (f) => {
        f.j[0]! += 1n;
      },
      true,
    ],
    [
      "a rho the contract did not derive",
      full,
      (f) => {
        f.rho += 1n;
      },
      false,
    ],
  ];
  for (const [name, batch, change, chainChanges] of binding) {
    test(`${name}: a witness exists, but its outputs differ from what the contract recomputes`, async () => {
      const [chainOut, digest] = await outputsOf(tampered(batch, change));
      // A new chainOut makes the contract derive another rho, so the old proof cannot carry over;
      // with the same chainOut the digest itself must differ.
      if (chainChanges) assert.notEqual(chainOut, batch.chainOut);
      else {
        assert.equal(chainOut, batch.chainOut);
        assert.notEqual(digest, batch.digest);
      }
    });
  }
});

describe("direct edits of the witness vector violate the R1CS", () => {
  test("an unclipped negative score (clipped[i] = s < 0) breaks the clipping constraint", async () => {
    const negativeRow = full.input.score.findIndex((s) => BigInt(s) > P / 2n);
    assert.ok(negativeRow >= 0);
    const witness = await calculateWitness(circuit, full.input);
    const wire = wireOf(symbols, `main.clipped[${negativeRow}]`);
    assert.equal(witness[wire], 0n);
    witness[wire] = BigInt(full.input.score[negativeRow]!);
    assert.notDeepEqual(violatedConstraints(r1cs, witness), []);
  });
  test("sameRun[i] = 0 on an uncredited row (to score it) breaks IsZero", async () => {
    const witness = await calculateWitness(circuit, full.input);
    const wire = wireOf(symbols, `main.sameRun[${uncreditedRow(full)}]`);
    assert.equal(witness[wire], 1n);
    witness[wire] = 0n;
    assert.notDeepEqual(violatedConstraints(r1cs, witness), []);
  });
  /** The `inv` hint of the IsZero instantiated on the line holding `statement`, at `row`. */
  const isZeroInverse = (statement: string, row: number) => {
    const line = sourceLine(CIRCUIT_FILE, statement);
    const names = [...symbols.wireOf.keys()].filter((n) => new RegExp(`^main\\.IsZero_${line}_\\d+\\[${row}\\]\\.inv$`).test(n));
    assert.equal(names.length, 1, `one IsZero inverse at line ${line} row ${row}`);
    return wireOf(symbols, names[0]!);
  };
  // No signal may be free once the others are fixed: editing any one wire by +1 or -1 must break
  // a constraint. The known exception is circomlib's IsZero on a zero input: its hint `inv` is then
  // unconstrained, and harmless (out = 1 - in * inv = 1 whatever inv is). Its input is hash on a
  // padding row, and the hash step on an uncredited or padding row.
  const sweep = (batch: ExampleBatch, name: string) => {
    test(`${name}: every single-wire edit (+1, -1) breaks a constraint, except IsZero's inv on zero inputs`, async () => {
      const witness = await calculateWitness(circuit, batch.input);
      const free: number[] = [];
      for (let wire = 1; wire < witness.length; wire++) {
        for (const delta of [1n, P - 1n]) {
          const edited = [...witness];
          edited[wire] = (edited[wire]! + delta) % P;
          if (violatedConstraints(r1cs, edited, r1cs.constraintsOfWire[wire]!).length === 0) free.push(wire);
        }
      }
      const expected = batch.input.hash
        .flatMap((h, row) => {
          const padding = h === "0";
          const repeated = padding || h === (row === 0 ? batch.input.hashIn : batch.input.hash[row - 1]);
          return [
            ...(padding ? [isZeroInverse("isPadding[i] <== IsZero()(hash[i]);", row)] : []),
            ...(repeated ? [isZeroInverse("sameRun[i] <== IsZero()(hashStep[i]);", row)] : []),
          ];
        })
        .sort((a, b) => a - b)
        .flatMap((wire) => [wire, wire]);
      const describeWires = (wires: number[]) => wires.map((w) => `${w} (${symbols.namesOf.get(w)?.join(" = ")})`);
      assert.deepEqual(describeWires(free.sort((a, b) => a - b)), describeWires(expected));
    });
  };
  sweep(full, "full batch with runs");
  sweep(third, "batch continuing a repeated (hash, j), with padding");
});

describe("constraint count", () => {
  const perRow = (demoCircuit.constraints - circuit.constraints) / (DEMO - E);
  test(`per claim row: ${perRow.toFixed(1)} constraints by difference (E=${E}: ${circuit.constraints}, E=${DEMO}: ${demoCircuit.constraints}); budget 400`, () => {
    assert.equal(r1cs.constraints.length, circuit.constraints);
    assert.ok(perRow <= 400, `${perRow} constraints per row`);
    assert.ok(demoCircuit.constraints / DEMO <= 400);
  });
  test(`ExampleBatch(${DEMO}) fits the cached 2^14 powers of tau (constraints + 4 public signals + 1 <= 16384)`, () => {
    assert.ok(
      demoCircuit.constraints + 5 <= 2 ** 14,
      `${demoCircuit.constraints} constraints: ExampleBatch(${DEMO}) needs a larger powers of tau or a smaller demo batch`,
    );
  });
});
