/**
 * The proof file: one Groth16 proof with its public signals, the circuit it is for and the hash
 * of the input it was made from, so a rerun can tell a finished proof from a stale one.
 *
 * Format (JSON, bigints as decimal strings):
 *   { circuit, inputHash, vkeyHash, publicSignals: string[], proof: { pi_a, pi_b, pi_c, protocol,
 *     curve }, provedAt?: ISO 8601, proveMs }
 * Reading checks the shape only (every number a canonical decimal below the field modulus); whether
 * the proof verifies is the caller's check (snarkjs groth16.verify against the vkey).
 *
 * inputHash: sha256 (hex) of the canonical JSON of the circuit input: object keys sorted, every
 * leaf written as the decimal string of its value mod p (the BN254 scalar field), no whitespace.
 * So `5n`, `5`, `"0x05"` and `p + 5` hash alike, as they make the same witness.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Groth16Proof } from "snarkjs";
import { FIELD_MODULUS } from "../config/index.ts";
import { ProverError } from "./errors.ts";

/** A value of a circuit input signal: an integer, or an array of them for array signals. */
export type CircuitValue = string | bigint | number | readonly CircuitValue[];
/** Circuit input: signal name -> value (the witness calculator's input). */
export interface CircuitInput {
  readonly [signal: string]: CircuitValue;
}

export interface ProofFile {
  /** Circuit instance name, e.g. payout_batch_4. */
  readonly circuit: string;
  /** sha256 of the canonical input JSON (see inputHash()). */
  readonly inputHash: string;
  /** sha256 of the verification key file the proof was checked against when it was made. */
  readonly vkeyHash: string;
  readonly publicSignals: readonly string[];
  readonly proof: Groth16Proof;
  readonly provedAt?: string;
  /** Witness calculation + proving time in milliseconds. */
  readonly proveMs: number;
}

/**
 * Order of BN254's base field Fq (EIP-196): proof points have coordinates below it. It is larger
 * than the scalar field order (config FIELD_MODULUS) that bounds public signals.
 */
const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const INTEGER_STRING = /^(?:0x[0-9a-fA-F]+|-?[0-9]+)$/;
const HEX_HASH = /^[0-9a-f]{64}$/;
const FIELD_ELEMENT = /^(?:0|[1-9][0-9]*)$/;

/** The field element the witness calculator makes of a value (it reduces every input mod p). */
function canonicalValue(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => canonicalValue(v, `${path}[${i}]`));
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && INTEGER_STRING.test(value)) n = BigInt(value);
  else throw new TypeError(`${path} must be an integer (bigint, safe integer, decimal or 0x string), got ${JSON.stringify(String(value))}`);
  return (((n % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS).toString();
}

/** The canonical JSON of a circuit input: sorted keys, decimal strings, no whitespace. */
export function canonicalInputJson(input: CircuitInput): string {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new TypeError("input must be an object of signal name -> value");
  }
  const sorted = Object.keys(input).sort();
  if (sorted.length === 0) throw new TypeError("input must name at least one signal");
  return JSON.stringify(Object.fromEntries(sorted.map((k) => [k, canonicalValue(input[k], `input.${k}`)])));
}

/** sha256 (hex) of canonicalInputJson(input). */
export function inputHash(input: CircuitInput): string {
  return createHash("sha256").update(canonicalInputJson(input)).digest("hex");
}

/** sha256 (hex) of a verification key file's text, as circuits/ computes CircuitKeys.vkeyHash. */
export function vkeyHashOf(vkeyText: string): string {
  return createHash("sha256").update(vkeyText).digest("hex");
}

/** Throws PROOF_FILE_INVALID naming the job and, when it is not the job's name, the file. */
function fail(job: string, where: string, problem: string, cause?: unknown): never {
  const prefix = where === job ? "" : `${where}: `;
  throw new ProverError("PROOF_FILE_INVALID", job, `${prefix}${problem}`, cause === undefined ? undefined : { cause });
}

interface Place {
  readonly job: string;
  readonly where: string;
}

function fieldElements(value: unknown, length: number, at: Place, field: string, modulus = FIELD_MODULUS): string[] {
  if (!Array.isArray(value) || value.length !== length) fail(at.job, at.where, `${field} must be an array of ${length} decimal strings`);
  const name = modulus === FIELD_MODULUS ? "scalar" : "base";
  for (const [i, v] of value.entries()) {
    if (typeof v !== "string" || !FIELD_ELEMENT.test(v) || BigInt(v) >= modulus) {
      fail(at.job, at.where, `${field}[${i}] must be a canonical decimal string below the BN254 ${name} field modulus`);
    }
  }
  return value as string[];
}

/**
 * Parses and shape-checks a proof file's text. Throws ProverError PROOF_FILE_INVALID naming `job`
 * and `where` (the file, when it is not the job's name).
 */
export function parseProofFile(text: string, job: string, where: string = job): ProofFile {
  const at = { job, where };
  const bad = (problem: string): never => fail(job, where, problem);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    fail(job, where, `not JSON: ${(error as Error).message}`, error);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) bad("must be a JSON object");
  const f = raw as Record<string, unknown>;
  if (typeof f.circuit !== "string" || f.circuit === "") bad("circuit must be a non-empty string");
  if (typeof f.inputHash !== "string" || !HEX_HASH.test(f.inputHash)) bad("inputHash must be 64 lowercase hex digits");
  if (typeof f.vkeyHash !== "string" || !HEX_HASH.test(f.vkeyHash)) bad("vkeyHash must be 64 lowercase hex digits");
  if (!Array.isArray(f.publicSignals)) bad("publicSignals must be an array");
  fieldElements(f.publicSignals, (f.publicSignals as unknown[]).length, at, "publicSignals");
  if (typeof f.proveMs !== "number" || !Number.isFinite(f.proveMs) || f.proveMs < 0) bad("proveMs must be a non-negative number");
  if (f.provedAt !== undefined && (typeof f.provedAt !== "string" || Number.isNaN(Date.parse(f.provedAt)))) {
    bad("provedAt must be an ISO 8601 date when present");
  }
  const p = f.proof as Record<string, unknown> | null;
  if (typeof p !== "object" || p === null) bad("proof must be an object");
  const proof = p as Record<string, unknown>;
  if (proof.protocol !== "groth16" || proof.curve !== "bn128") bad('proof must have protocol "groth16" and curve "bn128"');
  // Projective coordinates as snarkjs writes them: G1 (x, y, z), G2 ((x0, x1), (y0, y1), (z0, z1)).
  fieldElements(proof.pi_a, 3, at, "proof.pi_a", BASE_FIELD_MODULUS);
  fieldElements(proof.pi_c, 3, at, "proof.pi_c", BASE_FIELD_MODULUS);
  if (!Array.isArray(proof.pi_b) || proof.pi_b.length !== 3) bad("proof.pi_b must be an array of 3 pairs");
  (proof.pi_b as unknown[]).forEach((pair, i) => fieldElements(pair, 2, at, `proof.pi_b[${i}]`, BASE_FIELD_MODULUS));
  return raw as ProofFile;
}

/** Reads and shape-checks the proof file at `path`; errors name `job` (the path by default) and the file. */
export function readProofFile(path: string, job: string = path): ProofFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    fail(job, path, `cannot read: ${(error as Error).message}`, error);
  }
  return parseProofFile(text, job, path);
}
