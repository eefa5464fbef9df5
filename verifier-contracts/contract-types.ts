/**
 * Typed handles of the deployed contracts: the methods this project calls, with the argument and
 * return types ethers uses (what typechain would generate, kept to what we need).
 */
import type { AddressLike, BaseContract, BaseContractMethod, BigNumberish, BytesLike, ContractTransactionResponse } from "ethers";

type View<A extends unknown[], R> = BaseContractMethod<A, R, R>;
type Send<A extends unknown[]> = BaseContractMethod<A, void, ContractTransactionResponse>;

export type Uint2 = readonly [BigNumberish, BigNumberish];

export interface OpenTokenContract extends BaseContract {
  name: View<[], string>;
  symbol: View<[], string>;
  decimals: View<[], bigint>;
  totalSupply: View<[], bigint>;
  owner: View<[], string>;
  balanceOf: View<[account: AddressLike], bigint>;
  allowance: View<[owner: AddressLike, spender: AddressLike], bigint>;
  mint: Send<[to: AddressLike, amount: BigNumberish]>;
  approve: Send<[spender: AddressLike, amount: BigNumberish]>;
  transfer: Send<[to: AddressLike, amount: BigNumberish]>;
}

/** The generated Groth16 verifier of a batch circuit (ExampleBatch, RegistrationBatch or PayoutBatch). */
export interface BatchVerifierContract extends BaseContract {
  verifyProof: View<
    [a: Uint2, b: readonly [Uint2, Uint2], c: Uint2, signals: readonly [BigNumberish, BigNumberish, BigNumberish, BigNumberish]],
    boolean
  >;
}

/** PayoutSettlement.Status. */
export const EpochStatus = { None: 0n, Registration: 1n, Committed: 2n, Finalized: 3n, Cancelled: 4n, Forfeited: 5n } as const;

/** PayoutSettlement.Epoch as ethers returns it. */
export interface EpochState {
  readonly pool: bigint;
  readonly total: bigint;
  readonly exampleBatches: bigint;
  readonly registrationBatches: bigint;
  readonly payoutBatches: bigint;
  readonly released: bigint;
  readonly status: bigint;
  readonly validationRevealed: boolean;
  readonly committedAt: bigint;
  readonly nextExample: bigint;
  readonly nextRegistration: bigint;
  readonly nextPayout: bigint;
  readonly paid: bigint;
  readonly registrants: bigint;
  readonly seed: bigint;
  readonly commitExamples: bigint;
  readonly commitPayouts: bigint;
  readonly exclusionHash: string;
  readonly exampleChain: bigint;
  readonly payoutChain: bigint;
  readonly rlcDiff: bigint;
  readonly claimProduct: bigint;
  readonly registrationProduct: bigint;
  readonly lastHash: bigint;
  readonly lastJ: bigint;
  readonly scoreSum: bigint;
  readonly amountSum: bigint;
  readonly regNextJ: bigint;
  readonly regCount: bigint;
  readonly regOpen: boolean;
  readonly regFold: bigint;
  readonly regState: bigint;
  readonly regSenderWord: bigint;
  readonly modelHash: string;
  readonly trainer: string;
  /** The epoch whose model this one continues, fixed at opening (0n: the first of its lineage). */
  readonly follows: bigint;
  readonly commitExclusion: bigint;
  readonly regExcl: bigint;
  /** The followed epoch's committed model hash, copied at this epoch's commit (zero bytes32 before, or when follows is 0n). */
  readonly previousModelHash: string;
}

/** PayoutSettlement.Commit: the parameters of commitEpoch. */
export interface CommitParams {
  readonly commitExamples: BigNumberish;
  readonly commitPayouts: BigNumberish;
  readonly commitExclusion: BigNumberish;
  readonly total: BigNumberish;
  readonly exampleBatches: BigNumberish;
  readonly registrationBatches: BigNumberish;
  readonly payoutBatches: BigNumberish;
  readonly modelHash: string;
}

export interface ExampleClaimArg {
  readonly chainOut: BigNumberish;
  readonly hashOut: BigNumberish;
  readonly jOut: BigNumberish;
  readonly scoreSum: BigNumberish;
  readonly rlcSum: BigNumberish;
  readonly product: BigNumberish;
}
export interface RegistrationClaimArg {
  readonly foldOut: BigNumberish;
  readonly nextJOut: BigNumberish;
  readonly openOut: BigNumberish;
  readonly stateOut: BigNumberish;
  readonly countOut: BigNumberish;
  readonly senderWordOut: BigNumberish;
  readonly exclOut: BigNumberish;
  readonly product: BigNumberish;
  readonly rlcSum: BigNumberish;
}
export interface PayoutClaimArg {
  readonly chainOut: BigNumberish;
  readonly amountSum: BigNumberish;
  readonly rlcSum: BigNumberish;
}
export interface ProofArg {
  readonly a: Uint2;
  readonly b: readonly [Uint2, Uint2];
  readonly c: Uint2;
}

export interface PayoutSettlementContract extends BaseContract {
  BURN_ADDRESS: View<[], string>;
  transferOwnership: Send<[newOwner: AddressLike]>;
  token: View<[], string>;
  registry: View<[], string>;
  exampleVerifier: View<[], string>;
  registrationVerifier: View<[], string>;
  payoutVerifier: View<[], string>;
  exampleBatchSize: View<[], bigint>;
  registrationBatchSize: View<[], bigint>;
  payoutBatchSize: View<[], bigint>;
  commitWindow: View<[], bigint>;
  contestWindow: View<[], bigint>;
  proofWindow: View<[], bigint>;
  owner: View<[], string>;
  domain: View<[epoch: BigNumberish], bigint>;
  deadlines: View<[epoch: BigNumberish], [bigint, bigint] & { commitBy: bigint; settleBy: bigint }>;
  deliveryDigest: View<[epoch: BigNumberish, order: BigNumberish, commitment: BigNumberish], string>;
  epochState: View<[epoch: BigNumberish], EpochState>;
  payoutWordsHash: View<[epoch: BigNumberish, batchIndex: BigNumberish], string>;
  openEpoch: Send<
    [
      epoch: BigNumberish,
      closesAt: BigNumberish,
      validationCommitment: string,
      pool: BigNumberish,
      trainer: AddressLike,
      follows: BigNumberish,
    ]
  >;
  commitEpoch: Send<[epoch: BigNumberish, params: CommitParams, exclusion: string]>;
  contestExclusion: Send<[epoch: BigNumberish, exclusion: string, order: BigNumberish, commitment: BigNumberish, signature: string]>;
  submitExampleBatch: Send<[epoch: BigNumberish, batchIndex: BigNumberish, claim: ExampleClaimArg, proof: ProofArg]>;
  submitRegistrationBatch: Send<[epoch: BigNumberish, batchIndex: BigNumberish, claim: RegistrationClaimArg, proof: ProofArg]>;
  submitPayoutBatch: Send<
    [epoch: BigNumberish, batchIndex: BigNumberish, claim: PayoutClaimArg, words: readonly BigNumberish[], proof: ProofArg]
  >;
  revealValidation: Send<[epoch: BigNumberish, validationSetHash: string, salt: string]>;
  finalize: Send<[epoch: BigNumberish]>;
  forfeit: Send<[epoch: BigNumberish]>;
  release: Send<[epoch: BigNumberish, batchIndex: BigNumberish, words: readonly BigNumberish[]]>;
  releaseRows: Send<[epoch: BigNumberish, batchIndex: BigNumberish, words: readonly BigNumberish[], rows: BigNumberish]>;
  /** A partly released batch's cursor: rows paid so far and what they paid (0, 0 before the first part and once complete). */
  releaseCursor: View<[epoch: BigNumberish, batchIndex: BigNumberish], [bigint, bigint] & { rows: bigint; paid: bigint }>;
  /** Rewards a release could not transfer (PayoutDeferred), owed to `payee` across epochs. */
  claimable: View<[payee: AddressLike], bigint>;
  totalClaimable: View<[], bigint>;
  withdraw: Send<[]>;
  withdrawTo: Send<[to: AddressLike]>;
  cancelEpoch: Send<[epoch: BigNumberish]>;
}

export interface ContributorRegistryContract extends BaseContract {
  owner: View<[], string>;
  poseidon: View<[], string>;
  validationCommitment: View<[epoch: BigNumberish], string>;
  registrationFold: View<[epoch: BigNumberish], bigint>;
  registrationDomain: View<[epoch: BigNumberish], bigint>;
  registrationClosed: View<[epoch: BigNumberish], boolean>;
  registration: View<[epoch: BigNumberish], [bigint, bigint] & { closesAt: bigint; count: bigint }>;
  feeToken: View<[], string>;
  BURN_ADDRESS: View<[], string>;
  feePerExample: View<[], bigint>;
  registrationFee: View<[epoch: BigNumberish, exampleCount: BigNumberish], bigint>;
  minRegistrationWindow: View<[], bigint>;
  maxRegistrants: View<[], bigint>;
  maxExamplesPerRegistrant: View<[], bigint>;
  maxExamplesPerEpoch: View<[], bigint>;
  transferOwnership: Send<[newOwner: AddressLike]>;
  cancelRegistration: Send<[epoch: BigNumberish]>;
  register: Send<[epoch: BigNumberish, commitment: BigNumberish, exampleCount: BigNumberish]>;
}

export interface BareTransfersContract extends BaseContract {
  distribute: Send<[token: AddressLike, to: readonly AddressLike[], amounts: readonly BigNumberish[]]>;
}

/** The benchmark's meter, read with eth_call (staticCall): see bench/GasMeter.sol. */
export interface GasMeterContract extends BaseContract {
  callGas: View<[target: AddressLike, data: BytesLike], bigint>;
  transferGas: { staticCall(token: AddressLike, to: readonly AddressLike[], amounts: readonly BigNumberish[]): Promise<bigint> };
}
