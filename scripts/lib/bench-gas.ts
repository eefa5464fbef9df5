/**
 * Gas per contributor of the whole settlement flow (docs/soundness-ii.md): the commit, every
 * claim, registration and payout batch verified, the validation set's reveal, finalize, every
 * release, against a bare loop of ERC-20 transfers of the same amounts to as many fresh holders,
 * both measured on the same chain in the same run. Registration (paid by each contributor, once
 * per epoch: the fee's burn and the registry's Poseidon fold of (C, sender, n)) is reported apart,
 * and so is openEpoch's escrow of R (the bare loop's funding transfer is not counted either).
 */
import { getAddress, keccak256, parseEther, toBeHex, toUtf8Bytes, Wallet } from "ethers";
import { type CircuitKeys } from "../../circuits/index.ts";
import { type ProtocolConfig } from "../../config/index.ts";
import { createProverPool, proveBatches, readProofFile, type ProofJob } from "../../prover/index.ts";
import {
  advanceDevelopmentClock, commitEpoch, deployBareTransfers, deploySettlement, earliestDeadline, finalizeEpoch, openEpoch, readRegistrations,
  registerExamples, releaseBatch, revealValidation, SECONDS_PER_REGISTRANT, submitExampleBatch, submitPayoutBatch, submitRegistrationBatch,
  waitForRegistrationClose,
} from "../../verifier-contracts/index.ts";
import { buildEpochWitness, epochDomain, validationCommitment, type Delivery } from "../../witness/index.ts";
import { connectChain } from "../../protocol/chain.ts";

export interface GasResult {
  readonly exampleBatchSize: number;
  readonly registrationBatchSize: number;
  readonly payoutBatchSize: number;
  readonly contributors: number;
  /** Claim rows (one per registered example: the lists are disjoint). */
  readonly examples: number;
  readonly exampleBatches: number;
  readonly registrationBatches: number;
  readonly payoutBatches: number;
  /** openEpoch: the escrow of R and the registration's opening, once per epoch, not in the flow. */
  readonly open: number;
  /** commitEpoch, once per epoch. */
  readonly commit: number;
  /** Average gas of one transaction of each kind. */
  readonly perExampleBatch: number;
  readonly perRegistrationBatch: number;
  readonly perPayoutBatch: number;
  /** revealValidation, once per epoch. */
  readonly reveal: number;
  readonly finalize: number;
  readonly perRelease: number;
  /** One register() call: the Poseidon fold and the burned fee's transfer included (config registration.feePerExample). */
  readonly perRegistration: number;
  /** perRegistration / examples per contributor. */
  readonly perRegisteredExample: number;
  /** (commit + claim, registration and payout batches + reveal + finalize + releases) / contributors. */
  readonly settlementGasPerContributor: number;
  /** distribute() gas (whole transactions, same batching) divided by the transfers. */
  readonly bareTransferGasPerContributor: number;
  readonly ratio: number;
}

/** Deterministic distinct addresses: keccak(tag, i), so every payee is a fresh holder. */
function freshAddresses(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => getAddress(`0x${keccak256(toBeHex(BigInt(i) + (BigInt(keccak256(Buffer.from(tag))) << 64n))).slice(-40)}`));
}

const sum = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);
const mean = (values: readonly bigint[]) => Number(sum(values)) / values.length;

/** The circuits' keys the flow proves with, at the sizes their verifiers were generated for. */
export interface GasKeys {
  readonly example: CircuitKeys;
  readonly registration: CircuitKeys;
  readonly payout: CircuitKeys;
}

/**
 * Settles one epoch of `payoutBatches` full payout batches of contributors, each registering
 * `examplesPerContributor` examples of its own and delivering them, through the three circuits;
 * proofs go to `proofDir`.
 */
export async function measureGas(
  keys: GasKeys,
  sizes: {
    readonly exampleBatchSize: number;
    readonly registrationBatchSize: number;
    readonly payoutBatchSize: number;
    readonly payoutBatches: number;
    readonly examplesPerContributor: number;
  },
  proofDir: string,
  config: ProtocolConfig,
): Promise<GasResult> {
  const { exampleBatchSize, registrationBatchSize, payoutBatchSize } = sizes;
  const n = payoutBatchSize * sizes.payoutBatches;
  const wallets = Array.from({ length: n }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`bench contributor ${i}`))));
  const scores = new Map<bigint, bigint>();
  const lists = wallets.map((_, i) =>
    Array.from({ length: sizes.examplesPerContributor }, (_, j) => {
      const hash = BigInt(keccak256(toUtf8Bytes(`bench example ${i} ${j}`))) >> 128n;
      scores.set(hash, BigInt(((i * 7919 + j * 104729) % 200_000) - 20_000));
      return hash;
    }),
  );
  const pool = 10n ** 24n;
  const chain = await connectChain();
  try {
    const d = await deploySettlement(chain.signer, {
      exampleVerifier: keys.example.verifierArtifact, exampleBatchSize,
      registrationVerifier: keys.registration.verifierArtifact, registrationBatchSize,
      payoutVerifier: keys.payout.verifierArtifact, payoutBatchSize,
    });
    const { token, registry, settlement } = d;
    await (await token.mint(d.owner, pool * 2n)).wait();
    const epoch = 1n;
    const validation = { validationSetHash: keccak256(toUtf8Bytes("bench validation")), salt: keccak256(toUtf8Bytes("bench salt")) };
    const openGas = (await openEpoch(d, {
      epoch, closesAt: await earliestDeadline(registry, BigInt(n) * SECONDS_PER_REGISTRANT),
      validationCommitment: validationCommitment(validation.validationSetHash, validation.salt), pool, trainer: d.owner, follows: 0n,
    })).gasUsed;
    const registrationGas: bigint[] = [];
    const deliveries = new Map<number, Delivery>();
    for (const [i, w] of wallets.entries()) {
      await (await chain.signer.sendTransaction({ to: w.address, value: parseEther("0.01") })).wait();
      // The fee (config registration.feePerExample, burned) is minted to the contributor and approved first; only register() is measured.
      const registered = await registerExamples(d, w.connect(chain.provider), epoch, lists[i]!, { mintFee: true });
      registrationGas.push(registered.receipt.gasUsed);
      deliveries.set(registered.order, { salt: registered.salt, hashes: registered.hashes });
    }
    await waitForRegistrationClose(registry, epoch);
    const w = buildEpochWitness({
      registrations: await readRegistrations(registry, epoch), deliveries, scores, pool, registrationDomain: await registry.registrationDomain(epoch), config,
      domain: epochDomain(chain.chainId, d.addresses.settlement, epoch), fold: await registry.registrationFold(epoch), modelHash: keccak256(toUtf8Bytes("bench model")),
      exampleBatchSize, registrationBatchSize, payoutBatchSize,
    });
    const commitGas = (await commitEpoch(settlement, epoch, w.commit, w.exclusionBitmap)).gasUsed;
    const file = (kind: string, i: number) => `${proofDir}/gas-${kind}-${exampleBatchSize}-${registrationBatchSize}-${payoutBatchSize}-${i}.json`;
    const jobs = (kind: string, batches: readonly { index: number; input: ProofJob["input"]; publicSignals: readonly bigint[] }[]): ProofJob[] =>
      batches.map((b) => ({ name: `${kind}-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: file(kind, b.index) }));
    const prover = createProverPool({}, config);
    try {
      await proveBatches(prover, keys.example, jobs("example", w.exampleBatches));
      await proveBatches(prover, keys.registration, jobs("registration", w.registrationBatches));
      await proveBatches(prover, keys.payout, jobs("payout", w.payoutBatches));
    } finally {
      await prover.close();
    }
    // Batches are refused until the contest window of the commit has passed.
    const { committedAt } = await settlement.epochState(epoch);
    if (!(await advanceDevelopmentClock(chain.provider, committedAt + (await settlement.contestWindow())))) throw new Error("the in-process chain refused to move its clock");
    const exampleGas: bigint[] = [];
    for (const b of w.exampleBatches) exampleGas.push((await submitExampleBatch(settlement, epoch, b, readProofFile(file("example", b.index)).proof)).gasUsed);
    const registrationBatchGas: bigint[] = [];
    for (const b of w.registrationBatches) registrationBatchGas.push((await submitRegistrationBatch(settlement, epoch, b, readProofFile(file("registration", b.index)).proof)).gasUsed);
    const payoutGas: bigint[] = [];
    for (const b of w.payoutBatches) payoutGas.push((await submitPayoutBatch(settlement, epoch, b, readProofFile(file("payout", b.index)).proof)).gasUsed);
    const revealGas = (await revealValidation(settlement, epoch, validation)).gasUsed;
    const finalizeGas = (await finalizeEpoch(settlement, epoch)).gasUsed;
    const releaseGas: bigint[] = [];
    for (const b of w.payoutBatches) releaseGas.push((await releaseBatch(settlement, epoch, b)).gasUsed);

    const bare = await deployBareTransfers(chain.signer);
    const bareAddress = await bare.getAddress();
    await (await token.transfer(bareAddress, pool)).wait();
    const bareTo = freshAddresses("bare", n);
    let bareGas = 0n;
    for (let i = 0; i < n; i += payoutBatchSize) {
      const amounts = w.payoutTable.rows.slice(i, i + payoutBatchSize).map((r) => r.reward);
      const receipt = await (await bare.distribute(d.addresses.token, bareTo.slice(i, i + payoutBatchSize), amounts)).wait();
      bareGas += receipt!.gasUsed;
    }
    const settlementGas = commitGas + sum(exampleGas) + sum(registrationBatchGas) + sum(payoutGas) + revealGas + finalizeGas + sum(releaseGas);
    const perContributor = Number(settlementGas) / n;
    const barePer = Number(bareGas) / n;
    return {
      exampleBatchSize,
      registrationBatchSize,
      payoutBatchSize,
      contributors: n,
      examples: w.claimTable.length,
      exampleBatches: w.exampleBatches.length,
      registrationBatches: w.registrationBatches.length,
      payoutBatches: w.payoutBatches.length,
      open: Number(openGas),
      commit: Number(commitGas),
      perExampleBatch: mean(exampleGas),
      perRegistrationBatch: mean(registrationBatchGas),
      perPayoutBatch: mean(payoutGas),
      reveal: Number(revealGas),
      finalize: Number(finalizeGas),
      perRelease: mean(releaseGas),
      perRegistration: mean(registrationGas),
      perRegisteredExample: mean(registrationGas) / sizes.examplesPerContributor,
      settlementGasPerContributor: perContributor,
      bareTransferGasPerContributor: barePer,
      ratio: perContributor / barePer,
    };
  } finally {
    await chain.close();
  }
}
