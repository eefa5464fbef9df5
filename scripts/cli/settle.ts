/** `settle`: open, verify, finalize and release a proven epoch on chain (protocol/settle.ts). */
import type { Command } from "commander";
import { addRunOptions, log, printResult, runFlagsOf, withExamples } from "./common.ts";
import { runParameters } from "./run-config.ts";

export function registerSettle(program: Command): void {
  const command = program.command("settle <epoch-dir>")
    .description("trainer (OPEN_TRAINER_KEY): verify every claim, registration and payout batch on chain, reveal the validation set, finalize, release the payouts, and check every payment against the reference model; resumable: a rerun continues from the chain's state and sends nothing twice");
  withExamples(addRunOptions(command, ["rpc"]), [
        "OPEN_TRAINER_KEY=0x... attribution-prover settle epochs/e1 --rpc http://127.0.0.1:8545 --json",
    "attribution-prover verify epochs/demo   # then",
  ]).action(async (dir: string, _: unknown, cmd: Command) => {
    const flags = runFlagsOf(cmd);
    const p = await runParameters(flags);
    const [{ connectChain }, { settleEpoch }, { printSettledEpoch }, { assertNotSettled, epochPaths }] = await Promise.all([
      import("../../protocol/chain.ts"), import("../../protocol/settle.ts"), import("./epoch-table.ts"), import("../../protocol/epoch-dir.ts"),
    ]);
    assertNotSettled(epochPaths(dir)); // settled: final, nothing is sent again
    const chain = await connectChain(p.rpcUrl, "trainer");
    try {
      const result = await settleEpoch(chain, dir, { log });
      printResult(flags.json, result, () => printSettledEpoch(result));
    } finally {
      await chain.close();
    }
  });
}
