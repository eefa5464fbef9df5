/**
 * Adaptive provers against the real contract: attackers who see every Fiat-Shamir challenge first
 * and then choose every input the statement leaves free, on the three circuits of Soundness II
 * (docs/soundness-ii.md).
 *
 * For each circuit and each of its private inputs x (read from the compiled circuit, so a new input
 * is attacked without anyone adding it here), on each attacked batch, the attacker
 *   1. picks a forged claim: an ExampleBatch claim that restarts the claim order (hashOut = 1) with
 *      a shifted rlcSum; a RegistrationBatch claim whose product admits an invented claim of the
 *      attacker's; payout words that pay the rest of the pool to the attacker (whose T_j = 0), or
 *      redirect another payee's reward to it;
 *   2. computes the digest challenge rho exactly as the contract will (keccak of its V and the claim);
 *   3. writes the circuit's digest as a polynomial in x (every other input honest), interpolated
 *      from this file's own model of the circuit, and solves digest(x) == the contract's digest of
 *      the forged claim (root finding over F_p; a new claim, so a new rho, when there is no root);
 *   4. proves the solved witness with the real circuit (its honest witness under the forged rho if
 *      the circuit refuses the solution or nothing solved) and submits proof and forged claim to the
 *      real settlement contract.
 * Every attack must end in a named revert, and no token may move. On the circuits of 085f677
 * (r private and free) the attack on `r` was accepted by the contract (../shared/audits/).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config, FIELD_MODULUS as P } from "../config/index.ts";
import {
  compileCircuit,
  exampleCircuitName,
  payoutCircuitName,
  registrationCircuitName,
  setupCircuit,
  type CircuitKeys,
  type CompiledCircuit,
} from "../circuits/index.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import {
  applyPolicy,
  buildEpochBatches,
  validationCommitment,
  type Delivery,
  type EpochBatches,
  type EpochTables,
  type ExampleBatch,
  type PayoutBatch,
  type RegistrationBatch,
} from "../witness/index.ts";
import { epochDomain } from "../witness/domain.ts";
import { buildExampleBatches, exampleDigestChallenge } from "../witness/example-batches.ts";
import { buildPayoutBatches, digestChallenge, hornerDigest } from "../witness/payout-batches.ts";
import { splitPool } from "../witness/policy.ts";
import { powMod } from "../witness/power.ts";
import { buildRegistrationBatches, registrationDigestChallenge } from "../witness/registration-batches.ts";
import { poseidonHash } from "../witness/registration-commitment.ts";
import {
  commitEpoch,
  deploySettlement,
  finalizeEpoch,
  openEpoch,
  readRegistrations,
  registerExamples,
  releaseBatch,
  revealValidation,
  submitExampleBatch,
  submitPayoutBatch,
  submitRegistrationBatch,
  waitForRegistrationClose,
  type SettlementDeployment,
} from "../verifier-contracts/index.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { decodeRevert } from "../verifier-contracts/revert-reason.ts";
import { advanceDevelopmentClock, exampleBatchArgs, payoutBatchArgs, registrationBatchArgs } from "../verifier-contracts/settle.ts";
import { toSolidityProof } from "../verifier-contracts/solidity-proof.ts";
import { evaluate, findRoot, interpolate } from "./helpers/fp-poly.ts";
import { readR1cs } from "./helpers/r1cs.ts";
import { symbolsOf } from "./helpers/circuit-harness.ts";

const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
const OPEN = 10n ** 18n;
const POOL = 1000n * OPEN;
const EPOCH = 1n;
const VALIDATION = { validationSetHash: keccak256(toUtf8Bytes("validation")), salt: keccak256(toUtf8Bytes("salt")) };
const { addressBits, scoreBits, contributorIndexBits: indexBits, batchIndexBits } = config.widths;
const mod = (a: bigint) => ((a % P) + P) % P;
const mask = (bits: number) => (1n << BigInt(bits)) - 1n;
/** 128-bit example hashes by label. */
const h = (label: string) => BigInt(keccak256(toUtf8Bytes(label))) >> 128n;

type Value = string | string[] | string[][];
type Input = Record<string, Value>;
/** An element of an input: [] for a scalar, [i] for a vector, [i, k] for a matrix. */
type Slot = readonly number[];

/** The private inputs of a compiled circuit, by name (arrays once): wires after outputs and public inputs. */
function privateInputs(circuit: CompiledCircuit): string[] {
  const r1cs = readR1cs(circuit.r1csPath);
  const first = 1 + r1cs.nOutputs + r1cs.nPubInputs;
  const names = new Set<string>();
  for (const [wire, wireNames] of symbolsOf(circuit).namesOf) {
    if (wire < first || wire >= first + r1cs.nPrvInputs) continue;
    for (const name of wireNames) {
      // Any number of indices: RegistrationBatch's hash[i][k] is two-dimensional.
      const match = /^main\.([A-Za-z_][A-Za-z0-9_]*)(\[\d+\])*$/.exec(name);
      if (match) names.add(match[1]!);
    }
  }
  return [...names].sort();
}

function slotsOf(value: Value): Slot[] {
  if (!Array.isArray(value)) return [[]];
  return value.flatMap((element, i) => (Array.isArray(element) ? element.map((_, k) => [i, k]) : [[i]]));
}
function withSlot(value: Value, slot: Slot, x: bigint): Value {
  if (slot.length === 0) return x.toString();
  if (slot.length === 1) return (value as string[]).map((v, i) => (i === slot[0] ? x.toString() : v));
  return (value as string[][]).map((row, i) => (i === slot[0] ? row.map((v, k) => (k === slot[1] ? x.toString() : v)) : row));
}
const slotLabel = (slot: Slot) => slot.map((i) => `[${i}]`).join("");

const scalar = (input: Input, k: string) => mod(BigInt(input[k] as string));
const vector = (input: Input, k: string) => (input[k] as string[]).map((v) => mod(BigInt(v)));
const matrix = (input: Input, k: string) => (input[k] as string[][]).map((row) => row.map((v) => mod(BigInt(v))));

/**
 * Poseidon by arity, remembered: the attacker evaluates the registration model ~30 times per
 * element with one input changed, so most rows' hashes repeat.
 */
const poseidonMemo = new Map<string, bigint>();
function poseidon(inputs: readonly bigint[]): bigint {
  const key = inputs.join(",");
  let out = poseidonMemo.get(key);
  if (out === undefined) {
    if (poseidonMemo.size > 200_000) poseidonMemo.clear();
    poseidonMemo.set(key, (out = poseidonHash(inputs)));
  }
  return out;
}
/** gamma = Poseidon(seed, 1), beta = Poseidon(seed, 2), as every circuit derives them. */
const challenges = (seed: bigint) => ({ gamma: poseidon([seed, 1n]), beta: poseidon([seed, 2n]) });

/** The digest ExampleBatch outputs for `input` (this file's own model of circuits/example_batch.circom). */
function exampleCircuitDigest(input: Input): bigint {
  const [chainIn, domain, seed, hashIn, jIn, rho] = ["chainIn", "domain", "seed", "hashIn", "jIn", "rho"].map((k) => scalar(input, k)) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ];
  const [hash, j, score] = [vector(input, "hash"), vector(input, "j"), vector(input, "score")];
  const { gamma, beta } = challenges(seed);
  const offset = 1n << BigInt(scoreBits - 1);
  let [previousHash, previousJ, scoreSum, rlcSum, prod] = [hashIn, jIn, 0n, 0n, 1n];
  for (const [i, hi] of hash.entries()) {
    const padding = hi === 0n ? 1n : 0n;
    previousHash = mod(previousHash + (1n - padding) * (hi - previousHash));
    previousJ = mod(previousJ + (1n - padding) * (j[i]! - previousJ));
    // clipped = (top bit of s + 2^(scoreBits-1), as Num2Bits computes it) * s; r^j over the low indexBits bits of j.
    const clipped = mod(((((score[i]! + offset) % P) >> BigInt(scoreBits - 1)) & 1n) * score[i]!);
    scoreSum = mod(scoreSum + clipped);
    rlcSum = mod(rlcSum + clipped * powMod(seed, j[i]! & mask(indexBits)));
    prod = mod(prod * (gamma - hi - beta * j[i]! - padding * (gamma - 1n)));
  }
  return hornerDigest([chainIn, domain, seed, hashIn, jIn, previousHash, previousJ, scoreSum, rlcSum, prod], rho);
}

/** The digest RegistrationBatch outputs for `input` (this file's own model of circuits/registration_batch.circom). */
function registrationCircuitDigest(input: Input): bigint {
  const s = (k: string) => scalar(input, k);
  const [domain, seed, foldIn, nextJIn, openIn, listIn, countIn, senderNIn, exclStartedIn, exclPrevIn, exclJIn, rho] = [
    "domain",
    "seed",
    "foldIn",
    "nextJIn",
    "openIn",
    "listIn",
    "countIn",
    "senderNIn",
    "exclStartedIn",
    "exclPrevIn",
    "exclJIn",
    "rho",
  ].map(s) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  const [active, last, excluded, senderN, salt, cExcluded] = ["active", "last", "excluded", "senderN", "salt", "cExcluded"].map((k) =>
    vector(input, k),
  ) as [bigint[], bigint[], bigint[], bigint[], bigint[], bigint[]];
  const hash = matrix(input, "hash");
  const { gamma, beta } = challenges(seed);
  const shift = powMod(seed, 1n << BigInt(indexBits));
  const stateIn = openIn === 0n ? 0n : mod(openIn * poseidon([domain, listIn, countIn, senderNIn]));
  // The exclusion chain carried in, from its last step: exclStartedIn * Poseidon(w + 3)(exclPrevIn, exclJIn, domain, 0, ...).
  const zeros = Array<bigint>(hash[0]!.length).fill(0n);
  const exclIn = mod(exclStartedIn * poseidon([exclPrevIn, exclJIn, domain, ...zeros]));
  // r^(nextJIn - 1 + 2^indexBits): r to the low indexBits bits of nextJIn, times r^-1, times the shift.
  let powerPrev = mod(powMod(seed, nextJIn & mask(indexBits)) * powMod(seed, P - 2n) * shift);
  let [openPrev, listPrev, countPrev, senderNPrev, foldPrev, exclPrev] = [openIn, listIn, countIn, senderNIn, foldIn, exclIn];
  let [firstCount, prod, rlcSum] = [0n, 1n, 0n];
  for (const [i, row] of hash.entries()) {
    const [a, l, x, n] = [active[i]!, last[i]!, excluded[i]!, senderN[i]!];
    const first = mod(a * (1n - openPrev));
    const open = mod(a - l);
    firstCount = mod(firstCount + first);
    const j = mod(nextJIn - 1n + firstCount);
    // The row's Poseidon: the list chain, or (excluded) the exclusion chain's step (exclPrev, j, domain, 0, ...).
    const base = mod(listPrev + first * (domain - listPrev));
    const list = poseidon([mod(base + x * (exclPrev - base)), mod(first * n + x * (j - first * n)), mod(salt[i]! + x * domain), ...row]);
    const excl = mod(exclPrev + x * (list - exclPrev));
    const betaJ = mod(beta * j);
    let nonzero = 0n;
    for (const hk of row) {
      if (hk === 0n) continue; // IsZero: a zero hash contributes 1
      nonzero += 1n;
      prod = mod(prod * (gamma - hk - betaJ));
    }
    const count = mod(countPrev - first * countPrev + nonzero);
    const sender = n & mask(addressBits); // the low bits of senderN's Num2Bits(addressBits + countBits)
    const claimed = mod(list + x * (cExcluded[i]! - list));
    const fold = l === 0n ? foldPrev : mod(foldPrev + l * (poseidon([foldPrev, claimed, n]) - foldPrev));
    const power = mod(powerPrev + first * (powerPrev * seed - powerPrev));
    rlcSum = mod(rlcSum + l * power * (sender + x * shift));
    [openPrev, listPrev, countPrev, senderNPrev, foldPrev, powerPrev, exclPrev] = [open, list, count, n, fold, power, excl];
  }
  const stateOut = openPrev === 0n ? 0n : mod(openPrev * poseidon([domain, listPrev, countPrev, senderNPrev]));
  return hornerDigest(
    [
      domain,
      seed,
      foldIn,
      nextJIn,
      openIn,
      stateIn,
      countIn,
      senderNIn,
      exclIn,
      foldPrev,
      mod(nextJIn + firstCount),
      openPrev,
      stateOut,
      mod(openPrev * countPrev),
      mod(openPrev * senderNPrev),
      exclPrev,
      prod,
      rlcSum,
    ],
    rho,
  );
}

/** The digest PayoutBatch outputs for `input` (this file's own model of circuits/payout_batch.circom). */
function payoutCircuitDigest(input: Input): bigint {
  const [chainIn, domain, pool, total, seed, k, rho] = ["chainIn", "domain", "pool", "total", "seed", "batchIndex", "rho"].map((key) =>
    scalar(input, key),
  ) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  const [address, amount, reward] = [vector(input, "address"), vector(input, "amount"), vector(input, "reward")];
  const shift = powMod(seed, 1n << BigInt(indexBits));
  // (r^B)^k over the low batchIndexBits bits of k, then one r per row.
  let power = powMod(powMod(seed, BigInt(B)), k & mask(batchIndexBits));
  let rlcSum = 0n;
  for (const [i, a] of address.entries()) {
    rlcSum = mod(rlcSum + (amount[i]! + a * shift) * power);
    power = mod(power * seed);
  }
  const words = address.map((a, i) => mod(a + reward[i]! * (1n << BigInt(addressBits))));
  return hornerDigest([chainIn, domain, pool, total, seed, k, mod(amount.reduce((sum, x) => sum + x, 0n)), rlcSum, ...words], rho);
}

/**
 * The unknown is x = OFFSET + t, interpolated at t = 0..degree: away from 0 and 1, where IsZero
 * and the flags change the circuit's formulas (a padding row's hash, say, is a polynomial
 * everywhere but at 0).
 */
const OFFSET = BigInt(keccak256(toUtf8Bytes("adaptive prover"))) % P;

/**
 * Interpolates f(x) = model - target in x from degree + 1 points and checks one more: when f is
 * not a polynomial of that degree (x goes through Poseidon, an exponent or a bit decomposition),
 * no root of the interpolation solves it. Otherwise a root of f, if there is one. `constant`: f
 * does not depend on x at all, so no other forgery will solve it either.
 */
function solve(f: (x: bigint) => bigint, degree: number): { polynomial: boolean; constant: boolean; root?: bigint } {
  const g = (t: bigint) => f(mod(OFFSET + t));
  const poly = interpolate(g, degree);
  if (evaluate(poly, BigInt(degree + 1)) !== mod(g(BigInt(degree + 1)))) return { polynomial: false, constant: false };
  const constant = poly.length <= 1;
  const t = findRoot(poly);
  if (t === undefined) return { polynomial: true, constant };
  const x = mod(OFFSET + t);
  return mod(f(x)) === 0n ? { polynomial: true, constant, root: x } : { polynomial: true, constant };
}

/** What the attacker sends besides the proof, and the digest and rho the contract derives from it. */
interface Forgery {
  readonly rho: bigint;
  readonly target: bigint;
  readonly submit: (proof: Groth16Proof) => Promise<unknown>;
}

interface Outcome {
  readonly input: string;
  /** Some element of the input enters the digest as a polynomial (so the attacker could try roots). */
  readonly polynomial: boolean;
  /** No element of the input changes the digest. */
  readonly unused: boolean;
  readonly solved: boolean;
  readonly circuitAccepted: boolean;
  /** The proof of the solution carries the contract's digest of the forged claim (only its chainOut differs). */
  readonly digestMatches: boolean;
  readonly revert: string;
}

describe("adaptive provers: every free input chosen after the challenge, through the real contract", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  let keys: { example: CircuitKeys; registration: CircuitKeys; payout: CircuitKeys };
  let tables: EpochTables;
  let w: EpochBatches;
  let attacker: string;
  /** The attacker's registration order. */
  let attackerJ: number;
  /** Proofs of honest witnesses under a forged rho, by circuit and rho: shared by the attacks on a batch that solve nothing. */
  const fallbackProofs = new Map<string, Groth16Proof>();

  async function revertName(call: Promise<unknown>): Promise<string> {
    try {
      await call;
    } catch (error) {
      return decodeRevert(error, d.settlement.interface)?.name ?? `unnamed: ${(error as Error).message.slice(0, 120)}`;
    }
    return "ACCEPTED";
  }

  /**
   * One adaptive attack on input `name`: every element in turn, each forgery in turn (up to 12),
   * until one solves; elements the digest does not depend on, or not polynomially, are dropped
   * after the first forgery. Then prove and submit. Returns how it ended.
   */
  async function attack(
    circuit: CircuitKeys,
    honest: Input,
    name: string,
    degree: number,
    model: (input: Input) => bigint,
    forge: (attempt: number) => Forgery,
  ): Promise<Outcome> {
    let live = slotsOf(honest[name]!);
    let polynomial = false;
    let unused = true;
    let solved: { input: Input; slot: Slot; forgery: Forgery } | undefined;
    for (let attempt = 0; attempt < 12 && live.length > 0 && !solved; attempt++) {
      const forgery = forge(attempt);
      const stillLive: Slot[] = [];
      for (const slot of live) {
        const withX = (x: bigint): Input => ({ ...honest, rho: forgery.rho.toString(), [name]: withSlot(honest[name]!, slot, x) });
        const s = solve((x) => model(withX(x)) - forgery.target, degree);
        if (s.root !== undefined) {
          solved = { input: withX(s.root), slot, forgery };
          break;
        }
        unused &&= s.constant;
        if (s.polynomial && !s.constant) stillLive.push(slot);
      }
      polynomial ||= stillLive.length > 0 || solved !== undefined;
      if (solved) unused = false;
      live = stillLive;
    }
    const forgery = solved?.forgery ?? forge(0);
    let proof: Groth16Proof | undefined;
    let circuitAccepted = false;
    let digestMatches = false;
    if (solved) {
      try {
        const proved = await snarkjs.groth16.fullProve(solved.input, circuit.wasmPath, circuit.zkeyPath);
        proof = proved.proof;
        circuitAccepted = true;
        digestMatches = BigInt(proved.publicSignals[1]!) === forgery.target;
      } catch {
        // The circuit refuses the solution: the attacker sends its honest witness's proof instead.
      }
    }
    if (!proof) {
      const key = `${circuit.name}:${forgery.rho}`;
      proof = fallbackProofs.get(key);
      if (!proof) {
        proof = (await snarkjs.groth16.fullProve({ ...honest, rho: forgery.rho.toString() }, circuit.wasmPath, circuit.zkeyPath)).proof;
        fallbackProofs.set(key, proof);
      }
    }
    const input = `${name}${solved ? slotLabel(solved.slot) : ""}`;
    return {
      input,
      polynomial,
      unused,
      solved: solved !== undefined,
      circuitAccepted,
      digestMatches,
      revert: await revertName(forgery.submit(proof)),
    };
  }

  /** Every private input of `circuit` attacked on one batch. */
  async function attackBatch(
    circuit: CircuitKeys,
    compiled: CompiledCircuit,
    honest: Input,
    label: string,
    degree: number,
    model: (input: Input) => bigint,
    forge: (attempt: number) => Forgery,
  ): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const name of privateInputs(compiled)) {
      const o = await attack(circuit, honest, name, degree, model, forge);
      outcomes.push({ ...o, input: `${label}: ${o.input}` });
    }
    return outcomes;
  }

  /** The settlement's token balance, the attacker's and every contributor's: an attack that moves any has succeeded. */
  async function balances(): Promise<bigint[]> {
    return Promise.all(
      [d.addresses.settlement, attacker, ...[1, 2, 3, 4, 5].map((k) => signers[k]!.address)].map((a) => d.token.balanceOf(a)),
    );
  }

  function assertAllRefused(outcomes: readonly Outcome[]): void {
    for (const o of outcomes) assert.equal(o.revert, "InvalidProof", `${o.input}: ${JSON.stringify(o)}`);
  }
  const summary = (outcomes: readonly Outcome[]) =>
    JSON.stringify({
      attacks: outcomes.length,
      polynomial: outcomes.filter((o) => o.polynomial).length,
      unused: outcomes.filter((o) => o.unused).map((o) => o.input),
      solved: outcomes
        .filter((o) => o.solved)
        .map((o) => `${o.input} (${o.digestMatches ? "proved with the forged digest" : o.circuitAccepted ? "proved" : "circuit refused"})`),
      reverts: [...new Set(outcomes.map((o) => o.revert))],
    });

  before(async () => {
    keys = {
      example: await setupCircuit(exampleCircuitName(E)),
      registration: await setupCircuit(registrationCircuitName(K)),
      payout: await setupCircuit(payoutCircuitName(B)),
    };
    conn = await network.create();
    signers = await conn.ethers.getSigners();
    attacker = signers[9]!.address;
    d = await deploySettlement(signers[0]!, {
      exampleVerifier: keys.example.verifierArtifact,
      exampleBatchSize: E,
      registrationVerifier: keys.registration.verifierArtifact,
      registrationBatchSize: K,
      payoutVerifier: keys.payout.verifierArtifact,
      payoutBatchSize: B,
    });
    await (await d.token.mint(signers[0]!.address, 10n * POOL)).wait();
    await openEpoch(d, {
      epoch: EPOCH,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: validationCommitment(VALIDATION.validationSetHash, VALIDATION.salt),
      pool: POOL,
      trainer: d.owner,
      follows: 0n,
    });
    // Registration rows (chunks of 12 hashes), K = 2 per batch: j0 row 0; j1's 37 hashes rows 1-4,
    // so batch 0 ends open, batch 1 is continuation rows only (no row closes: foldOut = foldIn),
    // batch 2 starts open; the attacker (j3) registers a copy of j0's first example (credited to
    // j0: T = 0); j4 never delivers (excluded: one row); the last batch ends in padding.
    const lists: { k: number; hashes: bigint[]; deliver: boolean }[] = [
      { k: 1, hashes: [0, 1, 2].map((i) => h(`1-${i}`)), deliver: true },
      { k: 2, hashes: Array.from({ length: 37 }, (_, i) => h(`2-${i}`)), deliver: true },
      { k: 3, hashes: [0, 1].map((i) => h(`3-${i}`)), deliver: true },
      { k: 9, hashes: [h("1-0")], deliver: true },
      { k: 4, hashes: [0, 1].map((i) => h(`4-${i}`)), deliver: false },
      { k: 5, hashes: [0, 1].map((i) => h(`5-${i}`)), deliver: true },
    ];
    const deliveries = new Map<number, Delivery>();
    for (const list of lists) {
      const r = await registerExamples(d, signers[list.k]!, EPOCH, list.hashes, { mintFee: true });
      if (list.deliver) deliveries.set(r.order, { salt: r.salt, hashes: r.hashes });
      if (list.k === 9) attackerJ = r.order;
    }
    await waitForRegistrationClose(d.registry, EPOCH);
    const scores = new Map<bigint, bigint>();
    for (const list of lists)
      for (const [i, hash] of list.hashes.entries()) if (!scores.has(hash)) scores.set(hash, BigInt(list.k * 1_000_003 + i * 7_001));
    const registrationDomain = await d.registry.registrationDomain(EPOCH);
    tables = applyPolicy({
      registrations: await readRegistrations(d.registry, EPOCH),
      deliveries,
      scores,
      pool: POOL,
      registrationDomain,
      config,
    });
    w = buildEpochBatches(tables, {
      domain: epochDomain(d.chainId, d.addresses.settlement, EPOCH),
      registrationDomain,
      fold: await d.registry.registrationFold(EPOCH),
      modelHash: keccak256(toUtf8Bytes("model")),
      pool: POOL,
      exampleBatchSize: E,
      registrationBatchSize: K,
      payoutBatchSize: B,
      config,
    });
    assert.equal(tables.payoutTable.rows[attackerJ]!.amount, 0n, "the attacker's copy is credited to the earliest registrant");
    assert.deepEqual(w.exclusionOrders, [4]);
    assert.ok(w.exampleBatches.length >= 2 && w.payoutBatches.length >= 2, "the fixture spans several batches of each table");
    assert.deepEqual(
      w.registrationBatches.map((b) => [
        b.carriedIn.open,
        b.carriedOut.open,
        b.rows.filter((r) => r.last).length,
        b.rows.filter((r) => !r.active).length,
      ]),
      [
        [0n, 1n, 1, 0],
        [1n, 1n, 0, 0],
        [1n, 0n, 2, 0],
        [0n, 0n, 2, 0],
        [0n, 0n, 1, 1],
      ],
      "registration batches: open out, continuation only, open in, an excluded row, padding",
    );
    await commitEpoch(d.settlement, EPOCH, w.commit, w.exclusionBitmap);
    const state = await d.settlement.epochState(EPOCH);
    assert.ok(await advanceDevelopmentClock(conn.ethers.provider, state.committedAt + (await d.settlement.contestWindow())));
    await revealValidation(d.settlement, EPOCH, VALIDATION);
  });

  after(async () => {
    await conn?.close();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("an outsider's batches of tables of its own, validly proved, are refused before they can fix a chain", async () => {
    // Found by review: verified first, such a batch left the trainer's batch 0 BatchAlreadyVerified
    // and the epoch unfinalizable. Only the owner, who committed the tables, submits batches.
    const outsider = signers[8]!;
    const seed = w.seed;
    const [example] = buildExampleBatches([{ hash: 1n, j: 0, score: 0n }], BigInt(w.exampleBatches[0]!.input.domain), seed, E, config);
    const [registration] = buildRegistrationBatches(
      [{ sender: outsider.address, salt: 1n, hashes: [1n], excluded: false }],
      BigInt(w.registrationBatches[0]!.input.domain),
      seed,
      K,
      config,
    );
    const [payout] = buildPayoutBatches(
      splitPool([{ address: BigInt(outsider.address), amount: 1n }], POOL, config),
      BigInt(w.payoutBatches[0]!.input.domain),
      seed,
      B,
      config,
    );
    const asOutsider = d.settlement.connect(outsider) as typeof d.settlement;
    const prove = async (circuit: CircuitKeys, input: object) =>
      (await snarkjs.groth16.fullProve(input, circuit.wasmPath, circuit.zkeyPath)).proof;
    assert.equal(
      await revertName(asOutsider.submitExampleBatch(...exampleBatchArgs(EPOCH, example!, await prove(keys.example, example!.input)))),
      "NotTheTrainer",
    );
    assert.equal(
      await revertName(
        asOutsider.submitRegistrationBatch(
          ...registrationBatchArgs(EPOCH, registration!, await prove(keys.registration, registration!.input)),
        ),
      ),
      "NotTheTrainer",
    );
    assert.equal(
      await revertName(asOutsider.submitPayoutBatch(...payoutBatchArgs(EPOCH, payout!, await prove(keys.payout, payout!.input)))),
      "NotTheTrainer",
    );
    const state = await d.settlement.epochState(EPOCH);
    assert.deepEqual([state.nextExample, state.nextRegistration, state.nextPayout], [0n, 0n, 0n]);
  });

  /** Batch `b` with forged claims: hashOut = 1, jOut = 0 (restarts the claim order), rlcSum shifted. */
  function exampleForgery(b: ExampleBatch): (attempt: number) => Forgery {
    return (attempt) => {
      const claim = {
        chainOut: b.chainOut,
        hashOut: 1n,
        jOut: 0n,
        scoreSum: b.scoreSum,
        rlcSum: mod(b.rlcSum + 777n + BigInt(attempt)),
        product: b.prod,
      };
      const values = [...b.values.slice(0, 5), claim.hashOut, claim.jOut, claim.scoreSum, claim.rlcSum, claim.product];
      const rho = exampleDigestChallenge(b.chainOut, values);
      const submit = (proof: Groth16Proof) => d.settlement.submitExampleBatch(EPOCH, b.index, claim, toSolidityProof(proof));
      return { rho, target: hornerDigest(values, rho), submit };
    };
  }

  /**
   * Batch `b` with a forged product: the registration side of identity 1 admits an invented claim
   * (hash 1 + attempt, by the attacker), so that a claim table paying the attacker for it balances.
   */
  function registrationForgery(b: RegistrationBatch): (attempt: number) => Forgery {
    const { gamma, beta } = challenges(w.seed);
    return (attempt) => {
      const out = b.carriedOut;
      const product = mod(b.prod * (gamma - (1n + BigInt(attempt)) - beta * BigInt(attackerJ)));
      const claim = {
        foldOut: out.fold,
        nextJOut: out.nextJ,
        openOut: out.open,
        stateOut: out.state,
        countOut: out.count,
        senderWordOut: out.senderN,
        exclOut: out.excl,
        product,
        rlcSum: b.rlcSum,
      };
      const values = [...b.values.slice(0, 16), product, b.rlcSum];
      const rho = registrationDigestChallenge(out.fold, values);
      const submit = (proof: Groth16Proof) => d.settlement.submitRegistrationBatch(EPOCH, b.index, claim, toSolidityProof(proof));
      return { rho, target: hornerDigest(values, rho), submit };
    };
  }

  /**
   * Batch `b` with forged words: in the attacker's batch every reward 0 but the attacker's = what
   * is left of the pool after `paid` (less `attempt` wei); in another batch, the first positive
   * reward redirected to the attacker (less `attempt` wei).
   */
  function payoutForgery(b: PayoutBatch, paid: bigint): (attempt: number) => Forgery {
    const payees = b.words.map((word) => word & mask(addressBits));
    const rewards = b.words.map((word) => word >> BigInt(addressBits));
    const withAttacker = payees.includes(BigInt(attacker));
    const redirected = rewards.findIndex((r) => r > 0n);
    return (attempt) => {
      const words = payees.map((payee, i) => {
        if (withAttacker) return payee === BigInt(attacker) ? payee + ((POOL - paid - BigInt(attempt)) << BigInt(addressBits)) : payee;
        return i === redirected ? BigInt(attacker) + ((rewards[i]! - BigInt(attempt)) << BigInt(addressBits)) : b.words[i]!;
      });
      const rho = digestChallenge(b.chainOut, b.values, words);
      const claim = { chainOut: b.chainOut, amountSum: b.amountSum, rlcSum: b.rlcSum };
      const submit = (proof: Groth16Proof) => d.settlement.submitPayoutBatch(EPOCH, b.index, claim, words, toSolidityProof(proof));
      return { rho, target: hornerDigest([...b.values, ...words], rho), submit };
    };
  }

  it("ExampleBatch: every private input solved for after rho ends in a named revert", async (t) => {
    const compiled = await compileCircuit(exampleCircuitName(E));
    const before = await balances();
    // Batch 0 from the contract's initial state, batch 1 from a carried (hashIn, jIn), and the
    // batch with the attacker's uncredited claim (score 0: its j enters the digest as a polynomial).
    const copied = h("1-0");
    const attacked = new Set([0, 1, w.exampleBatches.findIndex((b) => b.input.hash.includes(copied.toString()))]);
    const outcomes: Outcome[] = [];
    for (const b of w.exampleBatches) {
      assert.equal(exampleCircuitDigest(b.input), b.digest, "the model is the circuit's digest on the honest batch");
      if (attacked.has(b.index))
        outcomes.push(
          ...(await attackBatch(keys.example, compiled, b.input, `batch ${b.index}`, 4, exampleCircuitDigest, exampleForgery(b))),
        );
      await submitExampleBatch(
        d.settlement,
        EPOCH,
        b,
        (await snarkjs.groth16.fullProve(b.input, keys.example.wasmPath, keys.example.zkeyPath)).proof,
      );
    }
    t.diagnostic(summary(outcomes));
    assertAllRefused(outcomes);
    // The attacker is not a straw man: it solves the digest for chainIn and domain, and the circuit
    // proves the solution with the forged claim's digest; only the chain the contract binds the
    // proof to (chainOut, a Poseidon of both) refuses it.
    for (const input of ["chainIn", "domain"])
      assert.ok(
        outcomes.some((o) => o.input.endsWith(`: ${input}`) && o.digestMatches),
        input,
      );
    assert.deepEqual(await balances(), before);
  });

  it("RegistrationBatch: every private input, the carried-in ones included, solved for after rho ends in a named revert", async (t) => {
    const compiled = await compileCircuit(registrationCircuitName(K));
    const before = await balances();
    const outcomes: Outcome[] = [];
    for (const b of w.registrationBatches) {
      assert.equal(registrationCircuitDigest(b.input), b.digest, "the model is the circuit's digest on the honest batch");
      // The digest's degree in one input: at most one per gamma - h - beta j factor it can enter
      // (nextJIn, a flag through j, or the hash itself), plus its linear terms in V and rlcSum.
      const degree = b.rows.reduce((n, row) => n + row.hash.filter((x) => x !== 0n).length, 0) + 3;
      outcomes.push(
        ...(await attackBatch(
          keys.registration,
          compiled,
          b.input,
          `batch ${b.index}`,
          degree,
          registrationCircuitDigest,
          registrationForgery(b),
        )),
      );
      await submitRegistrationBatch(
        d.settlement,
        EPOCH,
        b,
        (await snarkjs.groth16.fullProve(b.input, keys.registration.wasmPath, keys.registration.zkeyPath)).proof,
      );
      poseidonMemo.clear();
    }
    t.diagnostic(summary(outcomes));
    assertAllRefused(outcomes);
    // In the batch where no row closes, foldOut = foldIn: the digest is linear in foldIn and the
    // circuit proves any; the public foldOut the contract checks refuses it.
    assert.ok(
      outcomes.some((o) => o.input === "batch 1: foldIn" && o.digestMatches),
      "foldIn of the continuation-only batch",
    );
    assert.deepEqual(await balances(), before);
  });

  it("PayoutBatch: every private input solved for after rho ends in a named revert; the attacker is never paid", async (t) => {
    const compiled = await compileCircuit(payoutCircuitName(B));
    const before = await balances();
    const outcomes: Outcome[] = [];
    for (const b of w.payoutBatches) {
      assert.equal(payoutCircuitDigest(b.input), b.digest, "the model is the circuit's digest on the honest batch");
      const paid = (await d.settlement.epochState(EPOCH)).paid;
      const label = `batch ${b.index}${b.words.some((word) => (word & mask(addressBits)) === BigInt(attacker)) ? " (attacker's row)" : ""}`;
      outcomes.push(...(await attackBatch(keys.payout, compiled, b.input, label, 4, payoutCircuitDigest, payoutForgery(b, paid))));
      await submitPayoutBatch(
        d.settlement,
        EPOCH,
        b,
        (await snarkjs.groth16.fullProve(b.input, keys.payout.wasmPath, keys.payout.zkeyPath)).proof,
      );
    }
    t.diagnostic(summary(outcomes));
    assertAllRefused(outcomes);
    for (const input of ["chainIn", "domain"])
      assert.ok(
        outcomes.some((o) => o.input.endsWith(`: ${input}`) && o.digestMatches),
        input,
      );
    assert.deepEqual(await balances(), before);
    // The honest epoch then settles, and the attacker's T = 0 earns it nothing.
    await finalizeEpoch(d.settlement, EPOCH);
    for (const b of w.payoutBatches) await releaseBatch(d.settlement, EPOCH, b);
    assert.equal(await d.token.balanceOf(attacker), 0n);
  });

  it("every private input of each circuit is in its header's binding table", async () => {
    for (const [file, name] of [
      ["example_batch.circom", exampleCircuitName(E)],
      ["registration_batch.circom", registrationCircuitName(K)],
      ["payout_batch.circom", payoutCircuitName(B)],
    ] as const) {
      const header = readFileSync(join(PROJECT_ROOT, "circuits", file), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("//"));
      const start = header.findIndex((l) => /Binding table/i.test(l));
      assert.ok(start >= 0, `${file}: no "Binding table" in the header`);
      const table = header
        .slice(start + 1)
        .map((l) => l.replace(/^\/\/\s*/, ""))
        .filter((l) => l.startsWith("|"));
      const bound = new Set(
        table.map((row) =>
          row
            .split("|")[1]!
            .trim()
            .replace(/(\[[^\]]*\])+$/, ""),
        ),
      );
      const inputs = privateInputs(await compileCircuit(name));
      assert.ok(inputs.length > 0, `${file}: no private inputs read`);
      for (const input of inputs) assert.ok(bound.has(input), `${file}: private input ${input} is not in the binding table`);
    }
    // The two-dimensional hash[i][k] is read as one input.
    assert.ok(privateInputs(await compileCircuit(registrationCircuitName(K))).includes("hash"));
  });
});
