/**
 * Deploys $OPEN, Poseidon(3), the registry, the generated Groth16 verifiers of ExampleBatch(E),
 * RegistrationBatch(K) and PayoutBatch(B) and PayoutSettlement (which then owns the registry: it
 * opens registration when it escrows a pool), with any
 * ethers Signer: a hardhat-ethers signer of an in-process chain (`(await network.create()).ethers`)
 * or a Wallet on a JsonRpcProvider (scripts/lib/chain.ts makes either). Deployments are sent one
 * after the other and each is awaited, so a plain Wallet needs no nonce manager. A revert (a
 * constructor's check) is thrown as a ContractRevertError naming its custom error.
 */
import { type BaseContract, ContractFactory, type ContractTransactionReceipt, type InterfaceAbi, type Signer, type TransactionReceipt } from "ethers";
import { assertVerifierMatches } from "../circuits/ceremony/index.ts";
import { config, type RegistrationConfig, type SettlementConfig } from "../config/index.ts";
import { loadContractArtifact, type ContractArtifact } from "./artifacts.ts";
import { contractRevertOf, transact } from "./revert-reason.ts";
import type {
  BareTransfersContract,
  BatchVerifierContract,
  ContributorRegistryContract,
  OpenTokenContract,
  PayoutSettlementContract,
} from "./contract-types.ts";

/** The compiled verifier, as circuits/ setupCircuit() returns it (verifierArtifact). */
export interface VerifierArtifactInput {
  readonly contractName?: string;
  readonly abi: readonly unknown[];
  readonly bytecode: string;
}

type DeployedContract = "token" | "poseidon" | "registry" | "exampleVerifier" | "registrationVerifier" | "payoutVerifier" | "settlement";

export interface SettlementDeployment {
  readonly token: OpenTokenContract;
  readonly registry: ContributorRegistryContract;
  readonly exampleVerifier: BatchVerifierContract;
  readonly registrationVerifier: BatchVerifierContract;
  readonly payoutVerifier: BatchVerifierContract;
  readonly settlement: PayoutSettlementContract;
  readonly addresses: Readonly<Record<DeployedContract, string>>;
  /** The deployer: owner of the token (minter) and of the settlement (opens and commits epochs). */
  readonly owner: string;
  readonly chainId: bigint;
  readonly exampleBatchSize: number;
  readonly registrationBatchSize: number;
  readonly payoutBatchSize: number;
  /** Gas used by each deployment transaction. */
  readonly deployGas: Readonly<Record<DeployedContract, bigint>>;
}

/**
 * The verification key a verifier must have been generated from: the pinned one of a key set
 * (circuits/ceremony loadCircuitKeys gives vkey and pinnedVkeyHash).
 */
export interface VerifierPin {
  /** Circuit instance, for messages (payout_batch_31). */
  readonly circuit: string;
  readonly vkey: Record<string, unknown>;
  /** The pin: sha256 of the verification key file. */
  readonly vkeyHash: string;
}

/** The three verifiers and the batch sizes of the circuits they were generated for. */
export interface SettlementVerifiers {
  readonly exampleVerifier: VerifierArtifactInput;
  readonly exampleBatchSize: number;
  readonly registrationVerifier: VerifierArtifactInput;
  readonly registrationBatchSize: number;
  readonly payoutVerifier: VerifierArtifactInput;
  readonly payoutBatchSize: number;
  /**
   * Pins: when given, a verifier whose bytecode is not exactly the one generated from the pinned
   * key is refused before anything is sent (TrustedSetupError VERIFIER_NOT_PINNED / KEY_NOT_PINNED).
   */
  readonly pins?: { readonly example: VerifierPin; readonly registration: VerifierPin; readonly payout: VerifierPin };
  /** The registry's rules (window, caps, fee per example). Default: config/protocol.json `registration`. */
  readonly registration?: RegistrationConfig;
  /** The settlement's deadlines. Default: config/protocol.json `settlement`. */
  readonly windows?: SettlementConfig;
}

interface Deployed<T> {
  readonly contract: T;
  readonly address: string;
  readonly gasUsed: bigint;
}

async function deploy<T>(artifact: ContractArtifact | VerifierArtifactInput, signer: Signer, args: unknown[]): Promise<Deployed<T>> {
  const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signer);
  const context = { contract: artifact.contractName ?? "contract", call: "deploy", runner: signer };
  let receipt: TransactionReceipt | ContractTransactionReceipt | null;
  let contract: BaseContract | undefined;
  try {
    contract = await factory.deploy(...args);
    const tx = contract.deploymentTransaction();
    receipt = tx ? await tx.wait() : null;
    await contract.waitForDeployment();
  } catch (error) {
    throw await contractRevertOf(error, context, contract?.deploymentTransaction());
  }
  if (!receipt) throw new Error(`deployment of ${context.contract} has no receipt`);
  return { contract: contract as unknown as T, address: await contract.getAddress(), gasUsed: receipt.gasUsed };
}

function checkVerifier(artifact: VerifierArtifactInput, batchSize: number, circuit: "ExampleBatch" | "RegistrationBatch" | "PayoutBatch", name: string): void {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1024) {
    throw new RangeError(`${name}BatchSize must be an integer in [1, 1024], got ${batchSize}`);
  }
  if (typeof artifact?.bytecode !== "string" || !/^0x[0-9a-fA-F]+$/.test(artifact.bytecode)) {
    throw new TypeError(`${name}Verifier.bytecode must be a 0x-prefixed hex string`);
  }
  if (!Array.isArray(artifact.abi)) throw new TypeError(`${name}Verifier.abi must be an array`);
  // circuits/ names each verifier after its instance (PayoutBatch31Verifier): a verifier of
  // another circuit or size would reject every proof on chain, so refuse the mismatch here.
  const named = /^(ExampleBatch|RegistrationBatch|PayoutBatch)(\d+)Verifier$/.exec(artifact.contractName ?? "");
  if (named && (named[1] !== circuit || Number(named[2]) !== batchSize)) {
    throw new RangeError(`${name}BatchSize ${batchSize} does not match the verifier ${artifact.contractName}`);
  }
}

/** The most batches of one table an epoch takes (PayoutSettlement counts them in 16 bits). */
const MAX_BATCHES = 2 ** 16 - 1;

/**
 * The registry's and the settlement's constructors refuse these too; checked here so nothing is
 * sent first. The caps must fit the batches an epoch can take, or Sybils could fill an epoch past
 * what any settlement can open.
 */
function checkRegistration(rules: RegistrationConfig, exampleBatchSize: number, registrationBatchSize: number, payoutBatchSize: number): void {
  const maxIndex = 2 ** config.widths.contributorIndexBits - 1;
  if (!Number.isInteger(rules.maxRegistrants) || rules.maxRegistrants < 1 || rules.maxRegistrants > maxIndex) {
    throw new RangeError(`registration.maxRegistrants must be an integer in [1, ${maxIndex}] (below 2^contributorIndexBits), got ${rules.maxRegistrants}`);
  }
  for (const key of ["minWindowSeconds", "maxExamplesPerRegistrant"] as const) {
    if (!Number.isInteger(rules[key]) || rules[key] < 1 || rules[key] > 2 ** 32 - 1) throw new RangeError(`registration.${key} must be an integer in [1, 2^32 - 1], got ${rules[key]}`);
  }
  if (typeof rules.feePerExample !== "bigint" || rules.feePerExample < 0n) throw new RangeError(`registration.feePerExample must be a non-negative bigint, got ${rules.feePerExample}`);
  const maxExamples = MAX_BATCHES * exampleBatchSize;
  if (!Number.isInteger(rules.maxExamplesPerEpoch) || rules.maxExamplesPerEpoch < rules.maxExamplesPerRegistrant || rules.maxExamplesPerEpoch > maxExamples) {
    throw new RangeError(`registration.maxExamplesPerEpoch must be an integer in [maxExamplesPerRegistrant, ${maxExamples}] (65,535 example batches of ${exampleBatchSize}), got ${rules.maxExamplesPerEpoch}`);
  }
  const registrationRows = rules.maxRegistrants + Math.ceil(rules.maxExamplesPerEpoch / config.registrationBatch.chunk);
  if (registrationRows > MAX_BATCHES * registrationBatchSize) {
    throw new RangeError(`registration.maxRegistrants + maxExamplesPerEpoch / ${config.registrationBatch.chunk} must be at most ${MAX_BATCHES * registrationBatchSize} registration rows (65,535 batches of ${registrationBatchSize}), got ${registrationRows}`);
  }
  if (rules.maxRegistrants > MAX_BATCHES * payoutBatchSize) {
    throw new RangeError(`registration.maxRegistrants must be at most ${MAX_BATCHES * payoutBatchSize} (65,535 payout batches of ${payoutBatchSize}), got ${rules.maxRegistrants}`);
  }
}

/**
 * Deploys OpenToken and ContributorRegistry(token, feePerExample, minWindowSeconds,
 * maxRegistrants, maxExamplesPerRegistrant, maxExamplesPerEpoch) (owned by the signer), both verifiers and
 * PayoutSettlement(token, registry, exampleVerifier, E, payoutVerifier, B).
 */
export async function deploySettlement(signer: Signer, verifiers: SettlementVerifiers): Promise<SettlementDeployment> {
  checkVerifier(verifiers.exampleVerifier, verifiers.exampleBatchSize, "ExampleBatch", "example");
  checkVerifier(verifiers.registrationVerifier, verifiers.registrationBatchSize, "RegistrationBatch", "registration");
  checkVerifier(verifiers.payoutVerifier, verifiers.payoutBatchSize, "PayoutBatch", "payout");
  if (verifiers.pins) {
    const { example, registration, payout } = verifiers.pins;
    for (const [artifact, pin] of [[verifiers.exampleVerifier, example], [verifiers.registrationVerifier, registration], [verifiers.payoutVerifier, payout]] as const) {
      assertVerifierMatches(artifact, pin.vkey, pin.vkeyHash, pin.circuit);
    }
  }
  const rules = verifiers.registration ?? config.registration;
  const windows = verifiers.windows ?? config.settlement;
  checkRegistration(rules, verifiers.exampleBatchSize, verifiers.registrationBatchSize, verifiers.payoutBatchSize);
  const owner = await signer.getAddress();
  if (!signer.provider) throw new TypeError("signer must be connected to a provider");
  const chainId = (await signer.provider.getNetwork()).chainId;
  const [tokenArtifact, poseidonArtifact, registryArtifact, settlementArtifact] = await Promise.all([
    loadContractArtifact("OpenToken"),
    loadContractArtifact("PoseidonT4"),
    loadContractArtifact("ContributorRegistry"),
    loadContractArtifact("PayoutSettlement"),
  ]);
  const token = await deploy<OpenTokenContract>(tokenArtifact, signer, [owner]);
  const poseidon = await deploy<BaseContract>(poseidonArtifact, signer, []);
  const registry = await deploy<ContributorRegistryContract>(registryArtifact, signer, [
    token.address, poseidon.address, rules.feePerExample, rules.minWindowSeconds, rules.maxRegistrants, rules.maxExamplesPerRegistrant, rules.maxExamplesPerEpoch,
  ]);
  const exampleVerifier = await deploy<BatchVerifierContract>(verifiers.exampleVerifier, signer, []);
  const registrationVerifier = await deploy<BatchVerifierContract>(verifiers.registrationVerifier, signer, []);
  const payoutVerifier = await deploy<BatchVerifierContract>(verifiers.payoutVerifier, signer, []);
  const settlement = await deploy<PayoutSettlementContract>(settlementArtifact, signer, [
    token.address,
    registry.address,
    {
      example: exampleVerifier.address,
      exampleBatchSize: verifiers.exampleBatchSize,
      registration: registrationVerifier.address,
      registrationBatchSize: verifiers.registrationBatchSize,
      payout: payoutVerifier.address,
      payoutBatchSize: verifiers.payoutBatchSize,
    },
    { commitWindow: windows.commitWindowSeconds, contestWindow: windows.contestWindowSeconds, proofWindow: windows.proofWindowSeconds },
  ]);
  // The settlement opens registration when it escrows a pool: it must own the registry.
  await transact({ contract: "ContributorRegistry", call: "transferOwnership(settlement)", target: registry.contract }, () => registry.contract.transferOwnership(settlement.address));
  const addresses = {
    token: token.address,
    poseidon: poseidon.address,
    registry: registry.address,
    exampleVerifier: exampleVerifier.address,
    registrationVerifier: registrationVerifier.address,
    payoutVerifier: payoutVerifier.address,
    settlement: settlement.address,
  };
  return {
    token: token.contract,
    registry: registry.contract,
    exampleVerifier: exampleVerifier.contract,
    registrationVerifier: registrationVerifier.contract,
    payoutVerifier: payoutVerifier.contract,
    settlement: settlement.contract,
    addresses,
    owner,
    chainId,
    exampleBatchSize: verifiers.exampleBatchSize,
    registrationBatchSize: verifiers.registrationBatchSize,
    payoutBatchSize: verifiers.payoutBatchSize,
    deployGas: {
      token: token.gasUsed,
      poseidon: poseidon.gasUsed,
      registry: registry.gasUsed,
      exampleVerifier: exampleVerifier.gasUsed,
      registrationVerifier: registrationVerifier.gasUsed,
      payoutVerifier: payoutVerifier.gasUsed,
      settlement: settlement.gasUsed,
    },
  };
}

/** Deploys the benchmark baseline: a bare loop of ERC-20 transfers from its own balance. */
export async function deployBareTransfers(signer: Signer): Promise<BareTransfersContract> {
  return (await deploy<BareTransfersContract>(await loadContractArtifact("BareTransfers"), signer, [])).contract;
}
