/**
 * The settle stage's reading of the epoch directory the witness stage wrote (epoch-dir.ts):
 * what it needs to rebuild every batch and send it. The prover side reads its own record here;
 * the skeptic has its own parser (verify/record.ts) and trusts none of this code.
 */
import { readFileSync } from "node:fs";
import type { KeySetName } from "../circuits/ceremony/index.ts";
import { CodedError } from "../errors/index.ts";
import type { Delivery, Registration } from "../witness/index.ts";
import type { EpochCommit } from "../witness/challenge.ts";
import type { ExampleRow } from "../witness/example-batches.ts";
import type { PayoutRow } from "../witness/policy.ts";
import { epochPaths } from "./epoch-dir.ts";

/** A circuit as the record names it: its key set and pinned key. */
export interface CircuitSummary {
  readonly name: string;
  readonly constraints: number;
  /** The pinned key hash of the key set used (prover and deployment refused any other). */
  readonly vkeyHash: string;
  readonly keySet: KeySetName;
  /** Ceremony keys: the transcript (repository-relative) and the final zkey's sha256. */
  readonly transcript?: string;
  readonly zkeySha256?: string;
}

export interface StageRecord {
  readonly epoch: bigint;
  readonly chainId: bigint;
  readonly contracts: Readonly<
    Record<"token" | "poseidon" | "registry" | "exampleVerifier" | "registrationVerifier" | "payoutVerifier" | "settlement", string>
  >;
  readonly domain: bigint;
  readonly registrationDomain: bigint;
  readonly pool: bigint;
  readonly total: bigint;
  readonly dust: bigint;
  readonly model: { readonly modelHash: string; readonly validationCommitment: string };
  readonly commit: EpochCommit;
  readonly fold: bigint;
  readonly exclusion: readonly number[];
  readonly seed: bigint;
  readonly batchSizes: { readonly example: number; readonly registration: number; readonly payout: number };
  readonly circuits: { readonly example: CircuitSummary; readonly registration: CircuitSummary; readonly payout: CircuitSummary };
  readonly examplesFile: string;
  readonly registrations: readonly Registration[];
  /** Kept registrations' deliveries (salt, and their hashes from the claim table). */
  readonly deliveries: ReadonlyMap<number, Delivery>;
  readonly claims: readonly ExampleRow[];
  readonly payouts: readonly (PayoutRow & { readonly label?: string })[];
  /** epoch.json as written, for the stage to extend (status, validation). */
  readonly epochJson: Record<string, unknown>;
}

function read(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CodedError("RECORD_UNREADABLE", "input", `${file}: ${(error as Error).message}`);
  }
}

function big(file: string, field: string, v: unknown): bigint {
  if (typeof v !== "string" && typeof v !== "number")
    throw new CodedError("RECORD_UNREADABLE", "input", `${file}: ${field}: expected an integer, got ${JSON.stringify(v)}`);
  try {
    return BigInt(v);
  } catch {
    throw new CodedError("RECORD_UNREADABLE", "input", `${file}: ${field}: expected an integer, got ${JSON.stringify(v)}`);
  }
}

/** Reads what the settle stage needs from the epoch directory `dir`. */
export function readStageRecord(dir: string): StageRecord {
  const paths = epochPaths(dir);
  // biome-ignore lint/suspicious/noExplicitAny: epoch.json navigated field by field; each field read is checked where it is used
  const e = read(paths.epochFile) as Record<string, any>;
  const f = paths.epochFile;
  const commit = e.commit as Record<string, unknown>;
  const registrationsRaw = read(paths.registrationsFile) as Record<string, unknown>[];
  const claimsRaw = read(paths.examplesFile) as Record<string, unknown>[];
  const payoutsRaw = read(paths.contributorsFile) as Record<string, unknown>[];
  const claims: ExampleRow[] = claimsRaw.map((c, i) => ({
    hash: big(paths.examplesFile, `[${i}].hash`, c.hash),
    j: Number(c.j),
    score: big(paths.examplesFile, `[${i}].score`, c.score),
  }));
  const registrations: Registration[] = registrationsRaw.map((r, i) => ({
    order: Number(r.order),
    contributor: big(paths.registrationsFile, `[${i}].contributor`, r.contributor),
    commitment: big(paths.registrationsFile, `[${i}].commitment`, r.commitment),
    count: Number(r.count),
  }));
  const hashesOf = new Map<number, bigint[]>();
  for (const c of claims) hashesOf.set(c.j, [...(hashesOf.get(c.j) ?? []), c.hash]);
  const deliveries = new Map<number, Delivery>();
  registrationsRaw.forEach((r, i) => {
    if (r.excluded === true) return;
    const hashes = (hashesOf.get(Number(r.order)) ?? []).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    deliveries.set(Number(r.order), { salt: big(paths.registrationsFile, `[${i}].salt`, r.salt), hashes });
  });
  return {
    epoch: big(f, "epoch", e.epoch),
    chainId: big(f, "chainId", e.chainId),
    contracts: e.contracts,
    domain: big(f, "domain", e.domain),
    registrationDomain: big(f, "registrationDomain", e.registrationDomain),
    pool: big(f, "pool", e.pool),
    total: big(f, "total", e.total),
    dust: big(f, "dust", e.dust),
    model: e.model,
    commit: {
      commitExamples: big(f, "commit.commitExamples", commit.commitExamples),
      commitPayouts: big(f, "commit.commitPayouts", commit.commitPayouts),
      commitExclusion: big(f, "commit.commitExclusion", commit.commitExclusion),
      total: big(f, "commit.total", commit.total),
      exampleBatches: Number(commit.exampleBatches),
      registrationBatches: Number(commit.registrationBatches),
      payoutBatches: Number(commit.payoutBatches),
      modelHash: String(commit.modelHash),
    },
    fold: big(f, "fold", e.fold),
    exclusion: (e.exclusion as unknown[]).map(Number),
    seed: big(f, "seed", e.seed),
    batchSizes: { example: Number(e.exampleBatchSize), registration: Number(e.registrationBatchSize), payout: Number(e.payoutBatchSize) },
    circuits: e.circuits,
    examplesFile: String(e.examplesFile),
    registrations,
    deliveries,
    claims,
    payouts: payoutsRaw.map((p, i) => ({
      address: big(paths.contributorsFile, `[${i}].address`, p.address),
      amount: big(paths.contributorsFile, `[${i}].amount`, p.amount),
      reward: big(paths.contributorsFile, `[${i}].reward`, p.reward),
      remainder: big(paths.contributorsFile, `[${i}].remainder`, p.remainder),
      ...(typeof p.label === "string" ? { label: p.label } : {}),
    })),
    epochJson: e,
  };
}
