/**
 * One epoch end to end, as the demo runs it: example-level scores file -> registration on chain ->
 * reward policy (dedup by earliest registrant, clip, sum, floor split) -> both tables, their
 * commitments and r -> parallel Groth16 proofs of every ExampleBatch and PayoutBatch -> escrow,
 * verification, finalization and release on chain -> balances checked against the reference model.
 * Every stage is a library call from its own folder; this file only sequences them and writes the
 * epoch's public record as it goes.
 */
import { join, resolve } from "node:path";
import { parseEther, Wallet, keccak256, toUtf8Bytes, getAddress, NonceManager } from "ethers";
import { exampleCircuitName, payoutCircuitName, PROJECT_ROOT, type CircuitKeys, type SetupLog } from "../../circuits/index.ts";
import { loadCircuitKeys, type KeySetKeys, type KeySetName } from "../../circuits/ceremony/index.ts";
import { config as defaultConfig, type ProtocolConfig } from "../../config/index.ts";
import { createProverPool, proveBatches, readProofFile, type ProverPool } from "../../prover/index.ts";
import {
  deploySettlement, finalizeEpoch, openEpoch, openRegistration, readRegistrations, releaseBatch, submitExampleBatch, submitPayoutBatch,
} from "../../verifier-contracts/index.ts";
import { buildEpochWitness, epochDomain, readExamplesFile, registrationCommitment, type ExampleBatch, type PayoutBatch } from "../../witness/index.ts";
import { connectChain } from "./chain.ts";
import { demoContributors } from "./demo-contributors.ts";
import { epochPaths, initEpochDir, writeRecordFile } from "./epoch-record.ts";
import { startProgress } from "./progress.ts";

export interface RunEpochOptions {
  /** Example-level scores: example,contributor,score (witness/examples-file.ts). */
  readonly examplesFile: string;
  /** R in token base units. */
  readonly pool: bigint;
  readonly epoch?: bigint;
  /** Defaults: config.exampleBatch.demoSize and config.payoutBatch.demoSize. */
  readonly exampleBatchSize?: number;
  readonly payoutBatchSize?: number;
  /** Private keys of the contributors, who register from their own address. Default: the demo's. */
  readonly contributorKeys?: readonly string[];
  /** bytes32: hash of the trained model (default keccak256("demo model")). */
  readonly modelHash?: string;
  /** bytes32: commitment to the held-out validation set (default keccak256("demo validation set")). */
  readonly validationCommitment?: string;
  /**
   * Which keys: "dev" (this machine's development setup; the default) or "ceremony" (the keys of a
   * verified multi-party ceremony, pinned in config/pinned-keys.json; refused if they differ).
   */
  readonly keySet?: KeySetName;
  /** JSON-RPC URL; undefined runs an in-process Hardhat chain. */
  readonly rpcUrl?: string;
  /** Epoch directory; default epochs/<chainId>-<settlement>-<epoch>. */
  readonly outDir?: string;
  /** Prover workers (0 = one per core). Default: config. */
  readonly workers?: number;
  readonly log?: SetupLog;
  /** Show progress bars / lines (default true). */
  readonly progress?: boolean;
  /**
   * How the scores were made, recorded as is in epoch.json: method, provider, the defences that
   * ran (exact dedup, near-duplicate stage) and the flagged examples with their evidence.
   */
  readonly attribution?: Readonly<Record<string, unknown>>;
  readonly config?: ProtocolConfig;
}

export interface ContributorResult {
  readonly address: string;
  readonly label?: string;
  /** Examples claimed / credited after dedup; sum of the signed scores of the credited ones. */
  readonly claimed: number;
  readonly credited: number;
  readonly rawScore: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  readonly balance: bigint;
}

export interface Transaction {
  readonly what: string;
  readonly txHash: string;
  readonly gasUsed: bigint;
}

export interface EpochResult {
  readonly dir: string;
  readonly chainId: bigint;
  readonly chain: string;
  readonly addresses: { readonly token: string; readonly registry: string; readonly settlement: string };
  readonly epoch: bigint;
  readonly pool: bigint;
  readonly total: bigint;
  readonly dust: bigint;
  readonly examples: number;
  readonly duplicates: number;
  readonly circuits: { readonly example: CircuitSummary; readonly payout: CircuitSummary };
  readonly contributors: readonly ContributorResult[];
  /** Every settlement transaction after openEpoch: example and payout batches, finalize, releases. */
  readonly transactions: readonly Transaction[];
  readonly exampleBatches: number;
  readonly payoutBatches: number;
  readonly proveMs: number;
}

export interface CircuitSummary {
  readonly name: string;
  readonly constraints: number;
  /** The pinned key hash of the key set used (prover and deployment refused any other). */
  readonly vkeyHash: string;
  readonly keySet: KeySetName;
  /** Ceremony keys: the transcript (repository-relative) and the final zkey's sha256. */
  readonly transcript?: string;
  readonly zkeySha256?: string;
}

/** The on-chain balances disagree with the reference model's rewards. */
export class SettlementMismatchError extends Error {
  readonly code = "SETTLEMENT_MISMATCH";
  constructor(message: string) {
    super(message);
    this.name = "SettlementMismatchError";
  }
}

/** A contributor in the examples file whose key was not given: it cannot register. */
export class ContributorKeyError extends Error {
  readonly code = "CONTRIBUTOR_KEY_MISSING";
  constructor(message: string) {
    super(message);
    this.name = "ContributorKeyError";
  }
}

const summary = (k: KeySetKeys): CircuitSummary => ({
  name: k.name, constraints: k.constraints, vkeyHash: k.pinnedVkeyHash, keySet: k.keySet,
  ...(k.transcript === undefined ? {} : { transcript: k.transcript }), ...(k.zkeySha256 === undefined ? {} : { zkeySha256: k.zkeySha256 }),
});
const pinOf = (k: KeySetKeys) => ({ circuit: k.name, vkey: k.vkey, vkeyHash: k.pinnedVkeyHash });

async function prove(
  prover: ProverPool, keys: CircuitKeys, batches: readonly (ExampleBatch | PayoutBatch)[], file: (i: number) => string, label: string, showProgress: boolean,
): Promise<void> {
  const bar = showProgress ? startProgress(`proving ${label}`, batches.length, "proofs") : undefined;
  try {
    await proveBatches(
      prover,
      keys,
      batches.map((b) => ({ name: `${label}-${b.index}`, input: b.input, expectedPublicSignals: b.publicSignals, outPath: file(b.index) })),
      { onProgress: (p) => bar?.update(p.done, `${p.job} ${p.status} ${(p.ms / 1000).toFixed(1)} s`) },
    );
  } finally {
    bar?.stop();
  }
}

export async function runEpoch(options: RunEpochOptions): Promise<EpochResult> {
  const config = options.config ?? defaultConfig;
  const log = options.log ?? (() => {});
  const showProgress = options.progress ?? true;
  const epoch = options.epoch ?? 1n;
  const exampleBatchSize = options.exampleBatchSize ?? config.exampleBatch.demoSize;
  const payoutBatchSize = options.payoutBatchSize ?? config.payoutBatch.demoSize;
  const modelHash = options.modelHash ?? keccak256(toUtf8Bytes("demo model"));
  const validationCommitment = options.validationCommitment ?? keccak256(toUtf8Bytes("demo validation set"));

  // Input first: a bad file or a contributor without a key fails before anything is deployed.
  const claims = readExamplesFile(options.examplesFile, config);
  const demo = new Map(demoContributors().map((c) => [c.address.toLowerCase(), c]));
  const keys = new Map((options.contributorKeys ?? demoContributors().map((c) => c.key)).map((k) => [new Wallet(k).address.toLowerCase(), k]));
  const registrants = [...new Set(claims.map((c) => c.checksumAddress))]; // registration order: first appearance
  const missing = registrants.find((a) => !keys.has(a.toLowerCase()));
  if (missing) throw new ContributorKeyError(`${missing} (${options.examplesFile}) has no key: it cannot register; give contributorKeys`);

  const keySet = options.keySet ?? "dev";
  const exampleKeys = await loadCircuitKeys(exampleCircuitName(exampleBatchSize), { keySet, log });
  const payoutKeys = await loadCircuitKeys(payoutCircuitName(payoutBatchSize), { keySet, log });
  const chain = await connectChain(options.rpcUrl);
  try {
    log(`chain: ${chain.description} (chain id ${chain.chainId})`);
    const d = await deploySettlement(chain.signer, {
      exampleVerifier: exampleKeys.verifierArtifact, exampleBatchSize, payoutVerifier: payoutKeys.verifierArtifact, payoutBatchSize,
      pins: { example: pinOf(exampleKeys), payout: pinOf(payoutKeys) },
    });
    const { token, registry, settlement, addresses } = d;
    await (await token.mint(d.owner, options.pool)).wait();
    const domain = epochDomain(chain.chainId, addresses.settlement, epoch);
    const onChainDomain = await settlement.domain(epoch);
    if (onChainDomain !== domain) throw new SettlementMismatchError(`domain: the contract computes ${onChainDomain}, witness/ computes ${domain}`);

    // Registration: each contributor registers its example hashes from its own address.
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    await openRegistration(registry, epoch, now + 86_400n, validationCommitment);
    const registering = showProgress ? startProgress("registering", registrants.length, "contributors") : undefined;
    for (const [i, address] of registrants.entries()) {
      await (await chain.signer.sendTransaction({ to: address, value: parseEther("0.01") })).wait();
      const wallet = new NonceManager(new Wallet(keys.get(address.toLowerCase())!, chain.provider));
      const hashes = claims.filter((c) => c.checksumAddress === address).map((c) => c.hash);
      await (await (registry.connect(wallet) as typeof registry).register(epoch, registrationCommitment(hashes), hashes.length)).wait();
      registering?.update(i + 1, address);
    }
    registering?.stop();
    await (await registry.closeRegistration(epoch)).wait();
    const registrations = await readRegistrations(registry, epoch);

    const w = buildEpochWitness({ examples: claims, registrations, pool: options.pool, domain, exampleBatchSize, payoutBatchSize, config });
    const table = w.contributorTable;
    const dir = resolve(options.outDir ?? join(PROJECT_ROOT, "epochs", `${chain.chainId}-${addresses.settlement}-${epoch}`));
    const paths = epochPaths(dir);
    initEpochDir(paths, exampleKeys.vkeyPath, payoutKeys.vkeyPath);
    const hex = (v: bigint, digits: number) => getAddress(`0x${v.toString(16).padStart(digits, "0")}`);
    const record = {
      epoch, chainId: chain.chainId, contracts: addresses, domain,
      pool: table.pool, total: table.total, dust: table.dust,
      model: { modelHash, validationCommitment },
      commitExamples: w.commitExamples, commitContributors: w.commitContributors, r: w.r,
      exampleBatchSize, payoutBatchSize, exampleBatchCount: w.exampleBatches.length, payoutBatchCount: w.payoutBatches.length,
      circuits: { example: { ...summary(exampleKeys), sourceKey: exampleKeys.sourceKey }, payout: { ...summary(payoutKeys), sourceKey: payoutKeys.sourceKey } },
      parameters: { widths: config.widths, fixedPointDecimals: config.fixedPoint.decimals, chainAbsorbWidth: config.hash.chainAbsorbWidth },
      examplesFile: options.examplesFile,
      ...(options.attribution === undefined ? {} : { attribution: options.attribution }),
      exampleBatches: w.exampleBatches.map((b) => ({ index: b.index, chainIn: b.chainIn, chainOut: b.chainOut, hashIn: b.hashIn, hashOut: b.hashOut, scoreSum: b.scoreSum, rlcSum: b.rlcSum, rho: b.rho, digest: b.digest })),
      payoutBatches: w.payoutBatches.map((b) => ({ index: b.index, chainIn: b.chainIn, chainOut: b.chainOut, amountSum: b.amountSum, rlcSum: b.rlcSum, rho: b.rho, digest: b.digest })),
    };
    writeRecordFile(paths.epochFile, { ...record, status: "proving" });
    writeRecordFile(paths.registrationsFile, registrations.map((r) => ({ ...r, contributor: hex(r.contributor, 40) })));
    writeRecordFile(paths.examplesFile, w.exampleTable.map((e) => ({ hash: `0x${e.hash.toString(16).padStart(32, "0")}`, contributor: e.contributor, score: e.score })));
    writeRecordFile(paths.duplicatesFile, w.duplicates.map((x) => ({
      hash: `0x${x.hash.toString(16).padStart(32, "0")}`, creditedTo: hex(x.creditedTo, 40), creditedOrder: x.creditedOrder,
      alsoClaimedBy: x.alsoClaimedBy.map((o) => ({ contributor: hex(o.contributor, 40), order: o.order })),
    })));
    writeRecordFile(paths.contributorsFile, table.rows.map((r, index) => ({ index, ...r, address: hex(r.address, 40), label: demo.get(hex(r.address, 40).toLowerCase())?.label })));

    await openEpoch({ token, settlement }, {
      epoch, pool: table.pool, total: table.total, exampleBatches: w.exampleBatches.length, payoutBatches: w.payoutBatches.length,
      commitExamples: w.commitExamples, commitContributors: w.commitContributors, modelHash,
    });
    log(`epoch ${epoch} opened: pool ${table.pool}, S ${table.total}, ${w.exampleBatches.length} example batches of ${exampleBatchSize}, ${w.payoutBatches.length} payout batches of ${payoutBatchSize}`);

    const prover = createProverPool(options.workers === undefined ? {} : { workers: options.workers }, config);
    const proveStart = performance.now();
    try {
      await prove(prover, exampleKeys, w.exampleBatches, paths.exampleProofFile, "example", showProgress);
      await prove(prover, payoutKeys, w.payoutBatches, paths.payoutProofFile, "payout", showProgress);
    } finally {
      await prover.close();
    }
    const proveMs = performance.now() - proveStart;

    const transactions: Transaction[] = [];
    const done = (what: string, receipt: { hash: string; gasUsed: bigint }) => {
      transactions.push({ what, txHash: receipt.hash, gasUsed: receipt.gasUsed });
      writeRecordFile(paths.settlementFile, { transactions });
    };
    const steps = w.exampleBatches.length + 2 * w.payoutBatches.length + 1;
    const settling = showProgress ? startProgress("settling", steps, "transactions") : undefined;
    for (const b of w.exampleBatches) {
      done(`example batch ${b.index}`, await submitExampleBatch(settlement, epoch, b, readProofFile(paths.exampleProofFile(b.index)).proof));
      settling?.update(transactions.length, `example batch ${b.index}`);
    }
    for (const b of w.payoutBatches) {
      done(`payout batch ${b.index}`, await submitPayoutBatch(settlement, epoch, b, readProofFile(paths.payoutProofFile(b.index)).proof));
      settling?.update(transactions.length, `payout batch ${b.index}`);
    }
    done("finalize", await finalizeEpoch(settlement, epoch));
    for (const b of w.payoutBatches) {
      done(`release ${b.index}`, await releaseBatch(settlement, epoch, b));
      settling?.update(transactions.length, `release ${b.index}`);
    }
    settling?.stop();

    const contributors: ContributorResult[] = [];
    for (const [index, row] of table.rows.entries()) {
      const address = hex(row.address, 40);
      const credited = w.exampleTable.filter((e) => e.contributor === index);
      const label = demo.get(address.toLowerCase())?.label;
      contributors.push({
        address, ...(label ? { label } : {}),
        claimed: claims.filter((c) => c.contributor === row.address).length,
        credited: credited.length,
        rawScore: credited.reduce((s, e) => s + e.score, 0n),
        amount: row.amount, reward: row.reward, balance: await token.balanceOf(address),
      });
    }
    const wrong = contributors.filter((c) => c.balance !== c.reward);
    const contractBalance = await token.balanceOf(addresses.settlement);
    writeRecordFile(paths.settlementFile, { transactions, balances: contributors.map((c) => ({ address: c.address, balance: c.balance })), settlementBalance: contractBalance });
    if (wrong.length > 0) {
      throw new SettlementMismatchError(`${wrong.length} on-chain balances differ from the reference model, first ${wrong[0]!.address}: ${wrong[0]!.balance} != ${wrong[0]!.reward}`);
    }
    if (contractBalance !== table.dust) throw new SettlementMismatchError(`the settlement contract holds ${contractBalance}, the reference model's dust is ${table.dust}`);
    writeRecordFile(paths.epochFile, { ...record, status: "settled" });
    return {
      dir, chainId: chain.chainId, chain: chain.description,
      addresses: { token: addresses.token, registry: addresses.registry, settlement: addresses.settlement },
      epoch, pool: table.pool, total: table.total, dust: table.dust,
      examples: w.exampleTable.length, duplicates: w.duplicates.length,
      circuits: { example: summary(exampleKeys), payout: summary(payoutKeys) },
      contributors, transactions,
      exampleBatches: w.exampleBatches.length, payoutBatches: w.payoutBatches.length,
      proveMs,
    };
  } finally {
    await chain.close();
  }
}
