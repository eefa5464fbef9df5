/**
 * PayoutBatch against the reference model (witness/): honest batches reproduce the native outputs,
 * and every constrained field, when tampered, is rejected by the very check meant for it (the test
 * names the circuit statement it expects to fire). Input-level tampering goes through circom's
 * witness calculator, which asserts every `===`; direct edits of the witness vector are checked
 * against the R1CS itself, which also catches a hint (`<--`) signal left unconstrained.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import * as snarkjs from "snarkjs";
import { compileCircuit, payoutCircuitName } from "../circuits/compile.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { buildPayoutBatches, epochChallenge, epochDomain, hornerDigest, powMod, splitPool, type PayoutBatch, type PayoutTable } from "../witness/index.ts";
import { assertRejectedAt, calculateWitness, num2BitsWires, setBits, sourceLine, symbolsOf, wireOf } from "./helpers/circuit-harness.ts";
import { prng } from "./helpers/prng.ts";
import { readR1cs, violatedConstraints, writeWtns } from "./helpers/r1cs.ts";

const B = config.payoutBatch.testSize;
const DEMO = config.payoutBatch.demoSize;
const { addressBits, totalBits, poolBits } = config.widths;
const CIRCUIT_FILE = join(PROJECT_ROOT, "circuits", "payout_batch.circom");
const POOL = 10n ** 27n + 123_456_789n; // 1e9 OPEN (18 decimals) plus change, so remainders are not 0
const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const DOMAIN = epochDomain(31337n, CONTRACT, 7n);
const R = epochChallenge(11n, 22n, DOMAIN);

const circuit = await compileCircuit(payoutCircuitName(B));
const demoCircuit = await compileCircuit(payoutCircuitName(DEMO));
const r1cs = readR1cs(circuit.r1csPath);
const symbols = symbolsOf(circuit);
const scratch = mkdtempSync(join(tmpdir(), "payout-circuit-test-"));
after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

/** `count` contributors with random 160-bit addresses and fixed-point amounts up to 1e6 units. */
function randomTable(count: number, seed: bigint): PayoutTable {
  const rng = prng(seed);
  const rows = Array.from({ length: count }, () => ({
    address: rng.below((1n << BigInt(addressBits)) - 1n) + 1n,
    amount: rng.below(10n ** 12n) + 1n,
  }));
  return splitPool(rows, POOL, config);
}

function onlyBatch(table: PayoutTable, size = B): PayoutBatch {
  const batches = buildPayoutBatches(table, DOMAIN, R, size, config);
  assert.equal(batches.length, 1);
  return batches[0]!;
}

const full = onlyBatch(randomTable(B, 1n));
const padded = onlyBatch(randomTable(B - 1, 2n));
const [first, second] = buildPayoutBatches(randomTable(B + 2, 3n), DOMAIN, R, B, config) as [PayoutBatch, PayoutBatch];
// Every width at its largest allowed value: pool 2^93 - 1, S = 2^64 - 1, address 2^160 - 1.
const extremes = onlyBatch(
  splitPool(
    [
      { address: (1n << BigInt(addressBits)) - 1n, amount: 1n << BigInt(totalBits - 1) },
      { address: (1n << BigInt(addressBits)) - 2n, amount: (1n << BigInt(totalBits - 1)) - 2n },
      { address: 1n, amount: 1n },
    ],
    (1n << BigInt(poolBits)) - 1n,
    config,
  ),
);

/** A batch's circuit inputs as mutable field elements. */
interface Fields {
  chainIn: bigint; domain: bigint; pool: bigint; total: bigint; addressIn: bigint; r: bigint; batchIndex: bigint; rho: bigint;
  address: bigint[]; amount: bigint[]; reward: bigint[]; remainder: bigint[];
}
const ROW_FIELDS = ["address", "amount", "reward", "remainder"] as const;

function fieldsOf(batch: PayoutBatch): Fields {
  const i = batch.input;
  const list = (values: string[]) => values.map(BigInt);
  return {
    chainIn: BigInt(i.chainIn), domain: BigInt(i.domain), pool: BigInt(i.pool), total: BigInt(i.total),
    addressIn: BigInt(i.addressIn), r: BigInt(i.r), batchIndex: BigInt(i.batchIndex), rho: BigInt(i.rho),
    address: list(i.address), amount: list(i.amount), reward: list(i.reward), remainder: list(i.remainder),
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

function inverse(x: bigint): bigint {
  let [result, base, e] = [1n, x % P, P - 2n];
  for (; e > 0n; e >>= 1n, base = (base * base) % P) if (e & 1n) result = (result * base) % P;
  return result;
}

// The circuit statements each tamper case must be stopped by (looked up by text, not line number).
const CHECK = {
  pool: "_ <== Num2Bits(poolBits)(pool);",
  total: "_ <== Num2Bits(totalBits)(total);",
  totalNonZero: "totalInverse * total === 1;",
  addressIn: "_ <== Num2Bits(addressBits)(addressIn);",
  paddingLast: "isPadding[i - 1] * (1 - isPadding[i]) === 0;",
  paddingPaysNothing: "isPadding[i] * amount[i] === 0;",
  addressOrder: "_ <== Num2Bits(addressBits)(step[i] - (1 - isPadding[i]));",
  amount: "_ <== Num2Bits(totalBits)(amount[i]);",
  reward: "_ <== Num2Bits(poolBits)(reward[i]);",
  remainder: "_ <== Num2Bits(totalBits)(remainder[i]);",
  remainderBelowTotal: "_ <== Num2Bits(totalBits)(total - 1 - remainder[i]);",
  floor: "quotientPart[i] + remainder[i] === pool * amount[i];",
  lastAddress: "_ <== Num2Bits(addressBits)(previous[B]);",
  batchIndex: "signal batchIndexBitsOf[batchIndexBits] <== Num2Bits(batchIndexBits)(batchIndex);",
} as const;

async function assertHonest(batch: PayoutBatch, compiled = circuit): Promise<bigint[]> {
  const witness = await calculateWitness(compiled, batch.input);
  // snarkjs order of public signals: outputs (chainOut, digest), then public inputs (r, rho).
  assert.deepEqual(witness.slice(1, 5), [batch.chainOut, batch.digest, BigInt(batch.input.r), batch.rho]);
  assert.deepEqual([...batch.publicSignals], [batch.chainOut, batch.digest, BigInt(batch.input.r), batch.rho]);
  return witness;
}

function assertRejectedBy(input: object, check: keyof typeof CHECK): Promise<void> {
  return assertRejectedAt(circuit, input, CIRCUIT_FILE, "PayoutBatch", CHECK[check]);
}

describe(`PayoutBatch(${B}) honest batches reproduce the reference model`, () => {
  test("the R1CS has 4 public signals: chainOut, digest (outputs), then r and rho (public inputs)", () => {
    assert.equal(r1cs.nOutputs, 2);
    assert.equal(r1cs.nPubInputs, 2);
    assert.equal(wireOf(symbols, "main.chainOut"), 1);
    assert.equal(wireOf(symbols, "main.digest"), 2);
    assert.equal(wireOf(symbols, "main.r"), 3);
    assert.equal(wireOf(symbols, "main.rho"), 4);
  });

  const honest: [string, PayoutBatch][] = [
    ["a full batch", full],
    ["a batch ending in a padding row", padded],
    ["the first batch of a two-batch table", first],
    ["the second batch (chain and address order continued, two padding rows)", second],
    ["a batch with every width at its maximum", extremes],
  ];
  for (const [name, batch] of honest) {
    test(`${name}: chainOut, digest and rho equal the native values; the R1CS holds`, async () => {
      const witness = await assertHonest(batch);
      assert.deepEqual(violatedConstraints(r1cs, witness), []);
    });
  }

  test("the second batch continues from the first: chainIn = first chainOut, addressIn = first's last address", () => {
    assert.equal(second.chainIn, first.chainOut);
    assert.equal(second.addressIn, BigInt(first.input.address.at(-1)!));
    assert.equal(first.chainIn, 0n);
    assert.equal(first.addressIn, 0n);
    assert.deepEqual(second.input.address.slice(2), ["0", "0"]);
  });

  test("the batches' rlcSums add up to sum T_c r^c over the table, c the global row index", () => {
    const table = randomTable(B + 2, 3n);
    const expected = table.rows.reduce((acc, row, c) => (acc + row.amount * powMod(R, BigInt(c))) % P, 0n);
    assert.equal((first.rlcSum + second.rlcSum) % P, expected);
    assert.equal(second.input.batchIndex, "1");
  });

  test(`PayoutBatch(${DEMO}): both batches of a ${DEMO + 9}-row table match (chain over several Poseidon chunks)`, async () => {
    const batches = buildPayoutBatches(randomTable(DEMO + 9, 4n), DOMAIN, R, DEMO, config);
    assert.equal(batches.length, 2);
    assert.ok(DEMO + 3 > config.hash.chainAbsorbWidth, "the demo batch must span more than one Poseidon chunk");
    for (const batch of batches) await assertHonest(batch, demoCircuit);
  });
});

describe("a tampered input is rejected by the check meant for it", () => {
  const rowWithRemainder = (batch: PayoutBatch) => {
    const i = batch.input.remainder.findIndex((r) => r !== "0");
    assert.ok(i >= 0, "fixture needs a row with a nonzero remainder");
    return i;
  };
  const cases: [string, PayoutBatch, (f: Fields) => void, keyof typeof CHECK][] = [
    ["reward + 1, remainder - total (equation still holds): remainder range", full, (f) => {
      f.reward[0]! += 1n; f.remainder[0]! -= f.total;
    }, "remainder"],
    ["reward + 1 alone: floor equation", full, (f) => { f.reward[1]! += 1n; }, "floor"],
    ["reward - 1, remainder + total (equation holds): remainder < total", full, (f) => {
      f.reward[2]! -= 1n; f.remainder[2]! += f.total;
    }, "remainderBelowTotal"],
    ["remainder + total alone: remainder < total", full, (f) => { f.remainder[0]! += f.total; }, "remainderBelowTotal"],
    ["remainder = total exactly: remainder < total", full, (f) => { f.remainder[0] = f.total; }, "remainderBelowTotal"],
    ["remainder negative (p - 1): remainder range", full, (f) => { f.remainder[3] = P - 1n; }, "remainder"],
    ["reward wrapped mod p (reward + rem/total, remainder 0; equation holds in the field): reward range", full, (f) => {
      const i = rowWithRemainder(full);
      f.reward[i] = (f.reward[i]! + f.remainder[i]! * inverse(f.total)) % P;
      f.remainder[i] = 0n;
    }, "reward"],
    ["reward + 2^93: reward range", full, (f) => { f.reward[0]! += 1n << BigInt(poolBits); }, "reward"],
    ["amount + 2^64 with its own floor split: amount range", full, (f) => {
      setAmount(f, 1, f.amount[1]! + (1n << BigInt(totalBits)));
    }, "amount"],
    ["amount negative (p - 1): amount range", full, (f) => { f.amount[0] = P - 1n; }, "amount"],
    ["pool + 2^93: pool range", full, (f) => { f.pool += 1n << BigInt(poolBits); }, "pool"],
    ["total = 0: total is nonzero", full, (f) => { f.total = 0n; }, "totalNonZero"],
    ["total + 2^64: total range", full, (f) => { f.total += 1n << BigInt(totalBits); }, "total"],
    ["rows 1 and 2 swapped (addresses out of order): address order", full, (f) => moveRow(f, 1, 2), "addressOrder"],
    ["row 1 repeats row 0 (duplicate address): address order", full, (f) => {
      for (const key of ROW_FIELDS) f[key][1] = f[key][0]!;
    }, "addressOrder"],
    ["row 2 takes row 1's address with its own amount: address order", full, (f) => { f.address[2] = f.address[1]!; }, "addressOrder"],
    ["first address p - 1 (a negative address): address order", full, (f) => { f.address[0] = P - 1n; }, "addressOrder"],
    ["last address 2^160: last address below 2^160", full, (f) => { f.address[B - 1] = 1n << BigInt(addressBits); }, "lastAddress"],
    ["last active address 2^160 in a padded batch: last address below 2^160", padded, (f) => {
      f.address[B - 2] = 1n << BigInt(addressBits);
    }, "lastAddress"],
    ["an address 2^160 before the last row: the next row's order check", full, (f) => {
      f.address[1] = 1n << BigInt(addressBits);
    }, "addressOrder"],
    ["a gap of 2^160 between addresses: address order", full, (f) => {
      f.address[B - 1] = f.address[B - 2]! + (1n << BigInt(addressBits)) + 1n;
    }, "addressOrder"],
    ["second batch: first address = addressIn (paid again across batches): address order", second, (f) => {
      f.address[0] = f.addressIn;
    }, "addressOrder"],
    ["second batch: first address below addressIn: address order", second, (f) => { f.address[0] = f.addressIn - 1n; }, "addressOrder"],
    ["batchIndex 2^16: batch index range", second, (f) => { f.batchIndex = 1n << 16n; }, "batchIndex"],
    ["addressIn + 2^160: addressIn range", second, (f) => { f.addressIn += 1n << BigInt(addressBits); }, "addressIn"],
    ["padding row with amount 1 and its floor reward (padding that pays): padding pays nothing", padded, (f) => {
      setAmount(f, B - 1, 1n);
    }, "paddingPaysNothing"],
    ["padding row with reward 1, amount 0: floor equation", padded, (f) => { f.reward[B - 1] = 1n; }, "floor"],
    ["active row after a padding row: padding only at the end", padded, (f) => moveRow(f, B - 2, B - 1), "paddingLast"],
    ["second batch: active, padding, active: padding only at the end", second, (f) => moveRow(f, 1, 2), "paddingLast"],
  ];
  for (const [name, batch, change, check] of cases) {
    test(name, () => assertRejectedBy(tampered(batch, change), check));
  }
});

describe("values the circuit does not range-check are bound by the outputs the contract recomputes", () => {
  const outputsOf = async (input: object) => (await calculateWitness(circuit, input)).slice(1, 3);
  // [case, batch, change, does chainOut change too (else only the digest)]
  const bindingCases: [string, PayoutBatch, (f: Fields) => void, boolean][] = [
    ["wrong chainIn (second batch restarted the chain at 0)", second, (f) => { f.chainIn = 0n; }, true],
    ["wrong chainIn (first batch claims a continued chain)", first, (f) => { f.chainIn = second.chainOut; }, true],
    ["wrong domain (another chain id)", full, (f) => { f.domain = epochDomain(1n, CONTRACT, 7n); }, true],
    ["wrong domain (another epoch)", full, (f) => { f.domain = epochDomain(31337n, CONTRACT, 8n); }, true],
    ["addressIn reset to 0 on the second batch (address order restarted)", second, (f) => { f.addressIn = 0n; }, true],
    ["a consistent floor split of a smaller pool", full, (f) => {
      f.pool -= 10n ** 18n;
      for (let i = 0; i < B; i++) setAmount(f, i, f.amount[i]!);
    }, true],
    ["a different amount with its own floor split", full, (f) => setAmount(f, 0, f.amount[0]! + 1n), true],
    ["a rho the contract did not derive", full, (f) => { f.rho += 1n; }, false],
    ["a wrong r (not the epoch's challenge; also a public signal the contract supplies)", second, (f) => { f.r += 1n; }, false],
    ["batchIndex 0 for the second batch (its rows weighted as the first batch's; absorbed)", second, (f) => { f.batchIndex = 0n; }, true],
    ["T_c off by one with its own floor split", second, (f) => setAmount(f, 0, f.amount[0]! + 1n), true],
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
    ["totalInverse + 1 (the hint behind total != 0)", (w) => { w[wireOf(symbols, "main.totalInverse")]! += 1n; }],
    ["IsZero inverse of an active row + 1 (the hint behind isPadding)", (w) => { w[isZeroInverse(0)]! += 1n; }],
    ["isPadding[0] = 1 on an active row", (w) => { w[wireOf(symbols, "main.isPadding[0]")] = 1n; }],
    ["quotientPart[0] + 1", (w) => { w[wireOf(symbols, "main.quotientPart[0]")]! += 1n; }],
    ["reward[0] + 1 and remainder[0] - total, bits left as they were", (w) => {
      w[wireOf(symbols, "main.reward[0]")]! += 1n;
      w[wireOf(symbols, "main.remainder[0]")] = (w[wireOf(symbols, "main.remainder[0]")]! - BigInt(full.input.total) + P) % P;
    }],
    ["amount[0] + 1 (chain input not recomputed)", (w) => { w[wireOf(symbols, "main.amount[0]")]! += 1n; }],
    ["chainOut + 1", (w) => { w[wireOf(symbols, "main.chainOut")]! += 1n; }],
    ["digest + 1", (w) => { w[wireOf(symbols, "main.digest")]! += 1n; }],
  ];
  for (const [name, edit] of edits) {
    test(`${name}: rejected by our evaluator and by snarkjs.wtns.check`, async () => {
      const witness = await calculateWitness(circuit, full.input);
      edit(witness);
      assert.notDeepEqual(violatedConstraints(r1cs, witness), []);
      assert.equal(await wtnsCheck(witness), false);
    });
  }

  // Single-wire edits cannot expose a signal that only feeds range checks: its bits pin it. These
  // edits move one signal AND re-derive everything downstream (range-check bits, the digest's
  // Horner chain), so only the one constraint that ties the signal to the row is left to object.
  // With `step[i] <--` or `quotientPart[i] <--` instead of `<==` they would pass.
  const row0Edits: [string, string, (w: bigint[]) => void][] = [
    ["step[0] + 1 (address order no longer follows the addresses), gap and last-address bits re-derived", "main.step[0]", (w) => {
      const step = wireOf(symbols, "main.step[0]");
      w[step]! += 1n;
      setBits(w, num2BitsWires(symbols, sourceLine(CIRCUIT_FILE, CHECK.addressOrder), 0), w[step]! - 1n);
      // previous[B] = addressIn + sum(step) grows by one as well.
      setBits(w, num2BitsWires(symbols, sourceLine(CIRCUIT_FILE, CHECK.lastAddress)), BigInt(full.input.address.at(-1)!) + 1n);
    }],
    ["reward[0] + 1 with its range bits and the digest's Horner chain re-derived", "main.quotientPart[0]", (w) => {
      const reward = wireOf(symbols, "main.reward[0]");
      w[reward]! += 1n;
      setBits(w, num2BitsWires(symbols, sourceLine(CIRCUIT_FILE, CHECK.reward), 0), w[reward]!);
      const words = [...full.words];
      words[0]! += 1n << BigInt(addressBits);
      const { domain, pool, total } = full.input;
      const values = [full.chainIn, BigInt(domain), BigInt(pool), BigInt(total), full.addressIn, full.amountSum, R, 0n, full.rlcSum, ...words];
      for (let k = 1; k < values.length - 1; k++) {
        const wire = symbols.wireOf.get(`main.horner[${k}]`);
        if (wire !== undefined) w[wire] = hornerDigest(values.slice(0, k + 1), full.rho);
      }
      w[wireOf(symbols, "main.digest")] = hornerDigest(values, full.rho);
    }],
  ];
  for (const [name, tiedTo, edit] of row0Edits) {
    test(`${name}: only the constraint defining ${tiedTo} objects`, async () => {
      const witness = await calculateWitness(circuit, full.input);
      edit(witness);
      const violated = violatedConstraints(r1cs, witness);
      assert.notDeepEqual(violated, []);
      const tied = new Set(r1cs.constraintsOfWire[wireOf(symbols, tiedTo)]);
      assert.ok(violated.every((i) => tied.has(i)), `violated constraints ${violated} should all involve ${tiedTo}`);
      assert.equal(await wtnsCheck(witness), false);
    });
  }

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
});
