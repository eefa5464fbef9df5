/**
 * The deployment file: what every command after `deploy` reads (`--deployment FILE`) to find the
 * protocol on its chain. It is derived only from Hardhat Ignition's deployment directory (its
 * journal and status) plus the verifier pins, never edited beside it: write it again from the
 * directory after a resumed deployment, and it says what Ignition deployed.
 *
 * Format (JSON, bigints as decimal strings):
 *   format            "attribution-prover/deployment/2" (/1, without creationTransactions, is
 *                     refused by name: DEPLOYMENT_FILE_OUTDATED; deploy again to rewrite it)
 *   chainId           decimal string: the chain Ignition deployed on
 *   deploymentBlock   the first block holding a deployment transaction (scan events from there)
 *   deployer          the account Ignition sent from (owner of a development $OPEN)
 *   ignition          { module, dir }: Ignition's module id and directory (relative to this file)
 *   tokenDeployed     true: a development $OPEN was deployed; false: an existing ERC-20 is used
 *   contracts         token, poseidon, registry, exampleVerifier, registrationVerifier, payoutVerifier, settlement
 *   creationTransactions  the hash of the transaction that created each of them (token only when
 *                     tokenDeployed): what attachDeployment compares with the chain
 *                     (deployment-creation.ts), as only creation shows the storage a contract started with
 *   batchSizes        { example, registration, payout }: rows per proof, as the settlement was built
 *   keySet            "dev" | "ceremony": the key set the verifiers' keys come from
 *   verifiers         { example, registration, payout }: { circuit, contractName, vkeyHash } (pinned key)
 *   registration      the registry's rules (feePerExample a decimal string)
 *   windows           the settlement's deadlines in seconds
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { status } from "@nomicfoundation/ignition-core";
import { assertVerifierMatches } from "../circuits/ceremony/index.ts";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName } from "../circuits/index.ts";
import { verifierContractName } from "../circuits/setup.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";
import type { RegistrationConfig, SettlementConfig } from "../config/index.ts";
import { DeploymentError } from "./deployment-errors.ts";
import { readIgnitionJournal, type IgnitionJournal } from "./ignition-journal.ts";
import { FUTURE_IDS, PROTOCOL_MODULE_ID, REGISTRY_HANDOVER_ID, type ProtocolContract } from "./ignition-module.ts";
import {
  createdContracts,
  DEPLOYMENT_FORMAT,
  parseDeploymentFile,
  type DeploymentFile,
  type DeploymentPins,
  type PinnedVerifier,
  type VerifierRole,
} from "./deployment-file-format.ts";

const ROLES: readonly VerifierRole[] = ["example", "registration", "payout"];
const CIRCUIT_NAME: Readonly<Record<VerifierRole, (batchSize: number) => string>> = {
  example: exampleCircuitName,
  registration: registrationCircuitName,
  payout: payoutCircuitName,
};
const futureId = (id: string) => `${PROTOCOL_MODULE_ID}#${id}`;

function constructorArgs(journal: IgnitionJournal, key: ProtocolContract): readonly unknown[] {
  const deployment = journal.deployments.get(futureId(FUTURE_IDS[key]));
  if (!deployment)
    throw new DeploymentError("JOURNAL_INVALID", `${journal.file} has no deployment of ${FUTURE_IDS[key]}`, { file: journal.file });
  return deployment.constructorArgs;
}

/**
 * The creation transaction of each contract the deployment created: the one confirmed transaction
 * of its future, whose receipt (as journaled) made the contract at `contracts[key]`.
 */
function creationTransactions(
  journal: IgnitionJournal,
  contracts: Readonly<Record<ProtocolContract, string>>,
  tokenDeployed: boolean,
): Partial<Record<ProtocolContract, string>> {
  return Object.fromEntries(
    createdContracts(tokenDeployed).map((key) => {
      const id = futureId(FUTURE_IDS[key]);
      const sent = journal.confirmed.filter((t) => t.futureId === id);
      if (sent.length !== 1)
        throw new DeploymentError("JOURNAL_INVALID", `${journal.file}: expected one confirmed transaction of ${id}, found ${sent.length}`, {
          file: journal.file,
        });
      const { hash, contractAddress } = sent[0]!;
      if (contractAddress === undefined || contractAddress.toLowerCase() !== contracts[key].toLowerCase()) {
        throw new DeploymentError(
          "JOURNAL_INVALID",
          `${journal.file}: the transaction ${hash} of ${id} created ${contractAddress ?? "no contract"}, Ignition's address is ${contracts[key]}`,
          { file: journal.file },
        );
      }
      return [key, hash.toLowerCase()];
    }),
  );
}

/** The registry's rules, batch sizes and windows, as the journal's constructor arguments give them. */
function deployedParameters(journal: IgnitionJournal) {
  const [, , feePerExample, minWindowSeconds, maxRegistrants, maxExamplesPerRegistrant, maxExamplesPerEpoch] = constructorArgs(
    journal,
    "registry",
  );
  const [, , verifiers, windows] = constructorArgs(journal, "settlement") as [
    unknown,
    unknown,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  const parameters = {
    registration: { feePerExample, minWindowSeconds, maxRegistrants, maxExamplesPerRegistrant, maxExamplesPerEpoch },
    batchSizes: {
      example: verifiers?.exampleBatchSize,
      registration: verifiers?.registrationBatchSize,
      payout: verifiers?.payoutBatchSize,
    },
    windows: {
      commitWindowSeconds: windows?.commitWindow,
      contestWindowSeconds: windows?.contestWindow,
      proofWindowSeconds: windows?.proofWindow,
    },
  };
  for (const [group, values] of Object.entries(parameters)) {
    for (const [name, value] of Object.entries(values)) {
      const ok = name === "feePerExample" ? typeof value === "bigint" : Number.isSafeInteger(value);
      if (!ok)
        throw new DeploymentError("JOURNAL_INVALID", `${journal.file}: the constructor arguments give no ${group}.${name}`, {
          file: journal.file,
        });
    }
  }
  return parameters as {
    registration: RegistrationConfig;
    batchSizes: Record<VerifierRole, number>;
    windows: SettlementConfig;
  };
}

/**
 * Derives the deployment file from the Ignition directory `ignitionDir` and writes it atomically
 * to `file`. Refuses an unfinished deployment (DEPLOYMENT_INCOMPLETE), and pins that are not the
 * keys of the verifiers Ignition deployed (TrustedSetupError VERIFIER_NOT_PINNED / KEY_NOT_PINNED:
 * each stored artifact is compared whole with the verifier generated from the pinned key).
 */
export async function writeDeploymentFile(file: string, ignitionDir: string, pins: DeploymentPins): Promise<DeploymentFile> {
  const journal = readIgnitionJournal(ignitionDir);
  const state = await status(ignitionDir);
  const unfinished = [
    ...state.started,
    ...state.timedOut.map((t) => t.futureId),
    ...state.failed.map((f) => f.futureId),
    ...state.held.map((h) => h.futureId),
  ];
  const expected = [...Object.values(FUTURE_IDS), REGISTRY_HANDOVER_ID].map(futureId);
  const missing = expected.filter((id) => !state.successful.includes(id));
  if (unfinished.length > 0 || missing.length > 0) {
    throw new DeploymentError(
      "DEPLOYMENT_INCOMPLETE",
      `the deployment in ${ignitionDir} is not complete (unfinished: ${[...unfinished, ...missing].join(", ")}): run deploy again to resume it`,
      { file: ignitionDir },
    );
  }
  const contracts = Object.fromEntries(
    (Object.keys(FUTURE_IDS) as ProtocolContract[]).map((key) => [key, state.contracts[futureId(FUTURE_IDS[key])]!.address]),
  ) as Record<ProtocolContract, string>;
  const senders = new Set([...journal.deployments.values()].map((d) => d.from.toLowerCase()));
  const [deployer] = [...journal.deployments.values()].map((d) => d.from);
  if (senders.size !== 1 || deployer === undefined)
    throw new DeploymentError("JOURNAL_INVALID", `${journal.file}: expected one sender, found ${senders.size}`, { file: journal.file });
  if (journal.confirmed.length === 0)
    throw new DeploymentError("JOURNAL_INVALID", `${journal.file} holds no confirmed transaction`, { file: journal.file });
  const { registration, batchSizes, windows } = deployedParameters(journal);
  const tokenDeployed = journal.deployments.has(futureId(FUTURE_IDS.token));
  const verifiers = {} as Record<VerifierRole, PinnedVerifier>;
  for (const role of ROLES) {
    const pin = pins[role];
    const key = `${role}Verifier` as const;
    const storedFile = join(ignitionDir, "artifacts", `${futureId(FUTURE_IDS[key])}.json`);
    const stored = JSON.parse(readFileSync(storedFile, "utf8")) as { contractName: string; bytecode: string };
    assertVerifierMatches(stored, pin.vkey, pin.vkeyHash, pin.circuit);
    if (pin.circuit !== CIRCUIT_NAME[role](batchSizes[role]) || stored.contractName !== verifierContractName(pin.circuit)) {
      throw new DeploymentError(
        "JOURNAL_INVALID",
        `the ${role} verifier deployed is ${stored.contractName} for ${batchSizes[role]} rows, the pin is for ${pin.circuit}`,
        { file: storedFile },
      );
    }
    verifiers[role] = { circuit: pin.circuit, contractName: stored.contractName, vkeyHash: pin.vkeyHash };
  }
  const deployment: DeploymentFile = {
    format: DEPLOYMENT_FORMAT,
    chainId: BigInt(state.chainId),
    deploymentBlock: Math.min(...journal.confirmed.map((t) => t.blockNumber)),
    deployer,
    ignition: { module: PROTOCOL_MODULE_ID, dir: relative(dirname(file), ignitionDir) || "." },
    tokenDeployed,
    contracts,
    creationTransactions: creationTransactions(journal, contracts, tokenDeployed),
    batchSizes,
    keySet: pins.keySet,
    verifiers,
    registration,
    windows,
  };
  writeFileAtomic(file, toJson(deployment));
  return deployment;
}

/**
 * Reads a deployment file strictly: DeploymentError DEPLOYMENT_FILE_MISSING, DEPLOYMENT_FILE_NOT_JSON
 * or DEPLOYMENT_FILE_FIELD, each naming the file (and the field).
 */
export function readDeploymentFile(file: string): DeploymentFile {
  if (!existsSync(file))
    throw new DeploymentError(
      "DEPLOYMENT_FILE_MISSING",
      `${file} does not exist: run deploy first, or give --deployment the file it wrote`,
      { file },
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DeploymentError("DEPLOYMENT_FILE_NOT_JSON", `${file} is not JSON: ${(error as Error).message}`, { file, cause: error });
  }
  return parseDeploymentFile(raw, file);
}
