/**
 * The held-out validation set chosen from the trainer's secret. The public seed (config
 * attribution.seed) fixes only the pool the demo contributors' data is drawn from (splitMnist,
 * buildPartitions: unchanged); the validation set is `validationSize` examples of the candidates,
 * every digit no contributor partition takes (the seed's held-out part and the pool's unused
 * rest), ranked by HMAC-SHA256(secret, candidate index): whoever lacks the secret cannot derive
 * it from the repository, and two secrets give different sets. The trainer commits to the set's
 * hash when registration opens and reveals it after scoring (protocol/trainer/validation-reveal.ts);
 * a skeptic rechecks the revealed file, never the secret.
 */
import { createHmac } from "node:crypto";
import type { AttributionConfig } from "../config/attribution.ts";
import { concat, datasetHash, splitMnist, subset, type Split } from "./data.ts";
import { unusedPoolIndices } from "./partitions.ts";

/** Shortest secret accepted, in bytes: 128 bits of it must be unguessable. */
export const MIN_SECRET_BYTES = 16;

/**
 * The split of `settings` (seed, validationSize, partitions) whose validation set `secret` chooses;
 * `pool` is splitMnist's, so the contributors' partitions are the same for every secret.
 */
export function secretValidationSplit(
  settings: Pick<AttributionConfig, "seed" | "validationSize" | "partitions">,
  secret: Uint8Array,
): Split {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `secret must be a Uint8Array of at least ${MIN_SECRET_BYTES} bytes, got ${secret instanceof Uint8Array ? secret.length : typeof secret}`,
    );
  }
  const { validation: held, pool } = splitMnist(settings.seed, settings.validationSize);
  const candidates = concat(held, subset(pool, unusedPoolIndices(pool.size, settings.partitions, settings.seed)));
  if (candidates.size <= settings.validationSize) {
    throw new RangeError(
      `validationSize ${settings.validationSize} leaves no choice among ${candidates.size} candidates: lower it or the partitions' sizes`,
    );
  }
  const rank = (i: number) => createHmac("sha256", secret).update(`attribution-prover validation candidate ${i}`).digest("hex");
  const keys = Array.from({ length: candidates.size }, (_, i) => ({ i, key: rank(i) }));
  keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const chosen = keys
    .slice(0, settings.validationSize)
    .map((k) => k.i)
    .sort((a, b) => a - b);
  const validation = subset(candidates, chosen);
  return { validation, pool, validationHash: datasetHash(validation) };
}
