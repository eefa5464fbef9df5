/**
 * Adaptive provers against the real contract: attackers who see every Fiat-Shamir challenge first
 * and then choose every input the statement leaves free.
 *
 * For each circuit and each of its private inputs x (read from the compiled circuit, so a new input
 * is attacked without anyone adding it here), the attacker
 *   1. picks a forged claim: payout words that pay the whole pool to a registrant whose T_c = 0, or
 *      an ExampleBatch claim with hashOut reset to 1 and a shifted rlcSum;
 *   2. computes the digest challenge rho exactly as the contract will (keccak of the claim);
 *   3. writes the circuit's digest as a polynomial in x (every other input honest), interpolated
 *      from this file's own model of the circuit, and solves digest(x) == the contract's digest of
 *      the forged claim (root finding over F_p; a new claim, 1 wei moved, when there is no root);
 *   4. proves the solved witness with the real circuit (the honest witness if the circuit refuses
 *      the solution) and submits proof and forged claim to the real settlement contract.
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
import { compileCircuit, exampleCircuitName, payoutCircuitName, PROJECT_ROOT, setupCircuit, type CircuitKeys, type CompiledCircuit } from "../circuits/index.ts";
import {
  buildEpochWitness, buildExampleBatches, buildPayoutBatches, digestChallenge, powMod, epochDomain, exampleDigestChallenge, hornerDigest, registrationCommitment, validationCommitment,
  type EpochWitness, type ExampleBatch, type ExampleScore, type PayoutBatch,
} from "../witness/index.ts";
import {
  decodeRevert, deploySettlement, earliestDeadline, registerExamples, waitForRegistrationClose, exampleBatchArgs, finalizeEpoch, payoutBatchArgs, openEpoch, openRegistration, readRegistrations, releaseBatch, revealValidation,
  submitExampleBatch, submitPayoutBatch, toSolidityProof, type SettlementDeployment,
} from "../verifier-contracts/index.ts";
import { evaluate, findRoot, interpolate } from "./helpers/fp-poly.ts";
import { readR1cs } from "./helpers/r1cs.ts";
import { symbolsOf } from "./helpers/circuit-harness.ts";

const E = config.exampleBatch.testSize;
const B = config.payoutBatch.testSize;
const OPEN = 10n ** 18n;
const POOL = 1000n * OPEN;
const EPOCH = 1n;
const { addressBits, scoreBits } = config.widths;
const mod = (a: bigint) => ((a % P) + P) % P;

type Input = Record<string, string | string[]>;

/** The private inputs of a compiled circuit, by name (arrays once): wires after outputs and public inputs. */
export function privateInputs(circuit: CompiledCircuit): string[] {
  const r1cs = readR1cs(circuit.r1csPath);
  const first = 1 + r1cs.nOutputs + r1cs.nPubInputs;
  const names = new Set<string>();
  for (const [wire, wireNames] of symbolsOf(circuit).namesOf) {
    if (wire < first || wire >= first + r1cs.nPrvInputs) continue;
    for (const name of wireNames) {
      const match = /^main\.([A-Za-z_][A-Za-z0-9_]*)(\[\d+\])?$/.exec(name);
      if (match) names.add(match[1]!);
    }
  }
  return [...names].sort();
}

/** The digest PayoutBatch outputs for `input` (this file's own model of circuits/payout_batch.circom). */
function payoutCircuitDigest(input: Input): bigint {
  const n = (k: string) => BigInt(input[k] as string);
  const a = (k: string) => (input[k] as string[]).map(BigInt);
  const [r, k, rho] = [n("r"), n("batchIndex"), n("rho")];
  const amounts = a("amount");
  let power = powMod(r, k * BigInt(B)); // a solved k can be any field element
  let rlc = 0n;
  for (const amount of amounts) {
    rlc = (rlc + amount * power) % P;
    power = (power * r) % P;
  }
  const words = a("address").map((address, i) => address + a("reward")[i]! * (1n << BigInt(addressBits)));
  const header = [n("chainIn"), n("domain"), n("pool"), n("total"), n("addressIn"), amounts.reduce((s, x) => s + x, 0n), r, k, rlc];
  return hornerDigest([...header, ...words].map(mod), rho);
}

/** The digest ExampleBatch outputs for `input` (this file's own model of circuits/example_batch.circom). */
function exampleCircuitDigest(input: Input): bigint {
  const n = (k: string) => BigInt(input[k] as string);
  const a = (k: string) => (input[k] as string[]).map(BigInt);
  const [r, rho] = [n("r"), n("rho")];
  let hashOut = n("hashIn");
  let scoreSum = 0n;
  let rlc = 0n;
  for (const [i, hash] of a("hash").entries()) {
    if (hash !== 0n) hashOut = hash;
    const score = a("score")[i]!;
    const clipped = score < 1n << BigInt(scoreBits - 1) ? score : 0n; // a negative s is p - |s|
    scoreSum += clipped;
    rlc = (rlc + clipped * powMod(r, a("contributor")[i]!)) % P;
  }
  return hornerDigest([n("chainIn"), n("domain"), r, n("hashIn"), hashOut, scoreSum, rlc].map(mod), rho);
}

/** What the attacker sends besides the proof, and the digest and rho the contract derives from it. */
interface Forgery {
  readonly rho: bigint;
  readonly target: bigint;
  readonly submit: (proof: Groth16Proof) => Promise<unknown>;
}

interface Outcome {
  readonly input: string;
  readonly solved: boolean;
  readonly circuitAccepted: boolean;
  readonly revert: string;
}

describe("adaptive provers: every free input chosen after the challenge, through the real contract", () => {
  let conn: Awaited<ReturnType<typeof network.create>>;
  let d: SettlementDeployment;
  let signers: Awaited<ReturnType<typeof conn.ethers.getSigners>>;
  let exampleKeys: CircuitKeys;
  let payoutKeys: CircuitKeys;
  let w: EpochWitness;
  let attacker: string;

  async function revertName(call: Promise<unknown>): Promise<string> {
    try {
      await call;
    } catch (error) {
      return decodeRevert(error, d.settlement.interface)?.name ?? `unnamed: ${(error as Error).message.slice(0, 120)}`;
    }
    return "ACCEPTED";
  }

  /**
   * One adaptive attack on input `name` (every element of an array input in turn until one
   * solves): forge, derive rho, solve, prove, submit. Returns how it ended.
   */
  async function attack(
    keys: CircuitKeys,
    honest: Input,
    name: string,
    degree: number,
    model: (input: Input) => bigint,
    forge: (attempt: number) => Forgery,
  ): Promise<Outcome> {
    const slots = Array.isArray(honest[name]) ? (honest[name] as string[]).map((_, i) => i) : [undefined];
    let solvedInput: Input | undefined;
    let forgery = forge(0);
    search: for (let attempt = 0; attempt < 12; attempt++) {
      forgery = forge(attempt);
      for (const slot of slots) {
        const withX = (x: bigint): Input => {
          const input: Input = { ...honest, rho: forgery.rho.toString() };
          if (slot === undefined) input[name] = x.toString();
          else input[name] = (honest[name] as string[]).map((v, i) => (i === slot ? x.toString() : v));
          return input;
        };
        const f = interpolate((x) => model(withX(x)) - forgery.target, degree);
        const root = findRoot(f);
        // The model is a polynomial in x only for some inputs (not for exponents or clipped scores).
        if (root !== undefined && evaluate(f, root) === 0n && model(withX(root)) === forgery.target) {
          solvedInput = withX(root);
          break search;
        }
      }
    }
    let proof: Groth16Proof;
    let circuitAccepted = solvedInput !== undefined;
    try {
      proof = (await snarkjs.groth16.fullProve(solvedInput ?? { ...honest, rho: forgery.rho.toString() }, keys.wasmPath, keys.zkeyPath)).proof;
    } catch {
      circuitAccepted = false; // the circuit refuses the solution: the attacker submits its honest proof with the forged claim
      proof = (await snarkjs.groth16.fullProve({ ...honest, rho: forgery.rho.toString() }, keys.wasmPath, keys.zkeyPath)).proof;
    }
    return { input: name, solved: solvedInput !== undefined, circuitAccepted, revert: await revertName(forgery.submit(proof)) };
  }

  before(async () => {
    [exampleKeys, payoutKeys] = [await setupCircuit(exampleCircuitName(E)), await setupCircuit(payoutCircuitName(B))];
    conn = await network.create();
    signers = await conn.ethers.getSigners();
    attacker = signers[9]!.address;
    d = await deploySettlement(signers[0]!, {
      exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize: E, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize: B,
    });
    await (await d.token.mint(signers[0]!.address, 10n * POOL)).wait();
    const now = BigInt((await conn.ethers.provider.getBlock("latest"))!.timestamp);
    const [validationSet, salt] = [keccak256(toUtf8Bytes("validation")), keccak256(toUtf8Bytes("salt"))];
    await openRegistration(d.registry, EPOCH, await earliestDeadline(d.registry), validationCommitment(validationSet, salt));
    // Five honest contributors with three good examples each; the attacker registers one harmful example (T = 0).
    const h = (s: string) => BigInt(keccak256(toUtf8Bytes(s))) >> 128n;
    const claims: ExampleScore[] = [];
    for (const k of [1, 2, 3, 4, 5]) for (let j = 0; j < 3; j++) claims.push({ hash: h(`${k}-${j}`), contributor: BigInt(signers[k]!.address), score: BigInt(1 + k + j) * 1_000_000n });
    claims.push({ hash: h("junk"), contributor: BigInt(attacker), score: -5_000_000n });
    for (const k of [1, 2, 3, 4, 5, 9]) {
      const hashes = claims.filter((c) => c.contributor === BigInt(signers[k]!.address)).map((c) => c.hash);
      await registerExamples(d, signers[k]!, EPOCH, hashes, { mintFee: true });
    }
    await waitForRegistrationClose(d.registry, EPOCH);
    w = buildEpochWitness({
      examples: claims, registrations: await readRegistrations(d.registry, EPOCH), pool: POOL,
      domain: epochDomain(d.chainId, d.addresses.settlement, EPOCH), exampleBatchSize: E, payoutBatchSize: B, config,
    });
    assert.ok(w.payoutBatches.length >= 2 && w.exampleBatches.length >= 2, "the fixture spans several batches of each table");
    await openEpoch(d, {
      epoch: EPOCH, pool: POOL, total: w.contributorTable.total, exampleBatches: w.exampleBatches.length, payoutBatches: w.payoutBatches.length,
      commitExamples: w.commitExamples, commitContributors: w.commitContributors, modelHash: keccak256(toUtf8Bytes("model")),
    });
    await revealValidation(d.settlement, EPOCH, { validationSetHash: validationSet, salt });
  });

  after(async () => {
    await conn?.close();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  /** The settlement's token balance and the attacker's: an attack that moves either has succeeded. */
  async function balances(): Promise<[bigint, bigint]> {
    return [await d.token.balanceOf(d.addresses.settlement), await d.token.balanceOf(attacker)];
  }

  /** Batch `b` with forged claims: hashOut = 1 (restarts the hash order), rlcSum shifted. */
  function exampleForgery(b: ExampleBatch): (attempt: number) => Forgery {
    return (attempt) => {
      const claim = { chainOut: b.chainOut, hashOut: 1n, scoreSum: b.scoreSum, rlcSum: mod(b.rlcSum + 777n + BigInt(attempt)) };
      const header = [b.chainIn, BigInt(b.input.domain), w.r, b.hashIn, claim.hashOut, claim.scoreSum, claim.rlcSum];
      const rho = exampleDigestChallenge(b.chainOut, header);
      const submit = (proof: Groth16Proof) => d.settlement.submitExampleBatch(EPOCH, b.index, claim, toSolidityProof(proof));
      return { rho, target: hornerDigest(header, rho), submit };
    };
  }

  /**
   * Batch `b` with forged words: the same payees, every reward 0 but the attacker's = what is left
   * of the pool after `paid` (less `attempt` wei); in a batch without the attacker, `attempt` wei
   * to its first payee (a new claim, so a new rho, when the digest polynomial has no root).
   */
  function payoutForgery(b: PayoutBatch, paid: bigint): (attempt: number) => Forgery {
    const mask = (1n << BigInt(addressBits)) - 1n;
    const payees = b.words.map((word) => word & mask);
    const withAttacker = payees.includes(BigInt(attacker));
    return (attempt) => {
      const words = payees.map((payee, i) => {
        if (payee === BigInt(attacker)) return payee + ((POOL - paid - BigInt(attempt)) << BigInt(addressBits));
        return !withAttacker && i === 0 ? payee + (BigInt(attempt) << BigInt(addressBits)) : payee;
      });
      const header = [b.chainIn, BigInt(b.input.domain), BigInt(b.input.pool), BigInt(b.input.total), b.addressIn, b.amountSum, w.r, BigInt(b.index), b.rlcSum];
      const rho = digestChallenge(b.chainOut, header, words);
      const claim = { chainOut: b.chainOut, amountSum: b.amountSum, rlcSum: b.rlcSum };
      const submit = (proof: Groth16Proof) => d.settlement.submitPayoutBatch(EPOCH, b.index, claim, words, toSolidityProof(proof));
      return { rho, target: hornerDigest([...header, ...words], rho), submit };
    };
  }

  it("an outsider's batch of a table of its own, validly proved, is refused before it can fix the chain", async () => {
    // Found by review: verified first, such a batch left the trainer's batch 0 BatchAlreadyVerified
    // and the epoch unfinalizable. Only the owner, who committed the tables, submits batches.
    const outsider = signers[8]!;
    const [example] = buildExampleBatches([{ hash: 1n, contributor: 0, score: 0n }], BigInt(w.exampleBatches[0]!.input.domain), w.r, E, config);
    const [payout] = buildPayoutBatches({ pool: POOL, total: w.contributorTable.total, rows: [], dust: 0n }, BigInt(w.payoutBatches[0]!.input.domain), w.r, B, config);
    const asOutsider = d.settlement.connect(outsider) as typeof d.settlement;
    const exampleProof = (await snarkjs.groth16.fullProve(example!.input, exampleKeys.wasmPath, exampleKeys.zkeyPath)).proof;
    const payoutProof = (await snarkjs.groth16.fullProve(payout!.input, payoutKeys.wasmPath, payoutKeys.zkeyPath)).proof;
    assert.equal(await revertName(asOutsider.submitExampleBatch(...exampleBatchArgs(EPOCH, example!, exampleProof))), "OwnableUnauthorizedAccount");
    assert.equal(await revertName(asOutsider.submitPayoutBatch(...payoutBatchArgs(EPOCH, payout!, payoutProof))), "OwnableUnauthorizedAccount");
    const state = await d.settlement.epochState(EPOCH);
    assert.deepEqual([state.nextExample, state.nextPayout], [0n, 0n]);
  });

  it("ExampleBatch: every private input solved for after rho ends in a named revert", async (t) => {
    const circuit = await compileCircuit(exampleCircuitName(E));
    const before = await balances();
    const b = w.exampleBatches[0]!;
    const outcomes: Outcome[] = [];
    for (const name of privateInputs(circuit)) {
      outcomes.push(await attack(exampleKeys, b.input, name, 4, exampleCircuitDigest, exampleForgery(b)));
    }
    t.diagnostic(JSON.stringify(outcomes));
    for (const o of outcomes) assert.equal(o.revert, "InvalidProof", `${o.input}: ${JSON.stringify(o)}`);
    assert.deepEqual(await balances(), before);
    // The honest batches still verify afterwards: the failed attacks changed nothing.
    for (const batch of w.exampleBatches) {
      const { proof } = await snarkjs.groth16.fullProve(batch.input, exampleKeys.wasmPath, exampleKeys.zkeyPath);
      await submitExampleBatch(d.settlement, EPOCH, batch, proof);
    }
  });

  it("PayoutBatch: every private input solved for after rho ends in a named revert; the attacker is never paid", async (t) => {
    const circuit = await compileCircuit(payoutCircuitName(B));
    const before = await balances();
    const outcomes: Outcome[] = [];
    for (const b of w.payoutBatches) {
      const attackerRow = b.words.some((word) => (word & ((1n << BigInt(addressBits)) - 1n)) === BigInt(attacker));
      for (const name of privateInputs(circuit)) {
        const paid = (await d.settlement.epochState(EPOCH)).paid;
        const outcome = await attack(payoutKeys, b.input, name, (b.index + 1) * B + 2, payoutCircuitDigest, payoutForgery(b, paid));
        outcomes.push({ ...outcome, input: `batch ${b.index}${attackerRow ? " (attacker's row)" : ""}: ${outcome.input}` });
      }
      const { proof } = await snarkjs.groth16.fullProve(b.input, payoutKeys.wasmPath, payoutKeys.zkeyPath);
      await submitPayoutBatch(d.settlement, EPOCH, b, proof);
    }
    t.diagnostic(JSON.stringify(outcomes));
    for (const o of outcomes) assert.equal(o.revert, "InvalidProof", `${o.input}: ${JSON.stringify(o)}`);
    assert.deepEqual(await balances(), before);
    // The honest epoch then settles, and the attacker's T = 0 earns it nothing.
    await finalizeEpoch(d.settlement, EPOCH);
    for (const b of w.payoutBatches) await releaseBatch(d.settlement, EPOCH, b);
    assert.equal(await d.token.balanceOf(attacker), 0n);
  });

  it("every private input of each circuit is in its header's binding table", async () => {
    for (const [file, name] of [["example_batch.circom", exampleCircuitName(E)], ["payout_batch.circom", payoutCircuitName(B)]] as const) {
      const header = readFileSync(join(PROJECT_ROOT, "circuits", file), "utf8").split("\n").filter((l) => l.startsWith("//"));
      const start = header.findIndex((l) => /Binding table/i.test(l));
      assert.ok(start >= 0, `${file}: no "Binding table" in the header`);
      const table = header.slice(start + 1).map((l) => l.replace(/^\/\/\s*/, "")).filter((l) => l.startsWith("|"));
      const bound = new Set(table.map((row) => row.split("|")[1]!.trim().replace(/\[.*\]$/, "")));
      for (const input of privateInputs(await compileCircuit(name))) {
        assert.ok(bound.has(input), `${file}: private input ${input} is not in the binding table`);
      }
    }
  });
});
