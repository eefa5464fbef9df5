/**
 * The operator's side: open an epoch on a deployment (escrow its pool, fix its trainer and its
 * registration deadline, name the epoch whose model it continues) and, on a development token, fund
 * contributors. Every value is checked against the contract's ranges before anything is sent.
 */
import { join } from "node:path";
import { getAddress, isAddress, parseEther, type Signer } from "ethers";
import type { KeySetName } from "../circuits/ceremony/index.ts";
import type { SetupLog } from "../circuits/setup.ts";
import { config, type RegistrationConfig } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { deploySettlement, EpochStatus, openEpoch, writeDeploymentFile } from "../verifier-contracts/index.ts";
import { cancelEpoch } from "../verifier-contracts/settle.ts";
import { DEADLINE_MARGIN, earliestDeadline } from "../verifier-contracts/registration.ts";
import { protocolDeployment, type BatchSizes, type ProtocolDeployment } from "./deployment.ts";
import { loadEpochKeys, statusName } from "./trainer/witness.ts";

export interface DeployOptions {
  /**
   * The operator's deployment folder: Ignition's journal in <dir>/ignition (a rerun resumes it)
   * and the deployment file <dir>/deployment.json every other command reads. Default: in memory,
   * no file (the one-process demo and tests).
   */
  readonly dir?: string;
  /** An existing ERC-20 to pay in; default a development $OPEN the operator mints. */
  readonly token?: string;
  /** The registry's rules (window, caps, fee); default config/protocol.json `registration`. */
  readonly registration?: RegistrationConfig;
  readonly log?: SetupLog;
}

/** The deployment file's path in a deployment folder. */
export const deploymentFileIn = (dir: string) => join(dir, "deployment.json");

/**
 * Deploys the registry, the three verifiers of `keySet` at `sizes` (refused unless they are the
 * pinned keys' ones) and the settlement, through Ignition (verifier-contracts/deploy.ts), from the
 * operator's signer; with `dir`, writes the deployment file derived from Ignition's journal.
 */
export async function deployProtocol(
  operator: Signer,
  sizes: BatchSizes,
  keySet: KeySetName,
  options: DeployOptions = {},
): Promise<ProtocolDeployment> {
  const keys = await loadEpochKeys(sizes, keySet, options.log);
  const pin = (k: typeof keys.example) => ({ circuit: k.name, vkey: k.vkey, vkeyHash: k.pinnedVkeyHash });
  const pins = { example: pin(keys.example), registration: pin(keys.registration), payout: pin(keys.payout) };
  const ignitionDir = options.dir === undefined ? undefined : join(options.dir, "ignition");
  const deployed = await deploySettlement(
    operator,
    {
      exampleVerifier: keys.example.verifierArtifact,
      exampleBatchSize: sizes.example,
      registrationVerifier: keys.registration.verifierArtifact,
      registrationBatchSize: sizes.registration,
      payoutVerifier: keys.payout.verifierArtifact,
      payoutBatchSize: sizes.payout,
      pins,
      ...(options.registration === undefined ? {} : { registration: options.registration }),
    },
    {
      ...(ignitionDir === undefined ? {} : { deploymentDir: ignitionDir }),
      ...(options.token === undefined ? {} : { token: options.token }),
    },
  );
  if (options.dir === undefined || ignitionDir === undefined) return protocolDeployment(deployed, keySet, options.token === undefined);
  const file = await writeDeploymentFile(deploymentFileIn(options.dir), ignitionDir, { keySet, ...pins });
  return protocolDeployment(deployed, keySet, file.tokenDeployed);
}

export interface OpenEpochOptions {
  readonly epoch: bigint;
  /** R, in token base units: 0 < R < 2^poolBits. */
  readonly pool: bigint;
  /** The only key that commits, proves and reveals the validation set. */
  readonly trainer: string;
  /** bytes32: the trainer's commitment to its held-out validation set (trainer seal). */
  readonly validationCommitment: string;
  /** Registration deadline (unix seconds); default: the registry's minimum window from now. */
  readonly closesAt?: bigint;
  /**
   * The epoch whose model this one continues (0: the first of its lineage). The contract copies
   * that epoch's committed model hash at this epoch's commit, once that commit is final.
   */
  readonly follows?: bigint;
  /** Development token only: the operator mints the pool first. */
  readonly mintPool?: boolean;
}

/** Checks `options` against the contract's ranges; an input error naming the value, nothing sent. */
export function checkOpenEpoch(options: OpenEpochOptions): void {
  const { epoch, pool, trainer, validationCommitment } = options;
  if (epoch < 1n || epoch >= 1n << 64n)
    throw new CodedError("EPOCH_OUT_OF_RANGE", "input", `epoch ${epoch}: expected an integer in [1, 2^64)`);
  if (pool <= 0n)
    throw new CodedError(
      "POOL_OUT_OF_RANGE",
      "input",
      `pool ${pool}: expected a positive amount of token base units (a pool of 0 pays nobody)`,
    );
  if (pool >= 1n << BigInt(config.widths.poolBits))
    throw new CodedError(
      "POOL_OUT_OF_RANGE",
      "input",
      `pool ${pool}: expected below 2^${config.widths.poolBits} base units (the contract's range)`,
    );
  if (!isAddress(trainer) || BigInt(trainer) === 0n)
    throw new CodedError("TRAINER_INVALID", "input", `trainer ${JSON.stringify(trainer)}: expected a non-zero address`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(validationCommitment))
    throw new CodedError(
      "VALIDATION_COMMITMENT_INVALID",
      "input",
      `validation commitment ${JSON.stringify(validationCommitment)}: expected 0x and 64 hex digits (trainer seal prints it)`,
    );
  const follows = options.follows ?? 0n;
  if (follows < 0n || follows >= 1n << 64n || follows === epoch)
    throw new CodedError("FOLLOWS_INVALID", "input", `follows ${follows}: expected 0 (none) or another epoch than ${epoch}`);
}

/** Refuses, before anything is sent, a signer that is not the deployment's operator (the settlement's owner). */
export async function assertOperator(deployment: ProtocolDeployment, signer: Signer): Promise<void> {
  const address = await signer.getAddress();
  if (address.toLowerCase() !== deployment.operator.toLowerCase()) {
    throw new CodedError(
      "NOT_THE_OPERATOR",
      "input",
      `the operator's key is ${address}, the deployment's operator (the settlement's owner) is ${deployment.operator}: use the operator's own key (OPEN_OPERATOR_KEY)`,
    );
  }
}

/**
 * The registration deadline when none is given: the registry's minimum window from now, and for a
 * follower at least the contract's lineage margin after the followed epoch's deadline (a contest
 * window and half a commit window: LineageTooEarly), plus DEADLINE_MARGIN.
 */
async function defaultDeadline(deployment: ProtocolDeployment, follows: bigint): Promise<bigint> {
  const earliest = await earliestDeadline(deployment.registry);
  if (follows === 0n) return earliest;
  const { settlement, registry } = deployment;
  const lineage =
    (await registry.registration(follows)).closesAt +
    (await settlement.contestWindow()) +
    (await settlement.commitWindow()) / 2n +
    DEADLINE_MARGIN;
  return lineage > earliest ? lineage : earliest;
}

/** Minting is for a development $OPEN the deployment made; an existing ERC-20 is not the operator's to mint. */
function assertMintable(deployment: ProtocolDeployment, what: string): void {
  if (!deployment.tokenDeployed)
    throw new CodedError(
      "TOKEN_NOT_MINTABLE",
      "input",
      `${what}: the deployment pays in an existing ERC-20 (${deployment.addresses.token}), not a development $OPEN: the operator holds the pool itself and contributors their fees`,
    );
}

/** Opens `options.epoch` on `deployment` (connected to the operator's signer). */
export async function openDeploymentEpoch(deployment: ProtocolDeployment, options: OpenEpochOptions) {
  checkOpenEpoch(options);
  const { token, settlement } = deployment;
  await assertOperator(deployment, settlement.runner as Signer);
  const state = await settlement.epochState(options.epoch);
  if (state.status !== EpochStatus.None)
    throw new CodedError(
      "EPOCH_ALREADY_OPEN",
      "input",
      `epoch ${options.epoch} was already opened on settlement ${deployment.addresses.settlement}; choose another epoch number`,
    );
  const operator = await settlement.owner();
  if (options.mintPool) {
    assertMintable(deployment, "--mint-pool");
    await (await token.mint(operator, options.pool)).wait();
  }
  const balance = await token.balanceOf(operator);
  if (balance < options.pool)
    throw new CodedError("POOL_NOT_HELD", "input", `the operator ${operator} holds ${balance} base units, the pool is ${options.pool}`);
  const closesAt = options.closesAt ?? (await defaultDeadline(deployment, options.follows ?? 0n));
  const receipt = await openEpoch(
    { token, settlement },
    {
      epoch: options.epoch,
      closesAt,
      validationCommitment: options.validationCommitment,
      pool: options.pool,
      trainer: getAddress(options.trainer),
      follows: options.follows ?? 0n,
    },
  );
  return { receipt, closesAt };
}

/**
 * Cancels `epoch` on `deployment` (connected to the operator's signer): the pool goes back to the
 * operator. Only what the contract allows, checked first so a refusal sends nothing and says what
 * would make it possible: an epoch nobody registered for, or the trainer's empty commit (nobody
 * delivered) once its contest window is over.
 */
export async function cancelDeploymentEpoch(deployment: ProtocolDeployment, epoch: bigint) {
  const { settlement, registry } = deployment;
  await assertOperator(deployment, settlement.runner as Signer);
  const state = await settlement.epochState(epoch);
  const where = `epoch ${epoch} of settlement ${deployment.addresses.settlement}`;
  if (state.status === EpochStatus.Registration) {
    const { count } = await registry.registration(epoch);
    if (count !== 0n)
      throw new CodedError(
        "EPOCH_HAS_REGISTRANTS",
        "input",
        `${where} has ${count} registration(s): its pool is the contributors'. If none of them delivers, the trainer's witness makes an empty commit after the registration deadline, and the epoch can be cancelled once its contest window is over`,
      );
  } else if (state.status === EpochStatus.Committed && state.total === 0n) {
    const contestEnds = state.committedAt + (await settlement.contestWindow());
    const now = BigInt((await settlement.runner!.provider!.getBlock("latest"))!.timestamp);
    if (now < contestEnds)
      throw new CodedError(
        "CONTEST_WINDOW_OPEN",
        "input",
        `${where} has an empty commit still open to contests until ${new Date(Number(contestEnds) * 1000).toISOString()}: cancel after that`,
      );
  } else {
    throw new CodedError(
      "EPOCH_NOT_CANCELLABLE",
      "input",
      `${where} is ${statusName(state.status)}${state.status === EpochStatus.Committed ? " with S > 0" : ""}: only an epoch nobody registered for, or an empty commit past its contest window, is cancelled`,
    );
  }
  const receipt = await cancelEpoch(settlement, epoch);
  return { receipt, refunded: state.pool };
}

/** Development token only: mints `amount` to each of `to` and sends each `eth` for gas. */
export async function fundContributors(
  deployment: ProtocolDeployment,
  operator: Signer,
  to: readonly string[],
  amount: bigint,
  eth = parseEther("0.05"),
): Promise<void> {
  await assertOperator(deployment, operator);
  assertMintable(deployment, "fund");
  for (const address of to) {
    if (amount > 0n) await (await deployment.token.mint(address, amount)).wait();
    if (eth > 0n) await (await operator.sendTransaction({ to: address, value: eth })).wait();
  }
}
