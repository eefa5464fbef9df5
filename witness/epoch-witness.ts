/**
 * The whole epoch's witness as one pure function: per-example scores + the registry's
 * registrations -> the example table and the contributor table, both commitments, the challenge
 * r, and every ExampleBatch and PayoutBatch input. It is the reference model of the policy:
 *   1. dedup: an example hash claimed by several contributors is credited to the EARLIEST
 *      registrant (registration order from the registry's events); the others' claims are
 *      recorded as evidence;
 *   2. clip: a negative score counts 0;
 *   3. sum: T_c = sum of the clipped scores of the examples credited to c;
 *   4. split: reward_c = floor(R * T_c / S) (policy.ts).
 * The contributor table holds every registrant, sorted by address (a registrant whose examples
 * were all credited to others has T_c = 0); an example's contributor index is its row there.
 */
import { keccak256, solidityPacked } from "ethers";
import type { ProtocolConfig } from "../config/index.ts";
import { epochChallenge } from "./challenge.ts";
import { buildExampleBatches, exampleChains, type ExampleBatch, type ExampleRow } from "./example-batches.ts";
import { buildPayoutBatches, type PayoutBatch } from "./payout-batches.ts";
import { splitPool, type PayoutTable } from "./policy.ts";

/** One example claimed by one contributor, with its signed fixed-point score. */
export interface ExampleScore {
  readonly hash: bigint;
  /** The claiming contributor's address as an integer. */
  readonly contributor: bigint;
  readonly score: bigint;
}

/** A registration as the registry emitted it. */
export interface Registration {
  readonly contributor: bigint;
  /** registrationCommitment() of the contributor's example hashes. */
  readonly commitment: string;
  readonly count: number;
  /** Position in the epoch's registration order (the registry's index). */
  readonly order: number;
}

/** A duplicated example: who got it and who else claimed it. */
export interface DuplicateEvidence {
  readonly hash: bigint;
  readonly creditedTo: bigint;
  readonly creditedOrder: number;
  readonly alsoClaimedBy: readonly { readonly contributor: bigint; readonly order: number }[];
}

export interface EpochWitnessOptions {
  readonly examples: readonly ExampleScore[];
  readonly registrations: readonly Registration[];
  readonly pool: bigint;
  readonly domain: bigint;
  readonly exampleBatchSize: number;
  readonly payoutBatchSize: number;
  readonly config: ProtocolConfig;
}

/** The policy's output: both tables and the dedup evidence. */
export interface EpochTables {
  readonly exampleTable: readonly ExampleRow[];
  readonly contributorTable: PayoutTable;
  readonly duplicates: readonly DuplicateEvidence[];
}

export interface EpochWitness extends EpochTables, EpochBatches {}

export type EpochWitnessErrorCode =
  | "UNREGISTERED_CONTRIBUTOR"
  | "DUPLICATE_REGISTRATION"
  | "REGISTRATION_MISMATCH"
  | "DUPLICATE_CLAIM"
  | "SCORE_CONFLICT";

/** Scores and registrations that do not fit together. */
export class EpochWitnessError extends Error {
  readonly code: EpochWitnessErrorCode;
  constructor(code: EpochWitnessErrorCode, message: string) {
    super(message);
    this.name = "EpochWitnessError";
    this.code = code;
  }
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;

/** keccak256(abi.encodePacked(uint128[] hashes sorted ascending)): what a contributor registers. */
export function registrationCommitment(hashes: readonly bigint[]): string {
  const sorted = [...hashes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keccak256(solidityPacked(sorted.map(() => "uint128"), sorted));
}

/** Builds the epoch's tables, commitments, r and every batch input (see the header). */
export function buildEpochWitness(options: EpochWitnessOptions): EpochWitness {
  const tables = applyPolicy(options);
  const { domain, exampleBatchSize, payoutBatchSize, config } = options;
  return { ...tables, ...buildEpochBatches(tables.exampleTable, tables.contributorTable, domain, exampleBatchSize, payoutBatchSize, config) };
}

/**
 * Steps 1-4 of the header alone: both tables and the evidence, without commitments or batches
 * (whose Poseidon chains cost far more than the policy: the attack suite pays with this).
 */
export function applyPolicy(options: Pick<EpochWitnessOptions, "examples" | "registrations" | "pool" | "config">): EpochTables {
  const { examples, registrations, pool, config } = options;
  const byContributor = new Map<bigint, Registration>();
  for (const reg of registrations) {
    if (byContributor.has(reg.contributor)) {
      throw new EpochWitnessError("DUPLICATE_REGISTRATION", `${hex(reg.contributor, 40)} is registered twice`);
    }
    byContributor.set(reg.contributor, reg);
  }
  // Each registrant's claims must be exactly what it registered.
  const claims = new Map<bigint, bigint[]>();
  for (const e of examples) {
    if (!byContributor.has(e.contributor)) {
      throw new EpochWitnessError("UNREGISTERED_CONTRIBUTOR", `example ${hex(e.hash, 32)} names ${hex(e.contributor, 40)}, which did not register`);
    }
    claims.set(e.contributor, [...(claims.get(e.contributor) ?? []), e.hash]);
  }
  for (const reg of registrations) {
    const hashes = claims.get(reg.contributor) ?? [];
    if (new Set(hashes).size !== hashes.length) {
      throw new EpochWitnessError("DUPLICATE_CLAIM", `${hex(reg.contributor, 40)} claims the same example twice`);
    }
    if (hashes.length !== reg.count || registrationCommitment(hashes) !== reg.commitment) {
      throw new EpochWitnessError(
        "REGISTRATION_MISMATCH",
        `the ${hashes.length} examples of ${hex(reg.contributor, 40)} do not match its registration (${reg.count} examples, commitment ${reg.commitment})`,
      );
    }
  }
  // Dedup: the earliest registrant keeps each example.
  const credited = new Map<bigint, ExampleScore>();
  const others = new Map<bigint, ExampleScore[]>();
  for (const e of examples) {
    const current = credited.get(e.hash);
    if (current === undefined) {
      credited.set(e.hash, e);
      continue;
    }
    if (current.score !== e.score) {
      throw new EpochWitnessError("SCORE_CONFLICT", `example ${hex(e.hash, 32)} has two scores (${current.score} and ${e.score})`);
    }
    const order = (c: bigint) => byContributor.get(c)!.order;
    const [keep, lose] = order(e.contributor) < order(current.contributor) ? [e, current] : [current, e];
    credited.set(e.hash, keep);
    others.set(e.hash, [...(others.get(e.hash) ?? []), lose]);
  }
  // Sum the clipped scores per contributor and split the pool.
  const totals = new Map<bigint, bigint>(registrations.map((r) => [r.contributor, 0n]));
  for (const e of credited.values()) if (e.score > 0n) totals.set(e.contributor, totals.get(e.contributor)! + e.score);
  const contributorTable = splitPool([...totals].map(([address, amount]) => ({ address, amount })), pool, config);
  const rowOf = new Map(contributorTable.rows.map((row, i) => [row.address, i]));
  const exampleTable: ExampleRow[] = [...credited.values()]
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
    .map((e) => ({ hash: e.hash, contributor: rowOf.get(e.contributor)!, score: e.score }));
  const duplicates: DuplicateEvidence[] = [...others]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([hash, lost]) => {
      const keep = credited.get(hash)!;
      return {
        hash,
        creditedTo: keep.contributor,
        creditedOrder: byContributor.get(keep.contributor)!.order,
        alsoClaimedBy: lost.map((l) => ({ contributor: l.contributor, order: byContributor.get(l.contributor)!.order })).sort((a, b) => a.order - b.order),
      };
    });

  return { exampleTable, contributorTable, duplicates };
}

/** Both commitments, r and every batch of an epoch's two tables. */
export interface EpochBatches {
  readonly commitExamples: bigint;
  readonly commitContributors: bigint;
  readonly r: bigint;
  readonly exampleBatches: readonly ExampleBatch[];
  readonly payoutBatches: readonly PayoutBatch[];
}

/**
 * Commits both tables (the chains do not depend on r), draws r from the commitments and the
 * domain, then builds every batch under r. Takes the tables as given: buildEpochWitness is the
 * policy; this is the protocol around any pair of tables (tests feed it dishonest ones).
 */
export function buildEpochBatches(
  exampleTable: readonly ExampleRow[],
  contributorTable: PayoutTable,
  domain: bigint,
  exampleBatchSize: number,
  payoutBatchSize: number,
  config: ProtocolConfig,
): EpochBatches {
  const chains = exampleChains(exampleTable, domain, exampleBatchSize, config);
  const commitExamples = chains.at(-1)!;
  const commitContributors = buildPayoutBatches(contributorTable, domain, 0n, payoutBatchSize, config).at(-1)!.chainOut;
  const r = epochChallenge(commitExamples, commitContributors, domain);
  return {
    commitExamples,
    commitContributors,
    r,
    exampleBatches: buildExampleBatches(exampleTable, domain, r, exampleBatchSize, config, chains),
    payoutBatches: buildPayoutBatches(contributorTable, domain, r, payoutBatchSize, config),
  };
}
