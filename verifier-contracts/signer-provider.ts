/**
 * An EIP-1193 provider over an ethers Signer, for Hardhat Ignition: Ignition sends
 * `eth_sendTransaction` and expects the node to sign, which only a development node with unlocked
 * accounts does. Here the signer's account is the only account (`eth_accounts`), a transaction from
 * it is signed locally when the signer holds the key (a Wallet, as scripts/lib/chain.ts makes from
 * OPEN_DEPLOYER_KEY) and sent raw, and every other request goes to the signer's node unchanged.
 * A signer that does not hold its key (a hardhat-ethers signer of an unlocked account) has its
 * transactions passed through for the node to sign, as Ignition would send them itself.
 *
 * Ignition chooses every nonce (its journal is how it resumes), so a NonceManager is bypassed while
 * Ignition runs and reset afterwards (`release()`): it re-reads the account's nonce on its next
 * transaction instead of reusing one Ignition took.
 */
import { BaseWallet, NonceManager, type Signer, type TransactionRequest } from "ethers";
import type { EIP1193Provider, RequestArguments } from "@nomicfoundation/ignition-core";

/** What Ignition's JSON-RPC client puts in eth_sendTransaction (quantities as 0x hex). */
interface RpcTransaction {
  readonly from: string;
  readonly to?: string;
  readonly data?: string;
  readonly value?: string;
  readonly nonce?: string;
  readonly gas?: string;
  readonly gasPrice?: string;
  readonly maxFeePerGas?: string;
  readonly maxPriorityFeePerGas?: string;
}

/** An ethers provider that forwards raw JSON-RPC (JsonRpcProvider, hardhat-ethers' provider). */
interface RawSender {
  send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown>;
}

export interface SignerProvider extends EIP1193Provider {
  /** The signer's address: Ignition's only account. */
  readonly address: string;
  /** Whether transactions are signed here (true) or by the node (false). */
  readonly signsLocally: boolean;
  /** Call when Ignition is done: resets a NonceManager so it re-reads the nonce Ignition advanced. */
  release(): void;
}

const quantity = (value: string | undefined): bigint | undefined => (value === undefined ? undefined : BigInt(value));

function toEthers(tx: RpcTransaction): TransactionRequest {
  const nonce = quantity(tx.nonce);
  return {
    from: tx.from,
    ...(tx.to === undefined ? {} : { to: tx.to }),
    ...(tx.data === undefined ? {} : { data: tx.data }),
    ...(tx.value === undefined ? {} : { value: quantity(tx.value) }),
    ...(nonce === undefined ? {} : { nonce: Number(nonce) }),
    ...(tx.gas === undefined ? {} : { gasLimit: quantity(tx.gas) }),
    ...(tx.gasPrice === undefined ? {} : { gasPrice: quantity(tx.gasPrice), type: 0 }),
    ...(tx.maxFeePerGas === undefined ? {} : { maxFeePerGas: quantity(tx.maxFeePerGas), type: 2 }),
    ...(tx.maxPriorityFeePerGas === undefined ? {} : { maxPriorityFeePerGas: quantity(tx.maxPriorityFeePerGas) }),
  };
}

/** The EIP-1193 provider Ignition deploys through, for `signer` (connected to a provider with `send`). */
export async function signerProvider(signer: Signer): Promise<SignerProvider> {
  const inner = signer instanceof NonceManager ? signer.signer : signer;
  const node = inner.provider as Partial<RawSender> | null;
  if (typeof node?.send !== "function") {
    throw new TypeError(
      "signer must be connected to a JSON-RPC provider (ethers JsonRpcProvider or hardhat-ethers' provider): Ignition needs raw JSON-RPC",
    );
  }
  const send = (method: string, params: unknown[]) => (node as RawSender).send(method, params);
  const address = await inner.getAddress();
  const signsLocally = inner instanceof BaseWallet;
  const sendTransaction = async (tx: RpcTransaction): Promise<unknown> => {
    if (typeof tx?.from !== "string" || tx.from.toLowerCase() !== address.toLowerCase()) {
      throw new RangeError(`eth_sendTransaction from ${String(tx?.from)}: this provider only signs for ${address}`);
    }
    if (!signsLocally) return send("eth_sendTransaction", [tx]);
    // populateTransaction keeps Ignition's nonce, gas and fees and adds the chain id.
    const raw = await inner.signTransaction(await inner.populateTransaction(toEthers(tx)));
    return send("eth_sendRawTransaction", [raw]);
  };
  return {
    address,
    signsLocally,
    async request({ method, params }: RequestArguments): Promise<unknown> {
      const list = params === undefined ? [] : Array.isArray(params) ? (params as unknown[]) : [params];
      if (method === "eth_accounts" || method === "eth_requestAccounts") return [address];
      if (method === "eth_sendTransaction") return sendTransaction(list[0] as RpcTransaction);
      return send(method, list);
    },
    release() {
      if (signer instanceof NonceManager) signer.reset();
    },
  };
}
