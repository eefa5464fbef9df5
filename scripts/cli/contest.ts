/** `contest`: void a commit that excludes a registration the trainer signed a Delivery receipt for (protocol/contest.ts). */
import type { Command } from "commander";
import { CodedError } from "../../errors/index.ts";
import { log, printResult, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";

export function registerContest(program: Command): void {
  const command = program
    .command("contest")
    .description(
      "contributor (OPEN_CONTRIBUTOR_KEY; anyone may send it): within the contest window, void the trainer's commit that excludes a registration the trainer signed a Delivery receipt for (delivery-receipt.json, which collect writes into the delivery folder); the receipt's signature, the live commit's exclusion set and the window are checked first, and nothing is sent on a refusal",
    )
    .option("--epoch <n>", "epoch number")
    .option("--receipt <file>", "the trainer's signed Delivery receipt (delivery-receipt.json)");
  withExamples(addPartyOptions(command, true), [
    "OPEN_CONTRIBUTOR_KEY=0x... attribution-prover contest --deployment deployments/local/deployment.json --settlement 0x... --rpc http://127.0.0.1:8545 --epoch 1 --receipt delivery/delivery-receipt.json",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = cmd.opts() as PartyFlags & { epoch?: string; receipt?: string };
    const epoch = integerFlag("--epoch", flags.epoch);
    if (flags.receipt === undefined)
      throw new CodedError("USAGE", "usage", "--receipt FILE is required: the trainer's signed Delivery receipt (delivery-receipt.json)");
    const [{ contestWithReceipt }, { readDeliveryReceipt }] = await Promise.all([
      import("../../protocol/contest.ts"),
      import("../../protocol/delivery-receipt.ts"),
    ]);
    readDeliveryReceipt(flags.receipt); // a malformed receipt is named before the node is asked anything
    const { chain, deployment } = await connectParty("contributor", flags);
    try {
      const result = await contestWithReceipt({
        settlement: deployment.settlement,
        registry: deployment.registry,
        epoch,
        receiptFile: flags.receipt,
      });
      printResult(flags.json, result, () =>
        log(
          result.transaction === undefined
            ? `epoch ${epoch}: another contest voided the trainer's commit first; no live commit excludes registration ${result.order}`
            : `epoch ${epoch}: the trainer's commit (transaction ${result.voided}) is void: it excluded registration ${result.order}, whose Delivery receipt ${result.trainer} signed (transaction ${result.transaction}); the trainer must commit again without excluding it`,
        ),
      );
    } finally {
      await chain.close();
    }
  });
}
