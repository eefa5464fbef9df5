/**
 * KNN-Shapley (Jia et al. 2019): exact Shapley values of the K-nearest-neighbour classifier's
 * utility on one validation example, in the model's penultimate feature space. With training
 * rows sorted by distance to validation example j (ties by index), alpha_1 closest:
 *   s(alpha_N) = 1[y_alpha_N = y_j] / N
 *   s(alpha_i) = s(alpha_i+1) + (1[y_alpha_i = y_j] - 1[y_alpha_i+1 = y_j]) / K * min(K, i) / i
 * Cost per validation example: n * hidden for distances, n log n for the sort.
 */
import type { LabelledOutputs } from "./influence.ts";
import type { PointwiseAttribution, ScoringInput } from "./types.ts";

export interface KnnSettings {
  readonly k: number;
}

export async function knnShapley(input: ScoringInput, settings: KnnSettings): Promise<PointwiseAttribution> {
  return knnShapleyOnFeatures(
    { outputs: await input.run(input.model.params, input.train), labels: input.train.labels },
    { outputs: await input.run(input.model.params, input.validation), labels: input.validation.labels },
    input.shape.hidden,
    settings,
  );
}

/** KNN-Shapley of any classifier's training rows, in its penultimate feature space. */
export function knnShapleyOnFeatures(
  trainSet: LabelledOutputs,
  valSet: LabelledOutputs,
  hidden: number,
  settings: KnnSettings,
): PointwiseAttribution {
  const train = trainSet.outputs;
  const val = valSet.outputs;
  const n = train.size;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < hidden; d++) s += train.features[i * hidden + d]! ** 2;
    norms[i] = s;
  }
  const dist = new Float64Array(n);
  const order = new Uint32Array(n);
  const K = settings.k;
  return {
    kind: "pointwise",
    accumulate(j, weight, into) {
      const q = val.features.subarray(j * hidden, (j + 1) * hidden);
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let d = 0; d < hidden; d++) dot += train.features[i * hidden + d]! * q[d]!;
        dist[i] = norms[i]! - 2 * dot;
        order[i] = i;
      }
      order.sort((a, b) => dist[a]! - dist[b]! || a - b);
      const y = valSet.labels[j];
      const match = (r: number) => (trainSet.labels[order[r]!] === y ? 1 : 0);
      let s = match(n - 1) / n;
      into[order[n - 1]!]! += weight * s;
      for (let r = n - 2; r >= 0; r--) {
        const rank = r + 1;
        s += ((match(r) - match(r + 1)) / K) * (Math.min(K, rank) / rank);
        into[order[r]!]! += weight * s;
      }
    },
  };
}
