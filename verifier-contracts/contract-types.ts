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

export interface PayoutVerifierContract extends BaseContract {
  verifyProof: View<[a: Uint2, b: readonly [Uint2, Uint2], c: Uint2, signals: readonly [BigNumberish, BigNumberish, BigNumberish]], boolean>;
}

/** PayoutSettlement.Epoch as ethers returns it. */
export interface EpochState {
  readonly pool: bigint;
  readonly total: bigint;
  readonly batchCount: bigint;
  readonly nextBatch: bigint;
  readonly settled: boolean;
  readonly chain: bigint;
  readonly lastAddress: string;
  readonly paid: bigint;
  readonly amountSum: bigint;
}

export interface PayoutSettlementContract extends BaseContract {
  token: View<[], string>;
  verifier: View<[], string>;
  batchSize: View<[], bigint>;
  owner: View<[], string>;
  domain: View<[epoch: BigNumberish], bigint>;
  epochState: View<[epoch: BigNumberish], EpochState>;
  openEpoch: Send<[epoch: BigNumberish, pool: BigNumberish, total: BigNumberish, batchCount: BigNumberish]>;
  submitBatch: Send<
    [
      epoch: BigNumberish,
      batchIndex: BigNumberish,
      chainOut: BigNumberish,
      amountSum: BigNumberish,
      words: readonly BigNumberish[],
      a: Uint2,
      b: readonly [Uint2, Uint2],
      c: Uint2,
    ]
  >;
}

export interface BareTransfersContract extends BaseContract {
  distribute: Send<[token: AddressLike, to: readonly AddressLike[], amounts: readonly BigNumberish[]]>;
}
