/**
 * The LDS protocol of `eval:attribution`, the same for every model it measures: `subsets` seeded
 * 50 % subsets of the `trainSize` training rows, a model retrained on each with its own seed, and
 * on each the measured output of every target (log p_y). The subsets and seeds derive from the
 * evaluation's seed only, so two models measured with one seed see the same subsets.
 */
import { derive, Rng } from "../../attribution/prng.ts";

export interface RetrainedSubsets {
  /** masks[s][i] = 1 when training row i is in subset s. */
  readonly masks: readonly Uint8Array[];
  /** outputs[s][j]: target j's measured output under the model retrained on subset s. */
  readonly outputs: readonly Float64Array[];
  readonly seconds: number;
}

/** Retrains on every subset: `retrain(members, seed)` trains on the sorted rows `members` with `seed` and returns the targets' outputs. */
export async function retrainSubsets(
  seed: number,
  subsets: number,
  trainSize: number,
  retrain: (members: readonly number[], seed: number) => Promise<Float64Array>,
): Promise<RetrainedSubsets> {
  const t = performance.now();
  const masks: Uint8Array[] = [];
  const outputs: Float64Array[] = [];
  for (let s = 0; s < subsets; s++) {
    const order = new Rng(derive(seed, "lds-subset", s)).permutation(trainSize);
    const members = Array.from(order.subarray(0, trainSize / 2)).sort((a, b) => a - b);
    const mask = new Uint8Array(trainSize);
    for (const i of members) mask[i] = 1;
    masks.push(mask);
    outputs.push(await retrain(members, Number(BigInt.asUintN(32, derive(seed, "lds-seed", s)))));
  }
  return { masks, outputs, seconds: (performance.now() - t) / 1000 };
}
