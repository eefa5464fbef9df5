/**
 * An independent Groth16 verifier on BN254, over @noble/curves: the pairing-product check is
 * written here, not taken from snarkjs, so a skeptic need not trust snarkjs to check a proof.
 *
 * A proof (A, B, C) of public signals s_1..s_n is valid for the key (α, β, γ, δ, IC) when
 *   e(-A, B) · e(α, β) · e(vk_x, γ) · e(C, δ) = 1 in GT,   vk_x = IC_0 + Σ s_i·IC_i,
 * the same equation as snarkjs's verifier and the EIP-197 precompile call of its Solidity
 * verifier. It is evaluated as one product of Miller loops and a single final exponentiation.
 *
 * Inputs are snarkjs's JSON (see parse.ts for the encodings). Malformed input throws a VerifyError
 * with a code and the field (e.g. SIGNAL_NOT_REDUCED at publicSignals[1]); a well-formed proof
 * that fails the check returns false. Rejected as malformed, before any pairing: public signals
 * that are not canonical or are >= r (snarkjs returns false for those, the EVM verifier rejects
 * them too), coordinates >= q, z other than 1, points off the curve, G2 points outside the
 * subgroup of order r, infinity for A, B, C, α, β, γ, δ (IC points may be infinity; vk_x may be,
 * and then contributes e(O, γ) = 1).
 *
 * Stricter than snarkjs 0.7.6, which accepts a coordinate + q (it reduces mod q, so one proof has
 * two encodings), a G1 point without z, and any proof.protocol or proof.curve; those are
 * malformed here (test/verify-groth16.test.ts pins both verdicts).
 *
 * Cost: parsing the key (G2 subgroup checks), its Miller-loop line coefficients for β, γ, δ, the
 * Miller loop of e(α, β) and window tables of the IC points are computed once per key (~50-70 ms
 * at nPublic = 3) and cached, keyed by the key's JSON, so a key object edited in place is parsed
 * again. Per proof (~20 ms here, as fast as snarkjs; scripts/bench-verify.ts): the subgroup check
 * of B (~3 ms), its line coefficients (~1 ms), vk_x (~1 ms), a 3-pair Miller loop (~8 ms) and one
 * final exponentiation (~6 ms). It does not check that the key belongs to a circuit: compare
 * vkeyHash(text) with the expected hash.
 */
import { bn254 } from "@noble/curves/bn254.js";
import type { Fp12 } from "@noble/curves/abstract/tower.js";
import { VerifyError } from "./errors.ts";
import { array, g1Point, g2Point, publicSignal, record, tag, type G1Point, type G2Point } from "./parse.ts";

const { Fp12 } = bn254.fields;
type LineCoefficients = ReturnType<typeof bn254.utils.calcPairingPrecomputes>;

/** wNAF window of the IC points' multiplication tables (2^(w-1) points per window of w bits). */
const IC_WINDOW = 4;

/** A verification key parsed and checked, not yet prepared. */
export interface ParsedVerifyingKey {
  readonly nPublic: number;
  /** IC_0..IC_nPublic (may hold infinity). */
  readonly ic: readonly G1Point[];
  readonly alpha: G1Point;
  readonly beta: G2Point;
  readonly gamma: G2Point;
  readonly delta: G2Point;
}

/** A verification key parsed, checked and prepared for pairings. */
export interface PreparedVerifyingKey extends ParsedVerifyingKey {
  /** Miller loop of e(α, β), without final exponentiation. */
  readonly alphaBetaMiller: Fp12;
  readonly gammaLines: LineCoefficients;
  readonly deltaLines: LineCoefficients;
}

/** A proof parsed and checked. */
export interface ParsedProof {
  readonly a: G1Point;
  readonly b: G2Point;
  readonly c: G1Point;
}

/** Parses and checks a snarkjs verification key (verification_key.json). */
export function parseVerifyingKey(vk: unknown): ParsedVerifyingKey {
  const v = record(vk, "vk");
  tag(v.protocol, "vk.protocol", "groth16", "BAD_PROTOCOL");
  tag(v.curve, "vk.curve", "bn128", "BAD_CURVE");
  const icRaw = array(v.IC, "vk.IC");
  if (icRaw.length === 0) throw new VerifyError("BAD_SHAPE", "vk.IC", "expected at least IC_0", v.IC);
  if (typeof v.nPublic !== "number" || !Number.isSafeInteger(v.nPublic) || v.nPublic < 0) {
    throw new VerifyError("BAD_SHAPE", "vk.nPublic", "expected a non-negative integer", v.nPublic);
  }
  if (v.nPublic !== icRaw.length - 1) {
    throw new VerifyError("VK_INCONSISTENT", "vk.nPublic", `must be IC.length - 1 = ${icRaw.length - 1}`, v.nPublic);
  }
  const finite = { infinity: false };
  return {
    nPublic: v.nPublic,
    alpha: g1Point(v.vk_alpha_1, "vk.vk_alpha_1", finite),
    beta: g2Point(v.vk_beta_2, "vk.vk_beta_2", finite),
    gamma: g2Point(v.vk_gamma_2, "vk.vk_gamma_2", finite),
    delta: g2Point(v.vk_delta_2, "vk.vk_delta_2", finite),
    ic: icRaw.map((p, i) => g1Point(p, `vk.IC[${i}]`, { infinity: true })),
  };
}

/**
 * Parses a snarkjs verification key and prepares its fixed pairings and IC tables (~70 ms for
 * nPublic = 3; keep the result, or let verifyGroth16 cache it).
 */
export function prepareVerifyingKey(vk: unknown): PreparedVerifyingKey {
  const parsed = parseVerifyingKey(vk);
  // Window tables for vk_x: ~15 ms per IC point once, then each s_i·IC_i takes ~0.5 ms instead of
  // ~2 ms (measured by scripts/bench-verify.ts). Infinity is noble's shared ZERO: leave it alone.
  for (const point of parsed.ic) if (!point.is0()) point.precompute(IC_WINDOW, false);
  const a = parsed.alpha.toAffine();
  const key: PreparedVerifyingKey = {
    ...parsed,
    alphaBetaMiller: bn254.millerLoopBatch([[bn254.utils.calcPairingPrecomputes(parsed.beta), a.x, a.y]]),
    gammaLines: bn254.utils.calcPairingPrecomputes(parsed.gamma),
    deltaLines: bn254.utils.calcPairingPrecomputes(parsed.delta),
  };
  preparedByUs.add(Object.freeze(key));
  return key;
}

/** Parses a snarkjs Groth16 proof ({ pi_a, pi_b, pi_c, protocol, curve }). */
export function parseProof(proof: unknown): ParsedProof {
  const p = record(proof, "proof");
  tag(p.protocol, "proof.protocol", "groth16", "BAD_PROTOCOL");
  tag(p.curve, "proof.curve", "bn128", "BAD_CURVE");
  const finite = { infinity: false };
  return {
    a: g1Point(p.pi_a, "proof.pi_a", finite),
    b: g2Point(p.pi_b, "proof.pi_b", finite),
    c: g1Point(p.pi_c, "proof.pi_c", finite),
  };
}

/** Parses public signals (canonical decimal strings below r), exactly `nPublic` of them. */
export function parsePublicSignals(publicSignals: unknown, nPublic: number): bigint[] {
  const list = array(publicSignals, "publicSignals");
  if (list.length !== nPublic) {
    throw new VerifyError(
      "SIGNAL_COUNT",
      "publicSignals",
      `expected ${nPublic} signals (vk.nPublic), got ${list.length} in`,
      publicSignals,
    );
  }
  return list.map((s, i) => publicSignal(s, `publicSignals[${i}]`));
}

/** Keys made by prepareVerifyingKey: an object that merely looks prepared is parsed as JSON. */
const preparedByUs = new WeakSet<object>();
const CACHE_LIMIT = 16;
const prepared = new Map<string, PreparedVerifyingKey>();

/** The prepared key for `vk`, from the cache when the same key JSON was prepared before. */
function preparedKey(vk: unknown): PreparedVerifyingKey {
  let cacheKey: string | undefined;
  try {
    cacheKey = JSON.stringify(vk);
  } catch {
    cacheKey = undefined; // not JSON (a cycle, a bigint): prepareVerifyingKey names the problem
  }
  const hit = cacheKey === undefined ? undefined : prepared.get(cacheKey);
  if (hit !== undefined) return hit;
  const key = prepareVerifyingKey(vk);
  if (cacheKey !== undefined) {
    if (prepared.size >= CACHE_LIMIT) prepared.delete(prepared.keys().next().value!);
    prepared.set(cacheKey, key);
  }
  return key;
}

/** vk_x = IC_0 + Σ s_i·IC_i (public scalars: the variable-time multiplication is fine). */
function linearCombination(key: PreparedVerifyingKey, signals: readonly bigint[]): G1Point {
  let acc = key.ic[0]!;
  signals.forEach((s, i) => {
    acc = acc.add(key.ic[i + 1]!.multiplyUnsafe(s));
  });
  return acc;
}

/** The pairing-product check on parsed values: true when the proof verifies. */
export function checkPairing(key: PreparedVerifyingKey, proof: ParsedProof, signals: readonly bigint[]): boolean {
  if (signals.length !== key.nPublic) throw new RangeError(`signals: expected ${key.nPublic}, got ${signals.length}`);
  const negA = proof.a.negate().toAffine();
  const c = proof.c.toAffine();
  const terms: Parameters<typeof bn254.millerLoopBatch>[0] = [
    [bn254.utils.calcPairingPrecomputes(proof.b), negA.x, negA.y],
    [key.deltaLines, c.x, c.y],
  ];
  const vkX = linearCombination(key, signals);
  // e(O, γ) = 1: an infinite vk_x drops out of the product (noble's pairing refuses O).
  if (!vkX.is0()) {
    const x = vkX.toAffine();
    terms.push([key.gammaLines, x.x, x.y]);
  }
  const miller = Fp12.mul(bn254.millerLoopBatch(terms), key.alphaBetaMiller);
  return Fp12.eql(Fp12.finalExponentiate(miller), Fp12.ONE);
}

/**
 * Verifies a Groth16 proof in snarkjs's JSON formats: `vk` as in verification_key.json (or a key
 * from prepareVerifyingKey), `proof` as snarkjs's Groth16Proof, `publicSignals` as public.json.
 * Returns whether e(-A,B)·e(α,β)·e(vk_x,γ)·e(C,δ) = 1; throws VerifyError for malformed input.
 */
export function verifyGroth16(vk: unknown, proof: unknown, publicSignals: unknown): boolean {
  const key = isPrepared(vk) ? vk : preparedKey(vk);
  const parsed = parseProof(proof);
  const signals = parsePublicSignals(publicSignals, key.nPublic);
  return checkPairing(key, parsed, signals);
}

function isPrepared(vk: unknown): vk is PreparedVerifyingKey {
  return typeof vk === "object" && vk !== null && preparedByUs.has(vk);
}
