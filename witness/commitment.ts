/**
 * The Poseidon commitment chain, natively: the same function as circuits/lib/chain_absorb.circom.
 * h = hIn; for each chunk c of at most `width` consecutive elements: h = Poseidon(h, c...).
 *
 * poseidon-lite rather than circomlibjs: it is the same circomlib Poseidon (same constants, 1-16
 * inputs), synchronous, with no WASM start-up and no dependency tree (circomlibjs pulls in ethers
 * v5 and ffjavascript); each arity is a separate module, so we load only the two we use.
 */
import * as poseidon from "poseidon-lite";
import { FIELD_MODULUS } from "../config/index.ts";

type Poseidon = (inputs: bigint[]) => bigint;
const byArity: readonly Poseidon[] = [
  poseidon.poseidon1,
  poseidon.poseidon2,
  poseidon.poseidon3,
  poseidon.poseidon4,
  poseidon.poseidon5,
  poseidon.poseidon6,
  poseidon.poseidon7,
  poseidon.poseidon8,
  poseidon.poseidon9,
  poseidon.poseidon10,
  poseidon.poseidon11,
  poseidon.poseidon12,
  poseidon.poseidon13,
  poseidon.poseidon14,
  poseidon.poseidon15,
  poseidon.poseidon16,
] as unknown as Poseidon[];

/** Absorbs `elements` into the chain value `hIn`, `width` elements per Poseidon call. */
export function chainAbsorb(hIn: bigint, elements: readonly bigint[], width: number): bigint {
  if (!Number.isInteger(width) || width < 1 || width > 15) {
    throw new RangeError(`width must be an integer in [1, 15], got ${width}`);
  }
  for (const [i, e] of elements.entries()) {
    if (e < 0n || e >= FIELD_MODULUS) throw new RangeError(`elements[${i}] is not a reduced field element`);
  }
  let h = hIn;
  for (let start = 0; start < elements.length; start += width) {
    const chunk = elements.slice(start, start + width);
    h = byArity[chunk.length]!([h, ...chunk]);
  }
  return h;
}
