/**
 * The registration commitment C, the sender word and the registry fold F
 * (witness/registration-commitment.ts) against their definitions in docs/soundness-ii.md:
 * pinned vectors, the chunk boundary (12 and 13 hashes at chunk 12), what each input binds, and
 * every refused input with its error code. RegistrationBatch recomputes C and F row by row
 * (test/registration-circuit.test.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { poseidon3, poseidon15 } from "poseidon-lite";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import { epochDomain } from "../witness/domain.ts";
import {
  registrationCommitment,
  RegistrationCommitmentError,
  registrationDomain,
  registryFold,
  senderWord,
  type RegistrationCommitmentErrorCode,
} from "../witness/registration-commitment.ts";

const CHUNK = config.registrationBatch.chunk;
const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const SENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const DOMAIN = registrationDomain(31337n, REGISTRY, 1n);
const SALT = 0x2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2an;
const hashes = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1) * 1000003n);
const commit = (list: readonly bigint[], overrides: Partial<Parameters<typeof registrationCommitment>[0]> = {}) =>
  registrationCommitment({ domain: DOMAIN, sender: SENDER, salt: SALT, hashes: list, chunk: CHUNK, ...overrides });

function assertCode(fn: () => unknown, code: RegistrationCommitmentErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof RegistrationCommitmentError && e.code === code);
}

describe("registrationDomain and senderWord", () => {
  test("regDomain is keccak256(abi.encode(uint256 chainId, address registry, uint64 epoch)) mod p: the epoch domain's formula with the registry", () => {
    assert.equal(DOMAIN, 0x1896a19ae39fc4139f3032f4baaca4bce08941e473b3c1b92e9d4c291c782bdbn);
    assert.equal(DOMAIN, epochDomain(31337n, REGISTRY, 1n));
    assert.notEqual(registrationDomain(31337n, REGISTRY, 2n), DOMAIN);
    assert.notEqual(registrationDomain(1n, REGISTRY, 1n), DOMAIN);
  });

  test("senderN = sender + n * 2^160 for n in [1, 2^32)", () => {
    assert.equal(senderWord(SENDER, 1), BigInt(SENDER) + (1n << 160n));
    assert.equal(senderWord(SENDER.toLowerCase(), (1n << 32n) - 1n), BigInt(SENDER) + (((1n << 32n) - 1n) << 160n));
    assertCode(() => senderWord(SENDER, 0), "COUNT_OUT_OF_RANGE");
    assertCode(() => senderWord(SENDER, 1n << 32n), "COUNT_OUT_OF_RANGE");
    assertCode(() => senderWord("0x1234", 1), "BAD_SENDER");
    assertCode(() => senderWord("0x70997970C51812DC3A010C7D01B50E0D17DC79c8", 1), "BAD_SENDER");
  });
});

describe("registrationCommitment", () => {
  test("pinned vectors: 1, 12 and 13 hashes (one chunk, a full chunk, two chunks)", () => {
    assert.equal(commit([7n]), 0x15edf4c2c2eb559eb246bb8125812fb9b95ec4815ce3ea080c3e3ddb5152529an);
    assert.equal(commit(hashes(12)), 0x2a19aa2c4f7bd9906a6223f4a7cadfcc4aa3518c79245d162b59511f513f4a47n);
    assert.equal(commit(hashes(13)), 0x12c48118a05ea2d61201b80718227e39c920afd312ae8c106d68d838612d1ba9n);
  });

  test(`the definition: s_0 = domain, then Poseidon(${CHUNK + 3}) per chunk with senderN and salt in the first only, the last chunk zero-padded`, () => {
    assert.equal(CHUNK, 12);
    const list = hashes(13);
    const senderN = senderWord(SENDER, 13);
    const s1 = poseidon15([DOMAIN, senderN, SALT, ...list.slice(0, 12)]);
    const s2 = poseidon15([s1, 0n, 0n, list[12]!, ...Array<bigint>(11).fill(0n)]);
    assert.equal(commit(list), s2);
    const full = hashes(12);
    assert.equal(commit(full), poseidon15([DOMAIN, senderWord(SENDER, 12), SALT, ...full]));
    assert.equal(commit([7n]), poseidon15([DOMAIN, senderWord(SENDER, 1), SALT, 7n, ...Array<bigint>(11).fill(0n)]));
  });

  test("every input binds: domain, sender, salt, a hash, the count (a 13th hash), the chunk size", () => {
    const base = commit(hashes(12));
    const variants = [
      commit(hashes(12), { domain: registrationDomain(31337n, REGISTRY, 2n) }),
      commit(hashes(12), { sender: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" }),
      commit(hashes(12), { salt: SALT + 1n }),
      commit([...hashes(11), hashes(12)[11]! + 1n]),
      commit(hashes(13)),
      commit(hashes(12), { chunk: 6 }),
    ];
    assert.equal(new Set([base, ...variants]).size, variants.length + 1);
  });

  test("the list must be sorted ascending and distinct, each hash in [1, 2^128), and not empty", () => {
    const list = hashes(13);
    assertCode(() => commit([]), "NO_HASHES");
    assertCode(() => commit([list[1]!, list[0]!]), "HASHES_NOT_SORTED");
    assertCode(() => commit([...list.slice(0, 12), list[12]!, list[12]!]), "DUPLICATE_HASH");
    assertCode(() => commit([0n, 1n]), "HASH_OUT_OF_RANGE");
    assertCode(() => commit([1n, 1n << 128n]), "HASH_OUT_OF_RANGE");
    assertCode(() => commit([-1n]), "HASH_OUT_OF_RANGE");
    assert.doesNotThrow(() => commit([1n, (1n << 128n) - 1n]));
  });

  test("domain and salt must be reduced field elements; the chunk an integer in [1, 13]", () => {
    assertCode(() => commit([1n], { salt: P }), "NOT_A_FIELD_ELEMENT");
    assertCode(() => commit([1n], { salt: -1n }), "NOT_A_FIELD_ELEMENT");
    assertCode(() => commit([1n], { domain: P }), "NOT_A_FIELD_ELEMENT");
    assert.doesNotThrow(() => commit([1n], { salt: P - 1n }));
    for (const chunk of [0, 14, 1.5]) assertCode(() => commit([1n], { chunk }), "BAD_CHUNK");
    assert.doesNotThrow(() => commit(hashes(27), { chunk: 13 }));
  });
});

describe("registryFold", () => {
  test("is circomlib's Poseidon(3) (PoseidonT4 on chain): circomlib's vector Poseidon(1, 2, 3)", () => {
    assert.equal(registryFold(1n, 2n, 3n), 6542985608222806190361240322586112750744169038454362455181422643027100751666n);
  });

  test("pinned: two registrants folded from 0", () => {
    const f1 = registryFold(0n, commit(hashes(12)), senderWord(SENDER, 12));
    assert.equal(f1, 0x1b16ebf49e47a58867ca1e6330e13be5ec500accf282af3bbed4ce830caeade6n);
    assert.equal(f1, poseidon3([0n, commit(hashes(12)), senderWord(SENDER, 12)]));
    assert.equal(
      registryFold(f1, commit(hashes(13)), senderWord(SENDER, 13)),
      0x250ae8f5a4799b5bfbf49edc2799a27db35e4fab1772bf1299a68827f5fd376cn,
    );
  });

  test("refuses values that are not reduced field elements (the registry takes C < p)", () => {
    assertCode(() => registryFold(0n, P, 1n), "NOT_A_FIELD_ELEMENT");
    assertCode(() => registryFold(P, 1n, 1n), "NOT_A_FIELD_ELEMENT");
    assertCode(() => registryFold(0n, 1n, -1n), "NOT_A_FIELD_ELEMENT");
  });
});
