/**
 * Gas per contributor projected to circuits of 2^18 constraints from parts measured in one bench
 * run (issue: the gas target needs ~8k of non-transfer gas per contributor at 10 claims).
 * Measured: constraints per row and per batch header of each circuit; the gas of one claim batch,
 * one registration batch and one payout batch of B rows; a release of B payees; commit, reveal and
 * finalize; a bare ERC-20 transfer. Derived (and marked so): a Groth16 verification costs the same
 * whatever the circuit's size, so a 2^18 claim or registration batch costs what the measured one
 * does; a payout batch is its measured cost less B payout words (calldata and digest, estimated
 * at WORD_GAS each) plus one word per row; a release pays each payee what the measured one paid
 * per payee (its fixed cost spread over B, so an upper bound at 600 payees per release).
 */

/** A payout word in a batch's calldata (32 bytes, mostly nonzero) and its Horner step: an estimate. */
export const WORD_GAS = 700;
export const TARGET_CONSTRAINTS = 2 ** 18;

export interface CircuitShape {
  readonly perRow: number;
  readonly header: number;
}

export interface MeasuredParts {
  readonly claim: CircuitShape;
  readonly registration: CircuitShape;
  readonly payout: CircuitShape;
  /** Hashes per registration row. */
  readonly chunk: number;
  readonly claimBatchGas: number;
  readonly registrationBatchGas: number;
  /** One payout batch of `payoutBatchSize` rows. */
  readonly payoutBatchGas: number;
  readonly payoutBatchSize: number;
  /** One release of `payoutBatchSize` payees. */
  readonly releaseGas: number;
  /** commit + reveal + finalize, once per epoch. */
  readonly epochGas: number;
  readonly bareTransferGas: number;
}

export interface Projection {
  readonly claimsPerContributor: number;
  readonly contributors: number;
  readonly rowsPerProof: { readonly claim: number; readonly registration: number; readonly payout: number };
  /** Gas per contributor by part. */
  readonly claims: number;
  readonly registration: number;
  readonly payout: number;
  readonly release: number;
  readonly epoch: number;
  readonly total: number;
  /** total - a bare transfer: what the proofs and checks cost beside the transfer itself. */
  readonly beyondTransfer: number;
  readonly ratio: number;
}

const rowsPerProof = (c: CircuitShape) => Math.floor((TARGET_CONSTRAINTS - c.header) / c.perRow);

export function projectTo2pow18(parts: MeasuredParts, claimsPerContributor: number, contributors: number): Projection {
  const rows = { claim: rowsPerProof(parts.claim), registration: rowsPerProof(parts.registration), payout: rowsPerProof(parts.payout) };
  const claims = (claimsPerContributor / rows.claim) * parts.claimBatchGas;
  const registration = (Math.ceil(claimsPerContributor / parts.chunk) / rows.registration) * parts.registrationBatchGas;
  const payoutFixed = parts.payoutBatchGas - parts.payoutBatchSize * WORD_GAS;
  const payout = payoutFixed / rows.payout + WORD_GAS;
  const release = parts.releaseGas / parts.payoutBatchSize;
  const epoch = parts.epochGas / contributors;
  const total = claims + registration + payout + release + epoch;
  return {
    claimsPerContributor, contributors, rowsPerProof: rows, claims, registration, payout, release, epoch, total,
    beyondTransfer: total - parts.bareTransferGas, ratio: total / parts.bareTransferGas,
  };
}
