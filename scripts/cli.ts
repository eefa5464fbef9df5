#!/usr/bin/env node
/**
 * attribution-prover: one command per pipeline stage, each a thin layer over the library
 * functions the tests call (scripts/cli/<command>.ts):
 *
 *   setup    circuit keys, powers of tau, phase-2 ceremony          circuits/, circuits/ceremony
 *   score    train + score MNIST -> examples.csv, model, summary    protocol/trainer/score.ts
 *   witness  examples file -> registrations -> epoch directory      protocol/trainer/witness.ts
 *   prove    epoch directory / jobs file -> proofs (pool or queue)  protocol/trainer/prove.ts, prover/
 *   settle   epoch directory -> verified, finalized, released       protocol/settle.ts
 *   verify   the skeptic's re-verification                          verify/
 *   report   the epoch's HTML report                                report/
 *   demo     all of it on one chain                                 protocol/run-epoch.ts
 *
 * Results on stdout (--json: one JSON object), logs and progress on stderr. Exit codes:
 * scripts/cli/exit-codes.ts (printed by --help). Secrets only from the environment.
 */
import { Command, CommanderError } from "commander";
import { registerDemo } from "./cli/demo.ts";
import { EXIT_CODES_HELP, exitCodeOf } from "./cli/exit-codes.ts";
import { registerProve } from "./cli/prove.ts";
import { registerReport } from "./cli/report.ts";
import { refuseSecretFlags } from "./cli/run-config.ts";
import { registerScore } from "./cli/score.ts";
import { registerSettle } from "./cli/settle.ts";
import { registerSetup } from "./cli/setup.ts";
import { registerVerify } from "./cli/verify.ts";
import { registerWitness } from "./cli/witness.ts";

const program = new Command("attribution-prover")
  .description("Pays the contributors of an AI model's training data in $OPEN, with Groth16 proofs that the split is exactly the reward policy.")
  .showHelpAfterError("(add --help for usage and examples)")
  .exitOverride()
  .addHelpText("after", `
Stages in order: setup -> score -> witness -> prove -> settle -> verify -> report (demo runs them all).
Examples:
  $ attribution-prover demo --examples data/demo-examples.csv --example-batch-size 8 --batch-size 4
  $ attribution-prover witness --examples build/attribution/examples.csv --out epochs/e1 && attribution-prover prove epochs/e1
  $ attribution-prover verify epochs/e1 --json

Environment: OPEN_DEPLOYER_KEY (deployer and epoch owner on a non-development chain), OPEN_RPC_URL (default --rpc,
may carry credentials), REDIS_URL (default --queue), ATTRIBUTION_PROVER_CACHE (powers-of-tau cache).
${EXIT_CODES_HELP}
`);
for (const register of [registerSetup, registerScore, registerWitness, registerProve, registerSettle, registerVerify, registerReport, registerDemo]) register(program);

const argv = process.argv.slice(2);
const command = argv.find((a) => !a.startsWith("-")) ?? "";
try {
  refuseSecretFlags(argv);
  await program.parseAsync(argv, { from: "user" });
} catch (error) {
  process.exitCode = exitCodeOf(command, error);
  // Commander has printed its own message (unknown option, missing argument, --help).
  if (!(error instanceof CommanderError)) {
    const code = (error as { code?: unknown }).code;
    const name = error instanceof Error ? error.name : "Error";
    console.error(`error [${typeof code === "string" ? code : name}]: ${error instanceof Error ? error.message : String(error)}`);
  }
} finally {
  // snarkjs keeps curve worker threads alive in the thread that used it.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
