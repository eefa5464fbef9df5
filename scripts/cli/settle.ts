/** `settle`: verify, reveal, finalize and release a proven epoch on its deployment, attached and pinned like every party's (protocol/settle.ts). */
import type { Command } from "commander";
import { addRunOptions, log, printResult, runFlagsOf, withExamples } from "./common.ts";
import { addPinOptions, connectParty, type PartyFlags } from "./party.ts";
import { validationFileFlags } from "./validation-flags.ts";
import { runParameters } from "./run-config.ts";

export function registerSettle(program: Command): void {
  const command = program
    .command("settle <epoch-dir>")
    .description(
      "trainer (OPEN_TRAINER_KEY): verify every claim, registration and payout batch on chain, reveal the validation set, finalize, release the payouts, and check every payment against the reference model; on the deployment --deployment names (refused unless it is the pinned one and the epoch directory's); resumable: a rerun continues from the chain's state and sends nothing twice",
    )
    .option("--deployment <file>", "the deployment file operator deploy wrote: the contracts settle uses (epoch.json must name the same)")
    .option(
      "--validation <path>",
      "the validation set seal --validation sealed (the file score --model --validation scored against), revealed and copied into the epoch directory; default: the held-out set the trainer's secret chooses",
    )
    .option("--validation-labels <file>", "the labels .npy of an inputs .npy given as --validation");
  withExamples(addPinOptions(addRunOptions(command, ["rpc"])), [
    "OPEN_TRAINER_KEY=0x... attribution-prover settle epochs/e1 --deployment deployments/local/deployment.json --settlement 0x... --rpc http://127.0.0.1:8545 --json",
    "OPEN_TRAINER_KEY=0x... attribution-prover settle epochs/e1 --deployment deployments/local/deployment.json --validation val.npz",
    "attribution-prover verify epochs/demo   # then",
  ]).action(async (dir: string, _: unknown, cmd: Command) => {
    const flags = runFlagsOf(cmd);
    const party = cmd.opts() as PartyFlags & { validation?: string; validationLabels?: string };
    const p = await runParameters(flags);
    const [{ settleEpoch }, { printSettledEpoch }, { assertNotSettled, epochPaths }, { readStageRecord }] = await Promise.all([
      import("../../protocol/settle.ts"),
      import("./epoch-table.ts"),
      import("../../protocol/epoch-dir.ts"),
      import("../../protocol/record-read.ts"),
    ]);
    assertNotSettled(epochPaths(dir)); // settled: final, nothing is sent again
    readStageRecord(dir); // the record is read and checked before the chain is touched
    const validationSet = await validationFileFlags(party); // and the set to reveal
    const { chain, deployment } = await connectParty("trainer", { ...party, ...(p.rpcUrl === undefined ? {} : { rpc: p.rpcUrl }) });
    try {
      const result = await settleEpoch(chain, deployment, dir, { log, ...(validationSet === undefined ? {} : { validationSet }) });
      printResult(flags.json, result, () => printSettledEpoch(result));
    } finally {
      await chain.close();
    }
  });
}
