/**
 * The gas of an epoch at a size set the bench did not settle on chain (circuits whose trusted
 * setup is not at hand, 2^18 on a machine without its powers of tau; or a 1,000,000-example
 * epoch), derived from transaction costs it measured. Derived, and marked so wherever shown:
 * - a claim or registration batch costs the same whatever its rows: its calldata is the proof and
 *   a fixed claim, and a Groth16 verification costs the same for any circuit of four public
 *   signals: the measured mean of the largest measured size is used;
 * - a payout batch and a release are linear in their rows (a word of calldata and a Horner step;
 *   a transfer): a + b * rows, fitted through the two largest measured sizes;
 * - the baseline, BareTransfers in batches of the payout size, likewise linear in its payees;
 * - commit, reveal and finalize as measured (the commit's exclusion bitmap grows by a zero byte per
 *   eight registrants: under 1 % of the epoch at 1,000 contributors);
 * - batch counts exactly as the witness makes them (witness/ table sizes).
 */
import { duplicatesOf, type BatchSizes, type FlowGas, type FlowShape } from "./bench-gas.ts";

export interface LinearCost {
  readonly fixed: number;
  readonly perRow: number;
}

/** Per-transaction costs the derivation uses, from measured flows. */
export interface MeasuredCosts {
  readonly claimBatch: number;
  readonly registrationBatch: number;
  readonly payoutBatch: LinearCost;
  readonly release: LinearCost;
  /** commit + reveal + finalize. */
  readonly epoch: number;
  /** One BareTransfers transaction of `rows` fresh holders (the baseline at the same batch size). */
  readonly bareTransfer: LinearCost;
}

export interface DerivedEpoch {
  readonly sizes: BatchSizes;
  readonly shape: FlowShape;
  readonly claims: number;
  readonly batches: { readonly claim: number; readonly registration: number; readonly payout: number };
  readonly transactions: number;
  /** Gas per contributor by part. */
  readonly perContributor: {
    readonly claims: number;
    readonly registration: number;
    readonly payout: number;
    readonly release: number;
    readonly epoch: number;
  };
  readonly total: number;
  readonly totalPerContributor: number;
  /** BareTransfers per contributor at the payout batch size. */
  readonly bareTransfer: number;
  readonly ratio: number;
}

function fitLinear(points: readonly { rows: number; gas: number }[]): LinearCost {
  const sorted = [...points].sort((a, b) => a.rows - b.rows);
  const [small, large] = [sorted.at(-2)!, sorted.at(-1)!];
  const perRow = (large.gas - small.gas) / (large.rows - small.rows);
  return { fixed: large.gas - perRow * large.rows, perRow };
}

/**
 * Costs from flows measured at two or more payout batch sizes (the payout and release fits need
 * two); undefined with fewer.
 */
export function measuredCosts(flows: readonly FlowGas[]): MeasuredCosts | undefined {
  if (new Set(flows.map((f) => f.sizes.payout)).size < 2) return undefined;
  const largest = [...flows].sort((a, b) => a.sizes.example - b.sizes.example).at(-1)!;
  const mean = (t: { gas: number; count: number }) => t.gas / t.count;
  // Full batches only: the last payout batch and release of a flow may be padded or part-empty.
  const perSize = new Map<number, FlowGas>();
  for (const f of flows) perSize.set(f.sizes.payout, f);
  const points = (kind: "payout" | "release") => [...perSize.values()].map((f) => ({ rows: f.sizes.payout, gas: mean(f.tx[kind]) }));
  return {
    claimBatch: mean(largest.tx.claim),
    registrationBatch: mean(largest.tx.registration),
    payoutBatch: fitLinear(points("payout")),
    release: fitLinear(points("release")),
    epoch: largest.tx.commit.gas + largest.tx.reveal.gas + largest.tx.finalize.gas,
    bareTransfer: fitLinear([...perSize.values()].map((f) => ({ rows: f.sizes.payout, gas: f.barePerContributor * f.sizes.payout }))),
  };
}

/** Claim rows and batches of each table of a bench flow, as the witness makes them. */
export function flowBatches(sizes: BatchSizes, shape: FlowShape, chunk: number): { claims: number; batches: DerivedEpoch["batches"] } {
  const n = shape.contributors;
  const m = shape.examplesPerContributor;
  // Lists as the bench makes them (own examples plus 1 % duplicates), counted without hashing them.
  let claims = 0;
  let registrationRows = 0;
  for (let i = 0; i < n; i++) {
    const length = m + duplicatesOf(i, m);
    claims += length;
    registrationRows += Math.ceil(length / chunk);
  }
  return {
    claims,
    batches: {
      claim: Math.ceil(claims / sizes.example),
      registration: Math.ceil(registrationRows / sizes.registration),
      payout: Math.ceil(n / sizes.payout),
    },
  };
}

/** The epoch of `shape` at `sizes`, from measured costs (see the header). */
export function deriveEpoch(costs: MeasuredCosts, sizes: BatchSizes, shape: FlowShape, chunk: number): DerivedEpoch {
  const n = shape.contributors;
  const { claims, batches } = flowBatches(sizes, shape, chunk);
  const linear = (c: LinearCost, rows: number) => c.fixed + c.perRow * rows;
  const gas = {
    claims: batches.claim * costs.claimBatch,
    registration: batches.registration * costs.registrationBatch,
    payout: batches.payout * linear(costs.payoutBatch, sizes.payout),
    release: batches.payout * costs.release.fixed + n * costs.release.perRow,
    epoch: costs.epoch,
  };
  const total = gas.claims + gas.registration + gas.payout + gas.release + gas.epoch;
  const bareTransfer = costs.bareTransfer.fixed / sizes.payout + costs.bareTransfer.perRow;
  const per = (g: number) => g / n;
  return {
    sizes,
    shape,
    claims,
    batches,
    transactions: batches.claim + batches.registration + 2 * batches.payout + 3,
    perContributor: {
      claims: per(gas.claims),
      registration: per(gas.registration),
      payout: per(gas.payout),
      release: per(gas.release),
      epoch: per(gas.epoch),
    },
    total,
    totalPerContributor: per(total),
    bareTransfer,
    ratio: per(total) / bareTransfer,
  };
}
