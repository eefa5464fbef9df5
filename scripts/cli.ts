#!/usr/bin/env node
/**
 * attribution-prover: one command per party's step, each a thin layer over the library
 * functions the tests call (scripts/cli/<command>.ts). Each party's key comes from its own
 * environment variable (protocol/parties.ts):
 *
 *   setup    circuit keys, powers of tau, phase-2 ceremony          circuits/, circuits/ceremony
 *   deploy   operator: registry, verifiers, settlement (Ignition)   protocol/operator.ts
 *   epoch open  operator: escrow a pool, open registration          protocol/operator.ts
 *   epoch cancel  operator: refund an epoch nobody registered for or delivered to
 *   fund     operator, development $OPEN: fees and gas              protocol/operator.ts
 *   seal     trainer: the validation set's commitment               protocol/trainer/validation-reveal.ts
 *   register contributor: hash and register its data, a delivery    protocol/contributor.ts
 *   collect  trainer: check deliveries, sign and hand back receipts protocol/trainer/collect.ts
 *   score    train + score MNIST -> examples.csv, model, summary    protocol/trainer/score.ts
 *   witness  chain registrations + deliveries + scores -> commit     protocol/trainer/witness.ts
 *   contest  contributor: void a commit excluding a receipt holder  protocol/contest.ts
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
import { registerCollect } from "./cli/collect.ts";
import { registerContest } from "./cli/contest.ts";
import { registerDemo } from "./cli/demo.ts";
import { registerDeploy } from "./cli/deploy.ts";
import { registerEpoch } from "./cli/epoch.ts";
import { registerFund } from "./cli/fund.ts";
import { EXIT_CODES_HELP, exitCodeOf } from "./cli/exit-codes.ts";
import { registerProve } from "./cli/prove.ts";
import { registerRegister } from "./cli/register.ts";
import { registerReport } from "./cli/report.ts";
import { refuseSecretFlags } from "./cli/run-config.ts";
import { registerScore } from "./cli/score.ts";
import { registerSeal } from "./cli/seal.ts";
import { registerSettle } from "./cli/settle.ts";
import { registerSetup } from "./cli/setup.ts";
import { registerVerify } from "./cli/verify.ts";
import { registerWitness } from "./cli/witness.ts";

const program = new Command("attribution-prover")
  .description(
    "Pays the contributors of an AI model's training data in $OPEN, with Groth16 proofs that the split is exactly the reward policy.",
  )
  .showHelpAfterError("(add --help for usage and examples)")
  .exitOverride()
  .addHelpText(
    "after",
    `
Parties in order (docs/network.md): operator deploy, seal (trainer), epoch open (operator), register (each
contributor), collect (trainer; hands each delivery its signed receipt back), score, witness (trainer's commit),
contest (a contributor excluded despite its receipt, within the contest window), prove, settle (trainer),
verify (anyone), report. demo runs them all in one process.
Examples:
  $ attribution-prover demo --examples data/demo-examples.csv --example-batch-size 8 --batch-size 4
  $ attribution-prover witness --deployment $D --epoch 1 --collected work/collected-1.json --from-score work/e1-scores --out epochs/e1 && attribution-prover prove epochs/e1
  $ attribution-prover verify epochs/e1 --json

Environment: OPEN_OPERATOR_KEY (or OPEN_DEPLOYER_KEY), OPEN_TRAINER_KEY, OPEN_CONTRIBUTOR_KEY (each party's own), OPEN_RPC_URL (default --rpc,
may carry credentials), OPEN_SETTLEMENT (default --settlement: the settlement address the operator published, which contributors and the
trainer pin), REDIS_URL (default --queue), ATTRIBUTION_PROVER_CACHE (powers-of-tau cache).
${EXIT_CODES_HELP}
`,
  );
for (const register of [
  registerSetup,
  registerDeploy,
  registerEpoch,
  registerFund,
  registerSeal,
  registerRegister,
  registerCollect,
  registerScore,
  registerWitness,
  registerContest,
  registerProve,
  registerSettle,
  registerVerify,
  registerReport,
  registerDemo,
])
  register(program);

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
