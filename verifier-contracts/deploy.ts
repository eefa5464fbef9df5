/**
 * Deploys $OPEN (or uses an existing ERC-20), Poseidon(3), the registry, the generated Groth16
 * verifiers of ExampleBatch(E), RegistrationBatch(K) and PayoutBatch(B) and PayoutSettlement (which
 * then owns the registry: it opens registration when it escrows a pool), through the Hardhat
 * Ignition module of ignition-module.ts: the one path of the operator's `deploy` and of every test.
 *
 * With a deployment directory Ignition journals every step there, and a rerun after a crash
 * resumes from the journal (nothing deployed twice; a rerun of a finished deployment sends
 * nothing). Without one (tests, the one-process demo) the journal is kept in memory.
 *
 * Any ethers Signer connected to a JSON-RPC provider works: a hardhat-ethers signer of an
 * in-process chain (`(await network.create()).ethers`, the node signs) or a Wallet on a
 * JsonRpcProvider (signed here: signer-provider.ts); protocol/chain.ts makes either.
 */
import {
  deploy as ignitionDeploy,
  DeploymentResultType,
  type DeployConfig,
  type DeploymentResult,
  type ExecutionEventListener,
} from "@nomicfoundation/ignition-core";
import { type BaseContract, Contract, ContractFactory, type InterfaceAbi, type Signer } from "ethers";
import { assertVerifierMatches } from "../circuits/ceremony/index.ts";
import { config, type RegistrationConfig, type SettlementConfig } from "../config/index.ts";
import { loadContractArtifact } from "./artifacts.ts";
import { checkRegistration, checkVerifier, type VerifierArtifactInput } from "./deploy-checks.ts";
import { DeploymentError } from "./deployment-errors.ts";
import { readIgnitionJournal, type JournalTransaction } from "./ignition-journal.ts";
import {
  FUTURE_IDS,
  PROTOCOL_MODULE_ID,
  protocolModule,
  protocolParameters,
  type ProtocolArtifacts,
  type ProtocolContract,
} from "./ignition-module.ts";
import { signerProvider } from "./signer-provider.ts";
import type {
  BareTransfersContract,
  GasMeterContract,
  BatchVerifierContract,
  ContributorRegistryContract,
  OpenTokenContract,
  PayoutSettlementContract,
} from "./contract-types.ts";

type DeployedContract = ProtocolContract;

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
  /** Gas used by each deployment transaction (0n for an existing token: nothing deployed). */
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

/** How Ignition deploys: where its journal lives, and the token. */
export interface DeployOptions {
  /** An existing ERC-20 (registration fees are burned in it, pools escrowed and paid in it); default: a development $OPEN. */
  readonly token?: string;
  /** Ignition's deployment directory (journal, addresses, artifacts): resumable. Default: in memory. */
  readonly deploymentDir?: string;
  /**
   * Ignition's settings. Default: Ignition's own: 5 confirmations and a 1 s block poll, but 1
   * confirmation on an automining chain (Hardhat's, a `hardhat node`), where each transaction is
   * mined as it is sent and Ignition never waits for the poll (measured: a 5 ms poll is no faster).
   */
  readonly ignition?: Partial<DeployConfig>;
}

/** Ignition's failure as a DeploymentError naming every future and what went wrong with it. */
function ignitionFailure(
  result: Exclude<DeploymentResult, { type: DeploymentResultType.SUCCESSFUL_DEPLOYMENT }>,
  where: string,
): DeploymentError {
  const list = (errors: Record<string, string[]>) =>
    Object.entries(errors)
      .map(([id, e]) => `${id}: ${e.join("; ")}`)
      .join(" | ");
  const hint = where === "memory" ? " (journal in memory: a rerun starts over)" : ` (journal: ${where})`;
  switch (result.type) {
    case DeploymentResultType.VALIDATION_ERROR:
      return new DeploymentError("IGNITION_VALIDATION", `Ignition refused the module${hint}: ${list(result.errors)}`);
    case DeploymentResultType.RECONCILIATION_ERROR:
      return new DeploymentError(
        "IGNITION_RECONCILIATION",
        `the module differs from the deployment journaled in ${where}: ${list(result.errors)}; deploy into a new directory, or with the token, verifiers and parameters it was started with`,
      );
    case DeploymentResultType.PREVIOUS_RUN_ERROR:
      return new DeploymentError(
        "IGNITION_PREVIOUS_RUN",
        `a previous run of ${where} failed: ${list(result.errors)}; wipe those futures from the journal (wipe() of @nomicfoundation/ignition-core) and deploy again`,
      );
    case DeploymentResultType.EXECUTION_ERROR: {
      const parts = [
        ...result.failed.map((f) => `${f.futureId} failed: ${f.error}`),
        ...result.timedOut.map((f) => `${f.futureId} timed out`),
        ...result.held.map((f) => `${f.futureId} held: ${f.reason}`),
      ];
      return new DeploymentError(
        "IGNITION_EXECUTION",
        `the deployment did not complete${hint}: ${parts.join(" | ") || `started but unfinished: ${result.started.join(", ")}`}${where === "memory" ? "" : "; deploy again to resume"}`,
      );
    }
  }
}

/** Collects the confirmed transactions of an in-memory deployment (a directory has its journal). */
function confirmationListener(confirmed: JournalTransaction[]): ExecutionEventListener {
  const noop = async () => {};
  return new Proxy({} as ExecutionEventListener, {
    get: (_target, name) =>
      name === "transactionConfirm"
        ? async (event: { futureId: string; hash: string }) =>
            void confirmed.push({ futureId: event.futureId, hash: event.hash, blockNumber: -1 })
        : noop,
  });
}

/**
 * Deploys through Ignition (see the file's header): OpenToken (unless `options.token`),
 * PoseidonT4, ContributorRegistry(token, poseidon, feePerExample, minWindowSeconds, maxRegistrants,
 * maxExamplesPerRegistrant, maxExamplesPerEpoch), the three verifiers, PayoutSettlement(token,
 * registry, verifiers and sizes, windows), then hands the registry to the settlement. Every check
 * (verifier sizes, pins, rules, the token's code) runs before anything is sent.
 */
export async function deploySettlement(
  signer: Signer,
  verifiers: SettlementVerifiers,
  options: DeployOptions = {},
): Promise<SettlementDeployment> {
  checkVerifier(verifiers.exampleVerifier, verifiers.exampleBatchSize, "ExampleBatch", "example");
  checkVerifier(verifiers.registrationVerifier, verifiers.registrationBatchSize, "RegistrationBatch", "registration");
  checkVerifier(verifiers.payoutVerifier, verifiers.payoutBatchSize, "PayoutBatch", "payout");
  if (verifiers.pins) {
    const { example, registration, payout } = verifiers.pins;
    for (const [artifact, pin] of [
      [verifiers.exampleVerifier, example],
      [verifiers.registrationVerifier, registration],
      [verifiers.payoutVerifier, payout],
    ] as const) {
      assertVerifierMatches(artifact, pin.vkey, pin.vkeyHash, pin.circuit);
    }
  }
  const rules = verifiers.registration ?? config.registration;
  const windows = verifiers.windows ?? config.settlement;
  checkRegistration(rules, verifiers.exampleBatchSize, verifiers.registrationBatchSize, verifiers.payoutBatchSize);
  if (options.token !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.token))
    throw new TypeError(`token must be a 0x-prefixed 20-byte address, got ${JSON.stringify(options.token)}`);
  if (!signer.provider) throw new TypeError("signer must be connected to a provider");
  const provider = await signerProvider(signer);
  const send = (method: string, params: unknown[] = []) => provider.request({ method, params });
  const chainId = (await signer.provider.getNetwork()).chainId;
  if (options.token !== undefined && (await send("eth_getCode", [options.token, "latest"])) === "0x") {
    throw new DeploymentError(
      "TOKEN_NOT_A_CONTRACT",
      `token ${options.token} has no code on chain ${chainId}: give the address of an ERC-20 deployed there`,
    );
  }
  const [token, poseidon, registry, settlement] = await Promise.all([
    loadContractArtifact("OpenToken"),
    loadContractArtifact("PoseidonT4"),
    loadContractArtifact("ContributorRegistry"),
    loadContractArtifact("PayoutSettlement"),
  ]);
  const artifacts: ProtocolArtifacts = {
    token,
    poseidon,
    registry,
    settlement,
    exampleVerifier: verifiers.exampleVerifier,
    registrationVerifier: verifiers.registrationVerifier,
    payoutVerifier: verifiers.payoutVerifier,
  };
  const confirmed: JournalTransaction[] = [];
  let result: DeploymentResult;
  try {
    result = await ignitionDeploy({
      config: options.ignition ?? {},
      artifactResolver: {
        // Every contract of the module carries its artifact: Ignition never has to look one up.
        loadArtifact: async (name) => {
          throw new Error(`artifact ${name} requested: every future of ${PROTOCOL_MODULE_ID} has its artifact`);
        },
        getBuildInfo: async () => undefined,
      },
      provider,
      ...(options.deploymentDir === undefined
        ? { executionEventListener: confirmationListener(confirmed) }
        : { deploymentDir: options.deploymentDir }),
      ignitionModule: protocolModule(artifacts, options.token !== undefined),
      deploymentParameters: protocolParameters({
        ...(options.token === undefined ? {} : { token: options.token }),
        exampleBatchSize: verifiers.exampleBatchSize,
        registrationBatchSize: verifiers.registrationBatchSize,
        payoutBatchSize: verifiers.payoutBatchSize,
        registration: rules,
        windows,
      }),
      accounts: [provider.address],
      defaultSender: provider.address,
    });
  } finally {
    provider.release();
  }
  if (result.type !== DeploymentResultType.SUCCESSFUL_DEPLOYMENT) throw ignitionFailure(result, options.deploymentDir ?? "memory");
  const keys = Object.keys(FUTURE_IDS) as DeployedContract[];
  const addresses = Object.fromEntries(
    keys.map((key) => {
      const deployed = result.contracts[`${PROTOCOL_MODULE_ID}#${FUTURE_IDS[key]}`];
      if (!deployed) throw new DeploymentError("DEPLOYMENT_INCOMPLETE", `Ignition reported success without ${FUTURE_IDS[key]}`);
      return [key, deployed.address];
    }),
  ) as Record<DeployedContract, string>;
  const transactions = options.deploymentDir === undefined ? confirmed : readIgnitionJournal(options.deploymentDir).confirmed;
  const deployGas = Object.fromEntries(keys.map((key) => [key, 0n])) as Record<DeployedContract, bigint>;
  for (const { futureId, hash } of transactions) {
    const key = keys.find((k) => futureId === `${PROTOCOL_MODULE_ID}#${FUTURE_IDS[k]}`);
    const receipt = key ? await signer.provider.getTransactionReceipt(hash) : null;
    if (key && receipt) deployGas[key] = receipt.gasUsed;
  }
  const at = <T>(key: DeployedContract, abi: readonly unknown[]) =>
    new Contract(addresses[key], abi as InterfaceAbi, signer) as unknown as T;
  return {
    token: at<OpenTokenContract>("token", token.abi),
    registry: at<ContributorRegistryContract>("registry", registry.abi),
    exampleVerifier: at<BatchVerifierContract>("exampleVerifier", verifiers.exampleVerifier.abi),
    registrationVerifier: at<BatchVerifierContract>("registrationVerifier", verifiers.registrationVerifier.abi),
    payoutVerifier: at<BatchVerifierContract>("payoutVerifier", verifiers.payoutVerifier.abi),
    settlement: at<PayoutSettlementContract>("settlement", settlement.abi),
    addresses,
    owner: provider.address,
    chainId,
    exampleBatchSize: verifiers.exampleBatchSize,
    registrationBatchSize: verifiers.registrationBatchSize,
    payoutBatchSize: verifiers.payoutBatchSize,
    deployGas,
  };
}

/** Deploys a benchmark fixture that takes no constructor arguments. */
async function deployBenchFixture(name: "BareTransfers" | "GasMeter", signer: Signer): Promise<BaseContract> {
  const artifact = await loadContractArtifact(name);
  const contract = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signer).deploy();
  await contract.waitForDeployment();
  return contract;
}

/** Deploys the benchmark baseline: a bare loop of ERC-20 transfers from its own balance. */
export async function deployBareTransfers(signer: Signer): Promise<BareTransfersContract> {
  return (await deployBenchFixture("BareTransfers", signer)) as unknown as BareTransfersContract;
}

/** Deploys the benchmark's gas meter (bench/GasMeter.sol): verification and transfer gas, read with eth_call. */
export async function deployGasMeter(signer: Signer): Promise<GasMeterContract> {
  return (await deployBenchFixture("GasMeter", signer)) as unknown as GasMeterContract;
}
