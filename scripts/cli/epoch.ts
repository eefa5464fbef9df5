/** `epoch open`: the operator opens an epoch on a deployment (protocol/operator.ts). */
import type { Command } from "commander";
import { parseUnits } from "ethers";
import { CodedError } from "../../errors/index.ts";
import { log, printResult, withExamples } from "./common.ts";
import { addPartyOptions, connectParty, integerFlag, type PartyFlags } from "./party.ts";

interface OpenFlags extends PartyFlags {
  readonly epoch?: string;
  readonly pool?: string;
  readonly trainer?: string;
  readonly validationCommitment?: string;
  readonly closesIn?: string;
  readonly follows?: string;
  readonly mintPool?: boolean;
}

/** --pool in whole $OPEN (18 decimals): a positive decimal, else a usage error. */
export function poolFlag(value: string | undefined): bigint {
  if (value === undefined || !/^[0-9]+(\.[0-9]{1,18})?$/.test(value))
    throw new CodedError(
      "USAGE",
      "usage",
      `--pool ${JSON.stringify(value ?? "")}: expected a positive amount of $OPEN such as 1000 or 0.5`,
    );
  const pool = parseUnits(value, 18);
  if (pool === 0n) throw new CodedError("USAGE", "usage", "--pool 0: a pool of 0 pays nobody; give a positive amount");
  return pool;
}

export function registerEpoch(program: Command): void {
  const epoch = program.command("epoch").description("operator: open or cancel an epoch on a deployment");
  const open = epoch
    .command("open")
    .description(
      "escrow the pool from the operator's key (OPEN_OPERATOR_KEY) and open registration: deadline, trainer, the trainer's validation commitment, the epoch it follows",
    )
    .option("--epoch <n>", "epoch number")
    .option("--pool <open>", "reward pool R in whole $OPEN")
    .option("--trainer <address>", "the trainer's address: the only key that commits, proves and reveals")
    .option("--validation-commitment <bytes32>", "the trainer's commitment to its held-out validation set (printed by seal)")
    .option("--closes-in <seconds>", "registration window in seconds from now (default the registry's minimum)")
    .option(
      "--follows <epoch>",
      "the epoch whose model this one continues (default 0: none); the contract records its model hash at this epoch's commit",
      "0",
    )
    .option("--mint-pool", "development $OPEN only: mint the pool to the operator first");
  withExamples(addPartyOptions(open), [
    "OPEN_OPERATOR_KEY=0x... attribution-prover epoch open --deployment deployments/local/deployment.json --rpc http://127.0.0.1:8545 \\\n      --epoch 1 --pool 1000 --trainer 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --validation-commitment 0x... --closes-in 600",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = cmd.opts() as OpenFlags;
    const pool = poolFlag(flags.pool);
    const epochNumber = integerFlag("--epoch", flags.epoch);
    const follows = integerFlag("--follows", flags.follows, 0n);
    if (flags.trainer === undefined || flags.validationCommitment === undefined)
      throw new CodedError("USAGE", "usage", "--trainer ADDRESS and --validation-commitment BYTES32 are required");
    const options = {
      epoch: epochNumber,
      pool,
      trainer: flags.trainer,
      validationCommitment: flags.validationCommitment,
      follows,
      mintPool: flags.mintPool === true,
    };
    const { checkOpenEpoch, openDeploymentEpoch } = await import("../../protocol/operator.ts");
    checkOpenEpoch(options);
    const { chain, deployment } = await connectParty("operator", flags);
    try {
      const closesIn = flags.closesIn === undefined ? undefined : integerFlag("--closes-in", flags.closesIn);
      const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
      const { receipt, closesAt } = await openDeploymentEpoch(deployment, {
        ...options,
        ...(closesIn === undefined ? {} : { closesAt: now + closesIn }),
      });
      const value = { epoch: epochNumber, pool, trainer: flags.trainer, follows, closesAt, transaction: receipt.hash };
      printResult(flags.json, value, () =>
        log(
          `epoch ${epochNumber} open: pool ${pool} escrowed, registration closes at ${new Date(Number(closesAt) * 1000).toISOString()} (transaction ${receipt.hash})`,
        ),
      );
    } finally {
      await chain.close();
    }
  });

  const cancel = epoch
    .command("cancel")
    .description(
      "refund the pool to the operator's key (OPEN_OPERATOR_KEY): an epoch nobody registered for, or one nobody delivered to once the trainer's empty commit (witness) is past its contest window",
    )
    .option("--epoch <n>", "epoch number");
  withExamples(addPartyOptions(cancel), [
    "OPEN_OPERATOR_KEY=0x... attribution-prover epoch cancel --deployment deployments/local/deployment.json --rpc http://127.0.0.1:8545 --epoch 2",
  ]).action(async (_: unknown, cmd: Command) => {
    const flags = cmd.opts() as PartyFlags & { readonly epoch?: string };
    const epochNumber = integerFlag("--epoch", flags.epoch);
    const { cancelDeploymentEpoch } = await import("../../protocol/operator.ts");
    const { chain, deployment } = await connectParty("operator", flags);
    try {
      const { receipt, refunded } = await cancelDeploymentEpoch(deployment, epochNumber);
      printResult(flags.json, { epoch: epochNumber, refunded, transaction: receipt.hash }, () =>
        log(`epoch ${epochNumber} cancelled: pool ${refunded} refunded to the operator (transaction ${receipt.hash})`),
      );
    } finally {
      await chain.close();
    }
  });
}
