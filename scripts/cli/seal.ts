/** `seal`: the trainer's commitment to its held-out validation set for an epoch (protocol/trainer/validation-reveal.ts). */
import type { Command } from "commander";
import { log, printResult, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";
import { validationFileFlags } from "./validation-flags.ts";

export function registerSeal(program: Command): void {
  const command = program
    .command("seal")
    .description(
      "trainer (OPEN_TRAINER_KEY): print the commitment to the held-out validation set for this epoch of this deployment, for the operator's epoch open: the set in --validation, or the one the trainer's secret chooses (TRAINER_VALIDATION_SECRET or its file)",
    )
    .option("--epoch <n>", "epoch number")
    .option(
      "--validation <path>",
      "the trainer's own validation set, in a form score --model --validation reads (.npz with x and y, .npy with --validation-labels, JSONL {input, label} records, .bin); score --model and settle must then be given the same set",
    )
    .option("--validation-labels <file>", "the labels .npy of an inputs .npy given as --validation");
  withExamples(addPartyOptions(command, true), [
    "OPEN_TRAINER_KEY=0x... attribution-prover seal --deployment deployments/local/deployment.json --settlement 0x... --rpc http://127.0.0.1:8545 --epoch 1",
    "OPEN_TRAINER_KEY=0x... attribution-prover seal --deployment deployments/local/deployment.json --epoch 1 --validation val.npz",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = cmd.opts() as PartyFlags & { epoch?: string; validation?: string; validationLabels?: string };
    const epoch = integerFlag("--epoch", flags.epoch);
    const file = await validationFileFlags(flags); // read before the chain is touched
    const { chain, deployment } = await connectParty("trainer", flags);
    try {
      const [{ epochValidationSecret, heldOutValidationSet, sealValidationSet }, { loadValidationSecret }, { config }] = await Promise.all([
        import("../../protocol/trainer/validation-reveal.ts"),
        import("../../protocol/trainer/validation-secret.ts"),
        import("../../config/index.ts"),
      ]);
      const set =
        file ??
        heldOutValidationSet(
          config,
          epochValidationSecret(loadValidationSecret({ create: true }).secret, chain.chainId, deployment.addresses.settlement, epoch),
        );
      const sealed = await sealValidationSet(chain.signer, chain.chainId, deployment.addresses.settlement, epoch, set);
      const value = {
        epoch,
        trainer: await chain.signer.getAddress(),
        validationCommitment: sealed.commitment,
        examples: sealed.examples,
        ...(file === undefined ? {} : { validation: file.source }),
      };
      printResult(flags.json, value, () => {
        log(
          `validation set of ${sealed.examples} examples${file === undefined ? "" : ` (${file.source})`} sealed for epoch ${epoch} by ${value.trainer}`,
        );
        console.log(sealed.commitment);
      });
    } finally {
      await chain.close();
    }
  });
}
