/**
 * Reads one epoch's on-chain side from a JSON-RPC node with minimal hand-written ABIs (no project
 * artifacts, so a skeptic needs nothing of the trainer's build): the settlement's immutables
 * (token, registry, both verifiers, batch sizes), its events (EpochOpened, every batch verified,
 * EpochFinalized, BatchReleased), the arguments of every submitExampleBatch / submitPayoutBatch
 * from the calldata of the transaction that emitted the batch event (claims, payout words,
 * proof), the words of every release from its calldata (what was actually paid), the registry's
 * Registered events, every payment of this epoch's releases (a token Transfer from the
 * settlement, or a PayoutDeferred credit where the transfer reverted and the payee must
 * withdraw()) and the runtime code of both verifiers. Nothing is checked here but the shape: chain.ts compares,
 * chain-record.ts rebuilds what the contract verified.
 *
 * A batch submitted through another contract (a multisig, a batcher) has calldata that is not a
 * direct settlement call: it is reported as CHAIN_MISMATCH naming the transaction, not decoded.
 */
import { Contract, Interface, type EventLog } from "ethers";
import { EpochVerifyError } from "./epoch-errors.ts";
import type { RecordedRegistration } from "./record.ts";
import { openProvider } from "./rpc.ts";

const SETTLEMENT_ABI = [
  "function token() view returns (address)",
  "function registry() view returns (address)",
  "function exampleVerifier() view returns (address)",
  "function payoutVerifier() view returns (address)",
  "function exampleBatchSize() view returns (uint256)",
  "function payoutBatchSize() view returns (uint256)",
  "function submitExampleBatch(uint64 epoch, uint32 batchIndex, tuple(uint256 chainOut, uint256 hashOut, uint256 scoreSum, uint256 rlcSum) claim, tuple(uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "function submitPayoutBatch(uint64 epoch, uint32 batchIndex, tuple(uint256 chainOut, uint256 amountSum, uint256 rlcSum) claim, uint256[] words, tuple(uint256[2] a, uint256[2][2] b, uint256[2] c) proof)",
  "event EpochOpened(uint64 indexed epoch, tuple(uint256 pool, uint256 total, uint32 exampleBatches, uint32 payoutBatches, uint256 commitExamples, uint256 commitContributors, bytes32 modelHash) params, uint256 domain, uint256 r)",
  "event ExampleBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut)",
  "event PayoutBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut, bytes32 wordsHash)",
  "event EpochFinalized(uint64 indexed epoch, uint256 paid, uint256 dust)",
  "event BatchReleased(uint64 indexed epoch, uint32 batchIndex, uint256 paid)",
  "function release(uint64 epoch, uint32 batchIndex, uint256[] words)",
  "event PayoutDeferred(uint64 indexed epoch, address indexed payee, uint256 amount)",
];
const REGISTRY_ABI = ["event Registered(uint64 indexed epoch, address indexed contributor, uint32 order, bytes32 examplesCommitment, uint32 exampleCount)"];
const TOKEN_ABI = ["event Transfer(address indexed from, address indexed to, uint256 value)"];

/** A Groth16 proof in the verifier's calldata encoding (b with its Fp2 coefficients swapped). */
export interface CalldataProof {
  readonly a: readonly [bigint, bigint];
  readonly b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  readonly c: readonly [bigint, bigint];
}

export interface ChainExampleBatch {
  readonly index: number;
  readonly txHash: string;
  readonly chainOut: bigint;
  readonly hashOut: bigint;
  readonly scoreSum: bigint;
  readonly rlcSum: bigint;
  readonly proof: CalldataProof;
}

export interface ChainPayoutBatch {
  readonly index: number;
  readonly txHash: string;
  readonly chainOut: bigint;
  readonly amountSum: bigint;
  readonly rlcSum: bigint;
  readonly words: readonly bigint[];
  readonly proof: CalldataProof;
}

/** One payment of a release: a token Transfer to the payee, or a PayoutDeferred credit it withdraws later. */
export interface ChainPayment {
  readonly payee: bigint;
  readonly amount: bigint;
  readonly kind: "Transfer" | "PayoutDeferred";
  /** The payout batch whose release made it. */
  readonly batchIndex: number;
  readonly txHash: string;
}

/** One epoch as the chain holds it. */
export interface ChainEpoch {
  readonly rpcUrl: string;
  readonly chainId: bigint;
  readonly epoch: bigint;
  readonly contracts: { readonly token: string; readonly registry: string; readonly exampleVerifier: string; readonly payoutVerifier: string; readonly settlement: string };
  readonly exampleBatchSize: number;
  readonly payoutBatchSize: number;
  /** EpochOpened. */
  readonly opened: {
    readonly pool: bigint; readonly total: bigint; readonly exampleBatches: number; readonly payoutBatches: number;
    readonly commitExamples: bigint; readonly commitContributors: bigint; readonly modelHash: string; readonly domain: bigint; readonly r: bigint;
  };
  /** Verified batches in index order, with the arguments their transactions passed. */
  readonly exampleBatches: readonly ChainExampleBatch[];
  readonly payoutBatches: readonly ChainPayoutBatch[];
  /** EpochFinalized, when the epoch was finalized. */
  readonly finalized?: { readonly paid: bigint; readonly dust: bigint };
  readonly registrations: readonly RecordedRegistration[];
  /** Every payment of this epoch's BatchReleased transactions, in log order. */
  readonly payments: readonly ChainPayment[];
  /** The words each release paid (its calldata), by payout batch index. */
  readonly releasedWords: ReadonlyMap<number, readonly bigint[]>;
  readonly releasedBatches: number;
  /** eth_getCode of each verifier, lower-case 0x hex. */
  readonly verifierCode: { readonly example: string; readonly payout: string };
}

const mismatch = (message: string, field: string): never => {
  throw new EpochVerifyError("CHAIN_MISMATCH", "chain", message, { file: "chain", field });
};

const pair = (v: readonly bigint[]) => [v[0]!, v[1]!] as const;
const proofOf = (p: { a: bigint[]; b: bigint[][]; c: bigint[] }): CalldataProof => ({ a: pair(p.a), b: [pair(p.b[0]!), pair(p.b[1]!)], c: pair(p.c) });

/** Reads epoch `epoch` of the settlement contract `settlement` from the node at `rpcUrl`. */
export async function readChainEpoch(rpcUrl: string, settlement: string, epoch: bigint): Promise<ChainEpoch> {
  const provider = openProvider(rpcUrl);
  try {
    const chainId = (await provider.getNetwork()).chainId;
    if ((await provider.getCode(settlement)) === "0x") mismatch(`no contract at ${settlement} on chain ${chainId}`, "settlement");
    const s = new Contract(settlement, SETTLEMENT_ABI, provider);
    const [token, registry, exampleVerifier, payoutVerifier, exampleBatchSize, payoutBatchSize] = await Promise.all([
      s.token!() as Promise<string>, s.registry!() as Promise<string>, s.exampleVerifier!() as Promise<string>, s.payoutVerifier!() as Promise<string>,
      s.exampleBatchSize!() as Promise<bigint>, s.payoutBatchSize!() as Promise<bigint>,
    ]);
    const events = async (name: string) => (await s.queryFilter(s.filters[name]!(epoch), 0)) as EventLog[];
    const opened = await events("EpochOpened");
    if (opened.length !== 1) mismatch(`${opened.length} EpochOpened events for epoch ${epoch} at ${settlement}`, "EpochOpened");
    const { params, domain, r } = opened[0]!.args;

    // Each batch's arguments from the calldata of the transaction that emitted its event.
    const calls = async (eventName: string, fn: "submitExampleBatch" | "submitPayoutBatch") => {
      const byIndex = new Map<number, { txHash: string; args: ReturnType<Interface["decodeFunctionData"]> }>();
      for (const e of await events(eventName)) {
        const tx = await provider.getTransaction(e.transactionHash);
        let args;
        try {
          if (tx?.to?.toLowerCase() !== settlement.toLowerCase()) throw new Error("not a direct call");
          args = s.interface.decodeFunctionData(fn, tx.data);
        } catch (error) {
          return mismatch(`${eventName} of batch ${e.args.batchIndex} was emitted by transaction ${e.transactionHash}, which is not a direct ${fn} call to ${settlement} (${(error as Error).message})`, `${eventName}[${e.args.batchIndex}]`);
        }
        byIndex.set(Number(e.args.batchIndex), { txHash: e.transactionHash, args });
      }
      return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, v]) => ({ index, ...v }));
    };
    const exampleBatches = (await calls("ExampleBatchVerified", "submitExampleBatch")).map(({ index, txHash, args }): ChainExampleBatch => ({
      index, txHash, chainOut: args.claim.chainOut, hashOut: args.claim.hashOut, scoreSum: args.claim.scoreSum, rlcSum: args.claim.rlcSum, proof: proofOf(args.proof),
    }));
    const payoutBatches = (await calls("PayoutBatchVerified", "submitPayoutBatch")).map(({ index, txHash, args }): ChainPayoutBatch => ({
      index, txHash, chainOut: args.claim.chainOut, amountSum: args.claim.amountSum, rlcSum: args.claim.rlcSum, words: [...(args.words as bigint[])], proof: proofOf(args.proof),
    }));

    const finalizedEvents = await events("EpochFinalized");
    const { releasedWords, batchOfTx } = await releasesOf(await events("BatchReleased"), s, provider, settlement);
    // Only the payments of this epoch's releases (one settlement contract serves many epochs).
    const tokenContract = new Contract(token, TOKEN_ABI, provider);
    const payments: ChainPayment[] = [];
    const paymentLogs = [
      ...((await tokenContract.queryFilter(tokenContract.filters.Transfer!(settlement), 0)) as EventLog[]).map((e) => ({ e, kind: "Transfer" as const, payee: e.args.to as string, amount: e.args.value as bigint })),
      ...(await events("PayoutDeferred")).map((e) => ({ e, kind: "PayoutDeferred" as const, payee: e.args.payee as string, amount: e.args.amount as bigint })),
    ].sort((a, b) => a.e.blockNumber - b.e.blockNumber || a.e.index - b.e.index);
    for (const { e, kind, payee, amount } of paymentLogs) {
      const batchIndex = batchOfTx.get(e.transactionHash);
      if (batchIndex !== undefined) payments.push({ payee: BigInt(payee), amount, kind, batchIndex, txHash: e.transactionHash });
    }
    const registryContract = new Contract(registry, REGISTRY_ABI, provider);
    const registrations = ((await registryContract.queryFilter(registryContract.filters.Registered!(epoch), 0)) as EventLog[])
      .map((e) => ({ contributor: BigInt(e.args.contributor as string), order: Number(e.args.order), commitment: e.args.examplesCommitment as string, count: Number(e.args.exampleCount) }))
      .sort((a, b) => a.order - b.order);
    const [exampleCode, payoutCode] = await Promise.all([provider.getCode(exampleVerifier), provider.getCode(payoutVerifier)]);
    return {
      rpcUrl, chainId, epoch,
      contracts: { token, registry, exampleVerifier, payoutVerifier, settlement },
      exampleBatchSize: Number(exampleBatchSize), payoutBatchSize: Number(payoutBatchSize),
      opened: {
        pool: params.pool, total: params.total, exampleBatches: Number(params.exampleBatches), payoutBatches: Number(params.payoutBatches),
        commitExamples: params.commitExamples, commitContributors: params.commitContributors, modelHash: (params.modelHash as string).toLowerCase(), domain, r,
      },
      exampleBatches, payoutBatches,
      ...(finalizedEvents.length === 1 ? { finalized: { paid: finalizedEvents[0]!.args.paid as bigint, dust: finalizedEvents[0]!.args.dust as bigint } } : {}),
      registrations, payments, releasedWords, releasedBatches: releasedWords.size,
      verifierCode: { example: exampleCode.toLowerCase(), payout: payoutCode.toLowerCase() },
    };
  } finally {
    provider.destroy();
  }
}

/**
 * The words each BatchReleased transaction paid, from its release calldata (the contract checked
 * them against the stored hash; the skeptic re-derives their digest), and the batch of each
 * release transaction.
 */
async function releasesOf(releases: readonly EventLog[], s: Contract, provider: ReturnType<typeof openProvider>, settlement: string) {
  const releasedWords = new Map<number, readonly bigint[]>();
  const batchOfTx = new Map<string, number>();
  for (const e of releases) {
    const batchIndex = Number(e.args.batchIndex);
    const tx = await provider.getTransaction(e.transactionHash);
    let args;
    try {
      if (tx?.to?.toLowerCase() !== settlement.toLowerCase()) throw new Error("not a direct call");
      args = s.interface.decodeFunctionData("release", tx.data);
    } catch (error) {
      return mismatch(`BatchReleased of batch ${batchIndex} was emitted by transaction ${e.transactionHash}, which is not a direct release call to ${settlement} (${(error as Error).message})`, `BatchReleased[${batchIndex}]`);
    }
    if (Number(args.batchIndex) !== batchIndex) mismatch(`transaction ${e.transactionHash} releases batch ${args.batchIndex}, its BatchReleased event says ${batchIndex}`, `BatchReleased[${batchIndex}]`);
    releasedWords.set(batchIndex, [...(args.words as bigint[])]);
    batchOfTx.set(e.transactionHash, batchIndex);
  }
  return { releasedWords, batchOfTx };
}
