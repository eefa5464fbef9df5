/** `fund`: development $OPEN only: the operator mints tokens (for registration fees) and sends gas to contributors. */
import type { Command } from "commander";
import { parseUnits } from "ethers";
import { CodedError } from "../../errors/index.ts";
import { log, printResult, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, type PartyFlags } from "./party.ts";

export function registerFund(program: Command): void {
  const command = program
    .command("fund <address...>")
    .description("operator, development $OPEN only: mint --amount $OPEN to each address (registration fees) and send it 0.05 ETH of gas")
    .option("--amount <open>", "whole $OPEN to mint to each", "1");
  withExamples(addPartyOptions(command), [
    "attribution-prover fund 0x90F79bf6EB2c4f870365E785982E1f101E93b906 --deployment deployments/local/deployment.json --rpc http://127.0.0.1:8545",
  ]).action(async (addresses: string[], _: unknown, cmd: Command) => {
    const flags = cmd.opts() as PartyFlags & { amount: string };
    if (!/^[0-9]+(\.[0-9]{1,18})?$/.test(flags.amount))
      throw new CodedError("USAGE", "usage", `--amount ${JSON.stringify(flags.amount)}: expected an amount of $OPEN such as 1 or 0.5`);
    const { chain, deployment } = await connectParty("operator", flags);
    try {
      const { fundContributors } = await import("../../protocol/operator.ts");
      await fundContributors(deployment, chain.signer, addresses, parseUnits(flags.amount, 18));
      printResult(flags.json, { funded: addresses }, () => log(`funded ${addresses.length} address(es)`));
    } finally {
      await chain.close();
    }
  });
}
