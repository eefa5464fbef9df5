/**
 * PayoutBatch (rows in registration order) against the reference model (witness/): honest batches
 * reproduce the native outputs, the builder rejects every table the circuit would with a typed
 * error, and every constrained field, when tampered, is rejected by the very check meant for it
 * (the test names the circuit statement it expects to fire). Input-level tampering goes through
 * circom's witness calculator, which asserts every `===`; direct edits of the witness vector are
 * checked against the R1CS itself, which also catches a hint (`<--`) signal left unconstrained.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import * as snarkjs from "snarkjs";
import { compileCircuit, payoutCircuitName } from "../circuits/compile.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { chainAbsorb } from "../witness/commitment.ts";
import { epochDomain } from "../witness/domain.ts";
import {
  buildPayoutBatches,
  digestChallenge,
  hornerDigest,
  payoutChains,
  PayoutTableError,
  payoutWord,
  wordsHash,
  type PayoutBatch,
  type PayoutBatchTable,
  type PayoutTableErrorCode,
} from "../witness/payout-batches.ts";
import { powMod } from "../witness/power.ts";
import {
  assertRejectedAt,
  calculateWitness,
  num2BitsWires,
  setBits,
  sharedBatchCircuitTests,
  sourceLine,
  symbolsOf,
  wireOf,
} from "./helpers/circuit-harness.ts";
import { prng } from "./helpers/prng.ts";
import { readR1cs, violatedConstraints, writeWtns } from "./helpers/r1cs.ts";

const B = config.payoutBatch.testSize;
const DEMO = config.payoutBatch.demoSize;
const { addressBits, totalBits, poolBits, contributorIndexBits, batchIndexBits } = config.widths;
const CIRCUIT_FILE = join(PROJECT_ROOT, "circuits", "payout_batch.circom");
const POOL = 10n ** 27n + 123_456_789n; // 1e9 OPEN (18 decimals) plus change, so remainders are not 0
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DOMAIN = epochDomain(31337n, CONTRACT, 7n);
// Any field element will do: the circuit takes the seed as a public signal.
const SEED = BigInt(keccak256(toUtf8Bytes("payout-circuit test seed"))) % P;
const SHIFT = 1n << BigInt(contributorIndexBits);

const circuit = await compileCircuit(payoutCircuitName(B));
const demoCircuit = await compileCircuit(payoutCircuitName(DEMO));
const r1cs = readR1cs(circuit.r1csPath);
const symbols = symbolsOf(circuit);
const scratch = mkdtempSync(join(tmpdir(), "payout-circuit-test-"));
after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

/** The floor split of `pool` over `rows` (address, amount), row for row, in the given order. */
function split(rows: readonly { address: bigint; amount: bigint }[], pool = POOL): PayoutBatchTable {
  const total = rows.reduce((sum, row) => sum + row.amount, 0n);
  return { pool, total, rows: rows.map((row) => ({ ...row, reward: (pool * row.amount) / total })) };
}

/**
 * `count` registrants with random 160-bit senders and fixed-point totals up to 1e6 units; every
 * third registers again from the previous registrant's address (two rows for one address), and
 * registrant 1 has total 0 (a registrant whose examples earned nothing still has its row).
 */
function randomTable(count: number, seed: bigint): PayoutBatchTable {
  const rng = prng(seed);
  const rows: { address: bigint; amount: bigint }[] = [];
  for (let j = 0; j < count; j++) {
    const address = j % 3 === 2 ? rows[j - 1]!.address : rng.below((1n << BigInt(addressBits)) - 1n) + 1n;
    rows.push({ address, amount: j === 1 ? 0n : rng.below(10n ** 12n) + 1n });
  }
  return split(rows);
}

function onlyBatch(table: PayoutBatchTable, size = B): PayoutBatch {
  const batches = buildPayoutBatches(table, DOMAIN, SEED, size, config);
  assert.equal(batches.length, 1);
  return batches[0]!;
}

const full = onlyBatch(randomTable(B, 1n));
const padded = onlyBatch(randomTable(B - 1, 2n));
const twoBatchTable = randomTable(B + 2, 3n);
const [first, second] = buildPayoutBatches(twoBatchTable, DOMAIN, SEED, B, config) as [PayoutBatch, PayoutBatch];
const demoBatches = buildPayoutBatches(randomTable(DEMO + 9, 4n), DOMAIN, SEED, DEMO, config);
assert.equal(demoBatches.length, 2);
const demoBatch = demoBatches[0]!;
// Every width at its largest allowed value: pool 2^93 - 1, S = 2^64 - 1, address 2^160 - 1.
const extremes = onlyBatch(
  split(
    [
      { address: (1n << BigInt(addressBits)) - 1n, amount: 1n << BigInt(totalBits - 1) },
      { address: (1n << BigInt(addressBits)) - 1n, amount: (1n << BigInt(totalBits - 1)) - 2n },
      { address: 1n, amount: 1n },
    ],
    (1n << BigInt(poolBits)) - 1n,
  ),
);

/** A batch's circuit inputs as mutable field elements. */
interface Fields {
  chainIn: bigint;
  domain: bigint;
  pool: bigint;
  total: bigint;
  seed: bigint;
  batchIndex: bigint;
  rho: bigint;
  address: bigint[];
  amount: bigint[];
  reward: bigint[];
  remainder: bigint[];
}
const ROW_FIELDS = ["address", "amount", "reward", "remainder"] as const;

function fieldsOf(batch: PayoutBatch): Fields {
  const i = batch.input;
  const list = (values: string[]) => values.map(BigInt);
  return {
    chainIn: BigInt(i.chainIn),
    domain: BigInt(i.domain),
    pool: BigInt(i.pool),
    total: BigInt(i.total),
    seed: BigInt(i.seed),
    batchIndex: BigInt(i.batchIndex),
    rho: BigInt(i.rho),
    address: list(i.address),
    amount: list(i.amount),
    reward: list(i.reward),
    remainder: list(i.remainder),
  };
}

/** Circuit input of `batch` after `change`; values reduced mod p as the circuit sees them. */
function tampered(batch: PayoutBatch, change: (f: Fields) => void): Record<string, string | string[]> {
  const f = fieldsOf(batch);
  change(f);
  const field = (v: bigint) => (((v % P) + P) % P).toString();
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Array.isArray(v) ? v.map(field) : field(v)]));
}

function moveRow(f: Fields, from: number, to: number): void {
  for (const key of ROW_FIELDS) [f[key][from], f[key][to]] = [f[key][to]!, f[key][from]!];
}

/** Sets row i to `amount` with its honest floor split under the batch's pool and total. */
function setAmount(f: Fields, i: number, amount: bigint): void {
  f.amount[i] = amount;
  f.reward[i] = (f.pool * amount) / f.total;
  f.remainder[i] = f.pool * amount - f.reward[i]! * f.total;
}

const inverse = (x: bigint) => powMod(x, P - 2n);

// The circuit statements each tamper case must be stopped by (looked up by text, not line number).
const CHECK = {
  pool: "_ <== Num2Bits(poolBits)(pool);",
  total: "_ <== Num2Bits(totalBits)(total);",
  totalNonZero: "totalInverse * total === 1;",
  batchIndex: "signal batchIndexBitsOf[batchIndexBits] <== Num2Bits(batchIndexBits)(batchIndex);",
  lastRowIndex: "_ <== Num2Bits(indexBits)(batchIndex * B + B - 1);",
  address: "_ <== Num2Bits(addressBits)(address[i]);",
  paddingPaysNothing: "isPadding[i] * amount[i] === 0;",
  amount: "_ <== Num2Bits(totalBits)(amount[i]);",
  reward: "_ <== Num2Bits(poolBits)(reward[i]);",
  remainder: "_ <== Num2Bits(totalBits)(remainder[i]);",
  remainderBelowTotal: "_ <== Num2Bits(totalBits)(total - 1 - remainder[i]);",
  floor: "quotientPart[i] + remainder[i] === pool * amount[i];",
} as const;

async function assertHonest(batch: PayoutBatch, compiled = circuit): Promise<bigint[]> {
  const witness = await calculateWitness(compiled, batch.input);
  // snarkjs order of public signals: outputs (chainOut, digest), then public inputs (seed, rho).
  assert.deepEqual(witness.slice(1, 5), [batch.chainOut, batch.digest, SEED, batch.rho]);
  assert.deepEqual([...batch.publicSignals], [batch.chainOut, batch.digest, SEED, batch.rho]);
  return witness;
}

function assertRejectedBy(input: object, check: keyof typeof CHECK): Promise<void> {
  return assertRejectedAt(circuit, input, CIRCUIT_FILE, "PayoutBatch", CHECK[check]);
}

describe(`PayoutBatch(${B}) honest batches reproduce the reference model`, () => {
  const honest: [string, PayoutBatch][] = [
    ["a full batch (one address in two rows, a row with total 0)", full],
    ["a batch ending in a padding row", padded],
    ["the first batch of a two-batch table", first],
    ["the second batch (k = 1, two padding rows)", second],
    ["a batch with every width at its maximum (the largest address twice)", extremes],
  ];
  sharedBatchCircuitTests(circuit, r1cs, symbols, honest);

  test("padding in the middle of a batch (not a table the builder makes, but one the circuit allows) reproduces the native formula", async () => {
    const input = tampered(full, (f) => {
      for (const key of ROW_FIELDS) f[key][1] = 0n;
    });
    const witness = await calculateWitness(circuit, input);
    assert.deepEqual(violatedConstraints(r1cs, witness), []);
    const rows = full.input.address.map((_, i) =>
      i === 1
        ? { address: 0n, amount: 0n, reward: 0n }
        : {
            address: BigInt(full.input.address[i]!),
            amount: BigInt(full.input.amount[i]!),
            reward: BigInt(full.input.reward[i]!),
          },
    );
    const chainOut = chainAbsorb(
      0n,
      [DOMAIN, POOL + (full.values[3]! << BigInt(poolBits)), ...rows.map((r) => r.address + (r.amount << BigInt(addressBits)))],
      config.hash.chainAbsorbWidth,
    );
    assert.equal(witness[1], chainOut);
  });

  test("the table's fixtures: one address in two rows, a zero total, padding at the end of the second batch", () => {
    assert.equal(full.input.address[2], full.input.address[1]);
    assert.equal(full.input.amount[1], "0");
    assert.deepEqual(second.input.address.slice(2), ["0", "0"]);
    assert.deepEqual(second.words.slice(2), [0n, 0n]);
  });

  test("the batches continue the chain; payoutChains gives the same chain; V, words, wordsHash and rho as the contract computes them", () => {
    assert.equal(first.chainIn, 0n);
    assert.equal(second.chainIn, first.chainOut);
    assert.deepEqual(payoutChains(twoBatchTable, DOMAIN, B, config), [first.chainOut, second.chainOut]);
    assert.deepEqual(buildPayoutBatches(twoBatchTable, DOMAIN, SEED, B, config, [first.chainOut, second.chainOut]), [first, second]);
    const b = second;
    assert.deepEqual(b.values, [first.chainOut, DOMAIN, POOL, twoBatchTable.total, SEED, 1n, b.amountSum, b.rlcSum]);
    assert.deepEqual(
      b.words,
      twoBatchTable.rows
        .slice(B)
        .map((row) => payoutWord(row, config))
        .concat([0n, 0n]),
    );
    assert.equal(b.wordsHash, wordsHash(b.words));
    assert.equal(b.rho, digestChallenge(b.chainOut, b.values, b.words));
    assert.equal(b.digest, hornerDigest([...b.values, ...b.words], b.rho));
    const header = POOL + (twoBatchTable.total << BigInt(poolBits)) + (1n << BigInt(poolBits + totalBits));
    const rows = [...twoBatchTable.rows.slice(B), { address: 0n, amount: 0n }, { address: 0n, amount: 0n }];
    assert.equal(
      b.chainOut,
      chainAbsorb(
        first.chainOut,
        [DOMAIN, header, ...rows.map((r) => r.address + (r.amount << BigInt(addressBits)))],
        config.hash.chainAbsorbWidth,
      ),
    );
  });

  test("the batches' rlcSums add up to sum (T_j + address_j r^(2^20)) r^j over the table, j the registration order", () => {
    const expected = twoBatchTable.rows.reduce(
      (acc, row, j) => (acc + row.amount * powMod(SEED, BigInt(j)) + row.address * powMod(SEED, SHIFT + BigInt(j))) % P,
      0n,
    );
    assert.equal((first.rlcSum + second.rlcSum) % P, expected);
    assert.equal(second.amountSum + first.amountSum, twoBatchTable.total);
    assert.equal(second.input.batchIndex, "1");
  });

  test(`PayoutBatch(${DEMO}): both batches of a ${DEMO + 9}-row table match (chain over several Poseidon chunks)`, async () => {
    assert.ok(DEMO + 2 > config.hash.chainAbsorbWidth, "the demo batch must span more than one Poseidon chunk");
    for (const batch of demoBatches) await assertHonest(batch, demoCircuit);
  });
});

describe("the builder rejects a table the circuit would", () => {
  const table = randomTable(3, 5n);
  const withRow = (j: number, change: object): PayoutBatchTable => ({
    ...table,
    rows: table.rows.map((row, k) => (k === j ? { ...row, ...change } : row)),
  });
  const cases: [string, PayoutBatchTable, number, PayoutTableErrorCode, number | undefined][] = [
    ["pool 2^93", { ...table, pool: 1n << BigInt(poolBits) }, B, "POOL_RANGE", undefined],
    ["total 0", { ...table, total: 0n }, B, "TOTAL_RANGE", undefined],
    ["total 2^64", { ...table, total: 1n << BigInt(totalBits) }, B, "TOTAL_RANGE", undefined],
    ["address 0 (a padding row before the last registrant)", withRow(1, { address: 0n }), B, "ADDRESS_RANGE", 1],
    ["address 2^160", withRow(2, { address: 1n << BigInt(addressBits) }), B, "ADDRESS_RANGE", 2],
    ["amount 2^64", withRow(0, { amount: 1n << BigInt(totalBits) }), B, "AMOUNT_RANGE", 0],
    ["reward 2^93", withRow(0, { reward: 1n << BigInt(poolBits) }), B, "REWARD_RANGE", 0],
    ["reward rounded up", withRow(0, { reward: table.rows[0]!.reward + 1n }), B, "NOT_FLOOR", 0],
    ["reward one short", withRow(2, { reward: table.rows[2]!.reward - 1n }), B, "NOT_FLOOR", 2],
    ["a remainder that is not pool * amount - reward * total", withRow(2, { remainder: 0n }), B, "NOT_FLOOR", 2],
    [
      "more batches than registration orders (2^20 / 16 batches of 16 rows, and one more row)",
      { ...table, rows: Array<PayoutBatchTable["rows"][number]>(2 ** contributorIndexBits + 1).fill(table.rows[0]!) },
      16,
      "TOO_MANY_ROWS",
      undefined,
    ],
  ];
  for (const [name, bad, size, code, row] of cases) {
    test(`${name}: PayoutTableError ${code}${row === undefined ? "" : ` at row ${row}`}`, () => {
      for (const build of [() => buildPayoutBatches(bad, DOMAIN, SEED, size, config), () => payoutChains(bad, DOMAIN, size, config)]) {
        assert.throws(build, (error) => {
          assert.ok(error instanceof PayoutTableError, String(error));
          assert.equal(error.code, code);
          assert.equal(error.row, row);
          return true;
        });
      }
    });
  }
  test("remainders are filled in when absent and accepted when right", () => {
    const rows = table.rows.map((row) => ({ ...row, remainder: table.pool * row.amount - row.reward * table.total }));
    assert.deepEqual(buildPayoutBatches({ ...table, rows }, DOMAIN, SEED, B, config), buildPayoutBatches(table, DOMAIN, SEED, B, config));
  });
});

describe("a tampered input is rejected by the check meant for it", () => {
  const rowWithRemainder = (batch: PayoutBatch) => {
    const i = batch.input.remainder.findIndex((r) => r !== "0");
    assert.ok(i >= 0, "fixture needs a row with a nonzero remainder");
    return i;
  };
  const cases: [string, PayoutBatch, (f: Fields) => void, keyof typeof CHECK][] = [
    [
      "reward + 1, remainder - total (equation still holds): remainder range",
      full,
      (f) => {
        f.reward[0]! += 1n;
        f.remainder[0]! -= f.total;
      },
      "remainder",
    ],
    [
      "reward + 1 alone: floor equation",
      full,
      (f) => {
        f.reward[2]! += 1n;
      },
      "floor",
    ],
    [
      "reward - 1, remainder + total (equation holds): remainder < total",
      full,
      (f) => {
        f.reward[2]! -= 1n;
        f.remainder[2]! += f.total;
      },
      "remainderBelowTotal",
    ],
    [
      "remainder + total alone: remainder < total",
      full,
      (f) => {
        f.remainder[0]! += f.total;
      },
      "remainderBelowTotal",
    ],
    [
      "remainder = total exactly: remainder < total",
      full,
      (f) => {
        f.remainder[0] = f.total;
      },
      "remainderBelowTotal",
    ],
    [
      "remainder negative (p - 1): remainder range",
      full,
      (f) => {
        f.remainder[3] = P - 1n;
      },
      "remainder",
    ],
    [
      "reward wrapped mod p (reward + rem/total, remainder 0; equation holds in the field): reward range",
      full,
      (f) => {
        const i = rowWithRemainder(full);
        f.reward[i] = (f.reward[i]! + f.remainder[i]! * inverse(f.total)) % P;
        f.remainder[i] = 0n;
      },
      "reward",
    ],
    [
      "reward + 2^93: reward range",
      full,
      (f) => {
        f.reward[0]! += 1n << BigInt(poolBits);
      },
      "reward",
    ],
    [
      "a row with total 0 paid 1 (remainder -total): remainder range",
      full,
      (f) => {
        f.reward[1] = 1n;
        f.remainder[1] = P - f.total;
      },
      "remainder",
    ],
    [
      "amount + 2^64 with its own floor split: amount range",
      full,
      (f) => {
        setAmount(f, 2, f.amount[2]! + (1n << BigInt(totalBits)));
      },
      "amount",
    ],
    [
      "amount negative (p - 1): amount range",
      full,
      (f) => {
        f.amount[0] = P - 1n;
      },
      "amount",
    ],
    [
      "pool + 2^93: pool range",
      full,
      (f) => {
        f.pool += 1n << BigInt(poolBits);
      },
      "pool",
    ],
    [
      "total = 0: total is nonzero",
      full,
      (f) => {
        f.total = 0n;
      },
      "totalNonZero",
    ],
    [
      "total + 2^64: total range",
      full,
      (f) => {
        f.total += 1n << BigInt(totalBits);
      },
      "total",
    ],
    [
      "address 2^160 (the word would not decode to it): address range",
      full,
      (f) => {
        f.address[1] = 1n << BigInt(addressBits);
      },
      "address",
    ],
    [
      "address p - 1 (a negative address): address range",
      full,
      (f) => {
        f.address[0] = P - 1n;
      },
      "address",
    ],
    [
      "address 2^160 + the honest one (its word's low bits unchanged): address range",
      full,
      (f) => {
        f.address[3]! += 1n << BigInt(addressBits);
      },
      "address",
    ],
    [
      "padding row with amount 1 and its floor reward (padding that pays): padding pays nothing",
      padded,
      (f) => {
        setAmount(f, B - 1, 1n);
      },
      "paddingPaysNothing",
    ],
    [
      "a padding row moved into the middle, with amount 1 (padding that pays anywhere): padding pays nothing",
      padded,
      (f) => {
        moveRow(f, 1, B - 1);
        setAmount(f, 1, 1n);
      },
      "paddingPaysNothing",
    ],
    [
      "padding row with reward 1, amount 0: floor equation",
      padded,
      (f) => {
        f.reward[B - 1] = 1n;
      },
      "floor",
    ],
    [
      "batchIndex 2^16: batch index range",
      second,
      (f) => {
        f.batchIndex = 1n << BigInt(batchIndexBits);
      },
      "batchIndex",
    ],
  ];
  for (const [name, batch, change, check] of cases) {
    test(name, () => assertRejectedBy(tampered(batch, change), check));
  }
  // At B = 4 every 16-bit batch index keeps j below 2^18; at B = 31 batch 33825 would hold
  // j = 1,048,575 .. 1,048,605, past 2^20: the row index check is the demo size's.
  const lastBatch = SHIFT / BigInt(DEMO) - 1n;
  assert.ok(lastBatch < 1n << BigInt(batchIndexBits) && (lastBatch + 2n) * BigInt(DEMO) > SHIFT);
  test(`PayoutBatch(${DEMO}): batch ${lastBatch + 1n} (rows j up to ${(lastBatch + 2n) * BigInt(DEMO) - 1n} >= 2^20, an amount at a sender's exponent): row index range`, async () => {
    const input = tampered(demoBatch, (f) => {
      f.batchIndex = lastBatch + 1n;
    });
    await assertRejectedAt(demoCircuit, input, CIRCUIT_FILE, "PayoutBatch", CHECK.lastRowIndex);
  });
  test(`PayoutBatch(${DEMO}): batch ${lastBatch}, whose last row is j = 2^20 - ${SHIFT - (lastBatch + 1n) * BigInt(DEMO) + 1n}, is accepted`, async () => {
    await calculateWitness(
      demoCircuit,
      tampered(demoBatch, (f) => {
        f.batchIndex = lastBatch;
      }),
    );
  });
});

describe("values the circuit does not range-check are bound by the outputs the contract recomputes", () => {
  const outputsOf = async (input: object) => (await calculateWitness(circuit, input)).slice(1, 3);
  // [case, batch, change, does chainOut change too (else only the digest)]
  const bindingCases: [string, PayoutBatch, (f: Fields) => void, boolean][] = [
    [
      "wrong chainIn (second batch restarted the chain at 0)",
      second,
      (f) => {
        f.chainIn = 0n;
      },
      true,
    ],
    [
      "wrong chainIn (first batch claims a continued chain)",
      first,
      (f) => {
        f.chainIn = second.chainOut;
      },
      true,
    ],
    [
      "wrong domain (another chain id)",
      full,
      (f) => {
        f.domain = epochDomain(1n, CONTRACT, 7n);
      },
      true,
    ],
    [
      "wrong domain (another epoch)",
      full,
      (f) => {
        f.domain = epochDomain(31337n, CONTRACT, 8n);
      },
      true,
    ],
    [
      "a consistent floor split of a smaller pool",
      full,
      (f) => {
        f.pool -= 10n ** 18n;
        for (let i = 0; i < B; i++) setAmount(f, i, f.amount[i]!);
      },
      true,
    ],
    ["a different amount with its own floor split", full, (f) => setAmount(f, 0, f.amount[0]! + 1n), true],
    ["two rows swapped (registrant order changed)", full, (f) => moveRow(f, 0, 3), true],
    [
      "a payee replaced (another address in row 0)",
      full,
      (f) => {
        f.address[0]! ^= 1n;
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
    [
      "a wrong seed (not the epoch's; also a public signal the contract supplies)",
      second,
      (f) => {
        f.seed += 1n;
      },
      false,
    ],
    [
      "batchIndex 0 for the second batch (its rows weighted as the first batch's; absorbed)",
      second,
      (f) => {
        f.batchIndex = 0n;
      },
      true,
    ],
  ];
  for (const [name, batch, change, chainChanges] of bindingCases) {
    test(`${name}: a witness exists, but its outputs differ from what the contract recomputes`, async () => {
      const [chainOut, digest] = await outputsOf(tampered(batch, change));
      if (chainChanges) assert.notEqual(chainOut, batch.chainOut, "chainOut must change");
      else assert.equal(chainOut, batch.chainOut);
      assert.notEqual(digest, batch.digest, "digest must change");
    });
  }
});

describe("direct edits of the witness vector violate the R1CS", () => {
  let files = 0;
  const wtnsCheck = async (witness: readonly bigint[]) => {
    const file = join(scratch, `witness-${files++}.wtns`);
    writeWtns(file, witness, r1cs.prime);
    // snarkjs logs a rejection through logger.warn and crashes without a logger.
    const quiet = { info() {}, debug() {}, warn() {}, error() {} };
    return snarkjs.wtns.check(circuit.r1csPath, file, quiet);
  };
  const isZeroInverse = (row: number) => {
    const names = [...symbols.wireOf.keys()].filter((n) => new RegExp(`^main\\.IsZero_[\\d_]+\\[${row}\\]\\.inv$`).test(n));
    assert.equal(names.length, 1, `one IsZero inverse for row ${row}: ${names.join(", ")}`);
    return wireOf(symbols, names[0]!);
  };

  test("the honest witness: our evaluator and snarkjs.wtns.check both accept it", async () => {
    const witness = await calculateWitness(circuit, full.input);
    assert.deepEqual(violatedConstraints(r1cs, witness), []);
    assert.equal(await wtnsCheck(witness), true);
  });

  const edits: [string, (w: bigint[]) => void][] = [
    [
      "totalInverse + 1 (the hint behind total != 0)",
      (w) => {
        w[wireOf(symbols, "main.totalInverse")]! += 1n;
      },
    ],
    [
      "IsZero inverse of an active row + 1 (the hint behind isPadding)",
      (w) => {
        w[isZeroInverse(0)]! += 1n;
      },
    ],
    [
      "isPadding[0] = 1 on an active row",
      (w) => {
        w[wireOf(symbols, "main.isPadding[0]")] = 1n;
      },
    ],
    [
      "quotientPart[0] + 1",
      (w) => {
        w[wireOf(symbols, "main.quotientPart[0]")]! += 1n;
      },
    ],
    [
      "reward[0] + 1 and remainder[0] - total, bits left as they were",
      (w) => {
        w[wireOf(symbols, "main.reward[0]")]! += 1n;
        w[wireOf(symbols, "main.remainder[0]")] = (w[wireOf(symbols, "main.remainder[0]")]! - BigInt(full.input.total) + P) % P;
      },
    ],
    [
      "amount[0] + 1 (chain input not recomputed)",
      (w) => {
        w[wireOf(symbols, "main.amount[0]")]! += 1n;
      },
    ],
    [
      "shiftedAddress[0] + 1 (address weight in the RLC)",
      (w) => {
        w[wireOf(symbols, "main.shiftedAddress[0]")]! += 1n;
      },
    ],
    [
      "chainOut + 1",
      (w) => {
        w[wireOf(symbols, "main.chainOut")]! += 1n;
      },
    ],
    [
      "digest + 1",
      (w) => {
        w[wireOf(symbols, "main.digest")]! += 1n;
      },
    ],
  ];
  for (const [name, edit] of edits) {
    test(`${name}: rejected by our evaluator and by snarkjs.wtns.check`, async () => {
      const witness = await calculateWitness(circuit, full.input);
      edit(witness);
      assert.notDeepEqual(violatedConstraints(r1cs, witness), []);
      assert.equal(await wtnsCheck(witness), false);
    });
  }

  // Single-wire edits cannot expose a signal that only feeds range checks: its bits pin it. This
  // edit moves one signal AND re-derives everything downstream (range-check bits, the digest's
  // Horner chain), so only the one constraint that ties the signal to the row is left to object.
  // With `quotientPart[i] <--` instead of `<==` it would pass.
  test("reward[0] + 1 with its range bits and the digest's Horner chain re-derived: only the constraint defining main.quotientPart[0] objects", async () => {
    const witness = await calculateWitness(circuit, full.input);
    const reward = wireOf(symbols, "main.reward[0]");
    witness[reward]! += 1n;
    setBits(witness, num2BitsWires(symbols, sourceLine(CIRCUIT_FILE, CHECK.reward), 0), witness[reward]!);
    const words = [...full.words];
    words[0]! += 1n << BigInt(addressBits);
    const values = [...full.values, ...words];
    for (let k = 1; k < values.length - 1; k++) {
      const wire = symbols.wireOf.get(`main.horner[${k}]`);
      if (wire !== undefined) witness[wire] = hornerDigest(values.slice(0, k + 1), full.rho);
    }
    witness[wireOf(symbols, "main.digest")] = hornerDigest(values, full.rho);
    const violated = violatedConstraints(r1cs, witness);
    assert.notDeepEqual(violated, []);
    const tied = new Set(r1cs.constraintsOfWire[wireOf(symbols, "main.quotientPart[0]")]);
    assert.ok(
      violated.every((i) => tied.has(i)),
      `violated constraints ${violated} should all involve main.quotientPart[0]`,
    );
    assert.equal(await wtnsCheck(witness), false);
  });

  // No signal may be free once the others are fixed: editing any one wire by +1 or -1 must break
  // a constraint. The one known exception is circomlib's IsZero on a zero input (a padding row):
  // its hint `inv` is then unconstrained, and harmless, since out = 1 - in * inv = 1 whatever inv is.
  const sweep = (batch: PayoutBatch, name: string, paddingRows: number[]) => {
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
  sweep(second, "second batch with two padding rows", [2, 3]);
});

describe("constraint count", () => {
  const perRow = (demoCircuit.constraints - circuit.constraints) / (DEMO - B);
  test(`${circuit.constraints} constraints at B=${B} matches the r1cs header`, () => {
    assert.equal(r1cs.constraints.length, circuit.constraints);
  });
  test(`per payout row: ${perRow.toFixed(1)} constraints by difference (B=${B}: ${circuit.constraints}, B=${DEMO}: ${demoCircuit.constraints}; ${(demoCircuit.constraints / DEMO).toFixed(1)} per row at B=${DEMO} with the header); budget 800`, () => {
    assert.ok(perRow <= 800, `${perRow} constraints per row`);
    assert.ok(demoCircuit.constraints / DEMO <= 800);
  });
  test(`PayoutBatch(${DEMO}) fits the cached 2^14 powers of tau (constraints + 4 public signals + 1 <= 16384)`, () => {
    assert.ok(demoCircuit.constraints + 5 <= 2 ** 14, `${demoCircuit.constraints} constraints`);
  });
});
