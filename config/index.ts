/**
 * The protocol's parameters, read from config/protocol.json: the one source of truth for batch
 * sizes, bit widths and the fixed-point scale. Circuits and Solidity constants are generated from
 * the same file (scripts/generate.ts); everything in TypeScript reads them from here. Public: the
 * loaded config, its types, how to load or parse another file, ConfigError and the two limits
 * every stage computes within (the field modulus, the transaction gas cap); the attribution
 * settings' parser (attribution.ts) and the fixed-point helpers (fixed-point.ts) are imported from
 * their modules.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAttributionConfig, type AttributionConfig } from "./attribution.ts";
import { ConfigError } from "./config-error.ts";

export { ConfigError };

/** Order of the BN254 scalar field: every circuit signal and public input lives below it. */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export interface ProtocolConfig {
  readonly widths: {
    readonly addressBits: number;
    readonly totalBits: number;
    readonly poolBits: number;
    /** Width of an example hash: 128 bits keep accidental collisions out of reach (2^64 examples). */
    readonly exampleHashBits: number;
    /** Width of a signed per-example score: s in [-2^(scoreBits-1), 2^(scoreBits-1)). */
    readonly scoreBits: number;
    /** Width of a contributor index c (its row in the address-sorted contributor table). */
    readonly contributorIndexBits: number;
    /** Width of a batch index (the settlement contract counts batches in 16 bits). */
    readonly batchIndexBits: number;
    /** Width of a registration's example count n (senderN = sender + n * 2^addressBits). */
    readonly countBits: number;
  };
  readonly fixedPoint: { readonly decimals: number };
  readonly hash: { readonly chainAbsorbWidth: number };
  readonly exampleBatch: BatchSizes;
  /** RegistrationBatch rows; `chunk` hashes per row, part of the registration commitment's definition. */
  readonly registrationBatch: BatchSizes & { readonly chunk: number };
  readonly payoutBatch: PayoutBatchSizes;
  /**
   * workers: 0 means one per core. singleThread: snarkjs uses no threads of its own inside a worker.
   * nativeBinary: path of a rapidsnark-compatible `prover` executable to prove with, null for snarkjs.
   */
  readonly prover: { readonly workers: number; readonly singleThread: boolean; readonly nativeBinary: string | null };
  readonly token: { readonly name: string; readonly symbol: string; readonly decimals: number };
  /** ContributorRegistry's deployment parameters (the registration rules). */
  readonly registration: RegistrationConfig;
  /** PayoutSettlement's deadlines (seconds), fixed at deployment. */
  readonly settlement: SettlementConfig;
  /** Training and scoring of the attribution model (config/attribution.ts). */
  readonly attribution: AttributionConfig;
}

/** The registration rules ContributorRegistry is deployed with. */
export interface RegistrationConfig {
  /** The shortest registration window openRegistration accepts, in seconds (days in a real deployment). */
  readonly minWindowSeconds: number;
  /** The most registrants per epoch: below 2^widths.contributorIndexBits. */
  readonly maxRegistrants: number;
  /** The most examples one registration may declare. */
  readonly maxExamplesPerRegistrant: number;
  /** The most examples an epoch's registrations may declare in all (at most 65,535 example batches' rows). */
  readonly maxExamplesPerEpoch: number;
  /** Pool-token base units burned per registered example (0n: free); a decimal string in the file. */
  readonly feePerExample: bigint;
}

/** PayoutSettlement's deadlines, in seconds. */
export interface SettlementConfig {
  /** From the registration deadline to the last moment the trainer may commit the epoch. */
  readonly commitWindowSeconds: number;
  /** From a commit: receipts may contest its exclusion set; no batch is accepted meanwhile. */
  readonly contestWindowSeconds: number;
  /** After the contest window's latest end: proofs and the reveal, else the pool is burned. */
  readonly proofWindowSeconds: number;
}

/** The compiled instances of a batch circuit, the one the tests use and the one the demo uses. */
export interface BatchSizes {
  readonly sizes: readonly number[];
  readonly testSize: number;
  readonly demoSize: number;
}

/** Payout batches are also releases: one transaction pays a batch's payees. */
export interface PayoutBatchSizes extends BatchSizes {
  /** The most payees one release may pay (EIP-7825's 2^24 gas per transaction); every size is at most this. */
  readonly maxPayeesPerRelease: number;
  /**
   * The most gas settle lets one release transaction use, at most TRANSACTION_GAS_CAP: a batch
   * whose release is estimated above it (a costly pool token) is released in row ranges
   * (releaseRows) that each fit.
   */
  readonly releaseGasBound: number;
}

/** EIP-7825 (Osaka, Hardhat's default hardfork): no transaction may use more than 2^24 gas. */
export const TRANSACTION_GAS_CAP = 2 ** 24;

export const CONFIG_PATH = fileURLToPath(new URL("./protocol.json", import.meta.url));

function requireInteger(file: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(file, field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseRegistration(raw: unknown, file: string, contributorIndexBits: number): RegistrationConfig {
  const r = raw as Record<string, unknown> | undefined;
  if (typeof r !== "object" || r === null) throw new ConfigError(file, "registration", "expected an object");
  const minWindowSeconds = requireInteger(file, "registration.minWindowSeconds", r.minWindowSeconds, 1, 2 ** 32);
  const maxRegistrants = requireInteger(
    file,
    "registration.maxRegistrants",
    r.maxRegistrants,
    1,
    Math.min(2 ** contributorIndexBits - 1, 2 ** 32 - 1),
  );
  const maxExamplesPerRegistrant = requireInteger(
    file,
    "registration.maxExamplesPerRegistrant",
    r.maxExamplesPerRegistrant,
    1,
    2 ** 32 - 1,
  );
  const maxExamplesPerEpoch = requireInteger(
    file,
    "registration.maxExamplesPerEpoch",
    r.maxExamplesPerEpoch,
    maxExamplesPerRegistrant,
    Number.MAX_SAFE_INTEGER,
  );
  if (typeof r.feePerExample !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(r.feePerExample)) {
    throw new ConfigError(
      file,
      "registration.feePerExample",
      `expected a decimal string of token base units, got ${JSON.stringify(r.feePerExample)}`,
    );
  }
  const feePerExample = BigInt(r.feePerExample);
  if (feePerExample >= 1n << 128n)
    throw new ConfigError(file, "registration.feePerExample", "must be below 2^128 so fee * count cannot overflow");
  return { minWindowSeconds, maxRegistrants, maxExamplesPerRegistrant, maxExamplesPerEpoch, feePerExample };
}

/** Parses and validates a protocol config; throws ConfigError naming the field. */
export function parseConfig(raw: unknown, file: string): ProtocolConfig {
  const c = raw as ProtocolConfig;
  const w = c?.widths;
  requireInteger(file, "widths.addressBits", w?.addressBits, 160, 160);
  requireInteger(file, "widths.totalBits", w?.totalBits, 8, 126);
  requireInteger(file, "widths.poolBits", w?.poolBits, 8, 93);
  if (w.poolBits + w.totalBits > 252) {
    throw new ConfigError(file, "widths", "poolBits + totalBits must be <= 252 so pool * amount cannot wrap the field");
  }
  requireInteger(file, "widths.exampleHashBits", w.exampleHashBits, 64, 160);
  requireInteger(file, "widths.scoreBits", w.scoreBits, 2, 64);
  requireInteger(file, "widths.contributorIndexBits", w.contributorIndexBits, 1, 32);
  requireInteger(file, "widths.batchIndexBits", w.batchIndexBits, 16, 16);
  requireInteger(file, "widths.countBits", w.countBits, 32, 32);
  if (w.exampleHashBits + w.contributorIndexBits + w.scoreBits > 252) {
    throw new ConfigError(
      file,
      "widths",
      "exampleHashBits + contributorIndexBits + scoreBits must be <= 252 so an example row packs into one field element",
    );
  }
  if (w.scoreBits - 1 > w.totalBits) {
    throw new ConfigError(file, "widths", "scoreBits - 1 must be <= totalBits: one positive score must fit in a total");
  }
  requireInteger(file, "fixedPoint.decimals", c.fixedPoint?.decimals, 0, 18);
  requireInteger(file, "hash.chainAbsorbWidth", c.hash?.chainAbsorbWidth, 1, 15);
  // Poseidon(chunk + 3) is at most circomlib's Poseidon(16).
  requireInteger(file, "registrationBatch.chunk", c.registrationBatch?.chunk, 1, 13);
  for (const table of ["exampleBatch", "registrationBatch", "payoutBatch"] as const) {
    const sizes = c[table]?.sizes;
    if (!Array.isArray(sizes) || sizes.length === 0) {
      throw new ConfigError(file, `${table}.sizes`, "expected a non-empty list of batch sizes");
    }
    sizes.forEach((s, i) => requireInteger(file, `${table}.sizes[${i}]`, s, 1, 1024));
    for (const key of ["testSize", "demoSize"] as const) {
      const size = requireInteger(file, `${table}.${key}`, c[table][key], 1, 1024);
      if (!sizes.includes(size)) throw new ConfigError(file, `${table}.${key}`, `${size} is not one of ${table}.sizes`);
    }
  }
  const maxPayees = requireInteger(file, "payoutBatch.maxPayeesPerRelease", c.payoutBatch.maxPayeesPerRelease, 1, 1024);
  (c.payoutBatch.sizes as number[]).forEach((s, i) => {
    if (s > maxPayees)
      throw new ConfigError(
        file,
        `payoutBatch.sizes[${i}]`,
        `${s} rows: one release pays a whole payout batch, at most payoutBatch.maxPayeesPerRelease = ${maxPayees} payees in one transaction`,
      );
  });
  requireInteger(file, "payoutBatch.releaseGasBound", c.payoutBatch.releaseGasBound, 100_000, TRANSACTION_GAS_CAP);
  requireInteger(file, "prover.workers", c.prover?.workers, 0, 1024);
  if (typeof c.prover.singleThread !== "boolean") {
    throw new ConfigError(file, "prover.singleThread", "expected true or false");
  }
  if (c.prover.nativeBinary !== null && (typeof c.prover.nativeBinary !== "string" || c.prover.nativeBinary === "")) {
    throw new ConfigError(file, "prover.nativeBinary", "expected null or the path of a rapidsnark-compatible prover executable");
  }
  requireInteger(file, "token.decimals", c.token?.decimals, 0, 18);
  const registration = parseRegistration(c.registration, file, w.contributorIndexBits);
  for (const key of ["commitWindowSeconds", "contestWindowSeconds", "proofWindowSeconds"] as const) {
    requireInteger(file, `settlement.${key}`, c.settlement?.[key], 1, 2 ** 40);
  }
  parseAttributionConfig(c.attribution, file);
  return { ...c, registration };
}

/** Loads a protocol config file (the repository's own by default). */
export function loadConfig(file: string = CONFIG_PATH): ProtocolConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(file, "(file)", `cannot read JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, file);
}

/** The repository's config, loaded once. */
export const config: ProtocolConfig = loadConfig();
