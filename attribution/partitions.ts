/**
 * The demo's contributors: slices of the MNIST pool of varied quality (clean data, data with
 * changed labels, copies of another contributor's data, a handful of examples), so payouts can be
 * seen to follow quality. Deterministic for a seed: fresh examples are taken in a seeded order,
 * changed labels are seeded. A contributor's address is that of its development key
 *   key(label) = keccak256(utf8("attribution-prover/demo-contributor/" + label))
 * the same derivation as protocol/demo-contributors.ts, so the demo can register each
 * partition from its own address.
 */
import { computeAddress, keccak256, toUtf8Bytes } from "ethers";
import type { PartitionConfig } from "../config/attribution.ts";
import { CLASSES, subset, type Dataset } from "./data.ts";
import { AttributionError } from "./errors.ts";
import { derive, Rng } from "./prng.ts";

/** One contributor's data. */
export interface Partition {
  readonly label: string;
  readonly kind: PartitionConfig["kind"];
  /** EIP-55 address. */
  readonly address: string;
  readonly data: Dataset;
  /** Which examples had their label changed (noisy partitions), by position. */
  readonly flipped: Uint8Array;
}

/** EIP-55 address of the demo development key of `label` (see the header). */
export function contributorAddress(label: string): string {
  return computeAddress(keccak256(toUtf8Bytes(`attribution-prover/demo-contributor/${label}`)));
}

/** Changes the label of a seeded `fraction` of `data` to a different class; returns the mask. */
export function flipLabels(data: Dataset, fraction: number, seed: bigint): Uint8Array {
  const rng = new Rng(seed);
  const count = Math.round(fraction * data.size);
  const order = rng.permutation(data.size);
  const flipped = new Uint8Array(data.size);
  for (let k = 0; k < count; k++) {
    const i = order[k]!;
    data.labels[i] = (data.labels[i]! + 1 + rng.int(CLASSES - 1)) % CLASSES;
    flipped[i] = 1;
  }
  return flipped;
}

/**
 * Indices of the `poolSize` pool examples buildPartitions(pool, specs, seed) leaves unused (it
 * takes fresh examples in a seeded order; copies take none).
 */
export function unusedPoolIndices(poolSize: number, specs: readonly PartitionConfig[], seed: number): Uint32Array {
  const order = new Rng(derive(seed, "partitions")).permutation(poolSize);
  const used = specs.reduce((n, spec) => n + (spec.kind === "duplicate" ? 0 : spec.size), 0);
  return Uint32Array.from(order.subarray(Math.min(used, poolSize)));
}

/** Builds the contributors of `specs` from `pool`. */
export function buildPartitions(pool: Dataset, specs: readonly PartitionConfig[], seed: number): Partition[] {
  const order = new Rng(derive(seed, "partitions")).permutation(pool.size);
  let next = 0;
  const parts: Partition[] = [];
  specs.forEach((spec, index) => {
    const address = contributorAddress(spec.label);
    if (spec.kind === "duplicate") {
      const source = parts[spec.source ?? -1];
      if (!source || spec.size > source.data.size) {
        throw new AttributionError(
          "PARTITION_INVALID",
          `partition ${index} (${spec.label}): source ${spec.source} must be an earlier contributor with at least ${spec.size} examples`,
        );
      }
      const data = subset(
        source.data,
        Array.from({ length: spec.size }, (_, i) => i),
      );
      parts.push({ label: spec.label, kind: spec.kind, address, data, flipped: source.flipped.slice(0, spec.size) });
      return;
    }
    if (next + spec.size > pool.size) {
      throw new AttributionError(
        "PARTITION_INVALID",
        `partition ${index} (${spec.label}): ${spec.size} examples requested, ${pool.size - next} left in the pool`,
      );
    }
    const data = subset(pool, order.subarray(next, next + spec.size));
    next += spec.size;
    const flipped = spec.kind === "noisy" ? flipLabels(data, spec.noise ?? 0, derive(seed, "noise", index)) : new Uint8Array(data.size);
    parts.push({ label: spec.label, kind: spec.kind, address, data, flipped });
  });
  return parts;
}
