/** Quality metrics of an attribution: Spearman rank correlation, ROC AUC, linear datamodeling score. */

/** Ranks (1-based, ties averaged) of `values`. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    for (let k = i; k <= j; k++) r[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? 0 : sab / Math.sqrt(saa * sbb);
}

/** Spearman rank correlation of two equally long series. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length < 2) throw new RangeError(`series must have the same length >= 2, got ${a.length} and ${b.length}`);
  return pearson(ranks(a), ranks(b));
}

/** ROC AUC of `scores` (higher = more likely positive) against boolean `positive`, ties counted half. */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const r = ranks(scores);
  let pos = 0;
  let sum = 0;
  for (let i = 0; i < r.length; i++)
    if (positive[i]) {
      pos++;
      sum += r[i]!;
    }
  const neg = r.length - pos;
  if (pos === 0 || neg === 0) throw new RangeError("AUC needs at least one positive and one negative");
  return (sum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Linear datamodeling score (Park et al. 2023): for each target j, the Spearman correlation over
 * subsets S of sum_{i in S} tau(j, i) with the measured output f_j of the model retrained on S;
 * averaged over targets. `tau` is [targets, n]; `masks[s]` marks the members of subset s;
 * `outputs[s]` is [targets] measured on the model trained on subset s.
 */
export function lds(tau: Float32Array, n: number, masks: readonly Uint8Array[], outputs: readonly Float64Array[]): number {
  const targets = tau.length / n;
  let total = 0;
  const predicted = new Float64Array(masks.length);
  const actual = new Float64Array(masks.length);
  for (let j = 0; j < targets; j++) {
    masks.forEach((mask, s) => {
      let sum = 0;
      for (let i = 0; i < n; i++) if (mask[i]) sum += tau[j * n + i]!;
      predicted[s] = sum;
      actual[s] = outputs[s]![j]!;
    });
    total += spearman(predicted, actual);
  }
  return total / targets;
}
