/**
 * What the parties' commands share: --deployment and --rpc, the party's key from the environment,
 * the chain and the deployment on it, and for every party but the operator the pin that says which
 * deployment it means (protocol/deployment-pin.ts): a deployment file alone is no trust root.
 */
import type { Command } from "commander";
import { isAddress } from "ethers";
import { CodedError } from "../../errors/index.ts";
import type { DeploymentPin } from "../../protocol/deployment-pin.ts";
import type { Party } from "../../protocol/parties.ts";

export interface PartyFlags {
  readonly deployment?: string;
  readonly rpc?: string;
  readonly json?: boolean;
  readonly settlement?: string;
  readonly operator?: string;
}

/** The environment variable the settlement pin may come from (a public address, not a secret). */
export const SETTLEMENT_PIN_VARIABLE = "OPEN_SETTLEMENT";

/** Adds --settlement and --operator: the pin of a contributor's or trainer's command. */
export function addPinOptions(command: Command): Command {
  return command
    .option(
      "--settlement <address>",
      `the settlement address the operator published (default ${SETTLEMENT_PIN_VARIABLE}); required: any other deployment is refused before anything is sent`,
    )
    .option("--operator <address>", "also require this operator: the settlement's owner, read live");
}

/** Adds --settlement for an operator's command: optional, required only on a deployment another key created. */
function addOperatorPinOption(command: Command): Command {
  return command.option(
    "--settlement <address>",
    `the settlement address you published (default ${SETTLEMENT_PIN_VARIABLE}); required only on a deployment another key created (after a key rotation): any other deployment is refused before anything is sent`,
  );
}

/**
 * Adds --deployment (required) and --rpc; with `pinned`, the pin options (addPinOptions), else the
 * operator's optional --settlement.
 */
export function addPartyOptions(command: Command, pinned = false): Command {
  command
    .option("--deployment <file>", "the deployment file operator deploy wrote (chain id, addresses, verifier keys, batch sizes)")
    .option("--rpc <url>", "the JSON-RPC node (default OPEN_RPC_URL); the party's key comes from the environment")
    .option("--json", "print the result as one JSON object on stdout (logs stay on stderr)");
  return pinned ? addPinOptions(command) : addOperatorPinOption(command);
}

/** An address flag's value; a usage error `code` naming the flag unless it is a non-zero address. */
function addressFlag(name: string, value: string, code: string): string {
  if (!isAddress(value) || BigInt(value) === 0n)
    throw new CodedError(code, "usage", `${name} ${JSON.stringify(value)}: expected a non-zero 0x-prefixed address`);
  return value;
}

/**
 * The pin of `party`'s command: --settlement (else OPEN_SETTLEMENT), and --operator if given.
 * Required for every party but the operator, whose command without one runs only on a deployment
 * its own key created (deployment-pin.ts assertOperatorsOwn). SETTLEMENT_PIN_MISSING /
 * PIN_INVALID before anything is sent.
 */
export function pinOf(party: Party, flags: PartyFlags): DeploymentPin | undefined {
  const fromEnv = process.env[SETTLEMENT_PIN_VARIABLE];
  const settlement = flags.settlement ?? (fromEnv === "" ? undefined : fromEnv);
  if (settlement === undefined && party === "operator") return undefined;
  if (settlement === undefined) {
    throw new CodedError(
      "SETTLEMENT_PIN_MISSING",
      "usage",
      `--settlement ADDRESS (or ${SETTLEMENT_PIN_VARIABLE}) is required: the settlement address the operator published; a deployment file alone may be anyone's deployment; nothing was sent`,
    );
  }
  return {
    settlement: addressFlag(flags.settlement === undefined ? SETTLEMENT_PIN_VARIABLE : "--settlement", settlement, "PIN_INVALID"),
    ...(flags.operator === undefined ? {} : { operator: addressFlag("--operator", flags.operator, "PIN_INVALID") }),
  };
}

/**
 * The party's connection and the deployment, attached and connected to its signer, and checked
 * against the pin (the operator without one: a deployment its key created); a usage error without
 * --deployment, a node or a pin.
 */
export async function connectParty(party: Party, flags: PartyFlags) {
  if (flags.deployment === undefined)
    throw new CodedError("USAGE", "usage", "--deployment FILE is required: the file operator deploy wrote");
  const rpcUrl = flags.rpc ?? process.env.OPEN_RPC_URL;
  if (rpcUrl === undefined)
    throw new CodedError(
      "USAGE",
      "usage",
      "--rpc URL (or OPEN_RPC_URL) is required: a party's command runs against a node, e.g. npx hardhat node",
    );
  const pin = pinOf(party, flags);
  const [{ connectChain }, { loadDeployment }, { assertPinned, assertOperatorsOwn }] = await Promise.all([
    import("../../protocol/chain.ts"),
    import("../../protocol/deployment.ts"),
    import("../../protocol/deployment-pin.ts"),
  ]);
  const chain = await connectChain(rpcUrl, party);
  try {
    const deployment = await loadDeployment(flags.deployment, chain.signer);
    if (pin !== undefined) assertPinned(deployment, pin, flags.deployment);
    else assertOperatorsOwn(deployment, await chain.signer.getAddress(), flags.deployment);
    return { chain, deployment };
  } catch (error) {
    await chain.close();
    throw error;
  }
}

/** A bigint flag: a non-negative decimal integer, else a usage error naming the flag. */
export function integerFlag(name: string, value: string | undefined, fallback?: bigint): bigint {
  if (value === undefined) {
    if (fallback === undefined) throw new CodedError("USAGE", "usage", `${name} is required`);
    return fallback;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(value))
    throw new CodedError("USAGE", "usage", `${name} ${JSON.stringify(value)}: expected a non-negative integer`);
  return BigInt(value);
}
