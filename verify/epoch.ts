/**
 * Re-verifies a settled epoch from its public record, trusting neither the trainer nor the
 * prover's code nor snarkjs alone. The record comes from one of two sources, and the same checks
 * run on either: an epoch directory (record.ts), or the chain alone (chain-read.ts and
 * chain-record.ts rebuild every proof, its public signals and the payout words from the
 * settlement's events and calldata). Checks, in order; the first failure throws an
 * EpochVerifyError naming the check, file, table row and field (epoch-errors.ts):
 *   1. vkeys: each verification key file's sha256 equals epoch.json's, every proof file's, and
 *      for the ceremony key set the pin in config/pinned-keys.json (dev keys are pinned nowhere);
 *      with a chain, each deployed verifier equals, byte for byte, the verifier compiled from its
 *      key (bytecode.ts): only then do the proofs below say anything about what the chain checked;
 *   2. proofs: every proof checked by the noble verifier (groth16.ts) AND by snarkjs; a noble
 *      rejection (malformed or failing pairing) is decisive; different verdicts are a failure;
 *   3. commitments: the domain recomputed from chain id, settlement contract and epoch; both
 *      tables re-committed (Poseidon chains) batch by batch and each batch's public signals
 *      [chainOut, digest, rho] compared with its proof file's; both commitments and r compared.
 *      From the chain (no tables): domain, r, and both commitments = the last batches' chainOut;
 *   4. policy: the claims rebuilt from the example table and the dedup evidence, checked against
 *      the registrations (count and commitment), and the reward policy (witness/ reference model:
 *      earliest registrant credited, clip, sum, floor split) re-run: both tables and the evidence
 *      must come out as recorded. From the chain: partial (payees = registrants, in address order);
 *   5. payouts: each contributor's recorded on-chain balance after release (settlement.json)
 *      equals its reward, and the contract keeps exactly the dust. These are balances: they are
 *      the paid amounts only if contributors held no $OPEN before (true of a fresh demo chain).
 *      The paid amounts themselves are the chain check's Transfer comparison;
 *   6. validation: the revealed validation set is the committed one and no paid example copies
 *      it (validation.ts; near copies with the data, the chain's reveal with --rpc);
 *   7. scores: with scoresFile, every claim and fixed-point score equals the given examples file
 *      exactly (scores.ts); with data and model, the scores are recomputed (recompute.ts);
 *   8. chain (with a chain): events, calldata proofs, payout words and transfers (chain.ts).
 */
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config as defaultConfig, type ProtocolConfig } from "../config/index.ts";
import { pinOf } from "../circuits/ceremony/index.ts";
import {
  buildEpochBatches, buildEpochWitness, epochChallenge, epochDomain, type ExampleRow, type ExampleScore, type PayoutTable,
} from "../witness/index.ts";
import { checkVerifierBytecode } from "./bytecode.ts";
import { compareWithChain, checkChainIdentity } from "./chain.ts";
import { readChainEpoch, type ChainEpoch } from "./chain-read.ts";
import { loadKeyTexts, recordFromChain, type KeySource } from "./chain-record.ts";
import { EpochVerifyError, type EpochCheck } from "./epoch-errors.ts";
import { VerifyError } from "./errors.ts";
import { checkPairing, parseProof, parsePublicSignals, prepareVerifyingKey } from "./groth16.ts";
import { hasTables, readEpochRecord, type EpochRecord, type PublicRecord, type RecordedProof } from "./record.ts";
import { recomputeScores, type RecomputeInputs } from "./recompute.ts";
import { compareScores } from "./scores.ts";
import { checkValidation } from "./validation.ts";
import { vkeyHash } from "./vkey-hash.ts";

/** The record source "chain": an epoch of a settlement contract, read from a JSON-RPC node. */
export interface ChainSource {
  readonly rpcUrl: string;
  readonly settlement: string;
  readonly epoch: bigint;
  /** Where the verification keys come from (not on chain); default: this project's dev keys on chain 31337, the ceremony keys elsewhere. */
  readonly keys?: KeySource;
}

export interface VerifyEpochOptions {
  readonly config?: ProtocolConfig;
  /** Also check every proof with snarkjs (default true); the caller terminates its curve. */
  readonly snarkjs?: boolean;
  /** config/pinned-keys.json by default. */
  readonly pinsFile?: string;
  /** An examples file (attribution/'s examples.csv) whose claims and scores must equal the record's. */
  readonly scoresFile?: string;
  /** The data file and model file to recompute the scores from (recompute.ts). */
  readonly recompute?: RecomputeInputs;
  /** A JSON-RPC node of the directory's chain: also compare the deployed contracts and events (chain.ts). */
  readonly rpcUrl?: string;
}

export interface CheckResult {
  readonly check: EpochCheck;
  /** partial: the part the source allows was checked (the chain holds no tables), and the detail says which. */
  readonly status: "pass" | "partial" | "skipped";
  readonly detail: string;
}

export interface EpochReport {
  /** The epoch directory, or the chain, settlement and epoch. */
  readonly source: string;
  readonly epoch: bigint;
  readonly ok: true;
  readonly checks: readonly CheckResult[];
  readonly ms: number;
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const NO_TABLES = "the chain holds the tables' commitments, not the tables: give the epoch directory";

/** The record and, when there is one, the chain, from `source`. */
async function load(source: string | ChainSource, options: VerifyEpochOptions): Promise<{ record: PublicRecord; chain?: ChainEpoch }> {
  if (typeof source === "string") {
    const record = readEpochRecord(source);
    return { record, ...(options.rpcUrl === undefined ? {} : { chain: await readChainEpoch(options.rpcUrl, record.settlement, record.epoch) }) };
  }
  const chain = await readChainEpoch(source.rpcUrl, source.settlement, source.epoch);
  const keys = source.keys ?? { keySet: chain.chainId === 31337n ? "dev" : "ceremony" };
  return { record: recordFromChain(chain, await loadKeyTexts(keys, chain), options.config ?? defaultConfig), chain };
}

/**
 * Verifies an epoch from an epoch directory (`source` a path) or from the chain alone (a
 * ChainSource); returns the report or throws the first EpochVerifyError.
 */
export async function verifyEpoch(source: string | ChainSource, options: VerifyEpochOptions = {}): Promise<EpochReport> {
  const start = performance.now();
  const { record, chain } = await load(source, options);
  const config = recordConfig(record, options.config ?? defaultConfig);
  const checks: CheckResult[] = [
    checkKeys(record, options.pinsFile, chain),
    await checkProofs(record, options.snarkjs ?? true),
    checkCommitments(record, config),
    checkPolicy(record, config),
    checkPayouts(record),
    await checkValidation(record, { ...(options.recompute ? { dataFile: options.recompute.dataFile } : {}), ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}) }),
    await checkScores(record, options, config),
    chain === undefined
      ? { check: "chain", status: "skipped", detail: "deployed verifiers and events not compared (give --rpc URL)" }
      : compareWithChain(record, chain, config),
  ];
  return { source: record.source, epoch: record.epoch, ok: true, checks, ms: performance.now() - start };
}

async function checkScores(record: PublicRecord, options: VerifyEpochOptions, config: ProtocolConfig): Promise<CheckResult> {
  if (options.scoresFile === undefined && options.recompute === undefined) {
    return { check: "scores", status: "skipped", detail: "scores neither compared (--scores FILE) nor recomputed (--data FILE --model FILE)" };
  }
  if (!hasTables(record)) throw new EpochVerifyError("RECORD_MALFORMED", "scores", `scores cannot be compared: ${NO_TABLES}`, { file: "chain", field: "examples" });
  const compared = options.scoresFile === undefined ? undefined : compareScores(record, options.scoresFile, config);
  const recomputed = options.recompute === undefined ? undefined : await recomputeScores(record, options.recompute);
  return { check: "scores", status: "pass", detail: [compared?.detail, recomputed?.detail].filter(Boolean).join("; ") };
}

/** The protocol config with the widths the record was made with. */
export function recordConfig(record: PublicRecord, base: ProtocolConfig): ProtocolConfig {
  return {
    ...base,
    widths: { ...base.widths, ...(record.widths ?? {}) },
    hash: { chainAbsorbWidth: record.chainAbsorbWidth ?? base.hash.chainAbsorbWidth },
  };
}

function checkKeys(record: PublicRecord, pinsFile?: string, chain?: ChainEpoch): CheckResult {
  const details: string[] = [];
  // The verifiers compared below must be the ones the settlement calls, at the record's addresses.
  if (chain) checkChainIdentity(record, chain);
  for (const kind of ["example", "payout"] as const) {
    const file = `${kind}_verification_key.json`;
    const text = kind === "example" ? record.exampleKeyText : record.payoutKeyText;
    const circuit = record.circuits[kind];
    const actual = vkeyHash(text);
    const fail = (what: string, expected: string, f = file, field = "vkeyHash"): never => {
      throw new EpochVerifyError("VKEY_MISMATCH", "vkeys", `${f}: ${what}`, { file: f, field, expected, got: actual });
    };
    if (actual !== circuit.vkeyHash) fail(`sha256 ${actual} is not epoch.json circuits.${kind}.vkeyHash ${circuit.vkeyHash}`, circuit.vkeyHash);
    // Proof files name their key; proofs rebuilt from calldata do not (the bytecode binds them).
    for (const p of hasTables(record) ? (kind === "example" ? record.exampleProofs : record.payoutProofs) : []) {
      if (p.json.vkeyHash !== actual) fail(`was proved under key ${String(p.json.vkeyHash)}, the record's key is ${actual}`, actual, p.file);
      if (p.json.circuit !== circuit.name) {
        throw new EpochVerifyError("VKEY_MISMATCH", "vkeys", `${p.file}: circuit ${String(p.json.circuit)}, epoch.json says ${circuit.name}`, { file: p.file, field: "circuit" });
      }
    }
    const bound = hasTables(record) ? "= epoch.json = proofs" : `(keys: ${circuit.keySet})`;
    if (circuit.keySet === "ceremony") {
      const pinned = pinOf("ceremony", circuit.name, ...(pinsFile ? [pinsFile] : [])).vkeyHash;
      if (actual !== pinned) fail(`sha256 ${actual} is not the ceremony pin ${pinned} of ${circuit.name}`, pinned);
      details.push(`${circuit.name}: ${actual.slice(0, 12)}… ${bound} = ceremony pin`);
    } else {
      details.push(`${circuit.name}: ${actual.slice(0, 12)}… ${bound}, pinned nowhere`);
    }
    if (chain) {
      checkVerifierBytecode(kind, chain.contracts[`${kind}Verifier`], chain.verifierCode[kind], text, circuit.name, file);
      details.push(`the deployed ${kind} verifier is the one compiled from it, byte for byte`);
    }
  }
  return { check: "vkeys", status: "pass", detail: details.join("; ") };
}

async function checkProofs(record: PublicRecord, withSnarkjs: boolean): Promise<CheckResult> {
  let count = 0;
  for (const kind of ["example", "payout"] as const) {
    const keyFile = `${kind}_verification_key.json`;
    const keyJson: unknown = JSON.parse(kind === "example" ? record.exampleKeyText : record.payoutKeyText);
    let key;
    try {
      key = prepareVerifyingKey(keyJson);
    } catch (error) {
      if (!(error instanceof VerifyError)) throw error;
      throw new EpochVerifyError("PROOF_MALFORMED", "proofs", `${keyFile}: ${error.message}`, { file: keyFile, field: error.field, cause: error.code });
    }
    for (const p of kind === "example" ? record.exampleProofs : record.payoutProofs) {
      const noble = nobleVerdict(p, key);
      const snark = withSnarkjs ? await snarkjsVerdict(keyJson, p) : noble;
      if (noble !== snark) {
        throw new EpochVerifyError("VERIFIERS_DISAGREE", "proofs", `${p.file}: noble says ${noble}, snarkjs says ${snark}`, { file: p.file });
      }
      if (!noble) throw new EpochVerifyError("PROOF_INVALID", "proofs", `${p.file}: the pairing check fails (noble and snarkjs agree)`, { file: p.file, field: "proof" });
      count++;
    }
  }
  return { check: "proofs", status: "pass", detail: `${count} proofs verified by noble${withSnarkjs ? " and snarkjs" : " (snarkjs not run)"}` };
}

function nobleVerdict(p: RecordedProof, key: ReturnType<typeof prepareVerifyingKey>): boolean {
  try {
    return checkPairing(key, parseProof(p.json.proof), parsePublicSignals(p.json.publicSignals, key.nPublic));
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    // Decisive whatever snarkjs says (it accepts a coordinate + q, for instance).
    throw new EpochVerifyError("PROOF_MALFORMED", "proofs", `${p.file}: ${error.message}`, { file: p.file, field: error.field, cause: error.code });
  }
}

async function snarkjsVerdict(vk: unknown, p: RecordedProof): Promise<boolean> {
  try {
    return await snarkjs.groth16.verify(vk as object, p.json.publicSignals as string[], p.json.proof as Groth16Proof);
  } catch {
    return false;
  }
}

/** The record's tables as witness/ types (contributor indices checked). */
export function recordTables(record: EpochRecord): { examples: ExampleRow[]; table: PayoutTable } {
  const rows = record.contributors;
  record.examples.forEach((e, i) => {
    if (e.contributor >= rows.length) {
      throw new EpochVerifyError("COMMITMENT_MISMATCH", "commitments", `examples.json row ${i}: contributor ${e.contributor} is not a row of contributors.json (${rows.length} rows)`, { file: "examples.json", row: i, field: "contributor" });
    }
  });
  const total = rows.reduce((s, r) => s + r.amount, 0n);
  const paid = rows.reduce((s, r) => s + r.reward, 0n);
  return { examples: [...record.examples], table: { pool: record.pool, total, rows: [...rows], dust: record.pool - paid } };
}

function checkCommitments(record: PublicRecord, config: ProtocolConfig): CheckResult {
  const mismatch = (message: string, where: ConstructorParameters<typeof EpochVerifyError>[3]): never => {
    throw new EpochVerifyError("COMMITMENT_MISMATCH", "commitments", message, where);
  };
  const domain = epochDomain(record.chainId, record.settlement, record.epoch);
  if (domain !== record.domain) mismatch(`epoch.json domain ${record.domain} is not keccak(chainId, settlement, epoch) = ${domain}`, { file: "epoch.json", field: "domain", expected: String(domain), got: String(record.domain) });
  if (!hasTables(record)) return checkChainCommitments(record, domain, mismatch);
  const { examples, table } = recordTables(record);
  if (table.total !== record.total) mismatch(`contributors.json amounts sum to ${table.total}, epoch.json total is ${record.total}`, { file: "epoch.json", field: "total" });
  let batches;
  try {
    batches = buildEpochBatches(examples, table, domain, record.exampleBatchSize, record.payoutBatchSize, config);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return mismatch(`the recorded tables cannot be committed: ${error.message}`, {});
  }
  // Chain values first (they do not depend on r, so a changed row is found in its own batch),
  // then both commitments and r, then the digests and challenges (they depend on r).
  const signalNames = ["chainOut", "digest", "rho"];
  const sides = [
    { kind: "example", proofs: record.exampleProofs, computed: batches.exampleBatches, size: record.exampleBatchSize, tableFile: "examples.json" },
    { kind: "payout", proofs: record.payoutProofs, computed: batches.payoutBatches, size: record.payoutBatchSize, tableFile: "contributors.json" },
  ] as const;
  const compare = (signals: readonly number[]) => {
    for (const { kind, proofs, computed, size, tableFile } of sides) {
      if (computed.length !== proofs.length) mismatch(`${tableFile} makes ${computed.length} ${kind} batches, the record has ${proofs.length} proofs`, { file: tableFile });
      for (const [i, b] of computed.entries()) {
        const got = proofs[i]!.json.publicSignals as unknown[];
        for (const j of signals) {
          const v = b.publicSignals[j]!;
          if (got[j] === v.toString()) continue;
          const hint = kind === "payout" ? payoutRowHint(table, i * size, size) : undefined;
          mismatch(
            `${proofs[i]!.file} publicSignals[${j}] (${signalNames[j]}) is not the value of ${tableFile} rows ${i * size}-${(i + 1) * size - 1} re-committed` +
              (hint ? `; ${tableFile} row ${hint.row} ${hint.field} is not the floor split` : ""),
            { file: proofs[i]!.file, field: `publicSignals[${j}]`, row: hint?.row ?? i * size, expected: v.toString(), got: String(got[j]) },
          );
        }
      }
    }
  };
  compare([0]);
  for (const [field, computed, recorded] of [
    ["commitExamples", batches.commitExamples, record.commitExamples],
    ["commitContributors", batches.commitContributors, record.commitContributors],
    ["r", epochChallenge(record.commitExamples, record.commitContributors, domain), record.r],
  ] as const) {
    if (computed !== recorded) mismatch(`epoch.json ${field} ${recorded} differs from the recomputed ${computed}`, { file: "epoch.json", field, expected: String(computed), got: String(recorded) });
  }
  compare([1, 2]);
  return { check: "commitments", status: "pass", detail: `domain, ${batches.exampleBatches.length} example and ${batches.payoutBatches.length} payout batches re-committed; commitExamples, commitContributors, r match` };
}

/** Without tables: r from the commitments, and each commitment is its last batch's chainOut. */
function checkChainCommitments(record: PublicRecord, domain: bigint, mismatch: (message: string, where: ConstructorParameters<typeof EpochVerifyError>[3]) => never): CheckResult {
  const r = epochChallenge(record.commitExamples, record.commitContributors, domain);
  if (r !== record.r) mismatch(`EpochOpened r ${record.r} differs from the recomputed ${r}`, { file: "chain", field: "r", expected: String(r), got: String(record.r) });
  for (const [field, proofs, commitment] of [["commitExamples", record.exampleProofs, record.commitExamples], ["commitContributors", record.payoutProofs, record.commitContributors]] as const) {
    const last = proofs.at(-1);
    const chainOut = String((last?.json.publicSignals as unknown[] | undefined)?.[0]);
    if (chainOut !== String(commitment)) mismatch(`${field} ${commitment} is not the chainOut ${chainOut} of ${last?.file ?? "the last batch"}`, { file: last?.file ?? "chain", field: "publicSignals[0]" });
  }
  return { check: "commitments", status: "partial", detail: `domain, r, and both commitments = the last batches' chain values; rows not re-committed: ${NO_TABLES}` };
}

/** In payout rows [from, from + size): the first whose reward or remainder is not the floor split. */
function payoutRowHint(table: PayoutTable, from: number, size: number): { row: number; field: string } | undefined {
  for (let i = from; i < Math.min(from + size, table.rows.length); i++) {
    const row = table.rows[i]!;
    const reward = table.total === 0n ? 0n : (table.pool * row.amount) / table.total;
    if (row.reward !== reward) return { row: i, field: "reward" };
    if (row.remainder !== table.pool * row.amount - reward * table.total) return { row: i, field: "remainder" };
  }
  return undefined;
}

function checkPolicy(record: PublicRecord, config: ProtocolConfig): CheckResult {
  const fail = (message: string, where: ConstructorParameters<typeof EpochVerifyError>[3]): never => {
    throw new EpochVerifyError("POLICY_MISMATCH", "policy", message, where);
  };
  if (!hasTables(record)) return checkPayees(record, fail);
  // Claims: every credited row, plus each losing claim of the dedup evidence (same score: the
  // reference model refuses two scores for one example).
  const addressOf = record.contributors.map((c) => c.address);
  const rowOfHash = new Map(record.examples.map((e, i) => [e.hash, i]));
  const claims: ExampleScore[] = record.examples.map((e) => ({ hash: e.hash, contributor: addressOf[e.contributor]!, score: e.score }));
  record.duplicates.forEach((d, i) => {
    const row = rowOfHash.get(d.hash);
    if (row === undefined) fail(`duplicates.json row ${i}: example ${hex(d.hash, 32)} is not in examples.json`, { file: "duplicates.json", row: i, field: "hash" });
    for (const o of d.alsoClaimedBy) claims.push({ hash: d.hash, contributor: o.contributor, score: record.examples[row!]!.score });
  });
  let w;
  try {
    w = buildEpochWitness({
      examples: claims, registrations: record.registrations, pool: record.pool, domain: record.domain,
      exampleBatchSize: record.exampleBatchSize, payoutBatchSize: record.payoutBatchSize, config,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === undefined && !(error instanceof RangeError)) throw error;
    return fail(`the record's claims do not fit its registrations: ${(error as Error).message}`, { file: "registrations.json", ...(code ? { cause: code } : {}) });
  }
  w.exampleTable.forEach((e, i) => {
    const got = record.examples[i];
    for (const field of ["hash", "contributor", "score"] as const) {
      if (got?.[field] !== e[field]) fail(`examples.json row ${i} ${field}: the policy gives ${e[field]}, the record has ${got?.[field]}`, { file: "examples.json", row: i, field, expected: String(e[field]), got: String(got?.[field]) });
    }
  });
  if (record.examples.length !== w.exampleTable.length) fail(`examples.json has ${record.examples.length} rows, the policy gives ${w.exampleTable.length}`, { file: "examples.json" });
  const expected = w.contributorTable;
  expected.rows.forEach((c, i) => {
    const got = record.contributors[i];
    for (const field of ["address", "amount", "reward", "remainder"] as const) {
      if (got?.[field] !== c[field]) fail(`contributors.json row ${i} ${field}: the policy gives ${c[field]}, the record has ${got?.[field]}`, { file: "contributors.json", row: i, field, expected: String(c[field]), got: String(got?.[field]) });
    }
  });
  if (record.contributors.length !== expected.rows.length) fail(`contributors.json has ${record.contributors.length} rows, ${expected.rows.length} registered`, { file: "contributors.json" });
  if (expected.dust !== record.dust || expected.total !== record.total) fail(`epoch.json total/dust ${record.total}/${record.dust}, the policy gives ${expected.total}/${expected.dust}`, { file: "epoch.json", field: "dust" });
  w.duplicates.forEach((d, i) => {
    const got = record.duplicates[i];
    const same = got !== undefined && got.hash === d.hash && got.creditedTo === d.creditedTo && got.creditedOrder === d.creditedOrder &&
      JSON.stringify(got.alsoClaimedBy.map((o) => [o.contributor.toString(), o.order])) === JSON.stringify(d.alsoClaimedBy.map((o) => [o.contributor.toString(), o.order]));
    if (!same) fail(`duplicates.json row ${i}: the policy credits ${hex(d.hash, 32)} to ${hex(d.creditedTo, 40)} (order ${d.creditedOrder})`, { file: "duplicates.json", row: i, field: "creditedTo" });
  });
  return {
    check: "policy", status: "pass",
    detail: `${claims.length} claims of ${record.registrations.length} registrants match their registrations; ${w.exampleTable.length} examples (${w.duplicates.length} duplicates credited to the earliest registrant), clipped, summed, split: both tables as recorded`,
  };
}

/**
 * Without tables, what the policy fixes that the chain shows: one payout row per registrant, in
 * strictly increasing address order (each identity paid once), and sum of rewards <= R.
 */
function checkPayees(record: PublicRecord, fail: (message: string, where: ConstructorParameters<typeof EpochVerifyError>[3]) => never): CheckResult {
  const registrants = new Set(record.registrations.map((r) => r.contributor));
  record.payees.forEach((p, i) => {
    if (i > 0 && p.address <= record.payees[i - 1]!.address) fail(`payout word ${i}: ${hex(p.address, 40)} is not above the previous payee`, { file: "chain", row: i, field: "address" });
    if (!registrants.delete(p.address)) fail(`payout word ${i}: ${hex(p.address, 40)} is not a registrant of epoch ${record.epoch}`, { file: "chain", row: i, field: "address" });
  });
  if (registrants.size > 0) fail(`${registrants.size} registrants have no payout row, first ${hex([...registrants][0]!, 40)}`, { file: "chain", field: "words" });
  if (record.dust < 0n) fail(`the payout words pay ${record.pool - record.dust}, more than the pool ${record.pool}`, { file: "chain", field: "words" });
  return { check: "policy", status: "partial", detail: `${record.payees.length} payees = the registrants, in address order, paid ${record.pool - record.dust} <= pool; the rewards not re-derived: ${NO_TABLES}` };
}

function checkPayouts(record: PublicRecord): CheckResult {
  if (!hasTables(record)) return { check: "payouts", status: "skipped", detail: "no recorded balances from the chain: the paid amounts are the chain check's Transfer comparison" };
  if (!record.balances) return { check: "payouts", status: "skipped", detail: "settlement.json has no balances: the epoch was not released" };
  record.contributors.forEach((c, i) => {
    const paid = record.balances!.get(c.address);
    if (paid !== c.reward) {
      throw new EpochVerifyError("PAYOUT_MISMATCH", "payouts", `settlement.json: ${hex(c.address, 40)} (contributors.json row ${i}) holds ${paid}, its reward is ${c.reward}`, { file: "settlement.json", row: i, field: "balance", expected: String(c.reward), got: String(paid) });
    }
  });
  if (record.settlementBalance !== record.dust) {
    throw new EpochVerifyError("PAYOUT_MISMATCH", "payouts", `settlement.json: the contract holds ${record.settlementBalance}, the dust is ${record.dust}`, { file: "settlement.json", field: "settlementBalance" });
  }
  return { check: "payouts", status: "pass", detail: `${record.contributors.length} balances equal the rewards; the contract keeps the dust ${record.dust}` };
}
