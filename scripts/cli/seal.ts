/** `seal`: the trainer's commitment to its held-out validation set for an epoch (protocol/trainer/validation-reveal.ts). */
import type { Command } from "commander";
import { log, printResult, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";

export function registerSeal(program: Command): void {
  const command = program.command("seal")
    .description("trainer (OPEN_TRAINER_KEY): print the commitment to the held-out validation set the trainer's secret chooses for this epoch of this deployment (TRAINER_VALIDATION_SECRET or its file), for the operator's epoch open")
    .option("--epoch <n>", "epoch number");
  withExamples(addPartyOptions(command, true), [
    "OPEN_TRAINER_KEY=0x... attribution-prover seal --deployment deployments/local/deployment.json --settlement 0x... --rpc http://127.0.0.1:8545 --epoch 1",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = cmd.opts() as PartyFlags & { epoch?: string };
    const epoch = integerFlag("--epoch", flags.epoch);
    const { chain, deployment } = await connectParty("trainer", flags);
    try {
      const [{ epochValidationSecret, heldOutValidationSet, sealValidationSet }, { loadValidationSecret }, { config }] = await Promise.all([
        import("../../protocol/trainer/validation-reveal.ts"), import("../../protocol/trainer/validation-secret.ts"), import("../../config/index.ts"),
      ]);
      const sealed = await sealValidationSet(chain.signer, chain.chainId, deployment.addresses.settlement, epoch, heldOutValidationSet(config, epochValidationSecret(loadValidationSecret({ create: true }).secret, chain.chainId, deployment.addresses.settlement, epoch)));
      const value = { epoch, trainer: await chain.signer.getAddress(), validationCommitment: sealed.commitment, examples: sealed.examples };
      printResult(flags.json, value, () => {
        log(`validation set of ${sealed.examples} examples sealed for epoch ${epoch} by ${value.trainer}`);
        console.log(sealed.commitment);
      });
    } finally {
      await chain.close();
    }
  });
}
