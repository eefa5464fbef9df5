/**
 * Loads the compiled OpenToken, ContributorRegistry, PayoutSettlement, BareTransfers and GasMeter (bench/),
 * RevertingToken (test/: a token that refuses one recipient), CostlyToken (test/: a token whose
 * transfers cost as much gas as its owner sets), Forwarder (test/: calls a
 * contract for its caller, as a relayer or a smart account does), FakeSettlement and FakeRegistry
 * (test/: an attacker's stand-ins that answer every getter as a tampered deployment file says) from Hardhat's build output
 * (build/artifacts, see hardhat.config.ts). The first call in a process runs Hardhat's build task
 * in-process: Hardhat's compile cache hashes the sources and settings, so it recompiles exactly
 * when an artifact is missing or stale and costs ~0.6 s otherwise. A cross-process lock keeps two
 * test files from compiling into the same folder at once. The Groth16 verifier is not built here:
 * circuits/ generates and compiles it per circuit instance (setupCircuit().verifierArtifact).
 */
import { mkdirSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { withFileLock } from "../files/index.ts";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The bench's contracts (contracts/bench/). */
const BENCH_CONTRACTS = ["BareTransfers", "GasMeter"] as const;
/** The tests' stand-ins: tokens that misbehave, an attacker's deployment, a forwarder (contracts/test/). */
const TEST_CONTRACTS = [
  "RevertingToken",
  "CostlyToken",
  "TaxedToken",
  "HookedTaxedToken",
  "NestingOperator",
  "Forwarder",
  "FakeSettlement",
  "FakeRegistry",
] as const;

/** Every contract this project compiles (revert-reason.ts decodes the errors of all of them). */
export const CONTRACT_NAMES = [
  "OpenToken",
  "ContributorRegistry",
  "PayoutSettlement",
  "PoseidonT4",
  ...BENCH_CONTRACTS,
  ...TEST_CONTRACTS,
] as const;

export type ContractName = (typeof CONTRACT_NAMES)[number];

/** What deploying a contract needs (with ethers; Ignition also records the source and runtime code). */
export interface ContractArtifact {
  readonly contractName: string;
  readonly sourceName: string;
  readonly abi: readonly unknown[];
  readonly bytecode: string;
  readonly deployedBytecode: string;
  /**
   * Where the runtime code holds each immutable (keyed by the AST id of its declaration): bytes a
   * constructor writes at deployment, zeros in deployedBytecode.
   */
  readonly immutableReferences: Readonly<Record<string, ReadonlyArray<{ readonly start: number; readonly length: number }>>>;
  /** The build-info file (build/artifacts/build-info/<id>.output.json) holding the sources' ASTs. */
  readonly buildInfoId: string;
}

let build: Promise<void> | undefined;

async function buildOnce(): Promise<void> {
  const { createHardhatRuntimeEnvironment } = await import("hardhat/hre");
  const configPath = join(PROJECT_ROOT, "hardhat.config.ts");
  const { default: userConfig } = await import("../hardhat.config.ts");
  // Its own runtime environment, rooted at the project: works whatever the caller's cwd.
  const hre = await createHardhatRuntimeEnvironment(userConfig, { config: configPath }, PROJECT_ROOT);
  mkdirSync(join(PROJECT_ROOT, "build"), { recursive: true });
  await withFileLock(join(PROJECT_ROOT, "build", "contracts-build.lock"), async () => {
    await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  });
}

/** The artifact of `name`, compiling the contracts first if this process has not yet. */
export async function loadContractArtifact(name: ContractName): Promise<ContractArtifact> {
  build ??= buildOnce().catch((error: unknown) => {
    build = undefined; // let a later call retry instead of caching the failure
    throw error;
  });
  await build;
  if (name === "PoseidonT4") return loadNpmLibrary("poseidon-solidity", "PoseidonT4");
  const file = join(PROJECT_ROOT, "build", "artifacts", "verifier-contracts", "contracts", ...sourcePath(name), `${name}.json`);
  const artifact = JSON.parse(await readFile(file, "utf8")) as ContractArtifact;
  const { contractName, sourceName, abi, bytecode, deployedBytecode, immutableReferences, buildInfoId } = artifact;
  return { contractName, sourceName, abi, bytecode, deployedBytecode, immutableReferences: immutableReferences ?? {}, buildInfoId };
}

/**
 * A library compiled from an npm package (verifier-contracts/contracts/Poseidon.sol imports it):
 * Hardhat writes artifacts for the project's own sources only, so it is read from the build-info
 * output that holds the package's source, compiled by this project's solc and settings.
 */
async function loadNpmLibrary(pkg: string, name: string): Promise<ContractArtifact> {
  const dir = join(PROJECT_ROOT, "build", "artifacts", "build-info");
  type References = ContractArtifact["immutableReferences"];
  type Compiled = {
    abi: unknown[];
    evm: { bytecode: { object: string }; deployedBytecode?: { object: string; immutableReferences?: References } };
  };
  type Output = { output?: { contracts?: Record<string, Record<string, Compiled>> } };
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".output.json"))) {
    const contracts = (JSON.parse(await readFile(join(dir, file), "utf8")) as Output).output?.contracts ?? {};
    const source = Object.keys(contracts).find((key) => key.startsWith(`npm/${pkg}@`) && key.endsWith(`/${name}.sol`));
    const compiled = source ? contracts[source]?.[name] : undefined;
    if (compiled) {
      const deployed = compiled.evm.deployedBytecode?.object;
      return {
        contractName: name,
        sourceName: source!,
        abi: compiled.abi,
        bytecode: `0x${compiled.evm.bytecode.object}`,
        deployedBytecode: deployed ? `0x${deployed}` : "0x",
        immutableReferences: compiled.evm.deployedBytecode?.immutableReferences ?? {},
        buildInfoId: file.slice(0, -".output.json".length),
      };
    }
  }
  throw new Error(`${name} from ${pkg} is not in ${dir}: is it imported by a source under verifier-contracts/contracts?`);
}

function sourcePath(name: ContractName): string[] {
  const isIn = (folder: readonly string[]) => folder.includes(name);
  if (isIn(BENCH_CONTRACTS)) return ["bench", `${name}.sol`];
  if (isIn(TEST_CONTRACTS)) return ["test", `${name}.sol`];
  return [`${name}.sol`];
}
