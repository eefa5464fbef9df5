/**
 * What a batch proof's public signals are, in snarkjs order (outputs first, then public inputs):
 * [chainOut, digest, seed, rho] for all three circuits (docs/soundness-ii.md; a registration
 * batch's chainOut is its foldOut, the registry's running hash after the batch). The seed is
 * supplied by the contract from its storage and rho drawn by it, so the prover chooses neither. A
 * verification key of any other nPublic is refused when the record is read (../statement-keys.ts).
 */

/** The values a batch proof is verified against. */
export interface BatchSignals {
  readonly chainOut: bigint;
  readonly digest: bigint;
  readonly seed: bigint;
  readonly rho: bigint;
}

/** The names of the public signals, in snarkjs order; their count is the keys' nPublic. */
export const SIGNAL_NAMES = ["chainOut", "digest", "seed", "rho"] as const satisfies readonly (keyof BatchSignals)[];

/** The public signals of a batch, in snarkjs order. */
export function publicSignalsOf(signals: BatchSignals): bigint[] {
  return SIGNAL_NAMES.map((name) => signals[name]);
}
