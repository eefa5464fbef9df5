/**
 * Each batch's digest and its challenge rho, as the settlement contract computes them before it
 * calls a verifier (submitExampleBatch, _payoutDigest). V is the batch's transcript: every value
 * the digest covers is either absorbed into a commitment r is drawn from or supplied by the
 * contract (DESIGN.md, rule 6). rho = keccak of chainOut and V (and the words' hash), and the
 * digest is V (then the words) evaluated as a polynomial at rho.
 */
import { evaluateAt } from "./field.ts";
import { keccakToField, packedWordsHash } from "./keccak.ts";

/** V of an ExampleBatch: chain and hash order in and out, and the batch's sums. */
export interface ExampleTranscript {
  readonly chainIn: bigint;
  readonly domain: bigint;
  readonly r: bigint;
  readonly hashIn: bigint;
  readonly hashOut: bigint;
  /** Sum of the batch's clipped scores. */
  readonly scoreSum: bigint;
  /** sum max(s_e, 0) r^(c_e) mod p over the batch's rows. */
  readonly rlcSum: bigint;
}

/** V of a PayoutBatch, in the contract's order. */
export interface PayoutTranscript {
  readonly chainIn: bigint;
  readonly domain: bigint;
  readonly pool: bigint;
  readonly total: bigint;
  /** Last payee before this batch (0 for the first). */
  readonly addressIn: bigint;
  readonly amountSum: bigint;
  readonly r: bigint;
  readonly batchIndex: bigint;
  /** sum T_c r^c mod p over the batch's rows, c the global row. */
  readonly rlcSum: bigint;
}

/** rho and digest of an ExampleBatch: rho = keccak(abi.encode(chainOut, V)) mod p. */
export function exampleDigest(chainOut: bigint, t: ExampleTranscript): { rho: bigint; digest: bigint } {
  const v = [t.chainIn, t.domain, t.r, t.hashIn, t.hashOut, t.scoreSum, t.rlcSum];
  const rho = keccakToField([chainOut, ...v]);
  return { rho, digest: evaluateAt(v, rho) };
}

/**
 * rho and digest of a PayoutBatch over `words` (address + reward * 2^addressBits, 0 for padding):
 * rho = keccak(abi.encode(chainOut, V, keccak(abi.encodePacked(words)))) mod p; the digest is
 * V followed by the words evaluated at rho, so it covers every word paid.
 */
export function payoutDigest(chainOut: bigint, t: PayoutTranscript, words: readonly bigint[]): { rho: bigint; digest: bigint } {
  const v = [t.chainIn, t.domain, t.pool, t.total, t.addressIn, t.amountSum, t.r, t.batchIndex, t.rlcSum];
  const rho = keccakToField([chainOut, ...v, BigInt(packedWordsHash(words))]);
  return { rho, digest: evaluateAt([...v, ...words], rho) };
}
