/**
 * npm run verify -- <epoch-dir> [--json] [--contributor ADDR] [--scores FILE] [--rpc URL] [--no-snarkjs]
 *
 * Re-verifies a settled epoch from its public record (verify/epoch.ts: keys, every proof with the
 * noble verifier and snarkjs, both tables re-committed, r, the reward policy re-run, the recorded
 * balances). Prints a pass with each check, or the first failing check with its file, row and
 * field. --contributor ADDR adds that contributor's view (verify/contributor.ts). --json prints
 * one JSON object instead (bigints as decimal strings). --scores FILE compares every claim and
 * fixed-point score with an examples file (attribution/'s examples.csv) exactly. --rpc URL also
 * compares the deployed verifiers, the settlement and registry events and the payout transfers
 * at the record's contract addresses (verify/chain.ts).
 *
 * Exit codes: 0 pass; 1 usage or an unexpected error; 2 RECORD_MALFORMED; 3 VKEY_MISMATCH;
 * 4 PROOF_MALFORMED, PROOF_INVALID, VERIFIERS_DISAGREE; 5 COMMITMENT_MISMATCH; 6 POLICY_MISMATCH;
 * 7 PAYOUT_MISMATCH; 8 SCORES_MISMATCH; 9 CHAIN_MISMATCH (verify/epoch-errors.ts).
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { config } from "../config/index.ts";
import { contributorView, EpochVerifyError, EXIT_CODES, readEpochRecord, verifyEpoch, type ContributorView, type EpochReport } from "../verify/index.ts";

const json = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);

function printView(v: ContributorView): void {
  console.log(`\ncontributor ${v.address}: registration order ${v.registration.order}, ${v.registration.count} examples registered (commitment ${v.registration.commitment})`);
  console.log(`  contributor table row ${v.row}: total ${v.total}, reward ${v.reward}${v.balance === undefined ? "" : `, balance after release ${v.balance}`}`);
  console.log(`  credited (${v.credited.length}): row, hash, score, batch (its proof's chainOut absorbs the row)`);
  for (const c of v.credited) {
    console.log(`    ${c.row} ${c.hash} ${c.score}${c.score < 0n ? " (clipped to 0)" : ""} ${c.proofFile}${c.alsoClaimedBy.length ? ` (also claimed by ${c.alsoClaimedBy.join(", ")}, who registered later)` : ""}`);
  }
  console.log(`  credited to an earlier registrant (${v.lostToEarlier.length}):`);
  for (const l of v.lostToEarlier) console.log(`    row ${l.row} ${l.hash} score ${l.score}: ${l.why}`);
  const named = v.credited.length + v.lostToEarlier.length;
  if (named !== v.registration.count) console.log(`  ${v.registration.count - named} registered examples appear nowhere in the record`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { json: { type: "boolean", default: false }, contributor: { type: "string" }, "no-snarkjs": { type: "boolean", default: false }, scores: { type: "string" }, rpc: { type: "string" }, help: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length !== 1) {
    console.error("usage: npm run verify -- <epoch-dir> [--json] [--contributor ADDR] [--scores FILE] [--rpc URL] [--no-snarkjs]");
    return values.help ? 0 : 1;
  }
  const dir = resolve(positionals[0]!);
  let report: EpochReport;
  try {
    report = await verifyEpoch(dir, { snarkjs: !values["no-snarkjs"], ...(values.scores === undefined ? {} : { scoresFile: resolve(values.scores) }), ...(values.rpc === undefined ? {} : { rpcUrl: values.rpc }) });
  } catch (error) {
    if (!(error instanceof EpochVerifyError)) throw error;
    if (values.json) console.log(json({ ok: false, dir, code: error.code, check: error.check, message: error.message, where: error.where }));
    else console.error(`FAIL ${error.check}: ${error.message}\n  where: ${json(error.where).replace(/\n\s*/g, " ")}`);
    return EXIT_CODES[error.code];
  }
  const view = values.contributor === undefined ? undefined : contributorView(readEpochRecord(dir), values.contributor, config);
  if (values.json) {
    console.log(json({ ...report, ...(view ? { contributor: view } : {}) }));
  } else {
    console.log(`PASS epoch ${report.epoch} (${dir}) in ${(report.ms / 1000).toFixed(1)} s`);
    for (const c of report.checks) console.log(`  ${c.status === "pass" ? "ok  " : "skip"} ${c.check}: ${c.detail}`);
    if (view) printView(view);
  }
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
} finally {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
process.exit(code);
