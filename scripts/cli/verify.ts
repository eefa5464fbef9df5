/** `verify`: the skeptic's re-verification of an epoch from its public record (verify/; exit codes in verify/README.md). */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Option, type Command } from "commander";
import { CodedError } from "../../errors/index.ts";
import type { ChainSource, ContributorView, KeySource } from "../../verify/index.ts";
import { jsonOption, toJsonText, withExamples } from "./common.ts";

function printView(v: ContributorView): void {
  console.log(
    `\ncontributor ${v.address}: ${v.registrations.length} registration${v.registrations.length > 1 ? "s (each its own row of every table)" : ""}; rewards ${v.reward}${v.paid === undefined ? "" : `, paid ${v.paid}`}`,
  );
  for (const r of v.registrations) {
    const excluded = r.excluded
      ? `EXCLUDED (the ${r.exclusionSource === "chain" ? "chain's live commit" : "epoch.json"} exclusion set${r.reason ? `; the trainer says: ${r.reason}` : ""}): a Delivery receipt the trainer signed for it voids the commit within its contest window (attribution-prover contest --receipt delivery-receipt.json)`
      : "kept";
    console.log(`  registration ${r.order}: ${r.count} examples registered, C_j ${r.commitment}, ${excluded}`);
    console.log(
      `    payout row ${r.order} (proofs/payout-${String(r.payoutBatch).padStart(3, "0")}.json):${r.total === undefined ? "" : ` total ${r.total},`} reward ${r.reward}`,
    );
    if (r.credited === undefined || r.lostToEarlier === undefined) continue;
    console.log(`    credited (${r.credited.length}): row, hash, score, batch (its proof's chainOut absorbs the row)`);
    for (const c of r.credited) {
      const later = c.alsoClaimedBy.map((o) => `${o.order} (${o.address})`).join(", ");
      console.log(
        `      ${c.row} ${c.hash} ${c.score}${c.score < 0n ? " (clipped to 0)" : ""} ${c.proofFile}${later ? ` (also claimed by registration ${later}, which registered later)` : ""}`,
      );
    }
    console.log(`    credited to an earlier registration (${r.lostToEarlier.length}):`);
    for (const l of r.lostToEarlier) console.log(`      row ${l.row} ${l.hash} score ${l.score}: ${l.why}`);
    const named = r.credited.length + r.lostToEarlier.length;
    if (!r.excluded && named !== r.count) console.log(`    ${r.count - named} registered examples appear nowhere in the record`);
  }
}

interface VerifyOpts {
  readonly json?: boolean;
  readonly contributor?: string;
  readonly receipt?: string;
  readonly deliveryReceipt?: string;
  readonly snarkjs: boolean;
  readonly scores?: string;
  readonly data?: string;
  readonly model?: string;
  readonly rpc?: string;
  readonly contract?: string;
  readonly epoch?: string;
  readonly keys?: string;
}

/** The record to check: an epoch directory, or (no directory, --contract) the chain alone. */
function sourceOf(epochDir: string | undefined, opts: VerifyOpts): string | ChainSource {
  if (epochDir !== undefined) {
    if (opts.contract !== undefined || opts.epoch !== undefined || opts.keys !== undefined)
      throw new CodedError(
        "USAGE",
        "usage",
        "--contract, --epoch and --keys are for verifying from the chain alone, without an epoch directory",
      );
    if ((opts.data === undefined) !== (opts.model === undefined))
      throw new CodedError("USAGE", "usage", "give both --data and --model, or neither");
    return resolve(epochDir);
  }
  if (opts.contract === undefined || opts.rpc === undefined || !/^\d+$/.test(opts.epoch ?? ""))
    throw new CodedError(
      "USAGE",
      "usage",
      "give an epoch directory, or --rpc URL --contract SETTLEMENT --epoch N to verify from the chain alone",
    );
  if (opts.scores !== undefined || opts.data !== undefined)
    throw new CodedError("USAGE", "usage", "--scores, --data and --model need an epoch directory");
  const keys: KeySource | undefined =
    opts.keys === undefined
      ? undefined
      : opts.keys === "dev" || opts.keys === "ceremony"
        ? { keySet: opts.keys }
        : { dir: resolve(opts.keys) };
  return { rpcUrl: opts.rpc, settlement: opts.contract, epoch: BigInt(opts.epoch!), ...(keys ? { keys } : {}) };
}

/** The Delivery receipt to check: --delivery-receipt, else delivery-receipt.json beside --receipt when there is one. */
async function deliveryReceiptOf(opts: VerifyOpts): Promise<string | undefined> {
  if (opts.deliveryReceipt !== undefined) {
    if (opts.receipt === undefined) throw new CodedError("USAGE", "usage", "--delivery-receipt goes with --contributor and --receipt");
    return resolve(opts.deliveryReceipt);
  }
  if (opts.receipt === undefined) return undefined;
  const { DELIVERY_RECEIPT_FILE } = await import("../../protocol/delivery-receipt.ts");
  const beside = join(dirname(resolve(opts.receipt)), DELIVERY_RECEIPT_FILE);
  return existsSync(beside) ? beside : undefined;
}

export function registerVerify(program: Command): void {
  withExamples(
    program
      .command("verify [epoch-dir]")
      .description(
        "re-verify an epoch without trusting the prover, from its epoch directory or from the chain alone: keys, every proof (noble and snarkjs), both tables re-committed, r, the reward policy re-run, the payouts; prints each check or the first failing one with its file, row and field",
      )
      .option(
        "--contributor <address>",
        "add that address's view: each of its registrations (excluded or not, by the chain's exclusion set when read), its claims, credited or not and why, its payout rows, reward and what the releases paid it",
      )
      .option(
        "--receipt <file>",
        "with --contributor: its registration receipt: registered, not excluded, every example counted, and paid (exit 12 if not); the trainer's Delivery receipt beside it (delivery-receipt.json) is checked too: its registration, and with a chain the epoch's trainer's signature",
      )
      .option(
        "--delivery-receipt <file>",
        "with --receipt: the trainer's Delivery receipt, when it is not delivery-receipt.json beside the receipt",
      )
      .option("--scores <file>", "compare every claim and score with an examples file exactly (e.g. a rerun of the score stage)")
      .option("--data <file>", "with --model: recompute the scores on CPU from the training data file and the model")
      .option("--model <file>", "the model file (with --data)")
      .option(
        "--rpc <url>",
        "with a directory: also compare the deployed verifiers, events, calldata proofs and payout transfers on this node",
      )
      .option("--contract <address>", "without a directory: the settlement contract to read the epoch from (with --rpc and --epoch)")
      .option("--epoch <n>", "without a directory: the epoch number")
      .option("--keys <dir|dev|ceremony>", "without a directory: where the verification keys come from")
      .addOption(new Option("--no-snarkjs", "check proofs with the noble verifier only"))
      .addOption(jsonOption()),
    [
      "attribution-prover verify epochs/demo",
      "attribution-prover verify epochs/demo --json --contributor 0x1234...",
      "attribution-prover verify epochs/e1 --rpc http://127.0.0.1:8545 --contributor 0x1234... --receipt delivery/receipt.json",
      "attribution-prover verify epochs/demo --scores build/attribution/examples.csv --rpc http://127.0.0.1:8545",
      "attribution-prover verify --rpc http://127.0.0.1:8545 --contract 0xSETTLEMENT --epoch 1",
    ],
  )
    .addHelpText(
      "after",
      "\nExit codes: 0 pass; 1 usage or an unexpected error; 2-12 the first failing check (verify/README.md, verify/epoch-errors.ts).\n",
    )
    .action(async (epochDir: string | undefined, opts: VerifyOpts) => {
      const source = sourceOf(epochDir, opts);
      const deliveryReceipt = await deliveryReceiptOf(opts);
      const { EpochVerifyError, EXIT_CODES, verifyEpoch } = await import("../../verify/index.ts");
      const dir = typeof source === "string" ? source : undefined;
      try {
        const report = await verifyEpoch(source, {
          snarkjs: opts.snarkjs,
          ...(opts.scores === undefined ? {} : { scoresFile: resolve(opts.scores) }),
          ...(opts.data === undefined || opts.model === undefined
            ? {}
            : { recompute: { dataFile: resolve(opts.data), modelFile: resolve(opts.model) } }),
          ...(opts.rpc === undefined || dir === undefined ? {} : { rpcUrl: opts.rpc }),
          ...(opts.contributor === undefined ? {} : { contributor: opts.contributor }),
          ...(opts.receipt === undefined ? {} : { receipt: resolve(opts.receipt) }),
          ...(deliveryReceipt === undefined ? {} : { deliveryReceipt }),
        });
        const view = report.contributor;
        if (opts.json) {
          console.log(toJsonText(report));
          return;
        }
        console.log(`PASS epoch ${report.epoch} (${report.source}) in ${(report.ms / 1000).toFixed(1)} s`);
        for (const c of report.checks)
          console.log(`  ${{ pass: "ok  ", partial: "part", skipped: "skip" }[c.status]} ${c.check}: ${c.detail}`);
        if (view) printView(view);
        const r = report.receipt;
        if (r)
          console.log(
            `receipt: registration ${r.order} registered, not excluded, ${r.examples} examples counted (${r.credited} credited, ${r.lostToEarlier.length} to earlier registrants), reward ${r.reward}${r.paid === undefined ? " (not released yet)" : `, paid ${r.paid}`}`,
          );
        const d = report.deliveryReceipt;
        if (d)
          console.log(
            `delivery receipt: ${d.file} names registration ${d.order}; ${d.trainer === undefined ? "its signature is not checked without a chain (give --rpc URL)" : `signed by the epoch's trainer ${d.trainer}`}`,
          );
      } catch (error) {
        if (!(error instanceof EpochVerifyError)) throw error;
        // A failed check is a verdict, not a crash: printed in full, with its own exit code.
        if (opts.json)
          console.log(
            toJsonText({
              ok: false,
              source: dir ?? opts.rpc,
              code: error.code,
              check: error.check,
              message: error.message,
              where: error.where,
            }),
          );
        else console.error(`FAIL ${error.check}: ${error.message}\n  where: ${toJsonText(error.where).replace(/\n\s*/g, " ")}`);
        process.exitCode = EXIT_CODES[error.code];
      }
    });
}
