/**
 * Finalizing a ceremony and checking its public record.
 *
 * finalizeCeremony() verifies the whole chain, copies the final zkey beside the working state
 * (outside git), and writes to artifacts/ceremony/<circuit>/ (in git): verification_key.json, the
 * Solidity verifier and its compiled artifact, and transcript.json:
 *
 *   { circuit, r1csSha256, circuitHash, constraints,
 *     ptau: { power, sha256, source },
 *     contributions: [{ index, type: "contribution" | "beacon", name, hash, beaconHash?, iterationsExp? }],
 *     beacon: { hash, iterationsExp }, finalZkeySha256, vkeyHash, verifier: { contractName, bytecodeSha256 },
 *     finalizedAt }
 *
 * and pins the verification key hash in config/pinned-keys.json. verifyTranscript() lets anyone
 * recheck a transcript against the final zkey, the circuit and the powers of tau: cheap
 * comparisons first (a tampered transcript fails in milliseconds), snarkjs's full check last.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as snarkjs from "snarkjs";
import { toJson, writeFileAtomic } from "../../files/atomic-write.ts";
import { compileCircuit } from "../compile.ts";
import { PROJECT_ROOT } from "../paths.ts";
import {
  verifierArtifactFor,
  verifierContractName,
  vkeyHashOfText,
  zkeyVkeyHash,
  writeKeyArtifacts,
  type VerifierArtifact,
} from "../setup.ts";
import { TrustedSetupError } from "./errors.ts";
import { ceremonyWorkDir, latestZkey, readCeremonyState, verifyCeremony, type CeremonyOptions } from "./phase2.ts";
import { PINS_PATH, pinOf, writePin } from "./pins.ts";
import { findCachedPtau, sha256File } from "./ptau.ts";
import { readZkeyContributions, type ZkeyContribution } from "./zkey-contributions.ts";

export interface Transcript {
  readonly circuit: string;
  readonly r1csSha256: string;
  readonly circuitHash: string;
  readonly constraints: number;
  readonly ptau: { readonly power: number; readonly sha256: string; readonly source: "dev" | "imported" };
  readonly contributions: readonly ZkeyContribution[];
  readonly beacon: { readonly hash: string; readonly iterationsExp: number };
  readonly finalZkeySha256: string;
  readonly vkeyHash: string;
  readonly verifier: { readonly contractName: string; readonly bytecodeSha256: string };
  readonly finalizedAt: string;
}

export interface FinalizeOptions extends CeremonyOptions {
  /** Where the transcript, verification key and verifier go. Default artifacts/ceremony/<circuit>. */
  readonly artifactsDir?: string;
  /** Default config/pinned-keys.json. */
  readonly pinsFile?: string;
  /** Key set to pin into. Default "ceremony". */
  readonly keySet?: string;
}

export function ceremonyArtifactsDir(circuit: string, options: { artifactsDir?: string } = {}): string {
  return options.artifactsDir ?? join(PROJECT_ROOT, "artifacts", "ceremony", circuit);
}

/** Where finalize puts the final zkey (outside git). */
export function finalZkeyPath(circuit: string, options: CeremonyOptions = {}): string {
  return join(ceremonyWorkDir(circuit, options), `${circuit}_final.zkey`);
}

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** Verifies the chain, writes the final keys and transcript, pins the key. */
export async function finalizeCeremony(
  circuitName: string,
  options: FinalizeOptions = {},
): Promise<{ transcript: Transcript; transcriptPath: string; zkeyPath: string }> {
  const log = options.log ?? (() => {});
  const state = readCeremonyState(circuitName, options);
  if (!state.beacon) {
    throw new TrustedSetupError(
      "CEREMONY_STATE",
      `the ceremony of ${circuitName} has no beacon yet: npm run setup -- phase2 beacon ${circuitName} <beaconHashHex> <iterationsExp>`,
    );
  }
  log(`${circuitName}: verifying the chain of ${state.zkeys.length - 1} contributions`);
  const contributions = await verifyCeremony(circuitName, options);
  const zkeyPath = finalZkeyPath(circuitName, options);
  writeFileAtomic(zkeyPath, readFileSync(latestZkey(state, options)));
  const dir = ceremonyArtifactsDir(circuitName, options);
  const { vkeyHash } = await writeKeyArtifacts(circuitName, zkeyPath, dir, log);
  const artifact = JSON.parse(readFileSync(join(dir, "verifier-artifact.json"), "utf8")) as VerifierArtifact;
  const transcript: Transcript = {
    circuit: circuitName,
    r1csSha256: state.r1csSha256,
    circuitHash: state.circuitHash,
    constraints: state.constraints,
    ptau: state.ptau,
    contributions,
    beacon: state.beacon,
    finalZkeySha256: await sha256File(zkeyPath),
    vkeyHash,
    verifier: { contractName: artifact.contractName, bytecodeSha256: sha256(artifact.bytecode) },
    finalizedAt: new Date().toISOString(),
  };
  const transcriptPath = join(dir, "transcript.json");
  writeFileAtomic(transcriptPath, toJson(transcript));
  writePin(
    options.keySet ?? "ceremony",
    circuitName,
    { vkeyHash, r1csSha256: state.r1csSha256, zkeySha256: transcript.finalZkeySha256, transcript: relative(PROJECT_ROOT, transcriptPath) },
    options.pinsFile ?? PINS_PATH,
  );
  return { transcript, transcriptPath, zkeyPath };
}

function mismatch(what: string, transcriptValue: unknown, actual: unknown): TrustedSetupError {
  return new TrustedSetupError(
    "TRANSCRIPT_MISMATCH",
    `transcript ${what} is ${JSON.stringify(transcriptValue)}, but the keys give ${JSON.stringify(actual)}`,
  );
}

export function readTranscript(path: string): Transcript {
  let t: Transcript;
  try {
    t = JSON.parse(readFileSync(path, "utf8")) as Transcript;
  } catch (error) {
    throw new TrustedSetupError("TRANSCRIPT_MISMATCH", `cannot read transcript ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (
    typeof t?.circuit !== "string" ||
    !Array.isArray(t.contributions) ||
    typeof t.vkeyHash !== "string" ||
    typeof t.ptau?.sha256 !== "string"
  ) {
    throw new TrustedSetupError("TRANSCRIPT_MISMATCH", `${path} is not a ceremony transcript (circuit, contributions, vkeyHash, ptau)`);
  }
  return t;
}

export interface VerifyTranscriptOptions {
  /** The final zkey. Default: finalize's output for the transcript's circuit. */
  readonly zkeyPath?: string;
  readonly workDir?: string;
  readonly pinsFile?: string;
  readonly keySet?: string;
  /**
   * An initial zkey this machine made itself from the same R1CS and powers of tau (a ceremony's
   * _0000.zkey): snarkjs then checks against it instead of remaking it from the R1CS (faster).
   */
  readonly initZkey?: string;
  readonly log?: (message: string) => void;
}

/**
 * Rechecks a ceremony from its public record: the final zkey is the one listed; its contributions
 * (order, names, hashes, beacon) are the transcript's; the verification key and the compiled
 * verifier beside the transcript are the zkey's; the pin is this key; the circuit still compiles
 * to the same R1CS; and snarkjs accepts every contribution from the R1CS and the powers of tau.
 * Throws TrustedSetupError naming the first difference.
 */
export async function verifyTranscript(transcriptPath: string, options: VerifyTranscriptOptions = {}): Promise<Transcript> {
  const log = options.log ?? (() => {});
  const t = readTranscript(transcriptPath);
  const dir = join(transcriptPath, "..");
  const zkeyPath = options.zkeyPath ?? finalZkeyPath(t.circuit, options);
  if (!existsSync(zkeyPath)) {
    throw new TrustedSetupError(
      "ZKEY_MISSING",
      `the final zkey of ${t.circuit} (sha256 ${t.finalZkeySha256}) is not at ${zkeyPath}: fetch it from the ceremony's coordinator`,
    );
  }
  const zkeySha256 = await sha256File(zkeyPath);
  if (zkeySha256 !== t.finalZkeySha256) throw mismatch("finalZkeySha256", t.finalZkeySha256, zkeySha256);
  const mpc = await readZkeyContributions(zkeyPath);
  if (mpc.circuitHash !== t.circuitHash) throw mismatch("circuitHash", t.circuitHash, mpc.circuitHash);
  if (mpc.contributions.length !== t.contributions.length)
    throw mismatch("number of contributions", t.contributions.length, mpc.contributions.length);
  for (const [i, actual] of mpc.contributions.entries()) {
    const listed = t.contributions[i]!;
    for (const field of ["index", "type", "name", "hash", "beaconHash", "iterationsExp"] as const) {
      if (listed[field] !== actual[field]) throw mismatch(`contribution #${i + 1} ${field}`, listed[field], actual[field]);
    }
  }
  const last = mpc.contributions.at(-1);
  if (last?.type !== "beacon" || last.beaconHash !== t.beacon?.hash || last.iterationsExp !== t.beacon?.iterationsExp) {
    throw mismatch(
      "beacon",
      t.beacon,
      last?.type === "beacon" ? { hash: last.beaconHash, iterationsExp: last.iterationsExp } : "none last",
    );
  }
  const vkeyHash = await zkeyVkeyHash(zkeyPath);
  if (vkeyHash !== t.vkeyHash) throw mismatch("vkeyHash", t.vkeyHash, vkeyHash);
  const vkeyText = readFileSync(join(dir, "verification_key.json"), "utf8");
  if (vkeyHashOfText(vkeyText) !== t.vkeyHash)
    throw mismatch("vkeyHash (of verification_key.json beside it)", t.vkeyHash, vkeyHashOfText(vkeyText));
  const pin = pinOf(options.keySet ?? "ceremony", t.circuit, options.pinsFile ?? PINS_PATH);
  if (pin.vkeyHash !== t.vkeyHash) {
    throw new TrustedSetupError("KEY_NOT_PINNED", `the pinned ${t.circuit} key is ${pin.vkeyHash}, this ceremony made ${t.vkeyHash}`);
  }
  const artifact = JSON.parse(readFileSync(join(dir, "verifier-artifact.json"), "utf8")) as VerifierArtifact;
  assertVerifierMatches(artifact, JSON.parse(vkeyText) as Record<string, unknown>, t.vkeyHash, t.circuit);
  const circuit = await compileCircuit(t.circuit);
  const r1csSha256 = await sha256File(circuit.r1csPath);
  if (r1csSha256 !== t.r1csSha256) {
    throw new TrustedSetupError("CIRCUIT_CHANGED", `${t.circuit} now compiles to R1CS ${r1csSha256}, the ceremony was for ${t.r1csSha256}`);
  }
  const ptau = await findCachedPtau(t.ptau.sha256, t.ptau.power);
  if (!ptau) {
    throw new TrustedSetupError(
      "PTAU_INVALID",
      `the ceremony's powers of tau (sha256 ${t.ptau.sha256}) is not in the cache: npm run setup -- ptau import <file> --sha256 ${t.ptau.sha256}`,
    );
  }
  log(`${t.circuit}: snarkjs check of ${t.contributions.length} contributions from the R1CS and the powers of tau`);
  const errors: string[] = [];
  const logger = { info() {}, debug() {}, error: (...a: unknown[]) => errors.push(a.join(" ")) };
  const valid = options.initZkey
    ? (await readZkeyContributions(options.initZkey)).circuitHash === t.circuitHash &&
      (await snarkjs.zKey.verifyFromInit(options.initZkey, ptau.path, zkeyPath, logger))
    : await snarkjs.zKey.verifyFromR1cs(circuit.r1csPath, ptau.path, zkeyPath, logger);
  if (!valid) {
    throw new TrustedSetupError(
      "CONTRIBUTION_INVALID",
      `the final zkey of ${t.circuit} does not verify${errors.length ? `: ${errors.join("; ")}` : ""}`,
    );
  }
  return t;
}

/**
 * Deployment's check: the verifier's bytecode must be exactly the one generated (snarkjs template,
 * this project's solc and settings) from the pinned verification key, whose hash must be the pin.
 * Comparing whole bytecode, not a field, so a verifier that merely carries the right constants
 * somewhere is refused too. Throws VERIFIER_NOT_PINNED.
 */
export function assertVerifierMatches(
  artifact: { readonly contractName?: string; readonly bytecode: string },
  vkey: Record<string, unknown>,
  pinnedVkeyHash: string,
  circuit: string,
): void {
  const actualHash = vkeyHashOfText(toJson(vkey));
  if (actualHash !== pinnedVkeyHash) {
    throw new TrustedSetupError(
      "KEY_NOT_PINNED",
      `the verification key given for ${circuit} has hash ${actualHash}, the pinned one is ${pinnedVkeyHash}`,
    );
  }
  const contractName = artifact.contractName ?? verifierContractName(circuit);
  const expected = expectedBytecode(vkey, contractName, pinnedVkeyHash);
  if (artifact.bytecode.toLowerCase() !== expected.toLowerCase()) {
    throw new TrustedSetupError(
      "VERIFIER_NOT_PINNED",
      `the ${contractName} bytecode is not the verifier of the pinned key ${pinnedVkeyHash.slice(0, 16)}... of ${circuit}: refusing to deploy it`,
    );
  }
}

const bytecodeCache = new Map<string, string>();
function expectedBytecode(vkey: Record<string, unknown>, contractName: string, vkeyHash: string): string {
  const key = `${contractName}:${vkeyHash}`;
  let bytecode = bytecodeCache.get(key);
  if (!bytecode) bytecodeCache.set(key, (bytecode = verifierArtifactFor(vkey, contractName, vkeyHash).bytecode));
  return bytecode;
}
