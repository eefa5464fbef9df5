/** `register`: a contributor registers its data from its own key and writes its delivery (protocol/contributor.ts). */
import type { Command } from "commander";
import { CodedError } from "../../errors/index.ts";
import { log, printResult, shown, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";

export function registerRegister(program: Command): void {
  const command = program
    .command("register")
    .description(
      "contributor (OPEN_CONTRIBUTOR_KEY): hash its data (a .bin dataset file, a .jsonl file, an .npz of x and y, or a folder of files, one example each; an example hashes by its values and label, whatever the form), register the hashes for an epoch, and write the delivery folder (the data and receipt.json) to hand the trainer",
    )
    .option("--epoch <n>", "epoch number")
    .option("--data <path>", "the contributor's data: a .bin dataset file, a .jsonl file, an .npz (x, y) or a folder")
    .option("--out <dir>", "the delivery folder to write (the data and receipt.json)");
  withExamples(addPartyOptions(command, true), [
    "OPEN_CONTRIBUTOR_KEY=0x... attribution-prover register --deployment deployments/local/deployment.json --settlement 0x... --rpc http://127.0.0.1:8545 --epoch 1 --data my-data.jsonl --out delivery/",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = cmd.opts() as PartyFlags & { epoch?: string; data?: string; out?: string };
    const epoch = integerFlag("--epoch", flags.epoch);
    if (flags.data === undefined || flags.out === undefined)
      throw new CodedError("USAGE", "usage", "--data PATH and --out DIR are required");
    // The data first: a bad file is named before anything is sent.
    const [{ readContributorData }, { Wallet }] = await Promise.all([import("../../dataset/index.ts"), import("ethers")]);
    const data = readContributorData(flags.data);
    const { chain, deployment } = await connectParty("contributor", flags);
    try {
      log(`deployment on chain ${deployment.chainId}: settlement ${deployment.addresses.settlement}, operator ${deployment.operator}`);
      const [{ registerData, writeDelivery }, { partyKey }] = await Promise.all([
        import("../../protocol/contributor.ts"),
        import("../../protocol/parties.ts"),
      ]);
      const wallet = new Wallet(partyKey("contributor")!, chain.provider);
      const receipt = await registerData({ token: deployment.token, registry: deployment.registry }, wallet, {
        epoch,
        settlement: deployment.addresses.settlement,
        hashes: data.examples.map((e) => e.hash),
        data: { path: flags.data, form: data.form },
      });
      const file = writeDelivery(flags.out, flags.data, receipt);
      printResult(flags.json, { ...receipt, receiptFile: file }, () =>
        log(
          `registered ${receipt.count} examples for epoch ${epoch} as registration ${receipt.order} (transaction ${receipt.transaction}); delivery ${shown(flags.out!)} (hand it to the trainer; keep ${shown(file)})`,
        ),
      );
    } finally {
      await chain.close();
    }
  });
}
