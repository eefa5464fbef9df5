/**
 * The attack of the soundness audit (../shared/audits/2026-12-06/forge.ts), as a skeptic meets
 * it in an epoch record: the payout words pay the whole pool to a registrant whose total T_c is 0
 * (its only example scored below zero). verify must report it and name the check, whatever the
 * attacker edits:
 *   - the words alone (contributors.json rewards): the payout digest no longer matches its proof;
 *   - the words, the record's totals and balances, and a payout proof really made for the forged
 *     words: the attacker solves the circuit's r for a digest equal to the contract's (possible
 *     with only two registrants: the digest is then linear in r). The proof carries its r as a
 *     public signal, which is not the epoch's;
 *   - an epoch proved under the pre-Soundness-I statement [chainOut, digest, rho] (keys with
 *     nPublic 3, in which that solved r was private and bound by nothing): refused as it is read,
 *     naming the reason, however consistent its key hashes and proof files are.
 * The forgery uses witness/ as the attacker's tool (a test may); verify uses its own model.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { keccak256, toUtf8Bytes } from "ethers";
import * as snarkjs from "snarkjs";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { readJobsFile } from "../scripts/lib/jobs-file.ts";
import { runEpoch } from "../scripts/lib/run-epoch.ts";
import { demoContributors } from "../scripts/lib/demo-contributors.ts";
import { EpochVerifyError, verifyEpoch, vkeyHash, type EpochVerifyErrorCode, type FailureLocation } from "../verify/index.ts";
import { digestChallenge, hornerDigest, powMod } from "../witness/index.ts";

const B = config.payoutBatch.testSize;
const work = mkdtempSync(join(tmpdir(), "verify-forged-"));
const honest = join(work, "honest");
const [good, attacker] = demoContributors();
const POOL = 10n ** 21n;
const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;

before(async () => {
  // Two registrants: an honest one with three useful examples, the attacker with one harmful one (T = 0).
  const lines = ["example,contributor,score", ...[0, 1, 2].map((j) => `${hashOf(`forged ${j}`)},${good!.address},0.0${j + 1}`), `${hashOf("forged junk")},${attacker!.address},-0.05`];
  const examples = join(work, "examples.csv");
  writeFileSync(examples, `${lines.join("\n")}\n`);
  await runEpoch({ examplesFile: examples, pool: POOL, exampleBatchSize: config.exampleBatch.testSize, payoutBatchSize: B, outDir: honest, workers: 2, progress: false });
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

/** The contributor table with every reward 0 but the attacker's, which is the whole pool. */
function forgedRows(dir: string): { rows: { address: string; amount: string; reward: string; remainder: string }[]; attackerRow: number } {
  const rows = readJson(dir, "contributors.json") as { address: string; amount: string; reward: string; remainder: string }[];
  const attackerRow = rows.findIndex((r) => BigInt(r.address) === BigInt(attacker!.address));
  assert.equal(rows[attackerRow]!.amount, "0", "the attacker's total is 0");
  return { rows: rows.map((r, i) => ({ ...r, reward: i === attackerRow ? POOL.toString() : "0" })), attackerRow };
}

async function expectFailure(dir: string, code: EpochVerifyErrorCode, where: FailureLocation): Promise<EpochVerifyError> {
  const error = await verifyEpoch(dir, { snarkjs: false }).then(() => assert.fail(`expected ${code}`), (e: unknown) => e);
  assert.ok(error instanceof EpochVerifyError, String(error));
  assert.equal(error.code, code, error.message);
  for (const [k, v] of Object.entries(where)) assert.equal(error.where[k as keyof FailureLocation], v, `${k} of: ${error.message}`);
  return error;
}

test("the honest two-registrant epoch passes; the attacker's T is 0 and so is its reward", async () => {
  const report = await verifyEpoch(honest, { snarkjs: false });
  assert.equal(report.ok, true);
  assert.equal(forgedRows(honest).attackerRow >= 0, true);
});

test("forged words alone (the whole pool to the T = 0 registrant): COMMITMENT_MISMATCH, the payout digest is not its proof's", async () => {
  const dir = copy();
  const { rows } = forgedRows(dir);
  writeJson(dir, "contributors.json", rows);
  const error = await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "proofs/payout-000.json", field: "publicSignals[1]" });
  assert.equal(error.check, "commitments");
  assert.match(error.message, /\(digest\)/);
});

test("forged words with a payout proof solved for them, totals and balances made to agree: verify names the check", async () => {
  const dir = copy();
  const { rows } = forgedRows(dir);
  const epoch = readJson(dir, "epoch.json");
  const { keys, jobs } = readJobsFile(join(dir, "jobs", "payout.json"));
  assert.equal(jobs.length, 1, "two registrants make one payout batch");
  const input = jobs[0]!.input as Record<string, string | string[]>;
  const honestWords = (input.address as string[]).map((a, i) => BigInt(a) + (BigInt((input.reward as string[])[i]!) << 160n));
  const forgedWords = rows.map((r) => BigInt(r.address) + (BigInt(r.reward) << 160n));
  while (forgedWords.length < B) forgedWords.push(0n);
  const amounts = (input.amount as string[]).map(BigInt);
  assert.ok(amounts.slice(2).every((a) => a === 0n), "only rows 0 and 1 carry amounts: the circuit's digest is linear in r");

  // The contract's digest of the forged words under the epoch's r (what it verifies against) ...
  const chainOut = BigInt(readJson(dir, "proofs/payout-000.json").publicSignals[0]);
  const r = BigInt(epoch.r);
  const header = [BigInt(input.chainIn as string), BigInt(epoch.domain), BigInt(epoch.pool), BigInt(epoch.total), 0n, amounts.reduce((s, a) => s + a, 0n), r, 0n];
  const rlc = (x: bigint) => (amounts[0]! + amounts[1]! * x) % P;
  const rho = digestChallenge(chainOut, [...header, rlc(r)], forgedWords);
  const target = hornerDigest([...header, rlc(r), ...forgedWords], rho);
  // ... and the circuit's, over the honest rows, as a function of its r: K + x (rho^(B+2) + a1 rho^B).
  const atZero = hornerDigest([...header.slice(0, 6), 0n, 0n, rlc(0n), ...honestWords], rho);
  const slope = (powMod(rho, BigInt(B + 2)) + amounts[1]! * powMod(rho, BigInt(B))) % P;
  const x = (((target - atZero) % P + P) % P) * powMod(slope, P - 2n) % P;
  const forgedInput = { ...input, r: x.toString(), rho: rho.toString() };
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(forgedInput, keys.wasmPath, keys.zkeyPath);
  assert.equal(publicSignals[1], target.toString(), "the solved r gives the contract's digest");

  const proofFile = readJson(dir, "proofs/payout-000.json");
  writeJson(dir, "proofs/payout-000.json", { ...proofFile, proof, publicSignals });
  writeJson(dir, "contributors.json", rows);
  writeJson(dir, "epoch.json", { ...epoch, dust: "0" });
  const settlement = readJson(dir, "settlement.json");
  writeJson(dir, "settlement.json", { ...settlement, balances: rows.map((row) => ({ address: row.address, balance: row.reward })), settlementBalance: "0" });

  const error = await expectFailure(dir, "COMMITMENT_MISMATCH", { file: "proofs/payout-000.json", field: "publicSignals[2]", expected: epoch.r });
  assert.match(error.message, /\(r\)/);
});

test("an epoch whose keys have 3 public signals (the pre-Soundness-I statement, r and the batch index unbound): refused, naming the reason", async () => {
  // A self-consistent record of that statement: both keys without r's IC point, every proof's
  // signals without r, and the key hashes in epoch.json and the proof files made to agree.
  const dir = copy();
  const epoch = readJson(dir, "epoch.json");
  for (const kind of ["example", "payout"] as const) {
    const vk = readJson(dir, `${kind}_verification_key.json`);
    assert.equal(vk.nPublic, 4);
    const text = JSON.stringify({ ...vk, nPublic: 3, IC: vk.IC.filter((_: unknown, i: number) => i !== 3) }, null, 1);
    writeFileSync(join(dir, `${kind}_verification_key.json`), text);
    epoch.circuits[kind].vkeyHash = vkeyHash(text);
    for (let i = 0; i < epoch[`${kind}BatchCount`]; i++) {
      const file = `proofs/${kind}-${String(i).padStart(3, "0")}.json`;
      const p = readJson(dir, file);
      writeJson(dir, file, { ...p, vkeyHash: epoch.circuits[kind].vkeyHash, publicSignals: p.publicSignals.filter((_: unknown, j: number) => j !== 2) });
    }
  }
  writeJson(dir, "epoch.json", epoch);
  const error = await expectFailure(dir, "RECORD_MALFORMED", { file: "example_verification_key.json", field: "nPublic", expected: "4", got: "3" });
  assert.equal(error.check, "record");
  assert.match(error.message, /pre-Soundness-I statement .* binds neither r nor the batch index: its proofs say nothing about the payouts; re-prove the epoch/);
});
