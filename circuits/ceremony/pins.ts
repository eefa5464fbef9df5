/**
 * Pinned keys: config/pinned-keys.json, committed, says which verification key each circuit of a
 * key set must have (its vkeyHash: sha256 of the verification key file), and which public powers
 * of tau are accepted by hash. The prover refuses a zkey, and deployment a verifier, that is not
 * the pinned key's.
 *
 * Key sets: "ceremony" is pinned in git (the keys of a verified multi-party ceremony, whose
 * transcript sits in artifacts/ceremony/<circuit>/). Development keys ("dev") are made per
 * machine with a random secret, so they cannot be pinned in git: their pin is the key recorded
 * by this machine's own setup (circuits/setup.ts), and the epoch record says which set was used.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { toJson, writeFileAtomic } from "../../files/atomic-write.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { TrustedSetupError } from "./errors.ts";

export const PINS_PATH = join(PROJECT_ROOT, "config", "pinned-keys.json");

export type KeySetName = "dev" | "ceremony";
export const KEY_SETS: readonly KeySetName[] = ["dev", "ceremony"];

export interface KeyPin {
  /** sha256 of the verification key file: what the prover and deployment compare. */
  readonly vkeyHash: string;
  /** sha256 of the compiled R1CS the keys are for: a changed circuit makes the pin stale. */
  readonly r1csSha256: string;
  /** sha256 of the final zkey (published beside the transcript; too large for git). */
  readonly zkeySha256: string;
  /** The ceremony transcript, relative to the repository root. */
  readonly transcript: string;
}

export interface PinsFile {
  readonly $comment?: string;
  /** Accepted public powers of tau by power: `ptau import` checks a file against these. */
  readonly ptau: Readonly<Record<string, { readonly sha256: string; readonly source?: string }>>;
  readonly keySets: Readonly<Record<string, Readonly<Record<string, KeyPin>>>>;
}

const COMMENT =
  "Pinned trusted-setup artifacts. keySets.<set>.<circuit>.vkeyHash is the sha256 of the verification key every zkey and verifier of that circuit must have; written by npm run setup -- phase2 finalize. ptau.<power>.sha256: accepted public powers of tau.";

export function readPins(file: string = PINS_PATH): PinsFile {
  if (!existsSync(file)) return { $comment: COMMENT, ptau: {}, keySets: {} };
  const raw = JSON.parse(readFileSync(file, "utf8")) as Partial<PinsFile>;
  return { $comment: raw.$comment ?? COMMENT, ptau: raw.ptau ?? {}, keySets: raw.keySets ?? {} };
}

/** The pin of `circuit` in `keySet`; throws KEY_NOT_PINNED when there is none. */
export function pinOf(keySet: string, circuit: string, file: string = PINS_PATH): KeyPin {
  const pin = readPins(file).keySets[keySet]?.[circuit];
  if (!pin) {
    throw new TrustedSetupError(
      "KEY_NOT_PINNED",
      `no ${keySet} key is pinned for ${circuit} in ${file}: run a ceremony (npm run setup -- phase2 new ${circuit} ... finalize), or use --keys dev`,
    );
  }
  return pin;
}

/** Records (replaces) the pin of `circuit` in `keySet`. */
export function writePin(keySet: string, circuit: string, pin: KeyPin, file: string = PINS_PATH): void {
  const pins = readPins(file);
  const keySets = { ...pins.keySets, [keySet]: { ...pins.keySets[keySet], [circuit]: pin } };
  writeFileAtomic(file, toJson({ ...pins, keySets }));
}

/** The accepted sha256 of the public powers of tau of size 2^power, if config pins one. */
export function pinnedPtauSha256(power: number, file: string = PINS_PATH): string | undefined {
  return readPins(file).ptau[String(power)]?.sha256;
}
