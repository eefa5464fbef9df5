/**
 * One epoch end to end, as the demo runs it: scores file -> reward policy -> batch witnesses ->
 * parallel Groth16 proofs -> settlement on chain -> balances checked against the reference model.
 * Every stage is a library call from its own folder; this file only sequences them and writes the
 * epoch's public record as it goes.
 */
import { join, resolve } from "node:path";
import { setupCircuit, payoutCircuitName, PROJECT_ROOT, type SetupLog } from "../../circuits/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../config/index.ts";
import { createProverPool, proveBatches, readProofFile } from "../../prover/index.ts";
import { deploySettlement, openEpoch, submitBatch } from "../../verifier-contracts/index.ts";
import { buildPayoutBatches, epochDomain, readScoresFile, splitPool, type ScoreRow } from "../../witness/index.ts";
import { connectChain } from "./chain.ts";
import { epochPaths, initEpochDir, writeRecordFile } from "./epoch-record.ts";
import { startProgress } from "./progress.ts";

export interface RunEpochOptions {
  readonly scoresFile: string;
  /** R in token base units. */
  readonly pool: bigint;
  readonly epoch?: bigint;
  /** Default: config.payoutBatch.demoSize. */
  readonly batchSize?: number;
  /** JSON-RPC URL; undefined runs an in-process Hardhat chain. */
  readonly rpcUrl?: string;
  /** Epoch directory; default epochs/<chainId>-<settlement>-<epoch>. */
  readonly outDir?: string;
  /** Prover workers (0 = one per core). Default: config. */
  readonly workers?: number;
  readonly log?: SetupLog;
  /** Show progress bars / lines (default true). */
  readonly progress?: boolean;
  readonly config?: ProtocolConfig;
}

export interface ContributorResult {
  readonly address: string;
  readonly label?: string;
  readonly rawScore: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  readonly balance: bigint;
}

export interface BatchSettlement {
  readonly index: number;
  readonly txHash: string;
  readonly gasUsed: bigint;
  readonly paid: bigint;
  readonly payees: number;
}

export interface EpochResult {
  readonly dir: string;
  readonly chainId: bigint;
  readonly chain: string;
  readonly addresses: { readonly token: string; readonly verifier: string; readonly settlement: string };
  readonly epoch: bigint;
  readonly pool: bigint;
  readonly total: bigint;
  readonly dust: bigint;
  readonly circuit: { readonly name: string; readonly constraints: number; readonly vkeyHash: string };
  readonly contributors: readonly ContributorResult[];
  readonly batches: readonly BatchSettlement[];
  readonly proveMs: number;
}

/** The on-chain balances disagree with the reference model's rewards. */
export class SettlementMismatchError extends Error {
  readonly code = "SETTLEMENT_MISMATCH";
  constructor(message: string) {
    super(message);
    this.name = "SettlementMismatchError";
  }
}

export async function runEpoch(options: RunEpochOptions): Promise<EpochResult> {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const showProgress = options.progress ?? true;
  const epoch = options.epoch ?? 1n;
  const batchSize = options.batchSize ?? config.payoutBatch.demoSize;

  // Input first: a bad scores file fails here, before anything is deployed, written or paid.
  const scores: ScoreRow[] = readScoresFile(options.scoresFile, config);
  const table = splitPool(scores, options.pool, config);
  const byAddress = new Map(scores.map((s) => [s.address, s]));

  const keys = await setupCircuit(payoutCircuitName(batchSize), log);
  const chain = await connectChain(options.rpcUrl);
  try {
    log(`chain: ${chain.description} (chain id ${chain.chainId})`);
    const deployment = await deploySettlement(chain.signer, keys.verifierArtifact, batchSize);
    const { token, settlement, addresses } = deployment;
    await (await token.mint(deployment.owner, table.pool)).wait();

    const domain = epochDomain(chain.chainId, addresses.settlement, epoch);
    const onChainDomain = await settlement.domain(epoch);
    if (onChainDomain !== domain) {
      throw new SettlementMismatchError(`domain: the contract computes ${onChainDomain}, witness/ computes ${domain}`);
    }
    const batches = buildPayoutBatches(table, domain, batchSize, config);
    const dir = resolve(options.outDir ?? join(PROJECT_ROOT, "epochs", `${chain.chainId}-${addresses.settlement}-${epoch}`));
    const paths = epochPaths(dir);
    initEpochDir(paths, keys.vkeyPath);
    const record = {
      epoch,
      chainId: chain.chainId,
      contracts: addresses,
      domain,
      pool: table.pool,
      total: table.total,
      dust: table.dust,
      batchSize,
      batchCount: batches.length,
      circuit: { name: keys.name, constraints: keys.constraints, sourceKey: keys.sourceKey, vkeyHash: keys.vkeyHash },
      parameters: { widths: config.widths, fixedPointDecimals: config.fixedPoint.decimals, chainAbsorbWidth: config.hash.chainAbsorbWidth },
      scoresFile: options.scoresFile,
      contributorCommitment: batches.at(-1)!.chainOut,
      batches: batches.map((b) => ({ index: b.index, chainIn: b.chainIn, chainOut: b.chainOut, amountSum: b.amountSum, rho: b.rho, digest: b.digest })),
    };
    writeRecordFile(paths.epochFile, { ...record, status: "proving" });
    writeRecordFile(
      paths.contributorsFile,
      table.rows.map((r) => ({ ...r, address: byAddress.get(r.address)?.checksumAddress, label: byAddress.get(r.address)?.label, rawScore: byAddress.get(r.address)?.rawScore })),
    );

    await openEpoch({ token, settlement }, { epoch, pool: table.pool, total: table.total, batchCount: batches.length });
    log(`epoch ${epoch} opened: pool ${table.pool}, S ${table.total}, ${batches.length} batches of ${batchSize}`);

    const prover = createProverPool(options.workers === undefined ? {} : { workers: options.workers }, config);
    const proveStart = performance.now();
    const proving = showProgress ? startProgress("proving", batches.length, "proofs") : undefined;
    try {
      await proveBatches(
        prover,
        keys,
        batches.map((b) => ({ name: `batch-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: paths.proofFile(b.index) })),
        { onProgress: (p) => proving?.update(p.done, `${p.job} ${p.status} ${(p.ms / 1000).toFixed(1)} s`) },
      );
    } finally {
      proving?.stop();
      await prover.close();
    }
    const proveMs = performance.now() - proveStart;

    const settled: BatchSettlement[] = [];
    const settling = showProgress ? startProgress("settling", batches.length, "batches") : undefined;
    for (const batch of batches) {
      const proof = readProofFile(paths.proofFile(batch.index));
      const receipt = await submitBatch(settlement, epoch, batch, proof.proof);
      const paid = batch.words.reduce((sum, w) => sum + (w >> BigInt(config.widths.addressBits)), 0n);
      settled.push({ index: batch.index, txHash: receipt.hash, gasUsed: receipt.gasUsed, paid, payees: batch.words.filter((w) => w !== 0n).length });
      writeRecordFile(paths.settlementFile, { batches: settled });
      settling?.update(settled.length, `batch ${batch.index}: ${receipt.gasUsed} gas`);
    }
    settling?.stop();

    const contributors: ContributorResult[] = [];
    for (const row of table.rows) {
      const score = byAddress.get(row.address)!;
      const balance = await token.balanceOf(score.checksumAddress);
      contributors.push({ address: score.checksumAddress, ...(score.label ? { label: score.label } : {}), rawScore: score.rawScore, amount: row.amount, reward: row.reward, balance });
    }
    const wrong = contributors.filter((c) => c.balance !== c.reward);
    const contractBalance = await token.balanceOf(addresses.settlement);
    writeRecordFile(paths.settlementFile, { batches: settled, balances: contributors.map((c) => ({ address: c.address, balance: c.balance })), settlementBalance: contractBalance });
    if (wrong.length > 0) {
      throw new SettlementMismatchError(`${wrong.length} on-chain balances differ from the reference model, first ${wrong[0]!.address}: ${wrong[0]!.balance} != ${wrong[0]!.reward}`);
    }
    if (contractBalance !== table.dust) {
      throw new SettlementMismatchError(`the settlement contract holds ${contractBalance}, the reference model's dust is ${table.dust}`);
    }
    writeRecordFile(paths.epochFile, { ...record, status: "settled" });
    return {
      dir,
      chainId: chain.chainId,
      chain: chain.description,
      addresses,
      epoch,
      pool: table.pool,
      total: table.total,
      dust: table.dust,
      circuit: { name: keys.name, constraints: keys.constraints, vkeyHash: keys.vkeyHash },
      contributors,
      batches: settled,
      proveMs,
    };
  } finally {
    await chain.close();
  }
}
