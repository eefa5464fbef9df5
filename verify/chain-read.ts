/**
 * Reads one epoch's on-chain side from a JSON-RPC node with minimal hand-written ABIs (no project
 * artifacts, so a skeptic needs nothing of the trainer's build): the settlement's immutables
 * (token, registry, both verifiers, batch sizes), its events (EpochOpened, every batch verified,
 * EpochFinalized, BatchReleased), the arguments of every submitExampleBatch / submitPayoutBatch
 * from the calldata of the transaction that emitted the batch event (claims, payout words,
 * proof; the words must hash to the event's wordsHash, what the contract stored for the release),
 * the registry's Registered events, every release with its payments (a token Transfer from the
 * settlement, or a PayoutDeferred credit where the transfer reverted and the payee must
 * withdraw()) and the runtime code of both verifiers. Nothing is checked here but the shape: chain.ts compares,
 * chain-record.ts rebuilds what the contract verified.
 *
 * Submissions are owner-only and decoded from direct calls: a batch submitted through another
 * contract (an owner behind a smart account or a multisig) has calldata that is not a direct
 * settlement call: it is reported as CHAIN_MISMATCH naming the transaction, not decoded.
 *
 * Releases are anyone's (an EOA, a forwarder, a multisig, several in one transaction), and their
 * calldata is not read: the contract pays exactly the words whose hash it stored at
 * submitPayoutBatch (WordsMismatch otherwise). A release is read from the logs of the transaction
 * that emitted its BatchReleased: its payments are the token's Transfers from the settlement and
 * the settlement's PayoutDeferred credits of this epoch logged since the settlement's previous
 * event in that transaction (release emits nothing before it pays, and BatchReleased right
 * after), except the Transfer that follows a Withdrawn (withdraw() emits it before its transfer).
 * This assumes a token without transfer hooks (no reentrant release from inside a payment).
 */
import { Contract, Interface, type EventLog } from "ethers";
import { EpochVerifyError } from "./epoch-errors.ts";
import { packedWordsHash } from "./model/index.ts";
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
  "event PayoutDeferred(uint64 indexed epoch, address indexed payee, uint256 amount)",
  "event Withdrawn(address indexed payee, address indexed to, uint256 amount)",
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

/** One BatchReleased of this epoch, whoever sent its transaction, with the payments of that release. */
export interface ChainRelease {
  readonly batchIndex: number;
  readonly txHash: string;
  /** BatchReleased's paid: transferred + credited. */
  readonly paid: bigint;
  /** The release's Transfers from the settlement and PayoutDeferred credits, in log order. */
  readonly payments: readonly ChainPayment[];
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
  /** Every BatchReleased of this epoch with its payments, in log order. */
  readonly releases: readonly ChainRelease[];
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
      const byIndex = new Map<number, { txHash: string; args: ReturnType<Interface["decodeFunctionData"]>; wordsHash: unknown }>();
      for (const e of await events(eventName)) {
        const tx = await provider.getTransaction(e.transactionHash);
        let args;
        try {
          if (tx?.to?.toLowerCase() !== settlement.toLowerCase()) throw new Error("not a direct call");
          args = s.interface.decodeFunctionData(fn, tx.data);
        } catch (error) {
          return mismatch(`${eventName} of batch ${e.args.batchIndex} was emitted by transaction ${e.transactionHash}, which is not a direct ${fn} call to ${settlement} (${(error as Error).message})`, `${eventName}[${e.args.batchIndex}]`);
        }
        byIndex.set(Number(e.args.batchIndex), { txHash: e.transactionHash, args, wordsHash: eventName === "PayoutBatchVerified" ? e.args.wordsHash : undefined });
      }
      return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, v]) => ({ index, ...v }));
    };
    const exampleBatches = (await calls("ExampleBatchVerified", "submitExampleBatch")).map(({ index, txHash, args }): ChainExampleBatch => ({
      index, txHash, chainOut: args.claim.chainOut, hashOut: args.claim.hashOut, scoreSum: args.claim.scoreSum, rlcSum: args.claim.rlcSum, proof: proofOf(args.proof),
    }));
    const payoutBatches = (await calls("PayoutBatchVerified", "submitPayoutBatch")).map(({ index, txHash, args, wordsHash }): ChainPayoutBatch => {
      const words = [...(args.words as bigint[])];
      // What the contract stored for the release: the words it will pay are these.
      if (packedWordsHash(words) !== String(wordsHash).toLowerCase()) mismatch(`the words in transaction ${txHash} hash to ${packedWordsHash(words)}, its PayoutBatchVerified of batch ${index} stored ${wordsHash}`, `PayoutBatchVerified[${index}].wordsHash`);
      return { index, txHash, chainOut: args.claim.chainOut, amountSum: args.claim.amountSum, rlcSum: args.claim.rlcSum, words, proof: proofOf(args.proof) };
    });

    const finalizedEvents = await events("EpochFinalized");
    const releases = await releasesOf(await events("BatchReleased"), s.interface, provider, settlement, token, epoch);
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
      registrations, releases,
      verifierCode: { example: exampleCode.toLowerCase(), payout: payoutCode.toLowerCase() },
    };
  } finally {
    provider.destroy();
  }
}

const TRANSFER = new Interface(TOKEN_ABI);
const TRANSFER_TOPIC = TRANSFER.getEvent("Transfer")!.topicHash;
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * This epoch's releases, each with its payments, from the logs of the transactions that emitted
 * `released` (this epoch's BatchReleased events), whoever sent them: see the header.
 */
async function releasesOf(released: readonly EventLog[], settlementInterface: Interface, provider: ReturnType<typeof openProvider>, settlement: string, token: string, epoch: bigint): Promise<ChainRelease[]> {
  const releases: ChainRelease[] = [];
  for (const txHash of new Set(released.map((e) => e.transactionHash))) {
    const receipt = await provider.getTransactionReceipt(txHash);
    if (!receipt) return mismatch(`no receipt for transaction ${txHash}, which emitted a BatchReleased of epoch ${epoch}`, "BatchReleased");
    // The payments logged since the settlement's last event, and the transfer a Withdrawn announces.
    let pending: Omit<ChainPayment, "batchIndex">[] = [];
    let withdrawal: { to: bigint; amount: bigint } | undefined;
    for (const log of receipt.logs) {
      if (same(log.address, token) && log.topics[0] === TRANSFER_TOPIC) {
        const { from, to, value } = TRANSFER.parseLog(log)!.args;
        if (!same(from as string, settlement)) continue;
        const payee = BigInt(to as string);
        if (withdrawal && withdrawal.to === payee && withdrawal.amount === value) withdrawal = undefined;
        else pending.push({ payee, amount: value as bigint, kind: "Transfer", txHash });
        continue;
      }
      if (!same(log.address, settlement)) continue;
      const event = settlementInterface.parseLog(log);
      withdrawal = undefined;
      if (event?.name === "PayoutDeferred") {
        if (event.args.epoch === epoch) pending.push({ payee: BigInt(event.args.payee as string), amount: event.args.amount as bigint, kind: "PayoutDeferred", txHash });
        continue;
      }
      if (event?.name === "BatchReleased" && event.args.epoch === epoch) {
        const batchIndex = Number(event.args.batchIndex);
        releases.push({ batchIndex, txHash, paid: event.args.paid as bigint, payments: pending.map((p) => ({ ...p, batchIndex })) });
      }
      if (event?.name === "Withdrawn") withdrawal = { to: BigInt(event.args.to as string), amount: event.args.amount as bigint };
      pending = [];
    }
  }
  return releases;
}
