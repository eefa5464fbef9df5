/**
 * Reads one epoch's on-chain side from a JSON-RPC node with minimal hand-written ABIs (no project
 * artifacts, so a skeptic needs nothing of the trainer's build):
 *   - the settlement's immutables (token, registry, the three verifiers and batch sizes) and the
 *     registry's Poseidon, regDomain, F and m for the epoch, and the contract's own domain;
 *   - the settlement's events of the epoch: EpochOpened, every EpochCommitted and
 *     ExclusionContested in log order (a contest voids the commit before it; the live commit is
 *     the last, with no contest after it), the three batch kinds verified, EpochFinalized,
 *     ModelLineage, BatchReleased, EpochForfeited, EpochCancelled;
 *   - the lineage: the epoch EpochOpened says this one follows (its `follows`, 0 for none), and
 *     that epoch's EpochOpened and live commit, whose model hash ModelLineage must name as the
 *     previous model (chain.ts checks it);
 *   - the arguments of every submitExampleBatch / submitRegistrationBatch / submitPayoutBatch
 *     from the calldata of the transaction that emitted the batch event (claim, payout words,
 *     proof); the event's chainOut (foldOut) must be the claim's, and the words must hash to
 *     PayoutBatchVerified's wordsHash (what the contract stored for the release);
 *   - the registry's Registered events (order, contributor, C_j, n and F after it);
 *   - every release with its payments (a token Transfer from the settlement, or a PayoutDeferred
 *     credit where the transfer reverted and the payee must withdraw()): a whole batch, or a batch
 *     paid in row ranges over several transactions (a BatchRowsReleased for each range but the
 *     last, whose BatchReleased completes the batch); and the runtime code of the three verifiers.
 * Nothing is checked here but the shape: chain.ts compares, chain-record.ts rebuilds what the
 * contract verified.
 *
 * Submissions are owner-only and decoded from direct calls: a batch submitted through another
 * contract (an owner behind a smart account or a multisig) has calldata that is not a direct
 * settlement call: it is reported as CHAIN_MISMATCH naming the transaction, not decoded.
 *
 * Releases are anyone's (an EOA, a forwarder, a multisig, several in one transaction), and their
 * calldata is not read: the contract pays exactly the words whose hash it stored at
 * submitPayoutBatch (WordsMismatch otherwise). A release is read from the logs of the transaction
 * that emitted its BatchReleased or BatchRowsReleased: its payments are the token's Transfers from
 * the settlement and the settlement's PayoutDeferred credits of this epoch logged since the
 * settlement's previous event in that transaction (a release call emits nothing before it pays,
 * and one of the two events right after), except the Transfer that follows a Withdrawn
 * (withdraw() emits it before its transfer).
 * This assumes a token without transfer hooks (no reentrant release from inside a payment).
 */
import { Contract, Interface, type EventLog, type Provider } from "ethers";
import { EpochVerifyError } from "./epoch-errors.ts";
import { exclusionOrders, packedWordsHash, type EpochCommit } from "./model/index.ts";
import type { ByKind, RecordedContracts, RecordedRegistration } from "./record.ts";
import { openProvider } from "./rpc.ts";

const PROOF = "tuple(uint256[2] a, uint256[2][2] b, uint256[2] c) proof";
const COMMIT =
  "tuple(uint256 commitExamples, uint256 commitPayouts, uint256 commitExclusion, uint256 total, uint32 exampleBatches, uint32 registrationBatches, uint32 payoutBatches, bytes32 modelHash)";
const SETTLEMENT_ABI = [
  "function token() view returns (address)",
  "function registry() view returns (address)",
  "function exampleVerifier() view returns (address)",
  "function registrationVerifier() view returns (address)",
  "function payoutVerifier() view returns (address)",
  "function exampleBatchSize() view returns (uint256)",
  "function registrationBatchSize() view returns (uint256)",
  "function payoutBatchSize() view returns (uint256)",
  "function domain(uint64 epoch) view returns (uint256)",
  "function deliveryDigest(uint64 epoch, uint32 order, uint256 commitment) view returns (bytes32)",
  `function submitExampleBatch(uint64 epoch, uint32 batchIndex, tuple(uint256 chainOut, uint256 hashOut, uint256 jOut, uint256 scoreSum, uint256 rlcSum, uint256 product) claim, ${PROOF})`,
  `function submitRegistrationBatch(uint64 epoch, uint32 batchIndex, tuple(uint256 foldOut, uint256 nextJOut, uint256 openOut, uint256 stateOut, uint256 countOut, uint256 senderWordOut, uint256 exclOut, uint256 product, uint256 rlcSum) claim, ${PROOF})`,
  `function submitPayoutBatch(uint64 epoch, uint32 batchIndex, tuple(uint256 chainOut, uint256 amountSum, uint256 rlcSum) claim, uint256[] words, ${PROOF})`,
  "event EpochOpened(uint64 indexed epoch, uint64 closesAt, uint256 pool, bytes32 validationCommitment, address trainer, uint64 follows)",
  `event EpochCommitted(uint64 indexed epoch, ${COMMIT} params, bytes exclusion, uint256 seed, uint256 fold, uint32 registrants)`,
  "event ExclusionContested(uint64 indexed epoch, uint32 order, uint256 commitment)",
  "event ExampleBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut)",
  "event RegistrationBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 foldOut)",
  "event PayoutBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut, bytes32 wordsHash)",
  "event EpochFinalized(uint64 indexed epoch, uint256 paid, uint256 dust)",
  "event ModelLineage(uint64 indexed epoch, bytes32 indexed modelHash, bytes32 validationCommitment, bytes32 previousModelHash, uint64 follows)",
  "event BatchReleased(uint64 indexed epoch, uint32 batchIndex, uint256 paid)",
  "event BatchRowsReleased(uint64 indexed epoch, uint32 batchIndex, uint256 fromRow, uint256 toRow, uint256 paid)",
  "event EpochForfeited(uint64 indexed epoch, uint256 burned)",
  "event EpochCancelled(uint64 indexed epoch, uint256 refunded)",
  "event PayoutDeferred(uint64 indexed epoch, address indexed payee, uint256 amount)",
  "event Withdrawn(address indexed payee, address indexed to, uint256 amount)",
];
const REGISTRY_ABI = [
  "function poseidon() view returns (address)",
  "function registrationDomain(uint64 epoch) view returns (uint256)",
  "function registrationFold(uint64 epoch) view returns (uint256)",
  "function registration(uint64 epoch) view returns (uint64 closesAt, uint32 count)",
  "event Registered(uint64 indexed epoch, address indexed contributor, uint32 order, uint256 commitment, uint32 exampleCount, uint256 fold)",
];
const TOKEN_ABI = ["event Transfer(address indexed from, address indexed to, uint256 value)"];

/** The hand-written ABIs verify reads the chain with (test/verify-chain-abi.test.ts compares them with the compiled contracts). */
export const CHAIN_ABIS = { PayoutSettlement: SETTLEMENT_ABI, ContributorRegistry: REGISTRY_ABI, OpenToken: TOKEN_ABI } as const;

/** A Groth16 proof in the verifier's calldata encoding (b with its Fp2 coefficients swapped). */
export interface CalldataProof {
  readonly a: readonly [bigint, bigint];
  readonly b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  readonly c: readonly [bigint, bigint];
}

/** submitExampleBatch's claim. */
export interface ChainExampleBatch {
  readonly index: number;
  readonly txHash: string;
  readonly chainOut: bigint;
  readonly hashOut: bigint;
  readonly jOut: bigint;
  readonly scoreSum: bigint;
  readonly rlcSum: bigint;
  readonly product: bigint;
  readonly proof: CalldataProof;
}

/** submitRegistrationBatch's claim. */
export interface ChainRegistrationBatch {
  readonly index: number;
  readonly txHash: string;
  readonly foldOut: bigint;
  readonly nextJOut: bigint;
  readonly openOut: bigint;
  readonly stateOut: bigint;
  readonly countOut: bigint;
  readonly senderWordOut: bigint;
  readonly exclOut: bigint;
  readonly product: bigint;
  readonly rlcSum: bigint;
  readonly proof: CalldataProof;
}

/** submitPayoutBatch's claim and words. */
export interface ChainPayoutBatch {
  readonly index: number;
  readonly txHash: string;
  readonly chainOut: bigint;
  readonly amountSum: bigint;
  readonly rlcSum: bigint;
  readonly words: readonly bigint[];
  readonly proof: CalldataProof;
}

/** One EpochCommitted. */
export interface ChainCommit {
  readonly txHash: string;
  readonly commit: EpochCommit;
  readonly exclusion: readonly number[];
  /** The exclusion bitmap as the event carried it (0x hex): what contestExclusion must be given back. */
  readonly exclusionBitmap: string;
  readonly seed: bigint;
  readonly fold: bigint;
  readonly registrants: number;
  /** Voided by a later ExclusionContested. */
  readonly contested: boolean;
}

/** One ExclusionContested: a receipt the trainer signed for an excluded registrant voided the commit. */
export interface ChainContest {
  readonly txHash: string;
  readonly order: number;
  readonly commitment: bigint;
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

/**
 * One release call of this epoch, whoever sent its transaction, with its payments: a
 * BatchRowsReleased (rows [from, to) of the batch, more to come) or a BatchReleased (the rest of
 * the batch from its cursor: all of it unless BatchRowsReleased parts came before).
 */
export interface ChainRelease {
  readonly batchIndex: number;
  readonly txHash: string;
  /** BatchRowsReleased's rows; undefined for BatchReleased (the batch complete). */
  readonly rows?: { readonly from: number; readonly to: number };
  /** The event's paid (transferred + credited): BatchRowsReleased's for its rows, BatchReleased's for the whole batch. */
  readonly paid: bigint;
  /** The release's Transfers from the settlement and PayoutDeferred credits, in log order. */
  readonly payments: readonly ChainPayment[];
}

/** ModelLineage, logged by finalize: the epoch's model and the model it continues. Hashes lower-case. */
export interface ChainLineage {
  readonly txHash: string;
  readonly modelHash: string;
  readonly validationCommitment: string;
  /** The followed epoch's model hash as the settlement copied it at this epoch's commit (zero when follows is 0). */
  readonly previousModelHash: string;
  readonly follows: bigint;
}

/** The epoch this one follows (EpochOpened's follows, when not 0), as the chain holds it. */
export interface ChainFollowed {
  readonly epoch: bigint;
  /** It has an EpochOpened on this settlement. */
  readonly opened: boolean;
  /**
   * Its live commit (the last EpochCommitted, no ExclusionContested after it), when it has one
   * with S > 0: an empty commit (S = 0, every registrant excluded) trained on nobody's data, and
   * the settlement records no model for it.
   */
  readonly commit?: { readonly modelHash: string; readonly txHash: string };
}

/** One epoch as the chain holds it. */
export interface ChainEpoch {
  readonly rpcUrl: string;
  readonly chainId: bigint;
  readonly epoch: bigint;
  readonly contracts: RecordedContracts;
  readonly batchSizes: ByKind<number>;
  /** settlement.domain(epoch) and registry.registrationDomain(epoch), as the contracts compute them. */
  readonly domain: bigint;
  readonly registrationDomain: bigint;
  /** The registry's F and m of the epoch now (final once registration closed). */
  readonly registry: { readonly fold: bigint; readonly count: number; readonly closesAt: bigint };
  /** EpochOpened; `trainer`: the epoch's trainer, whose signature alone makes a Delivery receipt; `follows`: the epoch whose model this one continues (0n: none). */
  readonly opened: {
    readonly closesAt: bigint;
    readonly pool: bigint;
    readonly validationCommitment: string;
    readonly trainer: string;
    readonly follows: bigint;
  };
  /** Every EpochCommitted in log order. */
  readonly commits: readonly ChainCommit[];
  readonly contests: readonly ChainContest[];
  /** The live commit: the last EpochCommitted, when no ExclusionContested followed it. */
  readonly commit?: ChainCommit;
  /** Verified batches in index order, with the arguments their transactions passed. */
  readonly exampleBatches: readonly ChainExampleBatch[];
  readonly registrationBatches: readonly ChainRegistrationBatch[];
  readonly payoutBatches: readonly ChainPayoutBatch[];
  /** EpochFinalized, when the epoch was finalized. */
  readonly finalized?: { readonly paid: bigint; readonly dust: bigint };
  /** ModelLineage, once finalized. */
  readonly lineage?: ChainLineage;
  /** The followed epoch, when EpochOpened's follows is not 0. */
  readonly followed?: ChainFollowed;
  /** EpochForfeited, when the pool was burned. */
  readonly forfeited?: { readonly burned: bigint; readonly txHash: string };
  /** EpochCancelled, when the pool went back to the operator (nobody registered, or an empty commit). */
  readonly cancelled?: { readonly refunded: bigint; readonly txHash: string };
  /** The Registered events in order, excluded per the live commit's exclusion set. */
  readonly registrations: readonly RecordedRegistration[];
  /** Every BatchRowsReleased and BatchReleased of this epoch with its payments, in log order. */
  readonly releases: readonly ChainRelease[];
  /** eth_getCode of each verifier, lower-case 0x hex. */
  readonly verifierCode: ByKind<string>;
}

const mismatch = (message: string, field: string): never => {
  throw new EpochVerifyError("CHAIN_MISMATCH", "chain", message, { file: "chain", field });
};

const pair = (v: readonly bigint[]) => [v[0]!, v[1]!] as const;
const proofOf = (p: { a: bigint[]; b: bigint[][]; c: bigint[] }): CalldataProof => ({
  a: pair(p.a),
  b: [pair(p.b[0]!), pair(p.b[1]!)],
  c: pair(p.c),
});
const logOrder = (a: EventLog, b: EventLog) => a.blockNumber - b.blockNumber || a.index - b.index;

type BatchFunction = "submitExampleBatch" | "submitRegistrationBatch" | "submitPayoutBatch";

/** The commits and the contests of one epoch, from its EpochCommitted and ExclusionContested logs: a contest voids the commit before it. */
function lifecycleOf(logs: readonly EventLog[]): { commits: ChainCommit[]; contests: ChainContest[] } {
  const commits: ChainCommit[] = [];
  const contests: ChainContest[] = [];
  for (const e of [...logs].sort(logOrder)) {
    if (e.eventName === "ExclusionContested") {
      contests.push({ txHash: e.transactionHash, order: Number(e.args.order), commitment: e.args.commitment as bigint });
      const last = commits.at(-1);
      if (last) commits[commits.length - 1] = { ...last, contested: true };
      continue;
    }
    const p = e.args.params;
    commits.push({
      txHash: e.transactionHash,
      commit: {
        commitExamples: p.commitExamples,
        commitPayouts: p.commitPayouts,
        commitExclusion: p.commitExclusion,
        total: p.total,
        exampleBatches: Number(p.exampleBatches),
        registrationBatches: Number(p.registrationBatches),
        payoutBatches: Number(p.payoutBatches),
        modelHash: (p.modelHash as string).toLowerCase(),
      },
      exclusion: exclusionOrders(e.args.exclusion as string),
      exclusionBitmap: (e.args.exclusion as string).toLowerCase(),
      seed: e.args.seed as bigint,
      fold: e.args.fold as bigint,
      registrants: Number(e.args.registrants),
      contested: false,
    });
  }
  return { commits, contests };
}

/** The live commit: the last, when no contest followed it. */
const liveOf = (commits: readonly ChainCommit[]) => {
  const last = commits.at(-1);
  return last && !last.contested ? last : undefined;
};

/** One epoch's commits and contests in log order, and its live commit (none: never committed, or the last one contested). */
export interface EpochCommits {
  readonly commits: readonly ChainCommit[];
  readonly contests: readonly ChainContest[];
  readonly commit?: ChainCommit;
}

/** The commits and contests of `epoch` at the settlement contract `s` (this file's ABI). */
async function commitsOf(s: Contract, epoch: bigint): Promise<EpochCommits> {
  const logs = await Promise.all(["EpochCommitted", "ExclusionContested"].map((name) => s.queryFilter(s.filters[name]!(epoch), 0)));
  const { commits, contests } = lifecycleOf(logs.flat() as EventLog[]);
  const commit = liveOf(commits);
  return { commits, contests, ...(commit ? { commit } : {}) };
}

/**
 * The commits and contests of `epoch` of the settlement at `settlement`, read through `provider`
 * (left open): what a contest needs, without the rest of readChainEpoch.
 */
export function readEpochCommits(provider: Provider, settlement: string, epoch: bigint): Promise<EpochCommits> {
  return commitsOf(new Contract(settlement, SETTLEMENT_ABI, provider), epoch);
}

/**
 * Reads epoch `epoch` of the settlement contract `settlement` from the node at `rpcUrl`, or
 * through `rpc` when it is a Provider (left open: the caller owns it).
 */
export async function readChainEpoch(rpc: string | Provider, settlement: string, epoch: bigint): Promise<ChainEpoch> {
  const rpcUrl = typeof rpc === "string" ? rpc : "the given provider";
  const provider = typeof rpc === "string" ? openProvider(rpc) : rpc;
  try {
    const chainId = (await provider.getNetwork()).chainId;
    if ((await provider.getCode(settlement)) === "0x") mismatch(`no contract at ${settlement} on chain ${chainId}`, "settlement");
    const s = new Contract(settlement, SETTLEMENT_ABI, provider);
    const call = <T>(name: string, ...args: unknown[]) => s.getFunction(name)(...args) as Promise<T>;
    const [
      token,
      registry,
      exampleVerifier,
      registrationVerifier,
      payoutVerifier,
      exampleBatchSize,
      registrationBatchSize,
      payoutBatchSize,
      domain,
    ] = await Promise.all([
      call<string>("token"),
      call<string>("registry"),
      call<string>("exampleVerifier"),
      call<string>("registrationVerifier"),
      call<string>("payoutVerifier"),
      call<bigint>("exampleBatchSize"),
      call<bigint>("registrationBatchSize"),
      call<bigint>("payoutBatchSize"),
      call<bigint>("domain", epoch),
    ]);
    const r = new Contract(registry, REGISTRY_ABI, provider);
    const [poseidon, registrationDomain, registryFold, [closesAt, count]] = await Promise.all([
      r.getFunction("poseidon")() as Promise<string>,
      r.getFunction("registrationDomain")(epoch) as Promise<bigint>,
      r.getFunction("registrationFold")(epoch) as Promise<bigint>,
      r.getFunction("registration")(epoch) as Promise<[bigint, bigint]>,
    ]);
    const events = async (name: string, of = epoch) => ((await s.queryFilter(s.filters[name]!(of), 0)) as EventLog[]).sort(logOrder);
    const opened = await events("EpochOpened");
    if (opened.length !== 1) mismatch(`${opened.length} EpochOpened events for epoch ${epoch} at ${settlement}`, "EpochOpened");

    const { commits, contests, commit } = await commitsOf(s, epoch);
    const follows = opened[0]!.args.follows as bigint;
    let followed: ChainFollowed | undefined;
    if (follows !== 0n) {
      const theirs = (await commitsOf(s, follows)).commit;
      followed = {
        epoch: follows,
        opened: (await events("EpochOpened", follows)).length > 0,
        ...(theirs && BigInt(theirs.commit.total) !== 0n ? { commit: { modelHash: theirs.commit.modelHash, txHash: theirs.txHash } } : {}),
      };
    }

    // Each batch's arguments from the calldata of the transaction that emitted its event.
    const calls = async (eventName: string, fn: BatchFunction, out: string) => {
      const byIndex = new Map<number, { txHash: string; args: ReturnType<Interface["decodeFunctionData"]>; event: EventLog }>();
      for (const e of await events(eventName)) {
        const tx = await provider.getTransaction(e.transactionHash);
        let args;
        try {
          if (tx?.to?.toLowerCase() !== settlement.toLowerCase()) throw new Error("not a direct call");
          args = s.interface.decodeFunctionData(fn, tx.data);
        } catch (error) {
          return mismatch(
            `${eventName} of batch ${e.args.batchIndex} was emitted by transaction ${e.transactionHash}, which is not a direct ${fn} call to ${settlement} (${(error as Error).message})`,
            `${eventName}[${e.args.batchIndex}]`,
          );
        }
        const index = Number(e.args.batchIndex);
        if (args.epoch !== epoch || Number(args.batchIndex) !== index)
          mismatch(
            `transaction ${e.transactionHash} submits batch ${args.batchIndex} of epoch ${args.epoch}, its ${eventName} says batch ${index} of epoch ${epoch}`,
            `${eventName}[${index}]`,
          );
        if (args.claim[out] !== e.args[out])
          mismatch(
            `${eventName} of batch ${index} carries ${out} ${e.args[out]}, its calldata ${args.claim[out]}`,
            `${eventName}[${index}].${out}`,
          );
        byIndex.set(index, { txHash: e.transactionHash, args, event: e });
      }
      return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, v]) => ({ index, ...v }));
    };
    const exampleBatches = (await calls("ExampleBatchVerified", "submitExampleBatch", "chainOut")).map(
      ({ index, txHash, args: { claim, proof } }): ChainExampleBatch => ({
        index,
        txHash,
        chainOut: claim.chainOut,
        hashOut: claim.hashOut,
        jOut: claim.jOut,
        scoreSum: claim.scoreSum,
        rlcSum: claim.rlcSum,
        product: claim.product,
        proof: proofOf(proof),
      }),
    );
    const registrationBatches = (await calls("RegistrationBatchVerified", "submitRegistrationBatch", "foldOut")).map(
      ({ index, txHash, args: { claim, proof } }): ChainRegistrationBatch => ({
        index,
        txHash,
        foldOut: claim.foldOut,
        nextJOut: claim.nextJOut,
        openOut: claim.openOut,
        stateOut: claim.stateOut,
        countOut: claim.countOut,
        senderWordOut: claim.senderWordOut,
        exclOut: claim.exclOut,
        product: claim.product,
        rlcSum: claim.rlcSum,
        proof: proofOf(proof),
      }),
    );
    const payoutBatches = (await calls("PayoutBatchVerified", "submitPayoutBatch", "chainOut")).map(
      ({ index, txHash, args, event }): ChainPayoutBatch => {
        const words = [...(args.words as bigint[])];
        // What the contract stored for the release: the words it will pay are these.
        const wordsHash = String(event.args.wordsHash).toLowerCase();
        if (packedWordsHash(words) !== wordsHash)
          mismatch(
            `the words in transaction ${txHash} hash to ${packedWordsHash(words)}, its PayoutBatchVerified of batch ${index} stored ${wordsHash}`,
            `PayoutBatchVerified[${index}].wordsHash`,
          );
        return {
          index,
          txHash,
          chainOut: args.claim.chainOut,
          amountSum: args.claim.amountSum,
          rlcSum: args.claim.rlcSum,
          words,
          proof: proofOf(args.proof),
        };
      },
    );

    const finalizedEvents = await events("EpochFinalized");
    const lineageEvents = await events("ModelLineage");
    if (lineageEvents.length > 1)
      mismatch(`${lineageEvents.length} ModelLineage events for epoch ${epoch} at ${settlement}`, "ModelLineage");
    const forfeitedEvents = await events("EpochForfeited");
    const cancelledEvents = await events("EpochCancelled");
    const released = [...(await events("BatchRowsReleased")), ...(await events("BatchReleased"))].sort(logOrder);
    const releases = await releasesOf(released, s.interface, provider, settlement, token, epoch);
    const excluded = new Set(commit?.exclusion ?? []);
    const registrations = ((await r.queryFilter(r.filters.Registered!(epoch), 0)) as EventLog[]).sort(logOrder).map(
      (e): RecordedRegistration => ({
        order: Number(e.args.order),
        contributor: BigInt(e.args.contributor as string),
        commitment: e.args.commitment as bigint,
        count: Number(e.args.exampleCount),
        excluded: excluded.has(Number(e.args.order)),
        fold: e.args.fold as bigint,
      }),
    );
    const [exampleCode, registrationCode, payoutCode] = await Promise.all([
      provider.getCode(exampleVerifier),
      provider.getCode(registrationVerifier),
      provider.getCode(payoutVerifier),
    ]);
    const o = opened[0]!.args;
    return {
      rpcUrl,
      chainId,
      epoch,
      contracts: { token, poseidon, registry, exampleVerifier, registrationVerifier, payoutVerifier, settlement },
      batchSizes: { example: Number(exampleBatchSize), registration: Number(registrationBatchSize), payout: Number(payoutBatchSize) },
      domain,
      registrationDomain,
      registry: { fold: registryFold, count: Number(count), closesAt },
      opened: {
        closesAt: o.closesAt as bigint,
        pool: o.pool as bigint,
        validationCommitment: (o.validationCommitment as string).toLowerCase(),
        trainer: o.trainer as string,
        follows,
      },
      commits,
      contests,
      ...(commit ? { commit } : {}),
      ...(lineageEvents.length === 1 ? { lineage: lineageOf(lineageEvents[0]!) } : {}),
      ...(followed ? { followed } : {}),
      exampleBatches,
      registrationBatches,
      payoutBatches,
      ...(finalizedEvents.length === 1
        ? { finalized: { paid: finalizedEvents[0]!.args.paid as bigint, dust: finalizedEvents[0]!.args.dust as bigint } }
        : {}),
      ...(forfeitedEvents.length === 1
        ? { forfeited: { burned: forfeitedEvents[0]!.args.burned as bigint, txHash: forfeitedEvents[0]!.transactionHash } }
        : {}),
      ...(cancelledEvents.length === 1
        ? { cancelled: { refunded: cancelledEvents[0]!.args.refunded as bigint, txHash: cancelledEvents[0]!.transactionHash } }
        : {}),
      registrations,
      releases,
      verifierCode: { example: exampleCode.toLowerCase(), registration: registrationCode.toLowerCase(), payout: payoutCode.toLowerCase() },
    };
  } finally {
    if (typeof rpc === "string") provider.destroy();
  }
}

function lineageOf(e: EventLog): ChainLineage {
  const hex = (v: unknown) => (v as string).toLowerCase();
  return {
    txHash: e.transactionHash,
    modelHash: hex(e.args.modelHash),
    validationCommitment: hex(e.args.validationCommitment),
    previousModelHash: hex(e.args.previousModelHash),
    follows: e.args.follows as bigint,
  };
}

const TRANSFER = new Interface(TOKEN_ABI);
const TRANSFER_TOPIC = TRANSFER.getEvent("Transfer")!.topicHash;
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * This epoch's releases, each with its payments, from the logs of the transactions that emitted
 * `released` (this epoch's BatchRowsReleased and BatchReleased events, in log order), whoever sent
 * them: see the header.
 */
async function releasesOf(
  released: readonly EventLog[],
  settlementInterface: Interface,
  provider: Provider,
  settlement: string,
  token: string,
  epoch: bigint,
): Promise<ChainRelease[]> {
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
        if (event.args.epoch === epoch)
          pending.push({ payee: BigInt(event.args.payee as string), amount: event.args.amount as bigint, kind: "PayoutDeferred", txHash });
        continue;
      }
      if ((event?.name === "BatchReleased" || event?.name === "BatchRowsReleased") && event.args.epoch === epoch) {
        const batchIndex = Number(event.args.batchIndex);
        const rows = event.name === "BatchRowsReleased" ? { rows: { from: Number(event.args.fromRow), to: Number(event.args.toRow) } } : {};
        releases.push({
          batchIndex,
          txHash,
          ...rows,
          paid: event.args.paid as bigint,
          payments: pending.map((p) => ({ ...p, batchIndex })),
        });
      }
      if (event?.name === "Withdrawn") withdrawal = { to: BigInt(event.args.to as string), amount: event.args.amount as bigint };
      pending = [];
    }
  }
  return releases;
}

/**
 * How `chain`'s epoch ended without paying anyone, when it did: forfeited (its pool burned) or
 * cancelled (refunded to the operator: nobody registered, or the trainer's empty commit), as the
 * event's name and a sentence; undefined for an epoch that can still pay or has paid.
 */
export function unpaidEnding(chain: ChainEpoch): { readonly field: string; readonly what: string } | undefined {
  if (chain.forfeited)
    return {
      field: "EpochForfeited",
      what: `epoch ${chain.epoch} was forfeited (tx ${chain.forfeited.txHash}): its pool of ${chain.forfeited.burned} was burned, nothing was paid`,
    };
  if (chain.cancelled)
    return {
      field: "EpochCancelled",
      what: `epoch ${chain.epoch} was cancelled (tx ${chain.cancelled.txHash}): its pool of ${chain.cancelled.refunded} went back to the operator, nothing was paid`,
    };
  return undefined;
}
