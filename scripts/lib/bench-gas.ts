/**
 * Gas per paid contributor: PayoutSettlement (proof verification, digest, transfers) against a
 * bare loop of ERC-20 transfers of the same amounts to as many fresh holders, both measured on
 * the same chain in the same run.
 */
import { keccak256, toBeHex, getAddress } from "ethers";
import { type CircuitKeys } from "../../circuits/index.ts";
import { type ProtocolConfig } from "../../config/index.ts";
import { createProverPool, proveBatches, readProofFile } from "../../prover/index.ts";
import { deployBareTransfers, deploySettlement, openEpoch, submitBatch } from "../../verifier-contracts/index.ts";
import { buildPayoutBatches, epochDomain, splitPool, type ContributorTotal } from "../../witness/index.ts";
import { connectChain } from "./chain.ts";

export interface GasResult {
  readonly batchSize: number;
  readonly contributors: number;
  readonly batches: number;
  /** submitBatch gas (whole transactions) divided by the contributors paid. */
  readonly settlementGasPerContributor: number;
  readonly settlementGasPerBatch: number;
  /** distribute() gas (whole transactions, same batching) divided by the transfers. */
  readonly bareTransferGasPerContributor: number;
  readonly ratio: number;
}

/** Deterministic distinct addresses: keccak(tag, i), so every payee is a fresh holder. */
function freshAddresses(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => getAddress(`0x${keccak256(toBeHex(BigInt(i) + (BigInt(keccak256(Buffer.from(tag))) << 64n))).slice(-40)}`));
}

/** Runs `batches` full batches of `keys`' circuit through settlement and the bare baseline. */
export async function measureGas(keys: CircuitKeys, batchSize: number, batches: number, proofDir: string, config: ProtocolConfig): Promise<GasResult> {
  const n = batchSize * batches;
  const payees = freshAddresses("settlement", n);
  const contributors: ContributorTotal[] = payees.map((a, i) => ({ address: BigInt(a), amount: 1_000n + BigInt((i * 7919) % 100_000) }));
  const pool = 10n ** 24n;
  const table = splitPool(contributors, pool, config);
  const chain = await connectChain();
  try {
    const deployment = await deploySettlement(chain.signer, keys.verifierArtifact, batchSize);
    const { token, settlement, addresses } = deployment;
    await (await token.mint(deployment.owner, pool * 2n)).wait();
    const epoch = 1n;
    const proven = buildPayoutBatches(table, epochDomain(chain.chainId, addresses.settlement, epoch), batchSize, config);
    await openEpoch({ token, settlement }, { epoch, pool, total: table.total, batchCount: proven.length });
    const prover = createProverPool({}, config);
    try {
      await proveBatches(prover, keys, proven.map((b) => ({ name: `gas-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: `${proofDir}/gas-${batchSize}-${b.index}.json` })));
    } finally {
      await prover.close();
    }
    let settlementGas = 0n;
    for (const b of proven) {
      settlementGas += (await submitBatch(settlement, epoch, b, readProofFile(`${proofDir}/gas-${batchSize}-${b.index}.json`).proof)).gasUsed;
    }

    const bare = await deployBareTransfers(chain.signer);
    const bareAddress = await bare.getAddress();
    await (await token.transfer(bareAddress, pool)).wait();
    const bareTo = freshAddresses("bare", n);
    let bareGas = 0n;
    for (let i = 0; i < n; i += batchSize) {
      const amounts = table.rows.slice(i, i + batchSize).map((r) => r.reward);
      const receipt = await (await bare.distribute(addresses.token, bareTo.slice(i, i + batchSize), amounts)).wait();
      bareGas += receipt!.gasUsed;
    }
    const perContributor = Number(settlementGas) / n;
    const barePer = Number(bareGas) / n;
    return {
      batchSize,
      contributors: n,
      batches: proven.length,
      settlementGasPerContributor: perContributor,
      settlementGasPerBatch: Number(settlementGas) / proven.length,
      bareTransferGasPerContributor: barePer,
      ratio: perContributor / barePer,
    };
  } finally {
    await chain.close();
  }
}
