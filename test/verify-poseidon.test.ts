/**
 * The skeptic's Poseidon (verify/model/poseidon.ts, @noble/curves with Grain-generated constants)
 * is circomlib's: published vectors of circomlibjs's test suite (iden3/circomlibjs
 * test/poseidon.js, the reference implementation's poseidonperm_x5_254_* outputs), and agreement
 * with poseidon-lite (the prover's implementation, allowed here in a test only) on seeded random
 * inputs of every arity 1..16. Also the chain fold against a hand-unrolled one.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as lite from "poseidon-lite";
import { foldChain, P, poseidonHash } from "../verify/model/index.ts";
import { prng } from "./helpers/prng.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));

test("published circomlib vectors: Poseidon([1]), ([1,2]), ([1,2,3,4]), ([1..6]), ([1,2,0,0,0]), ([1..9, 0 x7]) and ([1..16])", () => {
  const vectors: [bigint[], bigint][] = [
    [[1n], 18586133768512220936620570745912940619677854269274689475585506675881198879027n],
    [[1n, 2n], 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an],
    [range(4), 0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465n],
    [range(6), 20400040500897583745843009878988256314335038853985262692600694741116813247201n],
    [[1n, 2n, 0n, 0n, 0n], 1018317224307729531995786483840663576608797660851238720571059489595066344487n],
    [[...range(9), ...Array<bigint>(7).fill(0n)], 11882816200654282475720830292386643970958445617880627439994635298904836126497n],
    [range(16), 9989051620750914585850546081941653841776809718687451684622678807385399211877n],
  ];
  for (const [inputs, expected] of vectors) assert.equal(poseidonHash(inputs), expected, `Poseidon of ${inputs.length} inputs`);
});

test("agrees with poseidon-lite on seeded random inputs of every arity 1..16 (edge values 0 and p-1 included)", () => {
  const random = prng(20261206n);
  const byArity = lite as unknown as Record<string, (inputs: bigint[]) => bigint>;
  for (let n = 1; n <= 16; n++) {
    const cases = [
      Array<bigint>(n).fill(0n),
      Array<bigint>(n).fill(P - 1n),
      ...Array.from({ length: 3 }, () => Array.from({ length: n }, () => random.below(P))),
    ];
    for (const inputs of cases)
      assert.equal(poseidonHash(inputs), byArity[`poseidon${n}`]!(inputs), `arity ${n}, inputs ${inputs.join(",")}`);
  }
});

test("refuses what circomlib's Poseidon cannot take: no input, 17 inputs, an unreduced or negative element", () => {
  assert.throws(() => poseidonHash([]), RangeError);
  assert.throws(() => poseidonHash(range(17)), RangeError);
  assert.throws(() => poseidonHash([P]), /inputs\[0\] must be a reduced field element/);
  assert.throws(() => poseidonHash([1n, -1n]), /inputs\[1\]/);
});

test("the chain folds `width` elements per call, the last run shorter, from hIn", () => {
  const e = range(7);
  const h1 = lite.poseidon4([5n, 1n, 2n, 3n]);
  const h2 = lite.poseidon4([h1, 4n, 5n, 6n]);
  assert.equal(foldChain(5n, e, 3), lite.poseidon2([h2, 7n]));
  assert.equal(foldChain(9n, [], 3), 9n);
  assert.throws(() => foldChain(0n, e, 16), /width must be an integer in \[1, 15\]/);
});
