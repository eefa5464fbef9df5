/**
 * What a batch proof's public signals are, in snarkjs order (outputs first, then public inputs).
 *   - "r-public" (the statement of Soundness I): [chainOut, digest, r, rho] for ExampleBatch and
 *     PayoutBatch alike; r is supplied by the contract from its storage, so the prover cannot pick
 *     another r after seeing rho; PayoutBatch absorbs its batch index into the chain.
 *   - "legacy" (epochs proved before it): [chainOut, digest, rho]; r and the batch index were
 *     private inputs bound by nothing, which let a prover solve for them after seeing rho and make
 *     forged payout words verify (../shared/audits/2026-12-06/forge.ts). The skeptic still reads
 *     such an epoch, re-derives both tables and the words from the policy (which is what catches
 *     that forgery), and says in its report that the proofs alone do not bind r.
 * The layout is read from the verification key (nPublic), never guessed from the proof.
 */

export type StatementLayout = "r-public" | "legacy";

/** The values a batch proof is verified against. */
export interface BatchSignals {
  readonly chainOut: bigint;
  readonly digest: bigint;
  readonly r: bigint;
  readonly rho: bigint;
}

const NAMES: Readonly<Record<StatementLayout, readonly (keyof BatchSignals)[]>> = {
  "r-public": ["chainOut", "digest", "r", "rho"],
  legacy: ["chainOut", "digest", "rho"],
};

/** The layout whose verification keys have `nPublic` public signals, or undefined. */
export function layoutOf(nPublic: number): StatementLayout | undefined {
  return (Object.keys(NAMES) as StatementLayout[]).find((layout) => NAMES[layout].length === nPublic);
}

/** The names of the public signals of `layout`, in snarkjs order. */
export function signalNames(layout: StatementLayout): readonly (keyof BatchSignals)[] {
  return NAMES[layout];
}

/** The public signals of `layout` for a batch, in snarkjs order. */
export function publicSignalsOf(layout: StatementLayout, signals: BatchSignals): bigint[] {
  return NAMES[layout].map((name) => signals[name]);
}
