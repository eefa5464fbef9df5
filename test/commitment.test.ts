/**
 * The native commitment chain (witness/commitment.ts, chainAbsorb) and the epoch domain
 * (witness/domain.ts, epochDomain). chainAbsorb is checked against the circuit's ChainAbsorb in
 * test/payout-circuit.test.ts (every PayoutBatch chainOut, at one chunk (B = 4) and at several
 * (the demo size)); here: circomlib's published Poseidon vectors, how elements are chunked, and
 * input validation. epochDomain is recomputed from its definition with hand-packed ABI bytes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { concat, keccak256, toBeHex, zeroPadValue } from "ethers";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { chainAbsorb } from "../witness/commitment.ts";
import { epochDomain } from "../witness/domain.ts";
import { buildPayoutBatches } from "../witness/payout-batches.ts";
import { splitPool } from "../witness/policy.ts";

const W = config.hash.chainAbsorbWidth;
const range = (n: number, from = 1n) => Array.from({ length: n }, (_, i) => from + BigInt(i));

describe("chainAbsorb", () => {
  // circomlib's own test vectors (circomlibjs test/poseidon.js): Poseidon([1, 2]), ([1, 2, 3]),
  // ([1, 2, 3, 4]). With hIn = 1 and one chunk, the chain is exactly Poseidon(1, chunk...).
  const vectors: [bigint[], bigint][] = [
    [[2n], 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an],
    [[2n, 3n], 6542985608222806190361240322586112750744169038454362455181422643027100751666n],
    [[2n, 3n, 4n], 0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465n],
  ];
  for (const [elements, expected] of vectors) {
    test(`one chunk is one Poseidon: chainAbsorb(1, [${elements.join(", ")}]) = Poseidon(1, ${elements.join(", ")}) (circomlib vector)`, () => {
      for (let width = elements.length; width <= 15; width++) assert.equal(chainAbsorb(1n, elements, width), expected);
    });
  }

  test("width 1 folds one element per Poseidon(2) call", () => {
    const afterFirst = chainAbsorb(1n, [2n], 1);
    assert.equal(afterFirst, vectors[0]![1]);
    assert.equal(chainAbsorb(1n, [2n, 5n], 1), chainAbsorb(afterFirst, [5n], 1));
  });

  test("no elements: the chain value is unchanged", () => {
    assert.equal(chainAbsorb(12345n, [], W), 12345n);
  });

  test(`chunks of ${W}: splitting at a chunk boundary equals absorbing in one call`, () => {
    const elements = range(2 * W + 4);
    const whole = chainAbsorb(7n, elements, W);
    assert.equal(chainAbsorb(chainAbsorb(7n, elements.slice(0, W), W), elements.slice(W), W), whole);
    assert.equal(chainAbsorb(chainAbsorb(7n, elements.slice(0, 2 * W), W), elements.slice(2 * W), W), whole);
  });

  test("splitting off a chunk boundary gives a different chain (the chunking is part of the commitment)", () => {
    const elements = range(2 * W);
    const split = W - 1;
    assert.notEqual(chainAbsorb(chainAbsorb(7n, elements.slice(0, split), W), elements.slice(split), W), chainAbsorb(7n, elements, W));
  });

  test("the width is part of the commitment: the same elements at widths 15, 10, 1 all differ", () => {
    const elements = range(20);
    const values = new Set([15, 10, 1].map((w) => chainAbsorb(0n, elements, w)));
    assert.equal(values.size, 3);
  });

  test("order matters: swapping two elements inside a chunk, or across chunks, changes the chain", () => {
    const elements = range(W + 3);
    const base = chainAbsorb(0n, elements, W);
    const swap = (i: number, j: number) => {
      const e = [...elements];
      [e[i], e[j]] = [e[j]!, e[i]!];
      return chainAbsorb(0n, e, W);
    };
    assert.notEqual(swap(0, 1), base);
    assert.notEqual(swap(W - 1, W), base);
  });

  test("the starting value matters", () => {
    assert.notEqual(chainAbsorb(0n, [1n, 2n], W), chainAbsorb(1n, [1n, 2n], W));
  });

  test("elements must be reduced field elements: p and -1 are refused, p - 1 accepted", () => {
    assert.throws(() => chainAbsorb(0n, [1n, P], W), { name: "RangeError", message: "elements[1] is not a reduced field element" });
    assert.throws(() => chainAbsorb(0n, [-1n], W), { name: "RangeError", message: "elements[0] is not a reduced field element" });
    assert.doesNotThrow(() => chainAbsorb(0n, [P - 1n], W));
  });

  test("width must be an integer in [1, 15] (Poseidon takes at most 16 inputs, one is the chain)", () => {
    for (const width of [0, 16, 1.5, Number.NaN]) {
      assert.throws(
        () => chainAbsorb(0n, [1n], width),
        (e: unknown) => e instanceof RangeError && e.message.includes(String(width)),
      );
    }
  });

  test("a PayoutBatch chain absorbs (domain, pool + total * 2^poolBits + k * 2^(poolBits + totalBits), address + amount * 2^addressBits ...)", () => {
    const { addressBits, poolBits, totalBits } = config.widths;
    // Two rows of one address: rows are registrations (keyed by j), not payees.
    const table = splitPool(
      [
        { address: 0xa1n, amount: 3n },
        { address: 0xb2n, amount: 5n },
        { address: 0xa1n, amount: 0n },
      ],
      1000n,
      config,
    );
    const domain = 42n;
    const batches = buildPayoutBatches(table, domain, 0n, 2, config);
    const header = (k: bigint) => 1000n + (8n << BigInt(poolBits)) + (k << BigInt(poolBits + totalBits));
    const first = chainAbsorb(0n, [domain, header(0n), 0xa1n + (3n << BigInt(addressBits)), 0xb2n + (5n << BigInt(addressBits))], W);
    assert.equal(batches[0]!.chainOut, first);
    // The batch index is absorbed (it is fixed before rho); the padding row is address 0, amount 0.
    assert.equal(batches[1]!.chainOut, chainAbsorb(first, [domain, header(1n), 0xa1n, 0n], W));
  });
});

describe("epochDomain", () => {
  const CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

  /** keccak256(abi.encode(uint256, address, uint64)) mod p, with the ABI words packed by hand. */
  function expectedDomain(chainId: bigint, contract: string, epoch: bigint): bigint {
    const word = (hex: string) => zeroPadValue(hex, 32);
    return BigInt(keccak256(concat([word(toBeHex(chainId)), word(contract.toLowerCase()), word(toBeHex(epoch))]))) % P;
  }

  test("ethers' keccak256 is Keccak-256 (not SHA3-256): keccak256('') = c5d2...a470", () => {
    assert.equal(keccak256("0x"), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  });

  test("matches keccak256 of the hand-packed ABI encoding, reduced mod p", () => {
    for (const [chainId, epoch] of [
      [31337n, 1n],
      [1n, 0n],
      [8453n, (1n << 64n) - 1n],
    ] as const) {
      assert.equal(epochDomain(chainId, CONTRACT, epoch), expectedDomain(chainId, CONTRACT, epoch));
    }
  });

  test("pinned value for (chain 31337, the first Hardhat deployment address, epoch 1)", () => {
    // Recompute in Solidity: uint256(keccak256(abi.encode(uint256(31337), address(0x5FbD...0aa3), uint64(1)))) % p
    assert.equal(epochDomain(31337n, CONTRACT, 1n), 0x1896a19ae39fc4139f3032f4baaca4bce08941e473b3c1b92e9d4c291c782bdbn);
  });

  test("every field binds: another chain id, contract or epoch gives another domain; all are below p", () => {
    const values = [
      epochDomain(31337n, CONTRACT, 1n),
      epochDomain(1n, CONTRACT, 1n),
      epochDomain(31337n, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", 1n),
      epochDomain(31337n, CONTRACT, 2n),
    ];
    assert.equal(new Set(values).size, values.length);
    for (const v of values) assert.ok(v >= 0n && v < P);
  });

  test("the contract address is case-insensitive, but a wrong checksum or a non-address is refused", () => {
    assert.equal(epochDomain(1n, CONTRACT.toLowerCase(), 1n), epochDomain(1n, CONTRACT, 1n));
    assert.throws(() => epochDomain(1n, "0x5FBDB2315678afecb367f032d93F642f64180aa3", 1n));
    assert.throws(() => epochDomain(1n, "0x1234", 1n));
  });

  test("an epoch that does not fit uint64, or a negative chain id, is refused", () => {
    assert.throws(() => epochDomain(1n, CONTRACT, 1n << 64n));
    assert.throws(() => epochDomain(-1n, CONTRACT, 1n));
  });
});
