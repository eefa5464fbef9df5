/**
 * Connects a command to the deployment its deployment file names: refuses another chain
 * (DEPLOYMENT_CHAIN_MISMATCH), an address without code (DEPLOYMENT_NO_CODE: a reset development
 * node, a file of another network), code that is not this project's or holds other immutables than
 * the file gives (DEPLOYMENT_CODE_MISMATCH, deployment-code.ts), a contract not created by the
 * creation transaction the file records, with this project's creation code and the constructor
 * arguments the file implies, from its deployer (DEPLOYMENT_CREATION_MISMATCH,
 * deployment-creation.ts: what binds the storage a contract started with) and a registry not owned
 * by the settlement (DEPLOYMENT_CONTRACT_MISMATCH), before anything is sent; then returns typed
 * contracts.
 *
 * Code and creation are compared before any contract is asked anything: an attacker's contract
 * answers its getters as the file says (found by review), so what contracts say about themselves
 * is read only once their code and creation are known to be ours.
 */
import { Contract, type InterfaceAbi, type Provider, type Signer } from "ethers";
import { config } from "../config/index.ts";
import { loadContractArtifact } from "./artifacts.ts";
import type { BatchVerifierContract, ContributorRegistryContract, OpenTokenContract, PayoutSettlementContract } from "./contract-types.ts";
import { checkDeploymentCode } from "./deployment-code.ts";
import { checkCreationTransactions } from "./deployment-creation.ts";
import { DeploymentError } from "./deployment-errors.ts";
import type { DeploymentFile } from "./deployment-file-format.ts";
import { readDeploymentFile } from "./deployment-file.ts";
import type { ProtocolContract } from "./ignition-module.ts";
import { pinnedVerifiers } from "./pinned-verifiers.ts";

/** The generated Groth16 verifiers' one function (snarkjs's template), whatever the circuit. */
const VERIFIER_ABI = [
  "function verifyProof(uint256[2] _pA, uint256[2][2] _pB, uint256[2] _pC, uint256[4] _pubSignals) view returns (bool)",
];

export interface AttachedDeployment {
  /** The deployment file it was read from. */
  readonly file: string;
  readonly deployment: DeploymentFile;
  readonly chainId: bigint;
  /** An existing ERC-20 has OpenToken's ERC-20 functions; mint and owner exist only on a development $OPEN. */
  readonly token: OpenTokenContract;
  readonly registry: ContributorRegistryContract;
  readonly settlement: PayoutSettlementContract;
  readonly exampleVerifier: BatchVerifierContract;
  readonly registrationVerifier: BatchVerifierContract;
  readonly payoutVerifier: BatchVerifierContract;
}

/** Reads `file` (readDeploymentFile), checks it against the chain `runner` is connected to, attaches. */
export async function attachDeployment(file: string, runner: Signer | Provider): Promise<AttachedDeployment> {
  const deployment = readDeploymentFile(file);
  const provider = runner.provider;
  if (!provider) throw new TypeError("runner must be a provider or a signer connected to one");
  const chainId = (await provider.getNetwork()).chainId;
  if (chainId !== deployment.chainId) {
    throw new DeploymentError(
      "DEPLOYMENT_CHAIN_MISMATCH",
      `${file} is a deployment on chain ${deployment.chainId}, the node is chain ${chainId}: connect to its chain (--rpc) or give this chain's deployment file`,
      { file, field: "chainId" },
    );
  }
  const names = Object.keys(deployment.contracts) as ProtocolContract[];
  const codes = await Promise.all(names.map((name) => provider.getCode(deployment.contracts[name])));
  const empty = names.filter((_, i) => codes[i] === "0x");
  if (empty.length > 0) {
    const list = empty.map((name) => `${name} ${deployment.contracts[name]}`).join(", ");
    throw new DeploymentError(
      "DEPLOYMENT_NO_CODE",
      `${file}: no code on chain ${chainId} at ${list} (a restarted development node, or another network's file?)`,
      { file, field: `contracts.${empty[0]}` },
    );
  }
  const verifiers = pinnedVerifiers(deployment);
  await checkDeploymentCode(
    file,
    deployment,
    Object.fromEntries(names.map((name, i) => [name, codes[i]!])) as Record<ProtocolContract, string>,
    verifiers,
  );
  await checkCreationTransactions(file, deployment, provider, verifiers);
  const [token, registry, settlement] = await Promise.all([
    loadContractArtifact("OpenToken"),
    loadContractArtifact("ContributorRegistry"),
    loadContractArtifact("PayoutSettlement"),
  ]);
  const at = <T>(name: ProtocolContract, abi: readonly unknown[]) =>
    new Contract(deployment.contracts[name], abi as InterfaceAbi, runner) as unknown as T;
  const attached: AttachedDeployment = {
    file,
    deployment,
    chainId,
    token: at<OpenTokenContract>("token", token.abi),
    registry: at<ContributorRegistryContract>("registry", registry.abi),
    settlement: at<PayoutSettlementContract>("settlement", settlement.abi),
    exampleVerifier: at<BatchVerifierContract>("exampleVerifier", VERIFIER_ABI),
    registrationVerifier: at<BatchVerifierContract>("registrationVerifier", VERIFIER_ABI),
    payoutVerifier: at<BatchVerifierContract>("payoutVerifier", VERIFIER_ABI),
  };
  checkParameters(attached);
  await checkWiring(attached);
  return attached;
}

/**
 * The settlement's and the registry's own view of what they are wired to, against the file. Run on
 * code checkDeploymentCode accepted: the getters of immutables then repeat what the code comparison
 * bound (a second, readable check); registry.owner() is storage written after creation (the
 * handover), bound only here.
 */
/**
 * The deployment's rules and windows are config/protocol.json's (the one source of truth every
 * party reads; the examples cap may only be larger): a file naming 1-second windows or one registrant is another protocol, refused
 * (found by review: an attacker's deployment with such rules burned or took the pool).
 */
function checkParameters({ file, deployment: d }: AttachedDeployment): void {
  const expected: Record<string, [unknown, unknown]> = {
    "windows.commitWindowSeconds": [d.windows.commitWindowSeconds, config.settlement.commitWindowSeconds],
    "windows.contestWindowSeconds": [d.windows.contestWindowSeconds, config.settlement.contestWindowSeconds],
    "windows.proofWindowSeconds": [d.windows.proofWindowSeconds, config.settlement.proofWindowSeconds],
    "registration.feePerExample": [d.registration.feePerExample, config.registration.feePerExample],
    "registration.minWindowSeconds": [d.registration.minWindowSeconds, config.registration.minWindowSeconds],
    "registration.maxRegistrants": [d.registration.maxRegistrants, config.registration.maxRegistrants],
    "registration.maxExamplesPerRegistrant": [d.registration.maxExamplesPerRegistrant, config.registration.maxExamplesPerRegistrant],
  };
  for (const [field, [got, want]] of Object.entries(expected)) {
    if (got !== want)
      throw new DeploymentError(
        "DEPLOYMENT_PARAMS_MISMATCH",
        `${file}: ${field} is ${String(got)}, config/protocol.json says ${String(want)}: another protocol's deployment`,
        { file, field },
      );
  }
  // The examples cap is the operator's choice upwards (deploy --max-examples-per-epoch: larger batch
  // sizes admit larger epochs; the constructor bounds it by the batches a settlement takes); a cap
  // below config's would shut contributors out.
  const floor = config.registration.maxExamplesPerEpoch;
  if (d.registration.maxExamplesPerEpoch < floor) {
    throw new DeploymentError(
      "DEPLOYMENT_PARAMS_MISMATCH",
      `${file}: registration.maxExamplesPerEpoch is ${d.registration.maxExamplesPerEpoch}, below config/protocol.json's ${floor}: another protocol's deployment`,
      { file, field: "registration.maxExamplesPerEpoch" },
    );
  }
}

async function checkWiring({ file, deployment: d, settlement, registry }: AttachedDeployment): Promise<void> {
  const c = d.contracts;
  const expected: ReadonlyArray<readonly [string, Promise<unknown>, unknown]> = [
    ["settlement.token()", settlement.token(), c.token],
    ["settlement.registry()", settlement.registry(), c.registry],
    ["settlement.exampleVerifier()", settlement.exampleVerifier(), c.exampleVerifier],
    ["settlement.registrationVerifier()", settlement.registrationVerifier(), c.registrationVerifier],
    ["settlement.payoutVerifier()", settlement.payoutVerifier(), c.payoutVerifier],
    ["settlement.exampleBatchSize()", settlement.exampleBatchSize(), BigInt(d.batchSizes.example)],
    ["settlement.registrationBatchSize()", settlement.registrationBatchSize(), BigInt(d.batchSizes.registration)],
    ["settlement.payoutBatchSize()", settlement.payoutBatchSize(), BigInt(d.batchSizes.payout)],
    ["registry.owner()", registry.owner(), c.settlement],
    ["registry.feeToken()", registry.feeToken(), c.token],
    ["registry.poseidon()", registry.poseidon(), c.poseidon],
  ];
  const actual = await Promise.all(expected.map(([, call]) => call));
  const same = (a: unknown, b: unknown) => (typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b);
  const wrong = expected.map(([what, , want], i) => [what, actual[i], want] as const).filter(([, got, want]) => !same(got, want));
  if (wrong.length > 0) {
    const list = wrong.map(([what, got, want]) => `${what} is ${String(got)}, the file says ${String(want)}`).join("; ");
    throw new DeploymentError("DEPLOYMENT_CONTRACT_MISMATCH", `${file}: ${list}`, { file });
  }
}
