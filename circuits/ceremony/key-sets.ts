/**
 * Loads a circuit's keys from a key set: "dev" (this machine's development setup, pinned only by
 * what this machine recorded) or "ceremony" (the verified multi-party ceremony pinned in
 * config/pinned-keys.json). A ceremony key set is refused unless the circuit still compiles to the
 * pinned R1CS, the final zkey is the pinned file and the verification key is the pinned one.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { compileCircuit } from "../compile.ts";
import { keysFromFiles, setupCircuit, type CircuitKeys, type SetupLog } from "../setup.ts";
import { TrustedSetupError } from "./errors.ts";
import { PINS_PATH, pinOf, type KeySetName } from "./pins.ts";
import { sha256File } from "./ptau.ts";
import { ceremonyArtifactsDir, finalZkeyPath } from "./transcript.ts";

export interface KeySetKeys extends CircuitKeys {
  readonly keySet: KeySetName;
  /** The hash every zkey and verifier used with these keys must have. */
  readonly pinnedVkeyHash: string;
  /** sha256 of the zkey file (ceremony keys: checked against the pin). */
  readonly zkeySha256?: string;
  /** The ceremony transcript, relative to the repository root (ceremony keys). */
  readonly transcript?: string;
}

export interface LoadKeysOptions {
  readonly keySet?: KeySetName;
  readonly log?: SetupLog;
  readonly pinsFile?: string;
  readonly workDir?: string;
  readonly artifactsDir?: string;
}

export async function loadCircuitKeys(name: string, options: LoadKeysOptions = {}): Promise<KeySetKeys> {
  const keySet = options.keySet ?? "dev";
  if (keySet === "dev") {
    const keys = await setupCircuit(name, options.log);
    return { ...keys, keySet, pinnedVkeyHash: keys.vkeyHash };
  }
  if (keySet !== "ceremony") throw new RangeError(`keySet must be "dev" or "ceremony", got ${JSON.stringify(keySet)}`);
  const pin = pinOf(keySet, name, options.pinsFile ?? PINS_PATH);
  const circuit = await compileCircuit(name);
  const r1csSha256 = await sha256File(circuit.r1csPath);
  if (r1csSha256 !== pin.r1csSha256) {
    throw new TrustedSetupError(
      "CIRCUIT_CHANGED",
      `${name} now compiles to R1CS ${r1csSha256.slice(0, 16)}..., the pinned ceremony keys are for ${pin.r1csSha256.slice(0, 16)}...: the circuit changed since the ceremony; run a new one`,
    );
  }
  // The coordinator's working copy if this machine ran the ceremony, else the published one.
  const artifactsDir = ceremonyArtifactsDir(name, options.artifactsDir === undefined ? {} : { artifactsDir: options.artifactsDir });
  const workingZkey = finalZkeyPath(name, options.workDir === undefined ? {} : { workDir: options.workDir });
  const publishedZkey = join(artifactsDir, `${name}_final.zkey`);
  const zkeyPath = existsSync(workingZkey) ? workingZkey : publishedZkey;
  if (!existsSync(zkeyPath)) {
    throw new TrustedSetupError(
      "ZKEY_MISSING",
      `the pinned ${name} zkey (sha256 ${pin.zkeySha256}) is not at ${zkeyPath}: get it from the ceremony's coordinator, or run npm run setup -- ceremony demo (a new ceremony, new pin)`,
    );
  }
  const zkeySha256 = await sha256File(zkeyPath);
  if (zkeySha256 !== pin.zkeySha256) {
    throw new TrustedSetupError("KEY_NOT_PINNED", `${zkeyPath} has sha256 ${zkeySha256}, the pinned ${name} zkey is ${pin.zkeySha256}`);
  }
  const keys = keysFromFiles(circuit, artifactsDir, zkeyPath);
  if (keys.vkeyHash !== pin.vkeyHash) {
    throw new TrustedSetupError("KEY_NOT_PINNED", `${keys.vkeyPath} has hash ${keys.vkeyHash}, the pinned ${name} key is ${pin.vkeyHash}`);
  }
  return { ...keys, keySet, pinnedVkeyHash: pin.vkeyHash, zkeySha256, transcript: pin.transcript };
}
