/**
 * The protocol's Hardhat Ignition module: what a deployment is, declared once for the operator's
 * `deploy` and for every test (deploySettlement runs it in memory). Ignition journals each step
 * in the deployment directory, so a deployment interrupted at any point resumes where it stopped,
 * and refuses to resume with another module or other parameters (its reconciliation).
 *
 * Contracts are given their artifacts directly (`m.contract(name, artifact, args)`): the project's
 * contracts come from Hardhat's build (artifacts.ts) and the Groth16 verifiers from circuits/ (one
 * per circuit instance, not in Hardhat's build), so no artifact resolver is needed.
 *
 * The token is either deployed (a development $OPEN owned by the deployer) or an existing ERC-20
 * given by the `token` parameter (`m.contractAt`: recorded in the journal, nothing sent). Ignition
 * modules are static, so these are two modules of one id: a deployment made with one refuses to
 * resume with the other.
 *
 * Future ids are fixed names, not the verifiers' contract names (ExampleBatch8Verifier): the
 * deployment file finds each contract by them in the journal and deployed_addresses.json.
 */
import { buildModule, type Artifact, type DeploymentParameters, type IgnitionModule } from "@nomicfoundation/ignition-core";
import type { RegistrationConfig, SettlementConfig } from "../config/index.ts";

export const PROTOCOL_MODULE_ID = "AttributionProtocol";

/** The future id of each contract of the module; `<module>#<id>` in Ignition's files. */
export const FUTURE_IDS = {
  token: "Token",
  poseidon: "PoseidonT4",
  registry: "ContributorRegistry",
  exampleVerifier: "ExampleVerifier",
  registrationVerifier: "RegistrationVerifier",
  payoutVerifier: "PayoutVerifier",
  settlement: "PayoutSettlement",
} as const;

/** The call that hands the registry to the settlement (it opens registration when it escrows a pool). */
export const REGISTRY_HANDOVER_ID = "RegistryToSettlement";

export type ProtocolContract = keyof typeof FUTURE_IDS;

/** The fields of a compiled contract the module needs (artifacts.ts and circuits/ give these). */
export interface ArtifactLike {
  readonly contractName?: string;
  readonly sourceName?: string;
  readonly abi: readonly unknown[];
  readonly bytecode: string;
  readonly deployedBytecode?: string;
}

export interface ProtocolArtifacts {
  /** OpenToken: deployed as the development $OPEN, or the ABI an existing ERC-20 is used through. */
  readonly token: ArtifactLike;
  readonly poseidon: ArtifactLike;
  readonly registry: ArtifactLike;
  readonly settlement: ArtifactLike;
  readonly exampleVerifier: ArtifactLike;
  readonly registrationVerifier: ArtifactLike;
  readonly payoutVerifier: ArtifactLike;
}

/** The module's parameters: the registry's rules, the settlement's sizes and windows, the token. */
export interface ProtocolParameters {
  /** An existing ERC-20; undefined: deploy a development $OPEN. */
  readonly token?: string;
  readonly exampleBatchSize: number;
  readonly registrationBatchSize: number;
  readonly payoutBatchSize: number;
  readonly registration: RegistrationConfig;
  readonly windows: SettlementConfig;
}

/**
 * Ignition's artifact shape from ours. A verifier from circuits/ has no deployed bytecode (Ignition
 * uses it only for block-explorer verification): "0x" says it is unknown rather than inventing one.
 */
export function ignitionArtifact(artifact: ArtifactLike, fallbackName: string): Artifact {
  const contractName = artifact.contractName ?? fallbackName;
  return {
    _format: "hh3-artifact-1",
    contractName,
    sourceName: artifact.sourceName ?? `circuits/${contractName}.sol`,
    abi: [...artifact.abi],
    bytecode: artifact.bytecode,
    deployedBytecode: artifact.deployedBytecode ?? "0x",
    linkReferences: {},
    deployedLinkReferences: {},
  };
}

/** The module, deploying a development $OPEN (`existingToken` false) or using `token`. */
export function protocolModule(artifacts: ProtocolArtifacts, existingToken: boolean): IgnitionModule {
  return buildModule(PROTOCOL_MODULE_ID, (m) => {
    const deployer = m.getAccount(0);
    const tokenArtifact = ignitionArtifact(artifacts.token, "OpenToken");
    const token = existingToken
      ? m.contractAt(tokenArtifact.contractName, tokenArtifact, m.getParameter<string>("token"), { id: FUTURE_IDS.token })
      : m.contract(tokenArtifact.contractName, tokenArtifact, [deployer], { id: FUTURE_IDS.token });
    const contract = (key: Exclude<ProtocolContract, "token" | "registry" | "settlement">, fallback: string) => {
      const artifact = ignitionArtifact(artifacts[key], fallback);
      return m.contract(artifact.contractName, artifact, [], { id: FUTURE_IDS[key] });
    };
    const poseidon = contract("poseidon", "PoseidonT4");
    const exampleVerifier = contract("exampleVerifier", "ExampleVerifier");
    const registrationVerifier = contract("registrationVerifier", "RegistrationVerifier");
    const payoutVerifier = contract("payoutVerifier", "PayoutVerifier");
    const registryArtifact = ignitionArtifact(artifacts.registry, "ContributorRegistry");
    const registry = m.contract(
      registryArtifact.contractName,
      registryArtifact,
      [
        token,
        poseidon,
        m.getParameter<bigint>("feePerExample"),
        m.getParameter<number>("minWindowSeconds"),
        m.getParameter<number>("maxRegistrants"),
        m.getParameter<number>("maxExamplesPerRegistrant"),
        m.getParameter<number>("maxExamplesPerEpoch"),
      ],
      { id: FUTURE_IDS.registry },
    );
    const settlementArtifact = ignitionArtifact(artifacts.settlement, "PayoutSettlement");
    const settlement = m.contract(
      settlementArtifact.contractName,
      settlementArtifact,
      [
        token,
        registry,
        {
          example: exampleVerifier,
          exampleBatchSize: m.getParameter<number>("exampleBatchSize"),
          registration: registrationVerifier,
          registrationBatchSize: m.getParameter<number>("registrationBatchSize"),
          payout: payoutVerifier,
          payoutBatchSize: m.getParameter<number>("payoutBatchSize"),
        },
        {
          commitWindow: m.getParameter<number>("commitWindowSeconds"),
          contestWindow: m.getParameter<number>("contestWindowSeconds"),
          proofWindow: m.getParameter<number>("proofWindowSeconds"),
        },
      ],
      { id: FUTURE_IDS.settlement },
    );
    m.call(registry, "transferOwnership", [settlement], { id: REGISTRY_HANDOVER_ID });
    return { token, poseidon, registry, exampleVerifier, registrationVerifier, payoutVerifier, settlement };
  }) as unknown as IgnitionModule;
}

/** The parameters of protocolModule, keyed by its id as Ignition's deploy() takes them. */
export function protocolParameters(p: ProtocolParameters): DeploymentParameters {
  const r = p.registration;
  const w = p.windows;
  return {
    [PROTOCOL_MODULE_ID]: {
      ...(p.token === undefined ? {} : { token: p.token }),
      feePerExample: r.feePerExample,
      minWindowSeconds: r.minWindowSeconds,
      maxRegistrants: r.maxRegistrants,
      maxExamplesPerRegistrant: r.maxExamplesPerRegistrant,
      maxExamplesPerEpoch: r.maxExamplesPerEpoch,
      exampleBatchSize: p.exampleBatchSize,
      registrationBatchSize: p.registrationBatchSize,
      payoutBatchSize: p.payoutBatchSize,
      commitWindowSeconds: w.commitWindowSeconds,
      contestWindowSeconds: w.contestWindowSeconds,
      proofWindowSeconds: w.proofWindowSeconds,
    },
  };
}
