/**
 * `collect`: the trainer checks the deliveries against the chain, signs a Delivery receipt for each
 * good one and hands it back: into the delivery folder and --receipts DIR (protocol/trainer/collect.ts).
 */
import type { Command } from "commander";
import { CodedError } from "../../errors/index.ts";
import { log, printResult, shown, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";

export function registerCollect(program: Command): void {
  const command = program
    .command("collect <delivery...>")
    .description(
      "trainer (OPEN_TRAINER_KEY): after registration closes, check each delivery folder (or a folder of them) against the registrations on chain, sign a Delivery receipt for each good one and write it into its delivery folder (delivery-receipt.json: hand it back to the contributor, who contests an exclusion with it), and write who delivered and who is excluded (a bad delivery is named, never blocks the epoch)",
    )
    .option("--epoch <n>", "epoch number")
    .option("--out <file>", "where to write collected.json")
    .option(
      "--receipts <dir>",
      "also write every signed Delivery receipt here (delivery-receipt-ORDER-ADDRESS.json), to send back to the contributors",
    );
  withExamples(addPartyOptions(command, true), [
    "OPEN_TRAINER_KEY=0x... attribution-prover collect deliveries/ --deployment deployments/local/deployment.json --settlement 0x... --rpc http://127.0.0.1:8545 --epoch 1 --out work/e1/collected.json --receipts work/e1/receipts",
  ]).action(async (deliveries: string[], _: unknown, cmd: Command) => {
    const flags = cmd.opts() as PartyFlags & { epoch?: string; out?: string; receipts?: string };
    const epoch = integerFlag("--epoch", flags.epoch);
    if (flags.out === undefined) throw new CodedError("USAGE", "usage", "--out FILE is required (collected.json)");
    const { collectDeliveries, deliveryFolders, writeCollected } = await import("../../protocol/trainer/collect.ts");
    deliveryFolders(deliveries); // a path that is no folder is named before anything is read from the chain
    const { chain, deployment } = await connectParty("trainer", flags);
    try {
      const collected = await collectDeliveries({
        epoch,
        registry: deployment.registry,
        settlement: deployment.settlement,
        trainer: chain.signer,
        deliveries,
        ...(flags.receipts === undefined ? {} : { receipts: flags.receipts }),
        log,
      });
      writeCollected(flags.out, collected);
      printResult(flags.json, collected, () =>
        log(
          `epoch ${epoch}: ${collected.delivered.length} of ${collected.registrants} registrations delivered, ${collected.excluded.length} excluded, ${collected.bad.length} bad deliveries; ${shown(flags.out!)}${collected.delivered.length === 0 ? "" : `; hand each contributor back its signed Delivery receipt (delivery-receipt.json in its delivery folder${flags.receipts === undefined ? "" : `, all of them in ${shown(flags.receipts)}`}): it contests an exclusion with it`}`,
        ),
      );
    } finally {
      await chain.close();
    }
  });
}
