/**
 * The independent Groth16 verifier (verify/) against snarkjs on real proofs of
 * PayoutBatch(config.payoutBatch.testSize): both accept the honest proofs and both reject each
 * tampered one (a flipped public signal, the proof of another input, A and C swapped, B negated,
 * a key from another phase-2 setup of the same circuit). Malformed input throws a VerifyError
 * naming its code and field. snarkjs 0.7.6 rejects most of these too, but accepts four that the
 * EVM verifier or a strict reader would not: a coordinate + q (it reduces mod q: a second encoding
 * of the same proof), a G1 point without z, and any proof.protocol or proof.curve. A synthetic
 * instance built from a known trapdoor checks the equation without snarkjs, including an IC point
 * and a vk_x at infinity.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bn254 } from "@noble/curves/bn254.js";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { payoutCircuitName, setupCircuit, type CircuitKeys } from "../circuits/index.ts";
import { ensureDevPtau, ptauPowerFor } from "../circuits/setup.ts";
import { config } from "../config/index.ts";
import { verifyGroth16, VerifyError } from "../verify/index.ts";
import type { VerifyErrorCode } from "../verify/errors.ts";
import { prepareVerifyingKey } from "../verify/groth16.ts";
import { BASE_FIELD_ORDER as Q, SCALAR_FIELD_ORDER as R } from "../verify/parse.ts";
import { vkeyHash } from "../verify/vkey-hash.ts";
import { epochDomain } from "../witness/domain.ts";
import { buildPayoutBatches } from "../witness/payout-batches.ts";
import { splitPool } from "../witness/policy.ts";

const B = config.payoutBatch.testSize;
const POOL = 10n ** 24n + 123_457n;
const DOMAIN = epochDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3", 9n);
/** The epoch challenge r: any field element makes a valid witness. */
const CHALLENGE = 0x1234_5678_9abc_def0n;

interface Proved {
  readonly proof: Groth16Proof;
  readonly publicSignals: string[];
}

let keys: CircuitKeys;
let vk: Record<string, unknown>;
let otherVk: Record<string, unknown>;
let proved: Proved[];
const scratch = mkdtempSync(join(tmpdir(), "verify-groth16-"));

/** Proves two batches and makes a second key, once, for the suites that need real proofs. */
let ready: Promise<void> | undefined;
const realProofs = () => (ready ??= makeRealProofs());
async function makeRealProofs(): Promise<void> {
  keys = await setupCircuit(payoutCircuitName(B));
  vk = keys.vkey;
  const contributors = Array.from({ length: 2 * B }, (_, i) => ({
    address: 0x5eed_0000n + BigInt(i) * 0x10001n,
    amount: 7_000_000n * BigInt(i + 1) + 11n,
  }));
  const batches = buildPayoutBatches(splitPool(contributors, POOL, config), DOMAIN, CHALLENGE, B, config).slice(0, 2);
  proved = [];
  for (const batch of batches) {
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(batch.input, keys.wasmPath, keys.zkeyPath);
    assert.deepEqual(publicSignals, batch.publicSignals.map(String), "the circuit and the witness model disagree");
    proved.push({ proof, publicSignals });
  }
  // A second phase 2 of the same circuit and powers of tau: a valid key, but not this proofs' key.
  const info = await snarkjs.r1cs.info(keys.r1csPath);
  const ptau = await ensureDevPtau(ptauPowerFor(info.nConstraints, info.nPubInputs + info.nOutputs));
  await snarkjs.zKey.newZKey(keys.r1csPath, ptau, join(scratch, "other.0.zkey"));
  await snarkjs.zKey.contribute(join(scratch, "other.0.zkey"), join(scratch, "other.zkey"), "other", randomBytes(32).toString("hex"));
  otherVk = (await snarkjs.zKey.exportVerificationKey(join(scratch, "other.zkey"))) as Record<string, unknown>;
}

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  // snarkjs builds a curve (with worker threads) per curve name it is asked about: the "bls12381"
  // key below makes a second one.
  const curves = globalThis as { curve_bn128?: { terminate(): Promise<void> }; curve_bls12381?: { terminate(): Promise<void> } };
  await curves.curve_bn128?.terminate();
  await curves.curve_bls12381?.terminate();
});

const clone = <T>(value: T): T => structuredClone(value);
const withProof = (p: Groth16Proof, edit: (q: Record<string, unknown>) => void): Groth16Proof => {
  const q = clone(p) as unknown as Record<string, unknown>;
  edit(q);
  return q as unknown as Groth16Proof;
};

/** snarkjs's verdict, with a throw counted as a rejection. */
async function snarkjsAccepts(key: unknown, signals: unknown, proof: unknown): Promise<boolean> {
  try {
    return await snarkjs.groth16.verify(key as never, signals as never, proof as never);
  } catch {
    return false;
  }
}

/**
 * Asserts verifyGroth16 throws VerifyError `code` at `field`, and snarkjs's verdict on the same
 * input: it rejects most malformed input too, but is lenient about some encodings ("accepts").
 */
async function assertMalformed(
  code: VerifyErrorCode,
  field: string,
  key: unknown,
  proof: unknown,
  signals: unknown,
  snarkjsVerdict: "rejects" | "accepts" = "rejects",
): Promise<void> {
  assert.throws(
    () => verifyGroth16(key, proof, signals),
    (e: unknown) => e instanceof VerifyError && e.code === code && e.field === field && e.message.startsWith(`${field}: `),
    `expected VerifyError ${code} at ${field}`,
  );
  assert.equal(
    await snarkjsAccepts(key, signals, proof),
    snarkjsVerdict === "accepts",
    `snarkjs ${snarkjsVerdict === "accepts" ? "no longer accepts" : "accepts"} the input noble rejects as ${code} at ${field}`,
  );
}

/** A point on the G2 twist outside the subgroup of order r: (x, sqrt(x³ + b')) for small x. */
function g2OutsideSubgroup(): string[][] {
  const { Fp2 } = bn254.fields;
  const b2 = Fp2.div(Fp2.fromBigTuple([3n, 0n]), Fp2.fromBigTuple([9n, 1n]));
  for (let k = 1n; ; k++) {
    const x = Fp2.fromBigTuple([k, 1n]);
    let y;
    try {
      y = Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.sqr(x), x), b2));
    } catch {
      continue; // not a square: no point with this x
    }
    const point = bn254.G2.Point.fromAffine({ x, y });
    if (point.isTorsionFree()) continue; // probability about 1/(2q - r): never, in practice
    return [
      [x.c0, x.c1],
      [y.c0, y.c1],
      [1n, 0n],
    ].map((pair) => pair.map(String));
  }
}

describe("verifyGroth16 against snarkjs on PayoutBatch proofs", () => {
  before(realProofs);
  it("accepts every honest proof, as snarkjs does", async () => {
    for (const { proof, publicSignals } of proved) {
      assert.equal(verifyGroth16(vk, proof, publicSignals), true);
      assert.equal(await snarkjs.groth16.verify(vk as never, publicSignals, proof), true);
    }
  });

  it("accepts a key prepared once, and vkeyHash matches circuits/ CircuitKeys.vkeyHash", () => {
    const prepared = prepareVerifyingKey(vk);
    for (const { proof, publicSignals } of proved) assert.equal(verifyGroth16(prepared, proof, publicSignals), true);
    assert.equal(vkeyHash(readFileSync(keys.vkeyPath, "utf8")), keys.vkeyHash);
  });

  it("rejects each tampered proof (returns false), as snarkjs does", async () => {
    const [first, second] = proved as [Proved, Proved];
    const flipped = [...first.publicSignals];
    flipped[0] = ((BigInt(flipped[0]!) + 1n) % R).toString();
    const cases: [string, unknown, Groth16Proof, string[]][] = [
      ["a flipped public signal", vk, first.proof, flipped],
      ["the proof of another input", vk, second.proof, first.publicSignals],
      ["A and C swapped", vk, withProof(first.proof, (q) => ([q.pi_a, q.pi_c] = [q.pi_c, q.pi_a])), first.publicSignals],
      [
        "B negated",
        vk,
        withProof(first.proof, (q) => {
          const b = q.pi_b as string[][];
          q.pi_b = [b[0], b[1]!.map((c) => ((Q - BigInt(c)) % Q).toString()), b[2]];
        }),
        first.publicSignals,
      ],
      ["a key from another setup of the same circuit", otherVk, first.proof, first.publicSignals],
    ];
    for (const [name, key, proof, signals] of cases) {
      assert.equal(verifyGroth16(key, proof, signals), false, `noble: ${name}`);
      assert.equal(await snarkjsAccepts(key, signals, proof), false, `snarkjs: ${name}`);
    }
    // The other key verifies its own circuit's shape: it is well-formed, not malformed.
    assert.equal(prepareVerifyingKey(otherVk).nPublic, prepareVerifyingKey(vk).nPublic);
  });
});

describe("verifyGroth16 names malformed input", () => {
  before(realProofs);
  const signalsWith = (i: number, value: unknown) => {
    const s: unknown[] = [...proved[0]!.publicSignals];
    s[i] = value;
    return s;
  };

  it("rejects public signals that are not reduced, not canonical or not as many as vk.nPublic", async () => {
    const { proof, publicSignals } = proved[0]!;
    await assertMalformed("SIGNAL_NOT_REDUCED", "publicSignals[0]", vk, proof, signalsWith(0, R.toString()));
    await assertMalformed("SIGNAL_NOT_REDUCED", "publicSignals[1]", vk, proof, signalsWith(1, (BigInt(publicSignals[1]!) + R).toString()));
    for (const bad of ["007", "-1", "0x1f", " 1", "1e3", ""]) {
      await assertMalformed("NOT_CANONICAL", "publicSignals[2]", vk, proof, signalsWith(2, bad));
    }
    assert.throws(() => verifyGroth16(vk, proof, signalsWith(0, 5)), { code: "NOT_CANONICAL", field: "publicSignals[0]" });
    await assertMalformed("SIGNAL_COUNT", "publicSignals", vk, proof, publicSignals.slice(1));
    await assertMalformed("SIGNAL_COUNT", "publicSignals", vk, proof, [...publicSignals, "0"]);
  });

  it("rejects coordinates >= q, points off the curve, infinity, z other than 1 and swapped Fp2 halves", async () => {
    const { proof, publicSignals } = proved[0]!;
    const p = proof as unknown as Record<string, string[] & string[][]>;
    const a = p.pi_a!,
      b = p.pi_b!,
      c = p.pi_c!;
    const edit = (f: (q: Record<string, unknown>) => void) => withProof(proof, f);
    await assertMalformed(
      "COORDINATE_NOT_REDUCED",
      "proof.pi_a[0]",
      vk,
      edit((q) => (q.pi_a = [Q.toString(), a[1], "1"])),
      publicSignals,
    );
    await assertMalformed(
      "COORDINATE_NOT_REDUCED",
      "proof.pi_c[1]",
      vk,
      edit((q) => (q.pi_c = [c[0], (BigInt(c[1]!) + Q).toString(), "1"])),
      publicSignals,
      "accepts",
    );
    await assertMalformed(
      "COORDINATE_NOT_REDUCED",
      "proof.pi_b[1][1]",
      vk,
      edit((q) => (q.pi_b = [b[0], [b[1]![0], Q.toString()], b[2]])),
      publicSignals,
    );
    await assertMalformed(
      "NOT_ON_CURVE",
      "proof.pi_c",
      vk,
      edit((q) => (q.pi_c = [c[0], ((BigInt(c[1]!) + 1n) % Q).toString(), "1"])),
      publicSignals,
    );
    await assertMalformed(
      "NOT_ON_CURVE",
      "proof.pi_a",
      vk,
      edit((q) => (q.pi_a = ["0", "0", "1"])),
      publicSignals,
    );
    await assertMalformed(
      "NOT_ON_CURVE",
      "proof.pi_b",
      vk,
      edit(
        (q) =>
          (q.pi_b = [
            [b[0]![1], b[0]![0]],
            [b[1]![1], b[1]![0]],
            ["1", "0"],
          ]),
      ),
      publicSignals,
    );
    await assertMalformed(
      "POINT_AT_INFINITY",
      "proof.pi_a",
      vk,
      edit((q) => (q.pi_a = ["0", "1", "0"])),
      publicSignals,
    );
    await assertMalformed(
      "POINT_AT_INFINITY",
      "proof.pi_b",
      vk,
      edit(
        (q) =>
          (q.pi_b = [
            ["0", "0"],
            ["1", "0"],
            ["0", "0"],
          ]),
      ),
      publicSignals,
    );
    await assertMalformed(
      "NOT_AFFINE",
      "proof.pi_a[2]",
      vk,
      edit((q) => (q.pi_a = [a[0], a[1], "2"])),
      publicSignals,
    );
    await assertMalformed(
      "BAD_SHAPE",
      "proof.pi_a",
      vk,
      edit((q) => (q.pi_a = [a[0], a[1]])),
      publicSignals,
      "accepts",
    );
  });

  it("rejects a G2 point on the twist but outside the subgroup of order r", async () => {
    const { proof, publicSignals } = proved[0]!;
    const outside = g2OutsideSubgroup();
    await assertMalformed(
      "NOT_IN_SUBGROUP",
      "proof.pi_b",
      vk,
      withProof(proof, (q) => (q.pi_b = outside)),
      publicSignals,
    );
    const key = { ...clone(vk), vk_delta_2: outside };
    await assertMalformed("NOT_IN_SUBGROUP", "vk.vk_delta_2", key, proof, publicSignals);
  });

  it("rejects a wrong protocol or curve, and a key whose nPublic is not IC.length - 1", async () => {
    const { proof, publicSignals } = proved[0]!;
    await assertMalformed(
      "BAD_PROTOCOL",
      "proof.protocol",
      vk,
      withProof(proof, (q) => (q.protocol = "plonk")),
      publicSignals,
      "accepts",
    );
    await assertMalformed(
      "BAD_CURVE",
      "proof.curve",
      vk,
      withProof(proof, (q) => (q.curve = "bls12381")),
      publicSignals,
      "accepts",
    );
    await assertMalformed("BAD_CURVE", "vk.curve", { ...clone(vk), curve: "bls12381" }, proof, publicSignals);
    const n = vk.nPublic as number;
    await assertMalformed("VK_INCONSISTENT", "vk.nPublic", { ...clone(vk), nPublic: n + 1 }, proof, [...publicSignals, "0"]);
    assert.throws(() => verifyGroth16(null, proof, publicSignals), { code: "BAD_SHAPE", field: "vk" });
  });
});

describe("verifyGroth16 on a synthetic instance with a known trapdoor (no snarkjs)", () => {
  // α, β, γ, δ and IC_i = ic_i·G1 from chosen scalars; A = a·G1, B = b·G2 and
  // C = (ab - αβ - xγ)/δ·G1 with x = ic_0 + Σ s_i ic_i, so e(A,B) = e(α,β)e(vk_x,γ)e(C,δ).
  const G1 = bn254.G1.Point.BASE,
    G2 = bn254.G2.Point.BASE,
    Fr = bn254.fields.Fr;
  const g1 = (k: bigint) => (k === 0n ? ["0", "1", "0"] : ((p) => [p.x, p.y, 1n].map(String))(G1.multiply(k).toAffine()));
  const g2 = (k: bigint) =>
    ((p) =>
      [
        [p.x.c0, p.x.c1],
        [p.y.c0, p.y.c1],
        [1n, 0n],
      ].map((f) => f.map(String)))(G2.multiply(k).toAffine());
  const [al, be, ga, de, a, b] = [11n, 13n, 17n, 19n, 23n, 29n];
  function instance(ic: bigint[], signals: bigint[]) {
    const x = signals.reduce((acc, s, i) => Fr.add(acc, Fr.mul(s, ic[i + 1]!)), ic[0]!);
    const c = Fr.div(Fr.sub(Fr.sub(a * b, al * be), Fr.mul(x, ga)), de);
    const key = {
      protocol: "groth16",
      curve: "bn128",
      nPublic: signals.length,
      vk_alpha_1: g1(al),
      vk_beta_2: g2(be),
      vk_gamma_2: g2(ga),
      vk_delta_2: g2(de),
      IC: ic.map(g1),
    };
    const proof = { protocol: "groth16", curve: "bn128", pi_a: g1(a), pi_b: g2(b), pi_c: g1(c) };
    return { key, proof, signals: signals.map(String) };
  }

  it("accepts a proof built from the trapdoor and rejects it for other signals", () => {
    const { key, proof, signals } = instance([3n, 5n, 7n], [R - 1n, 2n]);
    assert.equal(verifyGroth16(key, proof, signals), true);
    assert.equal(verifyGroth16(key, proof, ["1", "2"]), false);
  });

  it("parses a key edited in place again, rather than using the prepared key cached for it", () => {
    const { key, proof, signals } = instance([3n, 5n, 7n], [4n, 2n]);
    assert.equal(verifyGroth16(key, proof, signals), true);
    key.IC[2] = g1(8n);
    assert.equal(verifyGroth16(key, proof, signals), false);
    key.IC[2] = g1(7n);
    assert.equal(verifyGroth16(key, proof, signals), true);
  });

  it("allows IC points and vk_x at infinity (e(O, γ) = 1)", () => {
    const { key, proof, signals } = instance([0n, 5n], [0n]);
    assert.equal(verifyGroth16(key, proof, signals), true);
    assert.equal(verifyGroth16(key, proof, ["1"]), false);
  });
});
