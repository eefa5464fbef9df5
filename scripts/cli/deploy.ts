/** `deploy`: the operator deploys the registry and settlement once, through Hardhat Ignition (protocol/operator.ts deployProtocol). */
import type { Command } from "commander";
import { CodedError } from "../../errors/index.ts";
import { addRunOptions, log, printResult, runFlagsOf, shown, withExamples } from "./common.ts";
import { runParameters } from "./run-config.ts";

export function registerDeploy(program: Command): void {
  const command = program
    .command("deploy")
    .description(
      "operator (OPEN_OPERATOR_KEY): deploy the registry, the three pinned Groth16 verifiers and the settlement once, through Hardhat Ignition (journaled in <out>/ignition: a rerun resumes), and write <out>/deployment.json, which every other command reads (--deployment)",
    )
    .option("--token <address>", "pay in this existing ERC-20 (default: deploy a development $OPEN the operator mints)");
  withExamples(addRunOptions(command, ["sizes", "caps", "keys", "out", "rpc"]), [
    "attribution-prover deploy --rpc http://127.0.0.1:8545 --out deployments/local --example-batch-size 8 --registration-batch-size 2 --batch-size 4",
    "attribution-prover deploy --rpc $OPEN_RPC_URL --out deployments/main --keys ceremony --example-batch-size 836 --registration-batch-size 233 --batch-size 527 --max-examples-per-epoch 2000000",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = runFlagsOf(cmd);
    const token = (cmd.opts() as { token?: string }).token;
    const p = await runParameters(flags);
    if (p.outDir === undefined)
      throw new CodedError("USAGE", "usage", "--out DIR is required: the deployment folder (Ignition's journal and deployment.json)");
    if (p.rpcUrl === undefined)
      throw new CodedError(
        "USAGE",
        "usage",
        "--rpc URL (or OPEN_RPC_URL) is required: a deployment on the in-process chain ends with the command",
      );
    const [{ connectChain }, { deployProtocol, deploymentFileIn }] = await Promise.all([
      import("../../protocol/chain.ts"),
      import("../../protocol/operator.ts"),
    ]);
    const chain = await connectChain(p.rpcUrl, "operator");
    try {
      const sizes = { example: p.exampleBatchSize, registration: p.registrationBatchSize, payout: p.payoutBatchSize };
      const d = await deployProtocol(chain.signer, sizes, p.keySet, {
        dir: p.outDir,
        log,
        registration: p.registration,
        ...(token === undefined ? {} : { token }),
      });
      const file = deploymentFileIn(p.outDir);
      printResult(flags.json, { file, chainId: d.chainId, contracts: d.addresses, batchSizes: d.batchSizes, keySet: d.keySet }, () =>
        log(`deployed on chain ${d.chainId}: settlement ${d.addresses.settlement}, registry ${d.addresses.registry}; ${shown(file)}`),
      );
    } finally {
      await chain.close();
    }
  });
}
