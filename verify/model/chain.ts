/**
 * The Poseidon commitment chain (the statement of circuits/lib/chain_absorb.circom, rewritten
 * for the skeptic): starting from hIn, each run of at most `width` consecutive elements is folded
 * in as h = Poseidon(h, run...). The last run may be shorter; an empty list leaves h unchanged.
 */
import { P } from "./field.ts";
import { MAX_POSEIDON_INPUTS, poseidonHash } from "./poseidon.ts";

/** Folds `elements` into the chain value `hIn`, `width` per Poseidon call. */
export function foldChain(hIn: bigint, elements: readonly bigint[], width: number): bigint {
  if (!Number.isInteger(width) || width < 1 || width >= MAX_POSEIDON_INPUTS) {
    throw new RangeError(`width must be an integer in [1, ${MAX_POSEIDON_INPUTS - 1}], got ${width}`);
  }
  elements.forEach((e, i) => {
    if (e < 0n || e >= P) throw new RangeError(`elements[${i}] must be a reduced field element, got ${e}`);
  });
  let h = hIn;
  for (let at = 0; at < elements.length; at += width) h = poseidonHash([h, ...elements.slice(at, at + width)]);
  return h;
}
