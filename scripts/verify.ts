/**
 * npm run verify -- <epoch-dir> [--json] [--contributor ADDR] [--scores FILE] [--data FILE --model FILE] [--rpc URL] [--no-snarkjs]
 * npm run verify -- --rpc URL --contract SETTLEMENT --epoch N [--keys DIR|dev|ceremony] [--json] [--no-snarkjs]
 *
 * Re-verifies a settled epoch (verify/epoch.ts: keys, every proof with the noble verifier and
 * snarkjs, the commitments, r, the reward policy re-run, the payouts), from its epoch directory
 * or, without one, from the chain alone (the proofs, public signals and payout words rebuilt from
 * the settlement's events and calldata; the verification keys from --keys, default this
 * project's dev keys on chain 31337 and its ceremony keys elsewhere). Prints a pass with each
 * check, or the first failing check with its file, row and field. --contributor ADDR adds that
 * contributor's view (verify/contributor.ts). --json prints one JSON object instead. --scores
 * FILE compares every claim and fixed-point score with an examples file exactly; --data FILE
 * --model FILE recomputes the scores on CPU from the training data file and the model
 * (verify/recompute.ts). --rpc URL with a directory also compares the deployed verifiers (byte
 * for byte), the events, the calldata proofs and the payout transfers (verify/chain.ts).
 *
 * Exit codes: 0 pass; 1 usage or an unexpected error; 2 RECORD_MALFORMED; 3 VKEY_MISMATCH,
 * BYTECODE_MISMATCH; 4 PROOF_MALFORMED, PROOF_INVALID, VERIFIERS_DISAGREE; 5 COMMITMENT_MISMATCH;
 * 6 POLICY_MISMATCH; 7 PAYOUT_MISMATCH; 8 SCORES_MISMATCH; 9 CHAIN_MISMATCH; 10 MODEL_MISMATCH,
 * DATA_MISMATCH (verify/epoch-errors.ts).
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { config } from "../config/index.ts";
import { contributorView, EpochVerifyError, EXIT_CODES, readEpochRecord, verifyEpoch, type ChainSource, type ContributorView, type EpochReport, type KeySource } from "../verify/index.ts";

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

const USAGE = `usage: npm run verify -- <epoch-dir> [--json] [--contributor ADDR] [--scores FILE] [--data FILE --model FILE] [--rpc URL] [--no-snarkjs]
       npm run verify -- --rpc URL --contract SETTLEMENT --epoch N [--keys DIR|dev|ceremony] [--json] [--no-snarkjs]`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      json: { type: "boolean", default: false }, contributor: { type: "string" }, "no-snarkjs": { type: "boolean", default: false }, scores: { type: "string" },
      data: { type: "string" }, model: { type: "string" }, rpc: { type: "string" }, contract: { type: "string" }, epoch: { type: "string" }, keys: { type: "string" },
      help: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const fromChain = positionals.length === 0 && values.contract !== undefined;
  const usable = fromChain
    ? values.rpc !== undefined && /^\d+$/.test(values.epoch ?? "") && values.contributor === undefined && values.scores === undefined && values.data === undefined && values.model === undefined
    : positionals.length === 1 && values.contract === undefined && values.epoch === undefined && values.keys === undefined && (values.data === undefined) === (values.model === undefined);
  if (values.help || !usable) {
    console.error(USAGE);
    return values.help ? 0 : 1;
  }
  const keys: KeySource | undefined = values.keys === undefined ? undefined : values.keys === "dev" || values.keys === "ceremony" ? { keySet: values.keys } : { dir: resolve(values.keys) };
  const source: string | ChainSource = fromChain
    ? { rpcUrl: values.rpc!, settlement: values.contract!, epoch: BigInt(values.epoch!), ...(keys ? { keys } : {}) }
    : resolve(positionals[0]!);
  const dir = typeof source === "string" ? source : undefined;
  let report: EpochReport;
  try {
    report = await verifyEpoch(source, {
      snarkjs: !values["no-snarkjs"],
      ...(values.scores === undefined ? {} : { scoresFile: resolve(values.scores) }),
      ...(values.data === undefined || values.model === undefined ? {} : { recompute: { dataFile: resolve(values.data), modelFile: resolve(values.model) } }),
      ...(values.rpc === undefined || fromChain ? {} : { rpcUrl: values.rpc }),
    });
  } catch (error) {
    if (!(error instanceof EpochVerifyError)) throw error;
    if (values.json) console.log(json({ ok: false, source: dir ?? values.rpc, code: error.code, check: error.check, message: error.message, where: error.where }));
    else console.error(`FAIL ${error.check}: ${error.message}\n  where: ${json(error.where).replace(/\n\s*/g, " ")}`);
    return EXIT_CODES[error.code];
  }
  const view = values.contributor === undefined || dir === undefined ? undefined : contributorView(readEpochRecord(dir), values.contributor, config);
  if (values.json) {
    console.log(json({ ...report, ...(view ? { contributor: view } : {}) }));
  } else {
    console.log(`PASS epoch ${report.epoch} (${report.source}) in ${(report.ms / 1000).toFixed(1)} s`);
    for (const c of report.checks) console.log(`  ${{ pass: "ok  ", partial: "part", skipped: "skip" }[c.status]} ${c.check}: ${c.detail}`);
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
