/**
 * What a batch proof's public signals are, in snarkjs order (outputs first, then public inputs):
 * [chainOut, digest, r, rho] for ExampleBatch and PayoutBatch alike (the statement of Soundness I).
 * r is supplied by the contract from its storage, so the prover cannot pick another r after seeing
 * rho; PayoutBatch absorbs its batch index into the chain (payout-table.ts). A verification key of
 * any other nPublic is refused when the record is read (../statement-keys.ts).
 */

/** The values a batch proof is verified against. */
export interface BatchSignals {
  readonly chainOut: bigint;
  readonly digest: bigint;
  readonly r: bigint;
  readonly rho: bigint;
}

/** The names of the public signals, in snarkjs order; their count is the keys' nPublic. */
export const SIGNAL_NAMES = ["chainOut", "digest", "r", "rho"] as const satisfies readonly (keyof BatchSignals)[];

/** The public signals of a batch, in snarkjs order. */
export function publicSignalsOf(signals: BatchSignals): bigint[] {
  return SIGNAL_NAMES.map((name) => signals[name]);
}
