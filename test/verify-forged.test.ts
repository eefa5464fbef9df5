/**
 * Forged records as a skeptic meets them, around the seed of Soundness II: commitEpoch draws the
 * seed (r, gamma, beta) from the whole commit, the registry's F and m, the exclusion set and the
 * pool, so the identities bind the tables only under that seed, drawn after the tables were fixed.
 * Each forgery below is made of real proofs (snarkjs, the epoch's keys, the circuits' own
 * constraints) over forged tables; verify must name the check and the field whatever else the
 * forger makes agree:
 *   - a seed the forger solved for: the whole pool to the registrant whose total T is 0 (its only
 *     example scored below zero), the amounts swapped, which identity 2 accepts at r = 1; every
 *     batch proved under seed 1. The proofs verify and both identities hold, but seed 1 is not the
 *     epoch's (the proofs' seed signal), nor drawn from any commit (epoch.json's seed);
 *   - a claim table edited after the commit (the forger's harmful example scored positive, the
 *     pool re-split), every batch re-proved under the epoch's seed: the proofs verify and both
 *     identities hold, but the tables are not the committed ones (S), and committing them draws
 *     another seed;
 *   - a registration table whose fold does not reach F: the forger claims an example it never
 *     registered (its list re-hashes to another C), everything committed and proved under the
 *     seed that commit draws: the registration batches end at another F than the registry's.
 *   - an epoch proved under the pre-Soundness-I statement [chainOut, digest, rho] (keys with
 *     nPublic 3): refused as it is read, however consistent its key hashes and proof files are.
 * The forgeries use witness/ as the forger's tool (a test may); verify uses its own model. Without
 * a chain, registrations.json and epoch.json's F are the trainer's copies of the registry's: a
 * forger rewriting them too (a C_j and F of its own) is caught only with --rpc (check 8; the
 * contract reads F from the registry and draws the seed itself).
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import * as snarkjs from "snarkjs";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { epochPaths, writeRecordFile } from "../protocol/epoch-dir.ts";
import { readStageRecord, type StageRecord } from "../protocol/record-read.ts";
import { readJobsFile } from "../protocol/jobs-file.ts";
import { runEpoch } from "../protocol/run-epoch.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { EpochVerifyError, verifyEpoch } from "../verify/index.ts";
import type { EpochVerifyErrorCode, FailureLocation } from "../verify/epoch-errors.ts";
import { vkeyHash } from "../verify/vkey-hash.ts";
import {
  applyPolicy,
  buildEpochBatches,
  type EpochTables,
  type ExampleBatch,
  type PayoutBatch,
  type RegistrationBatch,
} from "../witness/index.ts";
import { buildExampleBatches, type ExampleRow } from "../witness/example-batches.ts";
import { buildPayoutBatches } from "../witness/payout-batches.ts";
import { splitPool, type PayoutTable } from "../witness/policy.ts";
import { buildRegistrationBatches } from "../witness/registration-batches.ts";

const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const work = mkdtempSync(join(tmpdir(), "verify-forged-"));
const honest = join(work, "honest");
const [good, forger] = demoContributors();
const POOL = 10n ** 21n;
const hashOf = (label: string) => BigInt(`0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`);
const hex32 = (v: bigint) => `0x${v.toString(16).padStart(32, "0")}`;

before(async () => {
  // Two registrations: an honest one with three useful examples (j = 0), the forger with one harmful one (j = 1, T = 0).
  const lines = [
    "example,contributor,score",
    ...[0, 1, 2].map((j) => `${hex32(hashOf(`forged ${j}`))},${good!.address},0.0${j + 1}`),
    `${hex32(hashOf("forged junk"))},${forger!.address},-0.05`,
  ];
  const examples = join(work, "examples.csv");
  writeFileSync(examples, `${lines.join("\n")}\n`);
  await runEpoch({
    examplesFile: examples,
    pool: POOL,
    exampleBatchSize: E,
    registrationBatchSize: K,
    payoutBatchSize: B,
    outDir: honest,
    workers: 2,
    progress: false,
  });
});

after(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

const readJson = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), "utf8"));
const writeJson = (dir: string, file: string, value: unknown) => writeFileSync(join(dir, file), JSON.stringify(value, null, 2));
let copies = 0;
const copy = () => {
  const dir = join(work, `forged-${copies++}`);
  cpSync(honest, dir, { recursive: true });
  return dir;
};

/** The honest epoch's tables again, as the trainer's witness made them (the forger's starting point). */
function honestTables(record: StageRecord): EpochTables {
  const scores = new Map<bigint, bigint>();
  record.claims.forEach((c, i) => {
    if (i === 0 || record.claims[i - 1]!.hash !== c.hash) scores.set(c.hash, c.score);
  });
  return applyPolicy({
    registrations: record.registrations,
    deliveries: record.deliveries,
    scores,
    pool: record.pool,
    registrationDomain: record.registrationDomain,
    config,
  });
}

interface ForgedBatches {
  readonly exampleBatches: readonly ExampleBatch[];
  readonly registrationBatches: readonly RegistrationBatch[];
  readonly payoutBatches: readonly PayoutBatch[];
}

/** Every batch of `tables` under `seed` (not necessarily the one their commit draws). */
function batchesUnder(
  record: StageRecord,
  tables: Pick<EpochTables, "claimTable" | "registrants">,
  payouts: PayoutTable,
  seed: bigint,
): ForgedBatches {
  return {
    exampleBatches: buildExampleBatches(tables.claimTable, record.domain, seed, E, config),
    registrationBatches: buildRegistrationBatches(tables.registrants, record.registrationDomain, seed, K, config),
    payoutBatches: buildPayoutBatches(payouts, record.domain, seed, B, config),
  };
}

/** Identity 2 over the batch values (claims + registrations - payouts; no exclusion here): 0 when it holds. */
const identity2 = (b: ForgedBatches) =>
  (((b.exampleBatches.reduce((s, x) => s + x.rlcSum, 0n) +
    b.registrationBatches.reduce((s, x) => s + x.rlcSum, 0n) -
    b.payoutBatches.reduce((s, x) => s + x.rlcSum, 0n)) %
    P) +
    P) %
  P;
/** Identity 1: the two grand products. */
const identity1 = (b: ForgedBatches) =>
  b.exampleBatches.reduce((s, x) => (s * x.prod) % P, 1n) === b.registrationBatches.reduce((s, x) => (s * x.prod) % P, 1n);

/**
 * Proves every batch of `b` with the epoch's keys and writes the proofs, the batch values in
 * epoch.json (as the witness stage writes them) and the tables into `dir`; `epoch` edits the rest
 * of epoch.json (seed, commit, total, dust).
 */
async function writeForged(
  dir: string,
  b: ForgedBatches,
  tables: { claimTable: readonly ExampleRow[]; payouts: PayoutTable },
  epoch: (e: any) => void,
): Promise<void> {
  const paths = epochPaths(dir);
  const kinds = [
    ["example", b.exampleBatches, paths.exampleJobsFile, paths.exampleProofFile],
    ["registration", b.registrationBatches, paths.registrationJobsFile, paths.registrationProofFile],
    ["payout", b.payoutBatches, paths.payoutJobsFile, paths.payoutProofFile],
  ] as const;
  for (const [, batches, jobsFile, proofFile] of kinds) {
    const { keys } = readJobsFile(jobsFile);
    for (const batch of batches) {
      const { proof, publicSignals } = await snarkjs.groth16.fullProve(batch.input, keys.wasmPath, keys.zkeyPath);
      assert.deepEqual(publicSignals, batch.publicSignals.map(String), "the circuit proves the forged batch as built");
      const file = proofFile(batch.index);
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), publicSignals, proof }, null, 2));
    }
  }
  const carried = ({ fold, nextJ, open, state, count, senderN, excl }: RegistrationBatch["carriedIn"]) => ({
    fold,
    nextJ,
    open,
    state,
    count,
    senderN,
    excl,
  });
  const e = readJson(dir, "epoch.json");
  const edited = {
    ...e,
    exampleBatches: b.exampleBatches.map((x) => ({
      index: x.index,
      chainIn: x.chainIn,
      chainOut: x.chainOut,
      hashIn: x.hashIn,
      jIn: x.jIn,
      hashOut: x.hashOut,
      jOut: x.jOut,
      scoreSum: x.scoreSum,
      rlcSum: x.rlcSum,
      prod: x.prod,
      rho: x.rho,
      digest: x.digest,
    })),
    registrationBatches: b.registrationBatches.map((x) => ({
      index: x.index,
      in: carried(x.carriedIn),
      out: carried(x.carriedOut),
      prod: x.prod,
      rlcSum: x.rlcSum,
      rho: x.rho,
      digest: x.digest,
    })),
    payoutBatches: b.payoutBatches.map((x) => ({
      index: x.index,
      chainIn: x.chainIn,
      chainOut: x.chainOut,
      amountSum: x.amountSum,
      rlcSum: x.rlcSum,
      rho: x.rho,
      digest: x.digest,
    })),
    total: tables.payouts.total,
    dust: tables.payouts.dust,
  };
  epoch(edited);
  writeRecordFile(paths.epochFile, edited);
  writeRecordFile(
    paths.examplesFile,
    tables.claimTable.map((c) => ({ hash: hex32(c.hash), j: c.j, score: c.score })),
  );
  const labels = (readJson(dir, "contributors.json") as { label?: string }[]).map((r) => r.label);
  writeRecordFile(
    paths.contributorsFile,
    tables.payouts.rows.map((r, j) => ({
      j,
      address: `0x${r.address.toString(16).padStart(40, "0")}`,
      amount: r.amount,
      reward: r.reward,
      remainder: r.remainder,
      label: labels[j],
    })),
  );
  const settlement = readJson(dir, "settlement.json");
  writeRecordFile(paths.settlementFile, {
    ...settlement,
    balances: tables.payouts.rows.map((r) => ({ address: `0x${r.address.toString(16).padStart(40, "0")}`, balance: r.reward })),
    settlementBalance: tables.payouts.dust,
  });
}

/** The commit of forged batches, as commitEpoch would take it. */
const commitOf = (b: ForgedBatches, payouts: PayoutTable, modelHash: string) => ({
  commitExamples: b.exampleBatches.at(-1)!.chainOut,
  commitPayouts: b.payoutBatches.at(-1)!.chainOut,
  commitExclusion: b.registrationBatches.at(-1)!.carriedOut.excl,
  total: payouts.total,
  exampleBatches: b.exampleBatches.length,
  registrationBatches: b.registrationBatches.length,
  payoutBatches: b.payoutBatches.length,
  modelHash,
});

/** Fails unless verify (noble only) stops at check 3 with `code` and `where`: vkeys and every proof passed. */
async function expectFailure(
  dir: string,
  code: EpochVerifyErrorCode,
  where: FailureLocation,
  check = "commitments",
): Promise<EpochVerifyError> {
  const error = await verifyEpoch(dir, { snarkjs: false }).then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof EpochVerifyError, String(error));
  assert.equal(error.code, code, error.message);
  assert.equal(error.check, check, error.message);
  for (const [k, v] of Object.entries(where)) assert.equal(error.where[k as keyof FailureLocation], v, `${k} of: ${error.message}`);
  return error;
}

test("the honest two-registration epoch passes; the forger's T is 0 and so is its reward", async () => {
  const report = await verifyEpoch(honest, { snarkjs: false });
  assert.equal(report.ok, true);
  const rows = readJson(honest, "contributors.json") as { address: string; amount: string; reward: string }[];
  assert.equal(BigInt(rows[1]!.address), BigInt(forger!.address));
  assert.equal(rows[1]!.amount, "0");
  assert.equal(rows[1]!.reward, "0");
});

test("a seed the forger solved for (the amounts swapped: identity 2 holds at r = 1), every batch proved under it: the proofs' seed is not the epoch's, nor drawn from the commit", async () => {
  const record = readStageRecord(honest);
  const tables = honestTables(record);
  const [t0, t1] = tables.payoutTable.rows.map((r) => r.amount);
  assert.equal(t1, 0n);
  // Identity 2 over the forged amounts: T0 r^0 (claims) - (0 r^0 + T0 r^1) (payouts) = T0 (1 - r): zero at r = 1.
  const payouts = splitPool(
    tables.payoutTable.rows.map((r, j) => ({ address: r.address, amount: j === 0 ? t1! : t0! })),
    POOL,
    config,
  );
  assert.equal(payouts.rows[1]!.reward, POOL, "the whole pool to the forger");
  const solved = batchesUnder(record, tables, payouts, 1n);
  assert.equal(identity2(solved), 0n, "identity 2 holds at the solved seed");
  assert.ok(identity1(solved), "identity 1 holds (the claims and registrations are honest)");
  assert.notEqual(identity2(batchesUnder(record, tables, payouts, record.seed)), 0n, "and fails at the epoch's seed");
  const commit = commitOf(solved, payouts, record.model.modelHash);

  // The proofs and tables forged, epoch.json's commit and seed as committed on chain.
  const dir = copy();
  await writeForged(dir, solved, { claimTable: tables.claimTable, payouts }, () => {});
  const error = await expectFailure(dir, "COMMITMENT_MISMATCH", {
    file: "proofs/example-000.json",
    field: "publicSignals[2]",
    expected: record.seed.toString(),
    got: "1",
  });
  assert.match(error.message, /\(seed\) 1 is not the epoch's seed .*: the proof was made under another seed/);

  // The same, and epoch.json's seed made the proofs' (1): no commit draws it.
  const claimed = copy();
  await writeForged(claimed, solved, { claimTable: tables.claimTable, payouts }, (e) => {
    e.commit = commit;
    e.seed = 1n;
  });
  const drawn = await expectFailure(claimed, "COMMITMENT_MISMATCH", { file: "epoch.json", field: "seed", got: "1" });
  assert.match(drawn.message, /is not the seed commitEpoch draws from the commit, F, m, the exclusion set and the pool/);
});

test("a claim table edited after the commit (the forger's example scored +0.05, the pool re-split), every batch re-proved under the epoch's seed: not the committed S, and committing it draws another seed", async () => {
  const record = readStageRecord(honest);
  const tables = honestTables(record);
  const junk = hashOf("forged junk");
  const score = 5n * 10n ** BigInt(config.fixedPoint.decimals - 2);
  const claimTable = tables.claimTable.map((c) => (c.hash === junk ? { ...c, score } : c));
  const payouts = splitPool(
    tables.payoutTable.rows.map((r, j) => ({ address: r.address, amount: j === 1 ? score : r.amount })),
    POOL,
    config,
  );
  assert.ok(payouts.rows[1]!.reward > 0n, "the forger is paid");
  const edited = batchesUnder(record, { claimTable, registrants: tables.registrants }, payouts, record.seed);
  assert.equal(identity2(edited), 0n, "identity 2 holds under the epoch's seed: the edit is consistent");
  assert.ok(identity1(edited));

  // epoch.json's commit as committed on chain: S is not the committed S.
  const dir = copy();
  await writeForged(dir, edited, { claimTable, payouts }, () => {});
  await expectFailure(dir, "COMMITMENT_MISMATCH", {
    file: "epoch.json",
    field: "commit.total",
    expected: payouts.total.toString(),
    got: record.total.toString(),
  });

  // The commit made the edited tables' (chains, S): the epoch's seed is not the one it draws.
  const recommitted = copy();
  await writeForged(recommitted, edited, { claimTable, payouts }, (e) => {
    e.commit = commitOf(edited, payouts, record.model.modelHash);
  });
  const error = await expectFailure(recommitted, "COMMITMENT_MISMATCH", { file: "epoch.json", field: "seed", got: record.seed.toString() });
  assert.notEqual(error.where.expected, record.seed.toString());
});

test("a registration table whose fold does not reach F (the forger claims an example it never registered), committed and proved under the seed that commit draws: the last foldOut is not the registry's F", async () => {
  const record = readStageRecord(honest);
  const tables = honestTables(record);
  const extra = hashOf("forged never registered");
  const score = 4n * 10n ** BigInt(config.fixedPoint.decimals - 2);
  const registrants = tables.registrants.map((r, j) => {
    if (j !== 1) return r;
    const { commitment: _c, count: _n, ...rest } = r;
    return { ...rest, hashes: [...r.hashes, extra].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
  });
  const claimTable = [...tables.claimTable, { hash: extra, j: 1, score }].sort((a, b) =>
    a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.j - b.j,
  );
  const payoutTable = splitPool(
    tables.payoutTable.rows.map((r, j) => ({ address: r.address, amount: j === 1 ? score : r.amount })),
    POOL,
    config,
  );
  // Committed honestly with the registry's F: the seed is the one commitEpoch would draw from this commit.
  const forged = buildEpochBatches(
    { claimTable, payoutTable, registrants, exclusion: [] },
    {
      domain: record.domain,
      registrationDomain: record.registrationDomain,
      fold: record.fold,
      modelHash: record.model.modelHash,
      pool: POOL,
      exampleBatchSize: E,
      registrationBatchSize: K,
      payoutBatchSize: B,
      config,
    },
  );
  assert.notEqual(forged.registrationBatches.at(-1)!.carriedOut.fold, record.fold, "the forged list folds to another F");
  assert.equal(identity2(forged), 0n);
  assert.ok(identity1(forged), "the extra hash is on both sides of the multiset");

  const dir = copy();
  await writeForged(dir, forged, { claimTable, payouts: payoutTable }, (e) => {
    e.commit = forged.commit;
    e.seed = forged.seed;
  });
  const regs = readJson(dir, "registrations.json");
  regs[1].count = 2;
  writeJson(dir, "registrations.json", regs);
  const error = await expectFailure(dir, "COMMITMENT_MISMATCH", {
    file: "epoch.json",
    field: "fold",
    got: record.fold.toString(),
    expected: forged.registrationBatches.at(-1)!.carriedOut.fold.toString(),
  });
  assert.match(error.message, /the last registration batch's foldOut/);
});

test("an epoch whose keys have 3 public signals (the pre-Soundness-I statement, the seed unbound): refused, naming the reason", async () => {
  // A self-consistent record of that statement: the three keys without the seed's IC point, every
  // proof's signals without the seed, and the key hashes in epoch.json and the proof files made to agree.
  const dir = copy();
  const epoch = readJson(dir, "epoch.json");
  for (const kind of ["example", "registration", "payout"] as const) {
    const vk = readJson(dir, `${kind}_verification_key.json`);
    assert.equal(vk.nPublic, 4);
    const text = JSON.stringify({ ...vk, nPublic: 3, IC: vk.IC.filter((_: unknown, i: number) => i !== 3) }, null, 1);
    writeFileSync(join(dir, `${kind}_verification_key.json`), text);
    epoch.circuits[kind].vkeyHash = vkeyHash(text);
    for (let i = 0; i < epoch.commit[`${kind}Batches`]; i++) {
      const file = `proofs/${kind}-${String(i).padStart(3, "0")}.json`;
      const p = readJson(dir, file);
      writeJson(dir, file, {
        ...p,
        vkeyHash: epoch.circuits[kind].vkeyHash,
        publicSignals: p.publicSignals.filter((_: unknown, j: number) => j !== 2),
      });
    }
  }
  writeJson(dir, "epoch.json", epoch);
  const error = await expectFailure(
    dir,
    "RECORD_MALFORMED",
    { file: "example_verification_key.json", field: "nPublic", expected: "4", got: "3" },
    "record",
  );
  assert.match(
    error.message,
    /pre-Soundness-I statement .* binds neither r nor the batch index: its proofs say nothing about the payouts; re-prove the epoch/,
  );
});
