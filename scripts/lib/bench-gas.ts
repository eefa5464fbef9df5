/**
 * Gas per contributor of the full settlement flow: every ExampleBatch and PayoutBatch verified,
 * the validation set's reveal, finalize, every release, against a bare loop of ERC-20 transfers
 * of the same amounts to as many fresh holders, both measured on the same chain in the same run. Registration (paid by each
 * contributor, once per epoch) is reported apart.
 */
import { getAddress, keccak256, parseEther, toBeHex, toUtf8Bytes, Wallet } from "ethers";
import { type CircuitKeys } from "../../circuits/index.ts";
import { type ProtocolConfig } from "../../config/index.ts";
import { createProverPool, proveBatches, readProofFile } from "../../prover/index.ts";
import {
  deployBareTransfers, deploySettlement, earliestDeadline, finalizeEpoch, SECONDS_PER_REGISTRANT, openEpoch, openRegistration, readRegistrations, registerExamples, releaseBatch,
  revealValidation, submitExampleBatch, submitPayoutBatch, waitForRegistrationClose,
} from "../../verifier-contracts/index.ts";
import { buildEpochWitness, epochDomain, validationCommitment, type ExampleScore } from "../../witness/index.ts";
import { connectChain } from "./chain.ts";

export interface GasResult {
  readonly exampleBatchSize: number;
  readonly payoutBatchSize: number;
  readonly contributors: number;
  readonly examples: number;
  readonly exampleBatches: number;
  readonly payoutBatches: number;
  /** Average gas of one transaction of each kind. */
  readonly perExampleBatch: number;
  readonly perPayoutBatch: number;
  /** revealValidation, once per epoch. */
  readonly reveal: number;
  readonly finalize: number;
  readonly perRelease: number;
  /** One register() call, the burned fee's transfer included (config registration.feePerExample). */
  readonly perRegistration: number;
  /** perRegistration / examples per contributor. */
  readonly perRegisteredExample: number;
  /** (example batches + payout batches + reveal + finalize + releases) / contributors. */
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

/**
 * Settles one epoch of `payoutBatches` full payout batches of contributors, each with
 * `examplesPerContributor` examples, through both keys' circuits; proofs go to `proofDir`.
 */
export async function measureGas(
  exampleKeys: CircuitKeys,
  payoutKeys: CircuitKeys,
  sizes: { readonly exampleBatchSize: number; readonly payoutBatchSize: number; readonly payoutBatches: number; readonly examplesPerContributor: number },
  proofDir: string,
  config: ProtocolConfig,
): Promise<GasResult> {
  const { exampleBatchSize, payoutBatchSize } = sizes;
  const n = payoutBatchSize * sizes.payoutBatches;
  const wallets = Array.from({ length: n }, (_, i) => new Wallet(keccak256(toUtf8Bytes(`bench contributor ${i}`))));
  const claims: ExampleScore[] = wallets.flatMap((w, i) =>
    Array.from({ length: sizes.examplesPerContributor }, (_, j) => ({
      hash: BigInt(keccak256(toUtf8Bytes(`bench example ${i} ${j}`))) >> 128n,
      contributor: BigInt(w.address),
      score: BigInt(((i * 7919 + j * 104729) % 200_000) - 20_000),
    })),
  );
  const pool = 10n ** 24n;
  const chain = await connectChain();
  try {
    const d = await deploySettlement(chain.signer, { exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize });
    const { token, registry, settlement } = d;
    await (await token.mint(d.owner, pool * 2n)).wait();
    const epoch = 1n;
    const validation = { validationSetHash: keccak256(toUtf8Bytes("bench validation")), salt: keccak256(toUtf8Bytes("bench salt")) };
    await openRegistration(registry, epoch, await earliestDeadline(registry, BigInt(n) * SECONDS_PER_REGISTRANT), validationCommitment(validation.validationSetHash, validation.salt));
    const registrationGas: bigint[] = [];
    for (const w of wallets) {
      await (await chain.signer.sendTransaction({ to: w.address, value: parseEther("0.01") })).wait();
      const hashes = claims.filter((c) => c.contributor === BigInt(w.address)).map((c) => c.hash);
      // The fee (config registration.feePerExample, burned) is minted to the contributor and approved first; only register() is measured.
      registrationGas.push((await registerExamples(d, w.connect(chain.provider), epoch, hashes, { mintFee: true })).gasUsed);
    }
    await waitForRegistrationClose(registry, epoch);
    const w = buildEpochWitness({
      examples: claims, registrations: await readRegistrations(registry, epoch), pool,
      domain: epochDomain(chain.chainId, d.addresses.settlement, epoch), exampleBatchSize, payoutBatchSize, config,
    });
    await openEpoch({ token, settlement }, {
      epoch, pool, total: w.contributorTable.total, exampleBatches: w.exampleBatches.length, payoutBatches: w.payoutBatches.length,
      commitExamples: w.commitExamples, commitContributors: w.commitContributors, modelHash: keccak256(toUtf8Bytes("bench model")),
    });
    const file = (kind: string, i: number) => `${proofDir}/gas-${kind}-${exampleBatchSize}-${payoutBatchSize}-${i}.json`;
    const prover = createProverPool({}, config);
    try {
      await proveBatches(prover, exampleKeys, w.exampleBatches.map((b) => ({ name: `example-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: file("example", b.index) })));
      await proveBatches(prover, payoutKeys, w.payoutBatches.map((b) => ({ name: `payout-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: file("payout", b.index) })));
    } finally {
      await prover.close();
    }
    const exampleGas: bigint[] = [];
    for (const b of w.exampleBatches) exampleGas.push((await submitExampleBatch(settlement, epoch, b, readProofFile(file("example", b.index)).proof)).gasUsed);
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
      const amounts = w.contributorTable.rows.slice(i, i + payoutBatchSize).map((r) => r.reward);
      const receipt = await (await bare.distribute(d.addresses.token, bareTo.slice(i, i + payoutBatchSize), amounts)).wait();
      bareGas += receipt!.gasUsed;
    }
    const settlementGas = sum(exampleGas) + sum(payoutGas) + revealGas + finalizeGas + sum(releaseGas);
    const perContributor = Number(settlementGas) / n;
    const barePer = Number(bareGas) / n;
    return {
      exampleBatchSize,
      payoutBatchSize,
      contributors: n,
      examples: w.exampleTable.length,
      exampleBatches: w.exampleBatches.length,
      payoutBatches: w.payoutBatches.length,
      perExampleBatch: mean(exampleGas),
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
