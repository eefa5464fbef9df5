/**
 * Where an epoch settles: Hardhat's in-process EDR chain by default (nothing to start), or any
 * JSON-RPC node (`hardhat node`, a testnet, mainnet). Private keys come from the environment only.
 */
import { JsonRpcProvider, NonceManager, Wallet, type Provider, type Signer } from "ethers";
import { CodedError } from "../errors/index.ts";
import { partyKey, type Party } from "./parties.ts";

/** Hardhat's first development account: public knowledge, only accepted on a development chain. */
const HARDHAT_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV_CHAIN_IDS = new Set([31337n, 1337n]);

export interface ChainConnection {
  readonly provider: Provider;
  /** The party's signer (the deployer and epoch owner for the operator). */
  readonly signer: Signer;
  readonly chainId: bigint;
  /** "in-process hardhat" or the RPC URL without its credentials (shownRpcUrl). */
  readonly description: string;
  /** A new Hardhat chain in this process: it starts empty and ends with the process. */
  readonly inProcess: boolean;
  /**
   * Another party's signer: on the in-process chain its development account (the demo runs every
   * party in one process); on a node only the connected party's own (one key per process).
   */
  signerOf(party: Party): Signer;
  close(): Promise<void>;
}

/**
 * An RPC URL as messages and results show it: a user and password become "***", and so do a path
 * and a query (providers put API keys there: /v3/<key>). OPEN_RPC_URL may carry credentials; no log
 * or error message repeats them. A URL with none of these is shown as given.
 */
export function shownRpcUrl(rpcUrl: string): string {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    return rpcUrl.replace(/\/\/[^/]*@/, "//***@");
  }
  const hidden = url.username !== "" || url.password !== "" || (url.pathname !== "/" && url.pathname !== "") || url.search !== "";
  if (!hidden) return rpcUrl;
  const credentials = url.username !== "" || url.password !== "" ? `${url.username ? "***" : ""}${url.password ? ":***" : ""}@` : "";
  const rest = (url.pathname !== "/" && url.pathname !== "") || url.search !== "" ? "/***" : "";
  return `${url.protocol}//${credentials}${url.host}${rest}`;
}

/** The development account of each party on the in-process chain (Hardhat's accounts 0 and 1). */
const IN_PROCESS_ACCOUNT: Readonly<Record<Party, number>> = { operator: 0, trainer: 1, contributor: 2 };

/**
 * Connects to `rpcUrl` as `party` (default the operator), or starts an in-process Hardhat chain
 * when it is undefined (there each party is one of its development accounts). On a node, the
 * party's key comes from the environment (parties.ts); only the operator falls back to Hardhat's
 * first development key, and only on a development chain.
 */
export async function connectChain(rpcUrl?: string, party: Party = "operator"): Promise<ChainConnection> {
  if (rpcUrl === undefined) {
    const { network } = await import("hardhat");
    const connection = await network.create();
    const accounts = await connection.ethers.getSigners();
    const signerOf = (p: Party): Signer => {
      const account = accounts[IN_PROCESS_ACCOUNT[p]];
      if (!account)
        throw new CodedError(
          "CHAIN_CONFIG",
          "input",
          `the in-process Hardhat network has no account ${IN_PROCESS_ACCOUNT[p]} for the ${p}`,
        );
      return account;
    };
    return {
      provider: connection.ethers.provider,
      signer: signerOf(party),
      signerOf,
      chainId: (await connection.ethers.provider.getNetwork()).chainId,
      description: "in-process hardhat",
      inProcess: true,
      close: () => connection.close(),
    };
  }
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, pollingInterval: 250 });
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (error) {
    provider.destroy();
    throw new CodedError(
      "CHAIN_CONFIG",
      "input",
      `cannot reach the JSON-RPC node at ${shownRpcUrl(rpcUrl)}: ${(error as Error).message.split(rpcUrl).join(shownRpcUrl(rpcUrl))}`,
    );
  }
  let key: string | undefined;
  try {
    key = partyKey(party, process.env, party === "operator" && DEV_CHAIN_IDS.has(chainId)) ?? HARDHAT_DEV_KEY;
  } catch (error) {
    provider.destroy();
    throw error;
  }
  const signer = new NonceManager(new Wallet(key, provider));
  return {
    provider,
    signer,
    signerOf: (p: Party) => {
      if (p !== party) throw new CodedError("CHAIN_CONFIG", "input", `this process holds the ${party}'s key only, not the ${p}'s`);
      return signer;
    },
    chainId,
    description: shownRpcUrl(rpcUrl),
    inProcess: false,
    close: async () => provider.destroy(),
  };
}
