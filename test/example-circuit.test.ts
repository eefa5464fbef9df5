/**
 * ExampleBatch against the reference model (witness/): honest batches reproduce the native
 * outputs, and every constrained field, when tampered, is rejected by the check meant for it
 * (named by its source text). Values the circuit takes as given (chainIn, domain, r, rho) are
 * shown to change the outputs the contract recomputes. Direct witness edits are checked against
 * the R1CS, including a clipped score left negative.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { compileCircuit, exampleCircuitName } from "../circuits/compile.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import {
  buildExampleBatches, epochChallenge, epochDomain, exampleRowElement, chainAbsorb, powMod,
  type ExampleBatch, type ExampleRow,
} from "../witness/index.ts";
import { assertRejectedAt, calculateWitness, symbolsOf, wireOf } from "./helpers/circuit-harness.ts";
import { prng } from "./helpers/prng.ts";
import { readR1cs, violatedConstraints } from "./helpers/r1cs.ts";

const E = config.exampleBatch.testSize;
const DEMO = config.exampleBatch.demoSize;
const { exampleHashBits, contributorIndexBits, scoreBits } = config.widths;
const CIRCUIT_FILE = join(PROJECT_ROOT, "circuits", "example_batch.circom");
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DOMAIN = epochDomain(31337n, CONTRACT, 7n);
const R = epochChallenge(101n, 202n, DOMAIN);

const circuit = await compileCircuit(exampleCircuitName(E));
const demoCircuit = await compileCircuit(exampleCircuitName(DEMO));
const r1cs = readR1cs(circuit.r1csPath);
const symbols = symbolsOf(circuit);

/** `count` sorted rows with random 128-bit hashes, contributors below 50, scores of both signs. */
function randomRows(count: number, seed: bigint): ExampleRow[] {
  const rng = prng(seed);
  const hashes = new Set<bigint>();
  while (hashes.size < count) hashes.add(rng.below((1n << BigInt(exampleHashBits)) - 1n) + 1n);
  return [...hashes].sort((a, b) => (a < b ? -1 : 1)).map((hash, i) => ({
    hash,
    contributor: Number(rng.below(50n)),
    score: (rng.below(2_000_000n) - 600_000n) * (i % 3 === 0 ? -1n : 1n),
  }));
}
const only = (rows: ExampleRow[], size = E) => {
  const batches = buildExampleBatches(rows, DOMAIN, R, size, config);
  assert.equal(batches.length, 1);
  return batches[0]!;
};

const full = only(randomRows(E, 1n));
const padded = only(randomRows(E - 2, 2n));
const [first, second] = buildExampleBatches(randomRows(E + 3, 3n), DOMAIN, R, E, config) as [ExampleBatch, ExampleBatch];
const half = 1n << BigInt(scoreBits - 1);
const extremes = only([
  { hash: 1n, contributor: 0, score: -half },
  { hash: 2n, contributor: 2 ** contributorIndexBits - 1, score: half - 1n },
  { hash: (1n << BigInt(exampleHashBits)) - 1n, contributor: 7, score: 0n },
]);

interface Fields {
  chainIn: bigint; domain: bigint; r: bigint; hashIn: bigint; rho: bigint;
  hash: bigint[]; contributor: bigint[]; score: bigint[];
}
const ROW_FIELDS = ["hash", "contributor", "score"] as const;
function fieldsOf(batch: ExampleBatch): Fields {
  const i = batch.input;
  return {
    chainIn: BigInt(i.chainIn), domain: BigInt(i.domain), r: BigInt(i.r), hashIn: BigInt(i.hashIn), rho: BigInt(i.rho),
    hash: i.hash.map(BigInt), contributor: i.contributor.map(BigInt), score: i.score.map(BigInt),
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

const CHECK = {
  hashIn: "_ <== Num2Bits(hashBits)(hashIn);",
  paddingLast: "isPadding[i - 1] * (1 - isPadding[i]) === 0;",
  paddingScore: "isPadding[i] * score[i] === 0;",
  paddingContributor: "isPadding[i] * contributor[i] === 0;",
  hashOrder: "_ <== Num2Bits(hashBits)(step[i] - (1 - isPadding[i]));",
  contributor: "indexBitsOf[i] <== Num2Bits(indexBits)(contributor[i]);",
  score: "offsetBits[i] <== Num2Bits(scoreBits)(score[i] + offset);",
  lastHash: "_ <== Num2Bits(hashBits)(previous[E]);",
} as const;

function assertRejectedBy(input: object, check: keyof typeof CHECK): Promise<void> {
  return assertRejectedAt(circuit, input, CIRCUIT_FILE, "ExampleBatch", CHECK[check]);
}

describe(`ExampleBatch(${E}) honest batches reproduce the reference model`, () => {
  test("the R1CS has 4 public signals: chainOut, digest (outputs), then r and rho (public inputs)", () => {
    assert.equal(r1cs.nOutputs, 2);
    assert.equal(r1cs.nPubInputs, 2);
    assert.equal(wireOf(symbols, "main.chainOut"), 1);
    assert.equal(wireOf(symbols, "main.digest"), 2);
    assert.equal(wireOf(symbols, "main.r"), 3);
    assert.equal(wireOf(symbols, "main.rho"), 4);
  });
  const honest: [string, ExampleBatch][] = [
    ["a full batch with negative scores", full],
    ["a batch ending in two padding rows", padded],
    ["the first batch of two", first],
    ["the second batch (hash order and chain continued, padding)", second],
    ["every width at its extreme (score -2^47 and 2^47 - 1, index 2^20 - 1, hash 2^128 - 1)", extremes],
  ];
  for (const [name, batch] of honest) {
    test(`${name}: chainOut, digest and rho equal the native values; the R1CS holds`, async () => {
      const witness = await calculateWitness(circuit, batch.input);
      assert.deepEqual(witness.slice(1, 5), [...batch.publicSignals]);
      assert.deepEqual(violatedConstraints(r1cs, witness), []);
    });
  }
  test("scoreSum clips negative scores to 0; rlcSum = sum max(s, 0) r^c; the chain absorbs (domain, hashIn, packed rows)", () => {
    const rows = randomRows(E, 1n);
    const clipped = rows.map((row) => (row.score > 0n ? row.score : 0n));
    assert.ok(rows.some((row) => row.score < 0n));
    assert.equal(full.scoreSum, clipped.reduce((a, b) => a + b, 0n));
    assert.equal(full.rlcSum, rows.reduce((acc, row, i) => (acc + clipped[i]! * powMod(R, BigInt(row.contributor))) % P, 0n));
    const packed = rows.map((row) => row.hash + (BigInt(row.contributor) << 128n) + ((row.score + half) << BigInt(128 + contributorIndexBits)));
    assert.deepEqual(rows.map((row) => exampleRowElement(row, config)), packed);
    assert.equal(full.chainOut, chainAbsorb(0n, [DOMAIN, 0n, ...packed], config.hash.chainAbsorbWidth));
    assert.equal(second.hashIn, first.hashOut);
    assert.equal(second.chainIn, first.chainOut);
  });
  test(`ExampleBatch(${DEMO}) matches on a batch spanning several Poseidon chunks`, async () => {
    const batch = only(randomRows(DEMO - 1, 5n), DEMO);
    const witness = await calculateWitness(demoCircuit, batch.input);
    assert.deepEqual(witness.slice(1, 5), [...batch.publicSignals]);
  });
});

describe("a tampered input is rejected by the check meant for it", () => {
  const cases: [string, ExampleBatch, (f: Fields) => void, keyof typeof CHECK][] = [
    ["a duplicated example (row 1 repeats row 0): hash order", full, (f) => {
      for (const key of ROW_FIELDS) f[key][1] = f[key][0]!;
    }, "hashOrder"],
    ["the same example credited to another contributor (row 1's hash = row 0's): hash order", full, (f) => { f.hash[1] = f.hash[0]!; }, "hashOrder"],
    ["unsorted hashes (rows 2 and 3 swapped): hash order", full, (f) => moveRow(f, 2, 3), "hashOrder"],
    ["second batch repeats the first batch's last example (hash = hashIn): hash order", second, (f) => { f.hash[0] = f.hashIn; }, "hashOrder"],
    ["second batch restarts the order (hash below hashIn): hash order", second, (f) => { f.hash[0] = f.hashIn - 1n; }, "hashOrder"],
    ["a negative hash (p - 1): hash order", full, (f) => { f.hash[0] = P - 1n; }, "hashOrder"],
    ["last hash 2^128: last hash below 2^128", full, (f) => { f.hash[E - 1] = 1n << BigInt(exampleHashBits); }, "lastHash"],
    ["hashIn 2^128: hashIn range", second, (f) => { f.hashIn = 1n << BigInt(exampleHashBits); }, "hashIn"],
    ["score 2^47 (one past the largest): score range", full, (f) => { f.score[0] = half; }, "score"],
    ["score -2^47 - 1: score range", full, (f) => { f.score[0] = P - half - 1n; }, "score"],
    ["contributor 2^20: contributor range", full, (f) => { f.contributor[0] = 1n << BigInt(contributorIndexBits); }, "contributor"],
    ["contributor p - 1 (a negative index): contributor range", full, (f) => { f.contributor[0] = P - 1n; }, "contributor"],
    ["a padding row with a score (padding that pays): padding contributes nothing", padded, (f) => { f.score[E - 1] = 5n; }, "paddingScore"],
    ["a padding row naming a contributor: padding contributes nothing", padded, (f) => { f.contributor[E - 1] = 3n; }, "paddingContributor"],
    ["an active row after a padding row: padding only at the end", padded, (f) => moveRow(f, E - 3, E - 2), "paddingLast"],
  ];
  for (const [name, batch, change, check] of cases) test(name, () => assertRejectedBy(tampered(batch, change), check));
});

describe("values taken as given are bound by the outputs the contract recomputes", () => {
  const outputsOf = async (input: object) => (await calculateWitness(circuit, input)).slice(1, 3);
  const binding: [string, ExampleBatch, (f: Fields) => void, boolean][] = [
    ["a wrong r (not the epoch's challenge)", full, (f) => { f.r += 1n; }, false],
    ["a broken chain (second batch restarts at 0)", second, (f) => { f.chainIn = 0n; }, true],
    ["a batch from another epoch (domain of epoch 8)", full, (f) => { f.domain = epochDomain(31337n, CONTRACT, 8n); }, true],
    ["a batch from another chain (domain of chain 1)", full, (f) => { f.domain = epochDomain(1n, CONTRACT, 7n); }, true],
    ["hashIn reset to 0 on the second batch", second, (f) => { f.hashIn = 0n; }, true],
    ["a positive score raised by one", full, (f) => { f.score[f.score.findIndex((v) => v > 0n && v < P / 2n)]! += 1n; }, true],
    ["an example moved to another contributor", full, (f) => { f.contributor[1]! += 1n; }, true],
    ["a rho the contract did not derive", full, (f) => { f.rho += 1n; }, false],
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
  const negativeRow = buildExampleBatches(randomRows(E, 1n), DOMAIN, R, E, config)[0]!.input.score.findIndex((s) => BigInt(s) > P / 2n);
  test("an unclipped negative score (clipped[i] = s < 0) breaks the clipping constraint", async () => {
    assert.ok(negativeRow >= 0);
    const witness = await calculateWitness(circuit, full.input);
    const wire = wireOf(symbols, `main.clipped[${negativeRow}]`);
    assert.equal(witness[wire], 0n);
    witness[wire] = BigInt(full.input.score[negativeRow]!);
    const violated = violatedConstraints(r1cs, witness);
    assert.notDeepEqual(violated, []);
  });
  const isZeroInverse = (row: number) => {
    const names = [...symbols.wireOf.keys()].filter((n) => new RegExp(`^main\\.IsZero_[\\d_]+\\[${row}\\]\\.inv$`).test(n));
    assert.equal(names.length, 1);
    return wireOf(symbols, names[0]!);
  };
  const sweep = (batch: ExampleBatch, name: string, paddingRows: number[]) => {
    test(`${name}: every single-wire edit (+1, -1) breaks a constraint, except IsZero's inv on padding rows`, async () => {
      const witness = await calculateWitness(circuit, batch.input);
      const free: number[] = [];
      for (let wire = 1; wire < witness.length; wire++) {
        for (const delta of [1n, P - 1n]) {
          const edited = [...witness];
          edited[wire] = (edited[wire]! + delta) % P;
          if (violatedConstraints(r1cs, edited, r1cs.constraintsOfWire[wire]!).length === 0) free.push(wire);
        }
      }
      const expected = paddingRows.flatMap((row) => [isZeroInverse(row), isZeroInverse(row)]);
      const describeWires = (wires: number[]) => wires.map((w) => `${w} (${symbols.namesOf.get(w)?.join(" = ")})`);
      assert.deepEqual(describeWires(free), describeWires(expected));
    });
  };
  sweep(full, "full batch", []);
  sweep(padded, "batch with two padding rows", [E - 2, E - 1]);
});

describe("constraint count", () => {
  const perRow = (demoCircuit.constraints - circuit.constraints) / (DEMO - E);
  test(`per example row: ${perRow.toFixed(1)} constraints by difference (E=${E}: ${circuit.constraints}, E=${DEMO}: ${demoCircuit.constraints}); budget 400`, () => {
    assert.equal(r1cs.constraints.length, circuit.constraints);
    assert.ok(perRow <= 400, `${perRow} constraints per row`);
    assert.ok(demoCircuit.constraints / DEMO <= 400);
    // The demo instance fits the 2^14 powers of tau (constraints + 4 public signals + 1).
    assert.ok(demoCircuit.constraints + 5 <= 2 ** 14);
  });
});
