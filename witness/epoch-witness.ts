/**
 * The whole epoch's witness as one pure function: the registry's registrations, the data the
 * registrants delivered and the per-example scores -> the three tables of docs/soundness-ii.md,
 * the commit, the seed and every batch input. It is the reference model of the policy:
 *   0. delivery: registration j keeps its claims only if its delivered list re-hashes to its
 *      commitment C_j with its own sender and salt; otherwise it is excluded (zero payout row;
 *      the exclusion set is committed on chain and contestable with a delivery receipt);
 *   1. dedup: every (hash, j) claim of a kept list, sorted by (hash, j); the first claim of each
 *      hash (its EARLIEST registrant) is credited with the example's score, later ones with 0;
 *   2. clip: a negative score counts 0;
 *   3. sum: T_j = sum of the clipped scores credited to registration j;
 *   4. split: reward_j = floor(R * T_j / S) (policy.ts), row j paying registration j's sender.
 */
import type { ProtocolConfig } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { epochSeed, exclusionBitmap, type EpochCommit } from "./challenge.ts";
import { buildExampleBatches, exampleChains, type ExampleBatch, type ExampleRow } from "./example-batches.ts";
import { buildPayoutBatches, type PayoutBatch } from "./payout-batches.ts";
import { splitPool, type PayoutTable } from "./policy.ts";
import { registrationCommitment, RegistrationCommitmentError } from "./registration-commitment.ts";
import { buildRegistrationBatches, exclusionChain, type Registrant, type RegistrationBatch } from "./registration-batches.ts";

/** A registration as the registry emitted it (Registered event). */
export interface Registration {
  /** Registration order j: 0, 1, ... in the registry's order. */
  readonly order: number;
  /** The registrant's address as an integer: the payee of row j. */
  readonly contributor: bigint;
  /** C_j, the registration commitment (witness/registration-commitment.ts). */
  readonly commitment: bigint;
  readonly count: number;
}

/** What a registrant handed to the trainer: its example hashes and the salt of its C_j. */
export interface Delivery {
  readonly salt: bigint;
  readonly hashes: readonly bigint[];
}

/** A registrant whose claims are left out: the trainer's word, public and contestable on chain. */
export interface Exclusion {
  readonly order: number;
  readonly reason: "NOT_DELIVERED" | "COMMITMENT_MISMATCH";
  readonly detail: string;
}

/** An example claimed by several registrations: who is credited (the earliest) and who is not. */
export interface DuplicateEvidence {
  readonly hash: bigint;
  readonly creditedOrder: number;
  readonly alsoClaimedBy: readonly number[];
}

export interface EpochPolicyOptions {
  /** Every registration of the epoch, orders 0..m-1. */
  readonly registrations: readonly Registration[];
  /** Deliveries by registration order. */
  readonly deliveries: ReadonlyMap<number, Delivery>;
  /** The signed fixed-point score of every example hash a kept registration claims. */
  readonly scores: ReadonlyMap<bigint, bigint>;
  readonly pool: bigint;
  /** The registry's registrationDomain(epoch): the first element of every C_j. */
  readonly registrationDomain: bigint;
  readonly config: ProtocolConfig;
}

/** The policy's output: the tables and the evidence. */
export interface EpochTables {
  /** Every claim of every kept registration, sorted by (hash, j). */
  readonly claimTable: readonly ExampleRow[];
  /** One row per registration, in order j. */
  readonly payoutTable: PayoutTable;
  /** The registration table's entries, in order j (excluded ones carry no hashes). */
  readonly registrants: readonly Registrant[];
  readonly exclusion: readonly Exclusion[];
  readonly duplicates: readonly DuplicateEvidence[];
}

export type EpochWitnessErrorCode = "REGISTRATION_ORDER" | "MISSING_SCORE" | "NOTHING_TO_SPLIT";

/** Registrations, deliveries and scores that do not fit together. */
export class EpochWitnessError extends CodedError<EpochWitnessErrorCode> {
  constructor(code: EpochWitnessErrorCode, message: string) {
    super(code, "input", message);
  }
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** Step 0: whether registration `reg`'s delivery opens its commitment; the reason when not. */
function checkDelivery(reg: Registration, delivery: Delivery | undefined, domain: bigint, config: ProtocolConfig): Exclusion | undefined {
  if (!delivery) return { order: reg.order, reason: "NOT_DELIVERED", detail: "no data was delivered" };
  try {
    const c = registrationCommitment({
      domain,
      sender: hex(reg.contributor, 40),
      salt: delivery.salt,
      hashes: delivery.hashes,
      chunk: config.registrationBatch.chunk,
    });
    if (c === reg.commitment && delivery.hashes.length === reg.count) return undefined;
    return {
      order: reg.order,
      reason: "COMMITMENT_MISMATCH",
      detail: `the ${delivery.hashes.length} delivered hashes re-hash to ${hex(c, 64)}, not the registered ${hex(reg.commitment, 64)} (${reg.count} examples)`,
    };
  } catch (error) {
    if (error instanceof RegistrationCommitmentError || error instanceof RangeError) {
      return { order: reg.order, reason: "COMMITMENT_MISMATCH", detail: (error as Error).message };
    }
    throw error;
  }
}

/** Steps 0-4 of the header: the tables and the evidence, without commitments or batches. */
export function applyPolicy(options: EpochPolicyOptions): EpochTables {
  const { registrations, deliveries, scores, pool, registrationDomain, config } = options;
  registrations.forEach((reg, i) => {
    if (reg.order !== i)
      throw new EpochWitnessError(
        "REGISTRATION_ORDER",
        `registration ${i} has order ${reg.order}: registrations must be given in order 0..m-1`,
      );
  });
  const exclusion: Exclusion[] = [];
  const registrants: Registrant[] = [];
  const claims: { hash: bigint; j: number }[] = [];
  for (const reg of registrations) {
    const delivery = deliveries.get(reg.order);
    const excluded = checkDelivery(reg, delivery, registrationDomain, config);
    const sender = hex(reg.contributor, 40);
    if (excluded) {
      exclusion.push(excluded);
      registrants.push({ sender, salt: 0n, hashes: [], excluded: true, commitment: reg.commitment, count: reg.count });
      continue;
    }
    registrants.push({
      sender,
      salt: delivery!.salt,
      hashes: delivery!.hashes,
      excluded: false,
      commitment: reg.commitment,
      count: reg.count,
    });
    for (const hash of delivery!.hashes) claims.push({ hash, j: reg.order });
  }
  claims.sort((a, b) => compare(a.hash, b.hash) || a.j - b.j);

  const totals = registrations.map(() => 0n);
  const claimTable: ExampleRow[] = [];
  const duplicates: DuplicateEvidence[] = [];
  for (const [i, claim] of claims.entries()) {
    const first = i === 0 || claims[i - 1]!.hash !== claim.hash;
    if (!first) {
      const last = duplicates.at(-1);
      if (last?.hash === claim.hash) (last.alsoClaimedBy as number[]).push(claim.j);
      else duplicates.push({ hash: claim.hash, creditedOrder: claims[i - 1]!.j, alsoClaimedBy: [claim.j] });
      claimTable.push({ hash: claim.hash, j: claim.j, score: 0n });
      continue;
    }
    const score = scores.get(claim.hash);
    if (score === undefined)
      throw new EpochWitnessError("MISSING_SCORE", `example ${hex(claim.hash, 32)} (registration ${claim.j}) has no score`);
    claimTable.push({ hash: claim.hash, j: claim.j, score });
    if (score > 0n) totals[claim.j]! += score;
  }
  if (totals.every((t) => t === 0n))
    throw new EpochWitnessError("NOTHING_TO_SPLIT", "no credited example has a positive score: S would be 0");
  const payoutTable = splitPool(
    registrations.map((reg, j) => ({ address: reg.contributor, amount: totals[j]! })),
    pool,
    config,
  );
  return { claimTable, payoutTable, registrants, exclusion, duplicates };
}

export interface EpochWitnessOptions extends EpochPolicyOptions {
  /** The settlement's domain(epoch) (witness/domain.ts epochDomain). */
  readonly domain: bigint;
  /** The registry's running hash F at the deadline. */
  readonly fold: bigint;
  /** bytes32 hex: the hash of the trained model. */
  readonly modelHash: string;
  readonly exampleBatchSize: number;
  readonly registrationBatchSize: number;
  readonly payoutBatchSize: number;
}

/** The commit, the seed and every batch of an epoch's three tables. */
export interface EpochBatches {
  readonly commit: EpochCommit;
  readonly exclusionOrders: readonly number[];
  /** The exclusion set as commitEpoch takes it: a bitmap over the registrations. */
  readonly exclusionBitmap: string;
  readonly seed: bigint;
  readonly exampleBatches: readonly ExampleBatch[];
  readonly registrationBatches: readonly RegistrationBatch[];
  readonly payoutBatches: readonly PayoutBatch[];
}

export interface EpochWitness extends EpochTables, EpochBatches {}

/** Builds the epoch's tables, commit, seed and every batch input (see the header). */
export function buildEpochWitness(options: EpochWitnessOptions): EpochWitness {
  const tables = applyPolicy(options);
  return { ...tables, ...buildEpochBatches(tables, options) };
}

/**
 * Commits the claim and payout tables (their chains do not depend on the seed), draws the seed as
 * commitEpoch does, then builds every batch under it. Takes the tables as given: applyPolicy is
 * the policy; this is the protocol around any tables (tests feed it dishonest ones).
 */
export function buildEpochBatches(
  tables: Pick<EpochTables, "claimTable" | "payoutTable" | "registrants" | "exclusion">,
  options: Omit<EpochWitnessOptions, "registrations" | "deliveries" | "scores">,
): EpochBatches {
  const { domain, registrationDomain, fold, modelHash, pool, exampleBatchSize, registrationBatchSize, payoutBatchSize, config } = options;
  const chains = exampleChains(tables.claimTable, domain, exampleBatchSize, config);
  const payoutChain = buildPayoutBatches(tables.payoutTable, domain, 0n, payoutBatchSize, config);
  // One row per chunk of a kept list, one per excluded registrant (circuits/registration_batch.circom).
  const chunk = config.registrationBatch.chunk;
  const registrationRows = tables.registrants.reduce((rows, r) => rows + (r.excluded ? 1 : Math.ceil(r.hashes.length / chunk)), 0);
  const exclusionOrders = tables.exclusion.map((e) => e.order);
  const commit: EpochCommit = {
    commitExamples: chains.at(-1)!,
    commitPayouts: payoutChain.at(-1)!.chainOut,
    commitExclusion: exclusionChain(exclusionOrders, chunk, registrationDomain),
    total: tables.payoutTable.total,
    exampleBatches: chains.length,
    registrationBatches: Math.ceil(registrationRows / registrationBatchSize),
    payoutBatches: payoutChain.length,
    modelHash,
  };
  const seed = epochSeed({ domain, commit, fold, registrants: tables.registrants.length, exclusion: exclusionOrders, pool });
  return {
    commit,
    exclusionOrders,
    exclusionBitmap: exclusionBitmap(exclusionOrders, tables.registrants.length),
    seed,
    exampleBatches: buildExampleBatches(tables.claimTable, domain, seed, exampleBatchSize, config, chains),
    registrationBatches: buildRegistrationBatches(tables.registrants, registrationDomain, seed, registrationBatchSize, config),
    payoutBatches: buildPayoutBatches(tables.payoutTable, domain, seed, payoutBatchSize, config),
  };
}
