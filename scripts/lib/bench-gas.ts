/**
 * Gas of the whole settlement flow of one epoch, measured on the in-process chain (issue 19): the
 * commit, every claim, registration and payout batch proved and verified, the validation reveal,
 * finalize and every release, for `contributors` fresh payees who each register
 * `examplesPerContributor` examples of their own plus, for one claim in a hundred, a copy of an
 * earlier contributor's example (a duplicate claim: proven, credited to the earlier registrant).
 * Every contributor is paid. Next to it, in the same run, a bare loop of ERC-20 transfers of the
 * same rewards to as many fresh holders in batches of the payout batch size (BareTransfers).
 *
 * The flow's gas is broken down exactly, per contributor: transaction base (21,000 a transaction),
 * calldata (4 gas a zero byte, 16 a nonzero one, from each transaction's bytes), verification (each
 * proof's verifier call, metered by bench/GasMeter.sol), transfers (the release's ERC-20 transfers
 * alone, metered by GasMeter to the same payees before the release) and the rest: storage, hashing
 * and checks. Registration (paid by each contributor: register() with its Poseidon fold and the
 * burned fee) and openEpoch's escrow are reported apart.
 */
import { getAddress, keccak256, parseEther, toBeHex, toUtf8Bytes, Wallet, type ContractTransactionReceipt, type Provider } from "ethers";
import type { CircuitKeys } from "../../circuits/index.ts";
import { TRANSACTION_GAS_CAP, type ProtocolConfig } from "../../config/index.ts";
import { createProverPool, proveBatches, readProofFile, type ProofJob, type ProverPool } from "../../prover/index.ts";
import { toSolidityProof } from "../../verifier-contracts/solidity-proof.ts";
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
} from "../../verifier-contracts/index.ts";
import type { BatchVerifierContract } from "../../verifier-contracts/contract-types.ts";
import { deployBareTransfers, deployGasMeter } from "../../verifier-contracts/deploy.ts";
import { earliestDeadline, SECONDS_PER_REGISTRANT } from "../../verifier-contracts/registration.ts";
import { advanceDevelopmentClock } from "../../verifier-contracts/settle.ts";
import { buildEpochWitness, validationCommitment, type Delivery } from "../../witness/index.ts";
import { epochDomain } from "../../witness/domain.ts";
import { connectChain } from "../../protocol/chain.ts";

/** The rows per proof of each circuit: one size set of a deployment. */
export interface BatchSizes {
  readonly example: number;
  readonly registration: number;
  readonly payout: number;
}

export interface FlowShape {
  readonly contributors: number;
  /** Each contributor's own examples; duplicate claims come on top (one claim in DUPLICATE_EVERY). */
  readonly examplesPerContributor: number;
}

/** One claim in this many is a duplicate of an earlier contributor's example. */
export const DUPLICATE_EVERY = 100;
const BASE_GAS = 21_000n;

export type TxKind = "commit" | "claim" | "registration" | "payout" | "reveal" | "finalize" | "release";
export const TX_KINDS: readonly TxKind[] = ["commit", "claim", "registration", "payout", "reveal", "finalize", "release"];

export interface TxTotals {
  readonly count: number;
  /** Sum of gasUsed. */
  readonly gas: number;
  /** Sum of calldata gas (part of gas). */
  readonly calldata: number;
  /** The largest single transaction's gas. */
  readonly max: number;
}

/** Gas per contributor of the flow by where it goes; the parts add up to the total. */
export interface GasBreakdown {
  readonly base: number;
  readonly calldata: number;
  readonly verification: number;
  readonly transfer: number;
  /** The rest: storage writes and reads, hashing (digests, keccak of words), checks, events. */
  readonly storageAndLogic: number;
}

export interface ProvingTimes {
  readonly proofs: number;
  /** Wall time of proving all of them on the pool. */
  readonly ms: number;
}

export interface FlowGas {
  readonly sizes: BatchSizes;
  readonly shape: FlowShape;
  /** Claim rows: own examples plus duplicates. */
  readonly claims: number;
  readonly duplicates: number;
  readonly paid: number;
  readonly tx: Readonly<Record<TxKind, TxTotals>>;
  /** Gas of one verifier call of each circuit (GasMeter; the same for every proof of a circuit). */
  readonly verificationPerProof: { readonly claim: number; readonly registration: number; readonly payout: number };
  /** The ERC-20 transfers inside the releases (GasMeter, same payees and rewards). */
  readonly transferGas: number;
  readonly total: number;
  readonly perContributor: number;
  readonly breakdown: GasBreakdown;
  /** BareTransfers: whole transactions, per contributor. */
  readonly barePerContributor: number;
  readonly ratio: number;
  readonly open: number;
  /** register() per call (mean) and per registered example. */
  readonly registration: { readonly perCall: number; readonly perExample: number };
  readonly proving: {
    readonly claim: ProvingTimes;
    readonly registration: ProvingTimes;
    readonly payout: ProvingTimes;
    readonly msPerExample: number;
  };
}

/** Deterministic distinct addresses: keccak(tag, i), so every payee is a fresh holder. */
function freshAddresses(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    getAddress(`0x${keccak256(toBeHex(BigInt(i) + (BigInt(keccak256(Buffer.from(tag))) << 64n))).slice(-40)}`),
  );
}

const exampleHash = (i: number, j: number) => BigInt(keccak256(toUtf8Bytes(`bench example ${i} ${j}`))) >> 128n;

/**
 * Duplicate claims contributor i adds (copies of contributor i - 1's first examples): after
 * contributor i there are floor((i + 1) m / (DUPLICATE_EVERY - 1)) - floor(m / (DUPLICATE_EVERY - 1)),
 * so one claim in DUPLICATE_EVERY is a duplicate.
 */
export function duplicatesOf(i: number, m: number): number {
  return i === 0 ? 0 : Math.floor(((i + 1) * m) / (DUPLICATE_EVERY - 1)) - Math.floor((i * m) / (DUPLICATE_EVERY - 1));
}

/**
 * Each contributor's list: its own examples, then its share of the duplicates (copies of the
 * previous contributor's examples). The first own example always scores positive, so everyone is
 * paid; one own example in seven after the first is negative (clipped to 0).
 */
export function benchLists(shape: FlowShape): { lists: bigint[][]; scores: Map<bigint, bigint>; duplicates: number } {
  const { contributors: n, examplesPerContributor: m } = shape;
  const scores = new Map<bigint, bigint>();
  let duplicates = 0;
  const lists = Array.from({ length: n }, (_, i) => {
    const own = Array.from({ length: m }, (_, j) => {
      const hash = exampleHash(i, j);
      const magnitude = BigInt(1 + ((i * 7919 + j * 104729) % 200_000));
      scores.set(hash, j > 0 && (i + j) % 7 === 0 ? -magnitude : magnitude);
      return hash;
    });
    const copies = Array.from({ length: duplicatesOf(i, m) }, (_, k) => exampleHash(i - 1, k));
    duplicates += copies.length;
    return [...own, ...copies];
  });
  return { lists, scores, duplicates };
}

/** Calldata gas of a transaction's input: 4 per zero byte, 16 per nonzero byte. */
function calldataGas(data: string): bigint {
  let gas = 0n;
  for (let k = 2; k < data.length; k += 2) gas += data.slice(k, k + 2) === "00" ? 4n : 16n;
  return gas;
}

async function totalsOf(provider: Provider, receipts: readonly ContractTransactionReceipt[]): Promise<TxTotals> {
  let gas = 0n;
  let calldata = 0n;
  let max = 0n;
  for (const r of receipts) {
    gas += r.gasUsed;
    if (r.gasUsed > max) max = r.gasUsed;
    calldata += calldataGas((await provider.getTransaction(r.hash))!.data);
  }
  return { count: receipts.length, gas: Number(gas), calldata: Number(calldata), max: Number(max) };
}

/** The circuits' keys the flow proves with, at the sizes their verifiers were generated for. */
export interface GasKeys {
  readonly example: CircuitKeys;
  readonly registration: CircuitKeys;
  readonly payout: CircuitKeys;
}

async function timedProving(prover: ProverPool, keys: CircuitKeys, jobs: ProofJob[], log: (m: string) => void): Promise<ProvingTimes> {
  const start = performance.now();
  let last = start;
  await proveBatches(prover, keys, jobs, {
    onProgress: (p) => {
      const now = performance.now();
      if (p.done === p.total || now - last > 10_000) {
        last = now;
        log(`  ${keys.name}: ${p.done}/${p.total} proofs, ${((now - start) / 1000).toFixed(0)} s`);
      }
    },
  });
  return { proofs: jobs.length, ms: performance.now() - start };
}

/** Settles one epoch of `shape` at `sizes` on a fresh in-process chain; proofs go to `proofDir`. */
export async function measureFlowGas(
  keys: GasKeys,
  sizes: BatchSizes,
  shape: FlowShape,
  proofDir: string,
  config: ProtocolConfig,
  log: (m: string) => void,
): Promise<FlowGas> {
  const n = shape.contributors;
  const wallets = Array.from({ length: n }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`bench contributor ${i}`))));
  const { lists, scores, duplicates } = benchLists(shape);
  const pool = 10n ** 24n;
  const chain = await connectChain();
  try {
    const { provider } = chain;
    const d = await deploySettlement(chain.signer, {
      exampleVerifier: keys.example.verifierArtifact,
      exampleBatchSize: sizes.example,
      registrationVerifier: keys.registration.verifierArtifact,
      registrationBatchSize: sizes.registration,
      payoutVerifier: keys.payout.verifierArtifact,
      payoutBatchSize: sizes.payout,
    });
    const { token, registry, settlement } = d;
    await (await token.mint(d.owner, pool * 3n)).wait();
    const epoch = 1n;
    const validation = { validationSetHash: keccak256(toUtf8Bytes("bench validation")), salt: keccak256(toUtf8Bytes("bench salt")) };
    const openGas = (
      await openEpoch(d, {
        epoch,
        closesAt: await earliestDeadline(registry, BigInt(n) * SECONDS_PER_REGISTRANT),
        validationCommitment: validationCommitment(validation.validationSetHash, validation.salt),
        pool,
        trainer: d.owner,
        follows: 0n,
      })
    ).gasUsed;
    log(`  registering ${n} contributors (${shape.examplesPerContributor} examples each, ${duplicates} duplicate claims)...`);
    const registrationGas: bigint[] = [];
    const deliveries = new Map<number, Delivery>();
    for (const [i, w] of wallets.entries()) {
      await (await chain.signer.sendTransaction({ to: w.address, value: parseEther("0.01") })).wait();
      // The fee (the epoch's registrationFee, burned) is minted to the contributor and approved first; only register() is measured.
      const registered = await registerExamples(d, w.connect(provider), epoch, lists[i]!, { mintFee: true });
      registrationGas.push(registered.receipt.gasUsed);
      deliveries.set(registered.order, { salt: registered.salt, hashes: registered.hashes });
    }
    await waitForRegistrationClose(registry, epoch);
    const w = buildEpochWitness({
      registrations: await readRegistrations(registry, epoch),
      deliveries,
      scores,
      pool,
      registrationDomain: await registry.registrationDomain(epoch),
      config,
      domain: epochDomain(chain.chainId, d.addresses.settlement, epoch),
      fold: await registry.registrationFold(epoch),
      modelHash: keccak256(toUtf8Bytes("bench model")),
      exampleBatchSize: sizes.example,
      registrationBatchSize: sizes.registration,
      payoutBatchSize: sizes.payout,
    });
    const paid = w.payoutTable.rows.filter((r) => r.reward > 0n).length;
    if (paid !== n) throw new Error(`bench flow: ${paid} of ${n} contributors paid; every contributor must be`);
    const commit = await commitEpoch(settlement, epoch, w.commit, w.exclusionBitmap);
    const file = (kind: string, i: number) => `${proofDir}/gas-${kind}-${sizes.example}-${sizes.registration}-${sizes.payout}-${i}.json`;
    const jobs = (
      kind: string,
      batches: readonly { index: number; input: ProofJob["input"]; publicSignals: readonly bigint[] }[],
    ): ProofJob[] =>
      batches.map((b) => ({
        name: `${kind}-${b.index}`,
        input: b.input,
        expectedPublicSignals: b.publicSignals,
        outPath: file(kind, b.index),
      }));
    const prover = createProverPool({}, config);
    let proving: FlowGas["proving"];
    try {
      log(
        `  proving ${w.exampleBatches.length} claim, ${w.registrationBatches.length} registration and ${w.payoutBatches.length} payout batches...`,
      );
      const claim = await timedProving(prover, keys.example, jobs("example", w.exampleBatches), log);
      const registration = await timedProving(prover, keys.registration, jobs("registration", w.registrationBatches), log);
      const payout = await timedProving(prover, keys.payout, jobs("payout", w.payoutBatches), log);
      proving = {
        claim,
        registration,
        payout,
        msPerExample: (claim.ms + registration.ms + payout.ms) / (n * shape.examplesPerContributor + duplicates),
      };
    } finally {
      await prover.close();
    }
    // Batches are refused until the contest window of the commit has passed.
    const { committedAt } = await settlement.epochState(epoch);
    if (!(await advanceDevelopmentClock(provider, committedAt + (await settlement.contestWindow()))))
      throw new Error("the in-process chain refused to move its clock");
    log(`  verifying on chain...`);
    const claimReceipts: ContractTransactionReceipt[] = [];
    for (const b of w.exampleBatches)
      claimReceipts.push(await submitExampleBatch(settlement, epoch, b, readProofFile(file("example", b.index)).proof));
    const registrationReceipts: ContractTransactionReceipt[] = [];
    for (const b of w.registrationBatches)
      registrationReceipts.push(await submitRegistrationBatch(settlement, epoch, b, readProofFile(file("registration", b.index)).proof));
    const payoutReceipts: ContractTransactionReceipt[] = [];
    for (const b of w.payoutBatches)
      payoutReceipts.push(await submitPayoutBatch(settlement, epoch, b, readProofFile(file("payout", b.index)).proof));
    const reveal = await revealValidation(settlement, epoch, validation);
    const finalize = await finalizeEpoch(settlement, epoch);

    // The meter: one verifier call per circuit (its cost does not depend on the proof), and the
    // transfers of each release to its payees, read before the release while they are fresh.
    const meter = await deployGasMeter(chain.signer);
    await (await token.transfer(await meter.getAddress(), pool)).wait();
    const verifierGas = async (verifier: BatchVerifierContract, kind: string, index: number) => {
      const { proof, publicSignals } = readProofFile(file(kind, index));
      const { a, b, c } = toSolidityProof(proof);
      return Number(
        await meter.callGas(await verifier.getAddress(), verifier.interface.encodeFunctionData("verifyProof", [a, b, c, publicSignals])),
      );
    };
    const verificationPerProof = {
      claim: await verifierGas(d.exampleVerifier, "example", 0),
      registration: await verifierGas(d.registrationVerifier, "registration", 0),
      payout: await verifierGas(d.payoutVerifier, "payout", 0),
    };
    let transferGas = 0n;
    const releaseReceipts: ContractTransactionReceipt[] = [];
    for (const b of w.payoutBatches) {
      const payees = b.words.map((word) => getAddress(toBeHex(word & ((1n << 160n) - 1n), 20)));
      const rewards = b.words.map((word) => word >> 160n);
      const active = payees.map((_, k) => k).filter((k) => rewards[k]! > 0n);
      transferGas += await meter.transferGas.staticCall(
        d.addresses.token,
        active.map((k) => payees[k]!),
        active.map((k) => rewards[k]!),
      );
      releaseReceipts.push(await releaseBatch(settlement, epoch, b));
    }

    const bare = await deployBareTransfers(chain.signer);
    await (await token.transfer(await bare.getAddress(), pool)).wait();
    const bareTo = freshAddresses("bare", n);
    let bareGas = 0n;
    for (let i = 0; i < n; i += sizes.payout) {
      const amounts = w.payoutTable.rows.slice(i, i + sizes.payout).map((r) => r.reward);
      const receipt = await (await bare.distribute(d.addresses.token, bareTo.slice(i, i + sizes.payout), amounts)).wait();
      bareGas += receipt!.gasUsed;
    }

    const tx: Record<TxKind, TxTotals> = {
      commit: await totalsOf(provider, [commit]),
      claim: await totalsOf(provider, claimReceipts),
      registration: await totalsOf(provider, registrationReceipts),
      payout: await totalsOf(provider, payoutReceipts),
      reveal: await totalsOf(provider, [reveal]),
      finalize: await totalsOf(provider, [finalize]),
      release: await totalsOf(provider, releaseReceipts),
    };
    for (const kind of TX_KINDS) {
      if (tx[kind].max >= TRANSACTION_GAS_CAP)
        throw new Error(
          `bench flow: a ${kind} transaction used ${tx[kind].max} gas, over the per-transaction cap ${TRANSACTION_GAS_CAP} (EIP-7825)`,
        );
    }
    const txs = TX_KINDS.reduce((s, k) => s + tx[k].count, 0);
    const total = TX_KINDS.reduce((s, k) => s + tx[k].gas, 0);
    const calldata = TX_KINDS.reduce((s, k) => s + tx[k].calldata, 0);
    const verification =
      tx.claim.count * verificationPerProof.claim +
      tx.registration.count * verificationPerProof.registration +
      tx.payout.count * verificationPerProof.payout;
    const base = txs * Number(BASE_GAS);
    const per = (g: number) => g / n;
    const breakdown: GasBreakdown = {
      base: per(base),
      calldata: per(calldata),
      verification: per(verification),
      transfer: per(Number(transferGas)),
      storageAndLogic: per(total - base - calldata - verification - Number(transferGas)),
    };
    const registrationMean = Number(registrationGas.reduce((a, b) => a + b, 0n)) / n;
    return {
      sizes,
      shape,
      claims: w.claimTable.length,
      duplicates,
      paid,
      tx,
      verificationPerProof,
      transferGas: Number(transferGas),
      total,
      perContributor: per(total),
      breakdown,
      barePerContributor: per(Number(bareGas)),
      ratio: total / Number(bareGas),
      open: Number(openGas),
      registration: { perCall: registrationMean, perExample: (registrationMean * n) / (n * shape.examplesPerContributor + duplicates) },
      proving,
    };
  } finally {
    await chain.close();
  }
}
