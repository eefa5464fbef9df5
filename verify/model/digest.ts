/**
 * Each batch's transcript V, its challenge rho and its digest, as PayoutSettlement computes them
 * before it calls a verifier (submitExampleBatch, submitRegistrationBatch, _payoutDigest). Every
 * value of V is either the contract's own state or a function of the batch's chain (fold) value
 * and the seed, so rho, drawn by keccak after them, is drawn after V is fixed; the digest is V
 * (then the payout words) evaluated as a polynomial at rho, which the proof must reproduce.
 *   claim batch:        V = [chainIn, domain, seed, hashIn, jIn, hashOut, jOut, scoreSum, rlcSum, prod]
 *                       rho = keccak(abi.encode(chainOut, V)) mod p
 *   registration batch: V = [regDomain, seed, fold, nextJ, open, state, count, senderN, excl (in),
 *                            fold, nextJ, open, state, count, senderN, excl (out), prod, rlcSum]
 *                       rho = keccak(abi.encode(foldOut, V)) mod p
 *   payout batch:       V = [chainIn, domain, pool, S, seed, batchIndex, amountSum, rlcSum]
 *                       rho = keccak(abi.encode(chainOut, V, keccak(abi.encodePacked(words)))) mod p,
 *                       digest over V then the words
 */
import { evaluateAt } from "./field.ts";
import { keccakToField, packedWordsHash } from "./keccak.ts";

/** The public values of a claim batch, what epoch.json records and the contract's storage carries. */
export interface ClaimBatchValues {
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  readonly hashIn: bigint;
  readonly jIn: bigint;
  readonly hashOut: bigint;
  readonly jOut: bigint;
  /** Sum of the batch's clipped scores. */
  readonly scoreSum: bigint;
  /** sum max(s, 0) r^j over the batch's rows. */
  readonly rlcSum: bigint;
  /** prod (gamma - h - beta j) over the batch's active rows. */
  readonly prod: bigint;
}

/** What the settlement stores between registration batches (0s before the first). */
export interface RegistrationCarry {
  /** F after the registrants closed so far. */
  readonly fold: bigint;
  /** Registrants started so far. */
  readonly nextJ: bigint;
  /** 1 when a registrant's list continues into the next batch. */
  readonly open: bigint;
  /** open * Poseidon(regDomain, list, count, senderN) of that registrant. */
  readonly state: bigint;
  readonly count: bigint;
  readonly senderN: bigint;
  /** The exclusion chain over the excluded registrants so far (0 before the first). */
  readonly excl: bigint;
}

export const EMPTY_CARRY: RegistrationCarry = { fold: 0n, nextJ: 0n, open: 0n, state: 0n, count: 0n, senderN: 0n, excl: 0n };

/** The public values of a registration batch. */
export interface RegistrationBatchValues {
  readonly in: RegistrationCarry;
  readonly out: RegistrationCarry;
  readonly prod: bigint;
  readonly rlcSum: bigint;
}

/** The public values of a payout batch (its words come with it). */
export interface PayoutBatchValues {
  readonly chainIn: bigint;
  readonly chainOut: bigint;
  readonly amountSum: bigint;
  readonly rlcSum: bigint;
}

export interface Digest {
  readonly rho: bigint;
  readonly digest: bigint;
}

/** V of a claim batch in the contract's order. */
export function claimTranscript(v: ClaimBatchValues, domain: bigint, seed: bigint): bigint[] {
  return [v.chainIn, domain, seed, v.hashIn, v.jIn, v.hashOut, v.jOut, v.scoreSum, v.rlcSum, v.prod];
}

export function claimDigest(v: ClaimBatchValues, domain: bigint, seed: bigint): Digest {
  const t = claimTranscript(v, domain, seed);
  const rho = keccakToField([v.chainOut, ...t]);
  return { rho, digest: evaluateAt(t, rho) };
}

const carryWords = (c: RegistrationCarry) => [c.fold, c.nextJ, c.open, c.state, c.count, c.senderN, c.excl];

/** V of a registration batch in the contract's order. */
export function registrationTranscript(v: RegistrationBatchValues, regDomain: bigint, seed: bigint): bigint[] {
  return [regDomain, seed, ...carryWords(v.in), ...carryWords(v.out), v.prod, v.rlcSum];
}

export function registrationDigest(v: RegistrationBatchValues, regDomain: bigint, seed: bigint): Digest {
  const t = registrationTranscript(v, regDomain, seed);
  const rho = keccakToField([v.out.fold, ...t]);
  return { rho, digest: evaluateAt(t, rho) };
}

/** What every payout batch of an epoch shares in its V. */
export interface PayoutEpochValues {
  readonly domain: bigint;
  readonly pool: bigint;
  /** S. */
  readonly total: bigint;
  readonly seed: bigint;
}

/** V of payout batch `index` (without the words). */
export function payoutTranscript(v: PayoutBatchValues, index: number, e: PayoutEpochValues): bigint[] {
  return [v.chainIn, e.domain, e.pool, e.total, e.seed, BigInt(index), v.amountSum, v.rlcSum];
}

export function payoutDigest(v: PayoutBatchValues, index: number, e: PayoutEpochValues, words: readonly bigint[]): Digest {
  const t = payoutTranscript(v, index, e);
  const rho = keccakToField([v.chainOut, ...t, BigInt(packedWordsHash(words))]);
  return { rho, digest: evaluateAt([...t, ...words], rho) };
}
