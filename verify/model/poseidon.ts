/**
 * Poseidon over the BN254 scalar field with circomlib's parameters, on @noble/curves' Poseidon
 * permutation: a second implementation beside the prover's (witness/ uses poseidon-lite), so a bug
 * in one is caught by the other instead of reproduced.
 *
 * circomlib's Poseidon (circuits/lib uses its template): width t = inputs + 1, S-box x^5, 8 full
 * rounds, partial rounds by t from the Poseidon paper's table (below), state [0, inputs...], the
 * hash is state[0] after the permutation. Its round constants and MDS matrix came from the
 * reference Grain LFSR script (generate_parameters_grain.sage, field 1, S-box 0, 254 bits);
 * noble's grainGenConstants is that generator, and with the first MDS candidate (skipMDS 0) it
 * reproduces circomlib's constants: test/verify-poseidon.test.ts checks published vectors
 * (Poseidon([1, 2]) = 0x115cc0f5...189a) and poseidon-lite on random inputs of every arity.
 * Constants are generated once per arity, on first use (about 10-60 ms each).
 */
import { Field } from "@noble/curves/abstract/modular.js";
import { grainGenConstants, poseidon, type PoseidonFn } from "@noble/curves/abstract/poseidon.js";
import { P } from "./field.ts";

/** Partial rounds for t = 2..17 (circomlib poseidon.circom N_ROUNDS_P). */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68] as const;
const FULL_ROUNDS = 8;

/** The largest number of inputs circomlib's Poseidon takes (t = 17). */
export const MAX_POSEIDON_INPUTS = PARTIAL_ROUNDS.length;

const Fp = Field(P);
const permutations = new Map<number, PoseidonFn>();

function permutationFor(t: number): PoseidonFn {
  let permutation = permutations.get(t);
  if (permutation === undefined) {
    const shape = { Fp, t, roundsFull: FULL_ROUNDS, roundsPartial: PARTIAL_ROUNDS[t - 2]!, sboxPower: 5 };
    permutation = poseidon({ ...shape, ...grainGenConstants(shape) });
    permutations.set(t, permutation);
  }
  return permutation;
}

/** circomlib's Poseidon(inputs): 1 to 16 reduced field elements. */
export function poseidonHash(inputs: readonly bigint[]): bigint {
  if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > MAX_POSEIDON_INPUTS) {
    throw new RangeError(
      `inputs must hold 1 to ${MAX_POSEIDON_INPUTS} field elements, got ${Array.isArray(inputs) ? inputs.length : typeof inputs}`,
    );
  }
  inputs.forEach((x, i) => {
    if (typeof x !== "bigint" || x < 0n || x >= P) throw new RangeError(`inputs[${i}] must be a reduced field element, got ${String(x)}`);
  });
  return permutationFor(inputs.length + 1)([0n, ...inputs])[0]!;
}
