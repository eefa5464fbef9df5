/**
 * npm run bench:verify [-- --size 4] [--proofs 3] [--rounds 30] [--out FILE] [--epoch DIR --rpc URL]
 *
 * Verify time per Groth16 proof, in one run: snarkjs's groth16.verify against this project's
 * verifier on @noble/curves (verify/), on real proofs of PayoutBatch(size). Rounds interleave the
 * two verifiers and alternate which goes first; every figure is a median over proofs x rounds.
 * Also measured: noble with no per-key cache (the key parsed and prepared on every call), noble's
 * plain 4-pair pairingBatch (key parsed per call, nothing prepared: the unoptimised verifier),
 * and the parts of one noble verify. Prints a table
 * and writes JSON (bench-results/verify.json by default); compare the ratios, not the absolute
 * times, which vary from machine to machine and run to run. With --epoch DIR (a settled epoch
 * directory) it also times a whole-epoch verification (verify/'s verifyEpoch, noble only) from
 * the directory, and with --rpc URL (a node still holding that epoch) from the directory checked
 * against the chain and from the chain alone.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bn254 } from "@noble/curves/bn254.js";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { payoutCircuitName, setupCircuit } from "../circuits/index.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { config } from "../config/index.ts";
import { verifyEpoch, verifyGroth16, type ChainSource } from "../verify/index.ts";
import { checkPairing, parseProof, parsePublicSignals, parseVerifyingKey, prepareVerifyingKey } from "../verify/groth16.ts";
import { readEpochRecord } from "../verify/record.ts";
import { epochDomain } from "../witness/domain.ts";
import { buildPayoutBatches } from "../witness/payout-batches.ts";
import { splitPool } from "../witness/policy.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: String(config.payoutBatch.testSize) },
    proofs: { type: "string", default: "3" },
    rounds: { type: "string", default: "30" },
    out: { type: "string", default: join(PROJECT_ROOT, "bench-results", "verify.json") },
    epoch: { type: "string" },
    rpc: { type: "string" },
  },
});
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
};
const size = positive("size", values.size);
if (!config.payoutBatch.sizes.includes(size)) {
  console.error(`--size ${size} is not a configured payout batch size (${config.payoutBatch.sizes.join(", ")})`);
  process.exit(2);
}
const proofCount = positive("proofs", values.proofs);
const rounds = positive("rounds", values.rounds);
const log = (m: string) => console.error(m);

// Real proofs of PayoutBatch(size), one per batch of a table of proofCount * size contributors.
const keys = await setupCircuit(payoutCircuitName(size), log);
const vk = keys.vkey;
const contributors = Array.from({ length: proofCount * size }, (_, i) => ({
  address: 0xbe4c_0000n + BigInt(i) * 0x10001n,
  amount: 5_000_000n * BigInt(i + 1) + 3n,
}));
const domain = epochDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3", 1n);
const batches = buildPayoutBatches(splitPool(contributors, 10n ** 24n, config), domain, 0x5eedn, size, config);
const proofs: { proof: Groth16Proof; publicSignals: string[] }[] = [];
for (const batch of batches.slice(0, proofCount)) {
  proofs.push(await snarkjs.groth16.fullProve(batch.input, keys.wasmPath, keys.zkeyPath));
}
log(`${proofs.length} proofs of ${keys.name} made; ${rounds} rounds`);

type Verifier = (p: (typeof proofs)[number]) => boolean | Promise<boolean>;
const verifiers: Record<string, Verifier> = {
  snarkjs: (p) => snarkjs.groth16.verify(vk as never, p.publicSignals, p.proof),
  noble: (p) => verifyGroth16(vk, p.proof, p.publicSignals),
  "noble, key prepared per call": (p) => {
    const key = prepareVerifyingKey(vk);
    return checkPairing(key, parseProof(p.proof), parsePublicSignals(p.publicSignals, key.nPublic));
  },
  "noble pairingBatch, no prepared key": (p) => {
    const key = parseVerifyingKey(vk);
    const { a, b, c } = parseProof(p.proof);
    const signals = parsePublicSignals(p.publicSignals, key.nPublic);
    const vkX = signals.reduce((acc, s, i) => acc.add(key.ic[i + 1]!.multiplyUnsafe(s)), key.ic[0]!);
    const gt = bn254.pairingBatch([
      { g1: a.negate(), g2: b },
      { g1: key.alpha, g2: key.beta },
      { g1: vkX, g2: key.gamma },
      { g1: c, g2: key.delta },
    ]);
    return bn254.fields.Fp12.eql(gt, bn254.fields.Fp12.ONE);
  },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timeOnce(verify: Verifier, p: (typeof proofs)[number], name: string): Promise<number> {
  const start = performance.now();
  const ok = await verify(p);
  const ms = performance.now() - start;
  if (ok !== true) throw new Error(`${name} rejects an honest proof: the benchmark is wrong`);
  return ms;
}

// Warm-up: snarkjs builds its curve (and threads) on first use; noble fills its per-key cache.
const first: Record<string, number> = {};
for (const [name, verify] of Object.entries(verifiers)) first[name] = await timeOnce(verify, proofs[0]!, name);

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(verifiers).map((n) => [n, []]));
const names = Object.keys(verifiers);
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? names : [...names].reverse();
  for (const p of proofs) for (const name of order) samples[name]!.push(await timeOnce(verifiers[name]!, p, name));
}

// The parts of one noble verify with a prepared key.
const key = prepareVerifyingKey(vk);
const part = (f: () => unknown) =>
  median(
    Array.from({ length: rounds }, () => {
      const start = performance.now();
      f();
      return performance.now() - start;
    }),
  );
const p0 = proofs[0]!;
const parsed = parseProof(p0.proof);
const signals = parsePublicSignals(p0.publicSignals, key.nPublic);
const vkX = signals.reduce((acc, s, i) => acc.add(key.ic[i + 1]!.multiplyUnsafe(s)), key.ic[0]!).toAffine();
const bLines = bn254.utils.calcPairingPrecomputes(parsed.b);
const negA = parsed.a.negate().toAffine();
const c = parsed.c.toAffine();
const miller = bn254.millerLoopBatch([
  [bLines, negA.x, negA.y],
  [key.gammaLines, vkX.x, vkX.y],
  [key.deltaLines, c.x, c.y],
]);
const parts = {
  "parse proof (incl. G2 subgroup check of B)": part(() => parseProof(p0.proof)),
  "vk_x = IC_0 + sum s_i IC_i": part(() => signals.reduce((acc, s, i) => acc.add(key.ic[i + 1]!.multiplyUnsafe(s)), key.ic[0]!).toAffine()),
  "line coefficients of B": part(() => bn254.utils.calcPairingPrecomputes(parsed.b)),
  "3-pair Miller loop": part(() =>
    bn254.millerLoopBatch([
      [bLines, negA.x, negA.y],
      [key.gammaLines, vkX.x, vkX.y],
      [key.deltaLines, c.x, c.y],
    ]),
  ),
  "final exponentiation": part(() => bn254.fields.Fp12.finalExponentiate(miller)),
  "prepare key (once per key)": part(() => prepareVerifyingKey(vk)),
};

const results = Object.fromEntries(names.map((n) => [n, { medianMs: median(samples[n]!), firstCallMs: first[n]! }]));
const snarkjsMs = results.snarkjs!.medianMs;
const ratio = results.noble!.medianMs / snarkjsMs;

console.log(`\nGroth16 verify, ${keys.name} (nPublic ${key.nPublic}), median of ${proofs.length} proofs x ${rounds} rounds`);
console.log(`${"verifier".padEnd(38)} ${"median ms".padStart(10)} ${"x snarkjs".padStart(10)} ${"first call ms".padStart(14)}`);
for (const n of names) {
  const r = results[n]!;
  console.log(
    `${n.padEnd(38)} ${r.medianMs.toFixed(2).padStart(10)} ${(r.medianMs / snarkjsMs).toFixed(2).padStart(10)} ${r.firstCallMs.toFixed(1).padStart(14)}`,
  );
}
console.log(`\nparts of one noble verify (median ms)`);
for (const [n, ms] of Object.entries(parts)) console.log(`  ${n.padEnd(44)} ${ms.toFixed(2).padStart(8)}`);
console.log(`\nnoble / snarkjs = ${ratio.toFixed(2)} (target <= 1.5): ${ratio <= 1.5 ? "met" : "NOT met"}`);

// Whole epochs, noble only (snarkjs would add its per-proof time to each): every check but scores.
const wholeEpoch: Record<string, { ms: number; proofs: number }> = {};
if (values.epoch !== undefined) {
  const dir = values.epoch;
  const record = readEpochRecord(dir);
  const epochProofs = record.proofs.example.length + record.proofs.registration.length + record.proofs.payout.length;
  const time = async (name: string, source: string | ChainSource, rpcUrl?: string) => {
    wholeEpoch[name] = {
      ms: (await verifyEpoch(source, { snarkjs: false, ...(rpcUrl === undefined ? {} : { rpcUrl }) })).ms,
      proofs: epochProofs,
    };
  };
  await time("directory", dir);
  if (values.rpc !== undefined) {
    await time("directory + chain", dir, values.rpc);
    await time("chain alone", { rpcUrl: values.rpc, settlement: record.settlement, epoch: record.epoch });
  }
  console.log(`
whole epoch ${dir} (${epochProofs} proofs), noble only`);
  for (const [n, r] of Object.entries(wholeEpoch)) console.log(`  ${n.padEnd(20)} ${(r.ms / 1000).toFixed(1).padStart(7)} s`);
}

writeFileAtomic(
  values.out,
  toJson({
    circuit: keys.name,
    nPublic: key.nPublic,
    proofs: proofs.length,
    rounds,
    node: process.version,
    verifiers: results,
    nobleParts: parts,
    nobleOverSnarkjs: ratio,
    target: 1.5,
    ...(values.epoch === undefined ? {} : { wholeEpoch }),
    measuredAt: new Date().toISOString(),
  }),
);
log(`wrote ${values.out}`);
await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
