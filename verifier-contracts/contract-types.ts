/**
 * Typed handles of the deployed contracts: the methods this project calls, with the argument and
 * return types ethers uses (what typechain would generate, kept to what we need).
 */
import type { AddressLike, BaseContract, BaseContractMethod, BigNumberish, ContractTransactionResponse } from "ethers";

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

/** The generated Groth16 verifier of a batch circuit (ExampleBatch or PayoutBatch). */
export interface BatchVerifierContract extends BaseContract {
  verifyProof: View<[a: Uint2, b: readonly [Uint2, Uint2], c: Uint2, signals: readonly [BigNumberish, BigNumberish, BigNumberish]], boolean>;
}

/** PayoutSettlement.Status. */
export const EpochStatus = { None: 0n, Open: 1n, Finalized: 2n, Cancelled: 3n } as const;

/** PayoutSettlement.Epoch as ethers returns it. */
export interface EpochState {
  readonly pool: bigint;
  readonly total: bigint;
  readonly exampleBatches: bigint;
  readonly payoutBatches: bigint;
  readonly nextExample: bigint;
  readonly nextPayout: bigint;
  readonly released: bigint;
  readonly status: bigint;
  readonly validationRevealed: boolean;
  readonly exampleChain: bigint;
  readonly payoutChain: bigint;
  readonly r: bigint;
  readonly rlcDiff: bigint;
  readonly lastHash: bigint;
  readonly scoreSum: bigint;
  readonly amountSum: bigint;
  readonly lastAddress: string;
  readonly paid: bigint;
}

/** PayoutSettlement.EpochParams. */
export interface OpenEpochParams {
  readonly pool: BigNumberish;
  readonly total: BigNumberish;
  readonly exampleBatches: BigNumberish;
  readonly payoutBatches: BigNumberish;
  readonly commitExamples: BigNumberish;
  readonly commitContributors: BigNumberish;
  readonly modelHash: string;
}

export interface ExampleClaimArg {
  readonly chainOut: BigNumberish;
  readonly hashOut: BigNumberish;
  readonly scoreSum: BigNumberish;
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
  token: View<[], string>;
  registry: View<[], string>;
  exampleVerifier: View<[], string>;
  payoutVerifier: View<[], string>;
  exampleBatchSize: View<[], bigint>;
  payoutBatchSize: View<[], bigint>;
  latestModelHash: View<[], string>;
  owner: View<[], string>;
  domain: View<[epoch: BigNumberish], bigint>;
  challenge: View<[epoch: BigNumberish, commitExamples: BigNumberish, commitContributors: BigNumberish], bigint>;
  epochState: View<[epoch: BigNumberish], EpochState>;
  payoutWordsHash: View<[epoch: BigNumberish, batchIndex: BigNumberish], string>;
  openEpoch: Send<[epoch: BigNumberish, params: OpenEpochParams]>;
  submitExampleBatch: Send<[epoch: BigNumberish, batchIndex: BigNumberish, claim: ExampleClaimArg, proof: ProofArg]>;
  submitPayoutBatch: Send<[epoch: BigNumberish, batchIndex: BigNumberish, claim: PayoutClaimArg, words: readonly BigNumberish[], proof: ProofArg]>;
  revealValidation: Send<[epoch: BigNumberish, validationSetHash: string, salt: string]>;
  finalize: Send<[epoch: BigNumberish]>;
  release: Send<[epoch: BigNumberish, batchIndex: BigNumberish, words: readonly BigNumberish[]]>;
  /** Rewards a release could not transfer (PayoutDeferred), owed to `payee` across epochs. */
  claimable: View<[payee: AddressLike], bigint>;
  totalClaimable: View<[], bigint>;
  withdraw: Send<[]>;
  withdrawTo: Send<[to: AddressLike]>;
  cancelEpoch: Send<[epoch: BigNumberish]>;
}

export interface ContributorRegistryContract extends BaseContract {
  owner: View<[], string>;
  validationCommitment: View<[epoch: BigNumberish], string>;
  isRegistered: View<[epoch: BigNumberish, contributor: AddressLike], boolean>;
  registrationClosed: View<[epoch: BigNumberish], boolean>;
  registration: View<[epoch: BigNumberish], [bigint, bigint] & { closesAt: bigint; count: bigint }>;
  feeToken: View<[], string>;
  feePerExample: View<[], bigint>;
  minRegistrationWindow: View<[], bigint>;
  maxRegistrants: View<[], bigint>;
  maxExamplesPerRegistrant: View<[], bigint>;
  maxExamplesPerEpoch: View<[], bigint>;
  openRegistration: Send<[epoch: BigNumberish, closesAt: BigNumberish, validationCommitment: string]>;
  register: Send<[epoch: BigNumberish, examplesCommitment: string, exampleCount: BigNumberish]>;
}

export interface BareTransfersContract extends BaseContract {
  distribute: Send<[token: AddressLike, to: readonly AddressLike[], amounts: readonly BigNumberish[]]>;
}
