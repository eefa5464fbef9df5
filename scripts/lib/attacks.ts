/**
 * The attack suite's building blocks (scripts/eval-attacks.ts, test/attacks.test.ts): image
 * transforms an attacker applies to copies, scenario partitions, and the payout of a set of
 * identities under the real policy (witness/ applyPolicy: earliest registrant keeps an exact copy,
 * clip at 0, sums per registration, floor split of R).
 */
import { config } from "../../config/index.ts";
import type { AttributionConfig } from "../../config/attribution.ts";
import type { AttributionResult } from "../../attribution/index.ts";
import { contributorAddress, type Partition } from "../../attribution/partitions.ts";
import { scoreContributors } from "../../attribution/pipeline.ts";
import { rotateImage } from "../../attribution/rotate.ts";
import type { Dataset } from "../../dataset/index.ts";
import { PIXELS, exampleHash } from "../../attribution/data.ts";
import { Rng } from "../../attribution/prng.ts";
import { applyPolicy } from "../../witness/index.ts";
import { registerOffline } from "./offline-registrations.ts";

const SIDE = 28;

/** Copies of `data` transformed image by image (labels kept). */
export function transform(data: Dataset, f: (image: Uint8Array, k: number) => Uint8Array): Dataset {
  const images = new Uint8Array(data.size * PIXELS);
  for (let k = 0; k < data.size; k++) images.set(f(data.images.subarray(k * PIXELS, (k + 1) * PIXELS), k), k * PIXELS);
  return { images, labels: data.labels.slice(), size: data.size };
}

/** Shift by (dx, dy) with zero fill, multiply intensity by `scale`, add N(0, noise) (noise in [0,1] units), clip, round. */
export function shiftNoise(image: Uint8Array, dx: number, dy: number, noise: number, scale: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(PIXELS);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const X = x - dx,
        Y = y - dy;
      const v = X >= 0 && X < SIDE && Y >= 0 && Y < SIDE ? image[Y * SIDE + X]! : 0;
      out[y * SIDE + x] = Math.max(0, Math.min(255, Math.round(v * scale + noise * 255 * rng.normal())));
    }
  return out;
}

/** Random shift in [-2,2]^2 (never (0,0)), noise sigma `noise`, intensity scale in [0.8, 1]. */
export function shiftedNoisyCopy(data: Dataset, seed: bigint, noise = 0.05): Dataset {
  const rng = new Rng(seed);
  return transform(data, (img) => {
    let dx = 0,
      dy = 0;
    while (dx === 0 && dy === 0) {
      dx = rng.int(5) - 2;
      dy = rng.int(5) - 2;
    }
    return shiftNoise(img, dx, dy, noise, 0.8 + 0.2 * rng.next(), rng);
  });
}

/** Rotation by a random angle in [-max, max] degrees, at least max/2 in magnitude. */
export function rotatedCopy(data: Dataset, seed: bigint, max = 10): Dataset {
  const rng = new Rng(seed);
  return transform(data, (img) => rotateImage(img, (rng.next() < 0.5 ? -1 : 1) * max * (0.5 + 0.5 * rng.next())));
}

export function party(label: string, data: Dataset, flipped = new Uint8Array(data.size)): Partition {
  return { label, kind: "clean", address: contributorAddress(label), data, flipped };
}

/**
 * Rewards (token base units) per address under the real policy, registration order = partition
 * order, every partition delivering its data (an address registered twice is paid both rows).
 */
export function payouts(result: AttributionResult, partitions: readonly Partition[], pool: bigint): Map<string, bigint> {
  // One score per example: the earliest registrant's row (rows follow partition order), the credited claim.
  const scores = new Map<bigint, bigint>();
  for (const row of result.rows) if (!scores.has(row.exampleHash)) scores.set(row.exampleHash, row.score);
  const lists = partitions.map((p) => ({
    sender: BigInt(p.address),
    hashes: Array.from({ length: p.data.size }, (_, i) => exampleHash(p.data, i)),
  }));
  const { payoutTable } = applyPolicy({ ...registerOffline(lists), scores, pool, config });
  const out = new Map<string, bigint>();
  for (const row of payoutTable.rows) {
    const address = `0x${row.address.toString(16).padStart(40, "0")}`;
    out.set(address, (out.get(address) ?? 0n) + row.reward);
  }
  return out;
}

export function rewardOf(pay: Map<string, bigint>, partitions: readonly Partition[]): bigint {
  return partitions.reduce((s, p) => s + (pay.get(p.address.toLowerCase()) ?? 0n), 0n);
}

/** Scores `partitions` and returns the result and every address's reward. */
export async function runScenario(partitions: readonly Partition[], validation: Dataset, settings: AttributionConfig, pool: bigint) {
  const format = { decimals: config.fixedPoint.decimals, scoreBits: config.widths.scoreBits };
  const result = await scoreContributors(partitions, validation, "", settings, format, () => {});
  return { result, pay: payouts(result, partitions, pool) };
}
