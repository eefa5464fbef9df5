/**
 * Check 3, commitments, with the skeptic's own model (verify/model/): the domain from chain id,
 * settlement and epoch; both tables re-committed batch by batch and each chain value compared
 * with its proof's chainOut (r-independent, so a changed row is named in its own batch); then
 * commitExamples, commitContributors and r; then under r each batch's digest, r (the proof must
 * be for the epoch's r) and rho. Without tables (the chain source): the domain, r, every proof's
 * r, and each commitment = its last batch's chainOut (partial).
 */
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError, type FailureLocation } from "./epoch-errors.ts";
import type { CheckResult } from "./epoch.ts";
import {
  commitExampleTable, commitPayoutTable, epochChallenge, epochDomain, exampleBatchTranscript, payoutBatchTranscript, publicSignalsOf, SIGNAL_NAMES,
  type PayoutTableContext,
} from "./model/index.ts";
import { hasTables, type EpochRecord, type PublicRecord, type RecordedProof } from "./record.ts";

const NO_TABLES = "the chain holds the tables' commitments, not the tables: give the epoch directory";
const mismatch = (message: string, where: FailureLocation): never => {
  throw new EpochVerifyError("COMMITMENT_MISMATCH", "commitments", message, where);
};

/** What the statement says about binding, for the report. */
const STATEMENT_NOTE = "statement [chainOut, digest, r, rho]: every proof is for the epoch's r";

/** The record's contributor rows checked to be indexable by the example table. */
function checkIndices(record: EpochRecord): void {
  record.examples.forEach((e, i) => {
    if (e.contributor >= record.contributors.length) {
      mismatch(`examples.json row ${i}: contributor ${e.contributor} is not a row of contributors.json (${record.contributors.length} rows)`, { file: "examples.json", row: i, field: "contributor" });
    }
  });
}

/** The payout context of a record with tables. */
export function payoutContext(record: EpochRecord, config: ProtocolConfig): PayoutTableContext {
  const total = record.contributors.reduce((s, r) => s + r.amount, 0n);
  return { domain: record.domain, pool: record.pool, total, batchSize: record.payoutBatchSize, widths: config.widths, absorbWidth: config.hash.chainAbsorbWidth };
}

/** In payout rows [from, from + size): the first whose reward or remainder is not the floor split (names the row a digest mismatch comes from). */
function payoutRowHint(record: EpochRecord, total: bigint, from: number, size: number): { row: number; field: string } | undefined {
  for (let i = from; i < Math.min(from + size, record.contributors.length); i++) {
    const row = record.contributors[i]!;
    const reward = total === 0n ? 0n : (record.pool * row.amount) / total;
    if (row.reward !== reward) return { row: i, field: "reward" };
    if (row.remainder !== record.pool * row.amount - reward * total) return { row: i, field: "remainder" };
  }
  return undefined;
}

/** Throws unless proof `p` carries `expected` at the signal positions `names`. */
function compareSignals(p: RecordedProof, expected: readonly bigint[], names: readonly string[], describe: string, row: number, hint?: { row: number; field: string }): void {
  const got = p.json.publicSignals as unknown[];
  SIGNAL_NAMES.forEach((name, j) => {
    if (!names.includes(name) || got[j] === expected[j]!.toString()) return;
    mismatch(
      `${p.file} publicSignals[${j}] (${name}) is not the value of ${describe}` + (hint ? `; contributors.json row ${hint.row} ${hint.field} is not the floor split` : ""),
      { file: p.file, field: `publicSignals[${j}]`, row: hint?.row ?? row, expected: expected[j]!.toString(), got: String(got[j]) },
    );
  });
}

/** Check 3 on `record` (see the header). */
export function checkCommitments(record: PublicRecord, config: ProtocolConfig): CheckResult {
  const domain = epochDomain(record.chainId, record.settlement, record.epoch);
  if (domain !== record.domain) mismatch(`epoch.json domain ${record.domain} is not keccak(chainId, settlement, epoch) = ${domain}`, { file: "epoch.json", field: "domain", expected: String(domain), got: String(record.domain) });
  if (!hasTables(record)) return checkChainCommitments(record, domain);
  checkIndices(record);
  const payout = payoutContext(record, config);
  if (payout.total !== record.total) mismatch(`contributors.json amounts sum to ${payout.total}, epoch.json total is ${record.total}`, { file: "epoch.json", field: "total" });
  let examples, payouts;
  try {
    examples = commitExampleTable(record.examples, domain, record.exampleBatchSize, config.widths, config.hash.chainAbsorbWidth);
    payouts = commitPayoutTable(record.contributors, payout);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return mismatch(`the recorded tables cannot be committed: ${error.message}`, {});
  }
  for (const [kind, count, proofs, file] of [["example", examples.length, record.exampleProofs, "examples.json"], ["payout", payouts.length, record.payoutProofs, "contributors.json"]] as const) {
    if (count !== proofs.length) mismatch(`${file} makes ${count} ${kind} batches, the record has ${proofs.length} proofs`, { file });
  }
  const rowsOf = (i: number, size: number, file: string) => `${file} rows ${i * size}-${(i + 1) * size - 1} re-committed`;
  // Chain values first: they do not depend on r, so a changed row is found in its own batch.
  const chainOnly = (chainOut: bigint) => publicSignalsOf({ chainOut, digest: 0n, r: 0n, rho: 0n });
  examples.forEach((b, i) => compareSignals(record.exampleProofs[i]!, chainOnly(b.chainOut), ["chainOut"], rowsOf(i, record.exampleBatchSize, "examples.json"), i * record.exampleBatchSize));
  payouts.forEach((b, i) => compareSignals(record.payoutProofs[i]!, chainOnly(b.chainOut), ["chainOut"], rowsOf(i, record.payoutBatchSize, "contributors.json"), i * record.payoutBatchSize));
  const commitExamples = examples.at(-1)!.chainOut;
  const commitContributors = payouts.at(-1)!.chainOut;
  for (const [field, computed, recorded] of [
    ["commitExamples", commitExamples, record.commitExamples],
    ["commitContributors", commitContributors, record.commitContributors],
    ["r", epochChallenge(commitExamples, commitContributors, domain), record.r],
  ] as const) {
    if (computed !== recorded) mismatch(`epoch.json ${field} ${recorded} differs from the recomputed ${computed}`, { file: "epoch.json", field, expected: String(computed), got: String(recorded) });
  }
  const r = record.r;
  const rest = ["digest", "r", "rho"];
  examples.forEach((b, i) => {
    const t = exampleBatchTranscript(b, domain, r);
    compareSignals(record.exampleProofs[i]!, publicSignalsOf({ chainOut: b.chainOut, digest: t.digest, r, rho: t.rho }), rest, rowsOf(i, record.exampleBatchSize, "examples.json"), i * record.exampleBatchSize);
  });
  payouts.forEach((b, i) => {
    const t = payoutBatchTranscript(b, payout, r);
    const hint = payoutRowHint(record, payout.total, i * record.payoutBatchSize, record.payoutBatchSize);
    compareSignals(record.payoutProofs[i]!, publicSignalsOf({ chainOut: b.chainOut, digest: t.digest, r, rho: t.rho }), rest, rowsOf(i, record.payoutBatchSize, "contributors.json"), i * record.payoutBatchSize, hint);
  });
  return {
    check: "commitments", status: "pass",
    detail: `domain, ${examples.length} example and ${payouts.length} payout batches re-committed (the skeptic's own Poseidon on @noble/curves); commitExamples, commitContributors, r, every digest and rho match; ${STATEMENT_NOTE}`,
  };
}

/** Without tables: r from the commitments, every proof for that r, each commitment its last batch's chainOut. */
function checkChainCommitments(record: PublicRecord, domain: bigint): CheckResult {
  const r = epochChallenge(record.commitExamples, record.commitContributors, domain);
  if (r !== record.r) mismatch(`EpochOpened r ${record.r} differs from the recomputed ${r}`, { file: "chain", field: "r", expected: String(r), got: String(record.r) });
  const position = SIGNAL_NAMES.indexOf("r");
  for (const p of [...record.exampleProofs, ...record.payoutProofs]) {
    const got = String((p.json.publicSignals as unknown[])[position]);
    if (got !== String(r)) mismatch(`${p.file} publicSignals[${position}] (r) ${got} is not the epoch's r ${r}`, { file: p.file, field: `publicSignals[${position}]`, expected: String(r), got });
  }
  for (const [field, proofs, commitment] of [["commitExamples", record.exampleProofs, record.commitExamples], ["commitContributors", record.payoutProofs, record.commitContributors]] as const) {
    const last = proofs.at(-1);
    const chainOut = String((last?.json.publicSignals as unknown[] | undefined)?.[0]);
    if (chainOut !== String(commitment)) mismatch(`${field} ${commitment} is not the chainOut ${chainOut} of ${last?.file ?? "the last batch"}`, { file: last?.file ?? "chain", field: "publicSignals[0]" });
  }
  return { check: "commitments", status: "partial", detail: `domain, r, and both commitments = the last batches' chain values; ${STATEMENT_NOTE}; rows not re-committed: ${NO_TABLES}` };
}
