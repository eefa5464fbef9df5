/** What the parties' commands share: --deployment and --rpc, the party's key from the environment, the chain and the deployment on it. */
import type { Command } from "commander";
import type { Party } from "../../protocol/parties.ts";
import { UsageError } from "./errors.ts";

export interface PartyFlags {
  readonly deployment?: string;
  readonly rpc?: string;
  readonly json?: boolean;
}

/** Adds --deployment (required) and --rpc. */
export function addPartyOptions(command: Command): Command {
  return command
    .option("--deployment <file>", "the deployment file operator deploy wrote (chain id, addresses, verifier keys, batch sizes)")
    .option("--rpc <url>", "the JSON-RPC node (default OPEN_RPC_URL); the party's key comes from the environment")
    .option("--json", "print the result as one JSON object on stdout (logs stay on stderr)");
}

/** The party's connection and the deployment, connected to its signer; UsageError without --deployment or a node. */
export async function connectParty(party: Party, flags: PartyFlags) {
  if (flags.deployment === undefined) throw new UsageError("--deployment FILE is required: the file operator deploy wrote");
  const rpcUrl = flags.rpc ?? process.env.OPEN_RPC_URL;
  if (rpcUrl === undefined) throw new UsageError("--rpc URL (or OPEN_RPC_URL) is required: a party's command runs against a node, e.g. npx hardhat node");
  const [{ connectChain }, { loadDeployment }] = await Promise.all([import("../../protocol/chain.ts"), import("../../protocol/deployment.ts")]);
  const chain = await connectChain(rpcUrl, party);
  try {
    return { chain, deployment: await loadDeployment(flags.deployment, chain.signer) };
  } catch (error) {
    await chain.close();
    throw error;
  }
}

/** A bigint flag: a non-negative decimal integer, else UsageError naming the flag. */
export function integerFlag(name: string, value: string | undefined, fallback?: bigint): bigint {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`${name} is required`);
    return fallback;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new UsageError(`${name} ${JSON.stringify(value)}: expected a non-negative integer`);
  return BigInt(value);
}
