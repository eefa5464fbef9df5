/**
 * The deployment file's types and its strict parser (deployment-file.ts writes and reads it; the
 * field list is in its header). Every field is checked for presence and shape, and an error names
 * the file and the field, so a hand-edited or truncated file is refused before any command acts.
 */
import { getAddress } from "ethers";
import type { KeySetName } from "../circuits/ceremony/index.ts";
import type { RegistrationConfig, SettlementConfig } from "../config/index.ts";
import type { VerifierPin } from "./deploy.ts";
import { DeploymentError } from "./deployment-errors.ts";
import type { ProtocolContract } from "./ignition-module.ts";

export const DEPLOYMENT_FORMAT = "attribution-prover/deployment/2";

/**
 * Earlier formats, refused by name (DEPLOYMENT_FILE_OUTDATED) rather than read: /1 records no
 * creation transactions, and reading it without them would let a tampered file opt out of their
 * check by naming the old format.
 */
const OUTDATED_FORMATS: readonly string[] = ["attribution-prover/deployment/1"];

export type VerifierRole = "example" | "registration" | "payout";

export interface PinnedVerifier {
  /** The circuit instance (payout_batch_31). */
  readonly circuit: string;
  readonly contractName: string;
  /** sha256 of the verification key file the verifier was generated from. */
  readonly vkeyHash: string;
}

export interface DeploymentFile {
  readonly format: typeof DEPLOYMENT_FORMAT;
  readonly chainId: bigint;
  readonly deploymentBlock: number;
  readonly deployer: string;
  readonly ignition: { readonly module: string; readonly dir: string };
  readonly tokenDeployed: boolean;
  readonly contracts: Readonly<Record<ProtocolContract, string>>;
  /**
   * The hash of the transaction that created each contract the deployment made (createdContracts:
   * the token only when tokenDeployed), from Ignition's journal; 0x and 64 lowercase hex digits.
   */
  readonly creationTransactions: Readonly<Partial<Record<ProtocolContract, string>>>;
  readonly batchSizes: Readonly<Record<VerifierRole, number>>;
  readonly keySet: KeySetName;
  readonly verifiers: Readonly<Record<VerifierRole, PinnedVerifier>>;
  readonly registration: RegistrationConfig;
  readonly windows: SettlementConfig;
}

/** The pins a deployment file records: the key set and each verifier's pinned key. */
export interface DeploymentPins {
  readonly keySet: KeySetName;
  readonly example: VerifierPin;
  readonly registration: VerifierPin;
  readonly payout: VerifierPin;
}

const CONTRACTS: readonly ProtocolContract[] = [
  "token",
  "poseidon",
  "registry",
  "exampleVerifier",
  "registrationVerifier",
  "payoutVerifier",
  "settlement",
];

/** The contracts a deployment created (each has a creation transaction): all but an existing token. */
export function createdContracts(tokenDeployed: boolean): ProtocolContract[] {
  return CONTRACTS.filter((c) => tokenDeployed || c !== "token");
}

const ROLES: readonly VerifierRole[] = ["example", "registration", "payout"];

type Json = Record<string, unknown>;

/** Reads one field of a deployment file, refusing it with DEPLOYMENT_FILE_FIELD when absent or malformed. */
class FieldReader {
  private readonly file: string;
  constructor(file: string) {
    this.file = file;
  }

  fail(field: string, expected: string, value: unknown): never {
    const got = value === undefined ? "nothing" : JSON.stringify(value);
    throw new DeploymentError("DEPLOYMENT_FILE_FIELD", `${this.file}: ${field}: expected ${expected}, got ${got}`, {
      file: this.file,
      field,
    });
  }

  object(parent: Json, key: string, field: string): Json {
    const value = parent[key];
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(field, "an object", value);
    return value as Json;
  }

  string(parent: Json, key: string, field: string, pattern?: RegExp): string {
    const value = parent[key];
    if (typeof value !== "string" || value === "" || (pattern && !pattern.test(value)))
      this.fail(field, pattern ? `a string matching ${pattern}` : "a non-empty string", value);
    return value as string;
  }

  integer(parent: Json, key: string, field: string, min: number, max: number): number {
    const value = parent[key];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max)
      this.fail(field, `an integer in [${min}, ${max}]`, value);
    return value as number;
  }

  address(parent: Json, key: string, field: string): string {
    const value = this.string(parent, key, field, /^0x[0-9a-fA-F]{40}$/);
    try {
      return getAddress(value);
    } catch {
      return this.fail(field, "an address with a valid checksum", value);
    }
  }
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

/** The deployment file `raw` (parsed JSON of `file`), checked field by field. */
export function parseDeploymentFile(raw: unknown, file: string): DeploymentFile {
  const r = new FieldReader(file);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) r.fail("(root)", "a JSON object", raw);
  const root = raw as Json;
  if (typeof root.format === "string" && OUTDATED_FORMATS.includes(root.format)) {
    throw new DeploymentError(
      "DEPLOYMENT_FILE_OUTDATED",
      `${file} is a deployment file of format ${root.format}, which does not record the contracts' creation transactions: the operator runs deploy again with the same --out folder (Ignition resumes the finished deployment and sends nothing) to rewrite it as ${DEPLOYMENT_FORMAT}`,
      { file, field: "format" },
    );
  }
  if (root.format !== DEPLOYMENT_FORMAT) r.fail("format", JSON.stringify(DEPLOYMENT_FORMAT), root.format);
  const chainId = BigInt(r.string(root, "chainId", "chainId", /^[1-9][0-9]{0,77}$/));
  const ignition = r.object(root, "ignition", "ignition");
  if (typeof root.tokenDeployed !== "boolean") r.fail("tokenDeployed", "true or false", root.tokenDeployed);
  const contractsJson = r.object(root, "contracts", "contracts");
  const contracts = Object.fromEntries(CONTRACTS.map((c) => [c, r.address(contractsJson, c, `contracts.${c}`)])) as Record<
    ProtocolContract,
    string
  >;
  const creationJson = r.object(root, "creationTransactions", "creationTransactions");
  const created = createdContracts(root.tokenDeployed as boolean);
  const creationTransactions = Object.fromEntries(
    created.map((c) => [c, r.string(creationJson, c, `creationTransactions.${c}`, /^0x[0-9a-fA-F]{64}$/).toLowerCase()]),
  ) as Partial<Record<ProtocolContract, string>>;
  if (!created.includes("token") && creationJson.token !== undefined) {
    r.fail("creationTransactions.token", "none (tokenDeployed is false: the deployment did not create the token)", creationJson.token);
  }
  const sizesJson = r.object(root, "batchSizes", "batchSizes");
  const batchSizes = Object.fromEntries(ROLES.map((role) => [role, r.integer(sizesJson, role, `batchSizes.${role}`, 1, 1024)])) as Record<
    VerifierRole,
    number
  >;
  if (root.keySet !== "dev" && root.keySet !== "ceremony") r.fail("keySet", `"dev" or "ceremony"`, root.keySet);
  const verifiersJson = r.object(root, "verifiers", "verifiers");
  const verifiers = Object.fromEntries(
    ROLES.map((role) => {
      const v = r.object(verifiersJson, role, `verifiers.${role}`);
      return [
        role,
        {
          circuit: r.string(v, "circuit", `verifiers.${role}.circuit`, /^[a-z_]+_[0-9]+$/),
          contractName: r.string(v, "contractName", `verifiers.${role}.contractName`, /^[A-Za-z0-9]+Verifier$/),
          vkeyHash: r.string(v, "vkeyHash", `verifiers.${role}.vkeyHash`, /^[0-9a-f]{64}$/),
        },
      ];
    }),
  ) as Record<VerifierRole, PinnedVerifier>;
  const reg = r.object(root, "registration", "registration");
  const win = r.object(root, "windows", "windows");
  const u32 = 2 ** 32 - 1;
  return {
    format: DEPLOYMENT_FORMAT,
    chainId,
    deploymentBlock: r.integer(root, "deploymentBlock", "deploymentBlock", 0, Number.MAX_SAFE_INTEGER),
    deployer: r.address(root, "deployer", "deployer"),
    ignition: { module: r.string(ignition, "module", "ignition.module"), dir: r.string(ignition, "dir", "ignition.dir") },
    tokenDeployed: root.tokenDeployed as boolean,
    contracts,
    creationTransactions,
    batchSizes,
    keySet: root.keySet as KeySetName,
    verifiers,
    registration: {
      feePerExample: BigInt(r.string(reg, "feePerExample", "registration.feePerExample", DECIMAL)),
      minWindowSeconds: r.integer(reg, "minWindowSeconds", "registration.minWindowSeconds", 1, u32),
      maxRegistrants: r.integer(reg, "maxRegistrants", "registration.maxRegistrants", 1, u32),
      maxExamplesPerRegistrant: r.integer(reg, "maxExamplesPerRegistrant", "registration.maxExamplesPerRegistrant", 1, u32),
      maxExamplesPerEpoch: r.integer(reg, "maxExamplesPerEpoch", "registration.maxExamplesPerEpoch", 1, Number.MAX_SAFE_INTEGER),
    },
    windows: {
      commitWindowSeconds: r.integer(win, "commitWindowSeconds", "windows.commitWindowSeconds", 0, u32),
      contestWindowSeconds: r.integer(win, "contestWindowSeconds", "windows.contestWindowSeconds", 0, u32),
      proofWindowSeconds: r.integer(win, "proofWindowSeconds", "windows.proofWindowSeconds", 0, u32),
    },
  };
}
