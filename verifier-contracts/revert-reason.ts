/**
 * Every revert of the project's contracts, named. A failed call throws its revert data in one of
 * several shapes: ethers' CALL_EXCEPTION (estimateGas, eth_call) with `data`, the node's JSON-RPC
 * error nested in `info.error` or `error`, Hardhat's EDR SolidityError on the in-process chain, or
 * none at all for a transaction that was mined and reverted. revertData finds it; the error
 * fragments of every project contract's ABI (CONTRACT_NAMES: PayoutSettlement, ContributorRegistry,
 * OpenToken with OpenZeppelin's ERC20 and Ownable errors, PoseidonT4, the bench and test
 * contracts) and Solidity's own Error(string) and Panic(uint256) name it: EpochAlreadyOpen(epoch=1).
 * The generated Groth16 verifiers declare no errors (a false proof returns false); their ABIs can
 * be given as `extraAbis` all the same.
 *
 * transact() is how this folder sends a transaction: a revert becomes a ContractRevertError (code
 * CONTRACT_REVERT) naming the call, the contract and the decoded error, with the original error as
 * its cause; any other failure (network, funds, nonce) is rethrown as it was. A transaction mined
 * and reverted carries no revert data (on a real chain: estimation passed, then another
 * transaction changed the state first, as two settlers racing): it is replayed with eth_call at
 * the end of its block to recover it. A NonceManager runner is reset after a failed send: it
 * counts the nonce before estimating gas, so every later send would fail "nonce too high".
 */
import {
  ErrorFragment,
  Interface,
  isHexString,
  type BaseContract,
  type ContractRunner,
  type ErrorDescription,
  type InterfaceAbi,
  type TransactionReceipt,
  type TransactionResponse,
} from "ethers";
import { CodedError } from "../errors/index.ts";
import { CONTRACT_NAMES, loadContractArtifact } from "./artifacts.ts";

/** The first revert data (0x, a 4-byte selector and its arguments) anywhere in a thrown error. */
export function revertData(error: unknown, depth = 0): string | undefined {
  if (depth > 6 || typeof error !== "object" || error === null) return undefined;
  const e = error as { data?: unknown; error?: unknown; info?: { error?: unknown }; cause?: unknown };
  if (typeof e.data === "string" && isHexString(e.data) && e.data.length >= 10) return e.data;
  if (typeof e.data === "object") {
    const nested = revertData(e.data, depth + 1);
    if (nested) return nested;
  }
  return revertData(e.error, depth + 1) ?? revertData(e.info?.error, depth + 1) ?? revertData(e.cause, depth + 1);
}

/** The custom error in a failed call's revert data, decoded with `abi`, or undefined when it carries none `abi` knows. */
export function decodeRevert(error: unknown, abi: InterfaceAbi | Interface): ErrorDescription | undefined {
  const data = revertData(error);
  if (data === undefined) return undefined;
  const iface = abi instanceof Interface ? abi : new Interface(abi);
  return iface.parseError(data) ?? undefined;
}

/** The custom error a failed call or transaction reverted with, by name (ContractRevertError's, or decoded with `abi`); undefined: none `abi` knows. */
export function revertName(error: unknown, abi: InterfaceAbi | Interface): string | undefined {
  const named = (error as { errorName?: unknown }).errorName;
  if (typeof named === "string") return named;
  return decodeRevert(error, abi)?.name;
}

/**
 * One Interface with every error fragment of `abis`, each signature once. Throws if two different
 * signatures share a selector: a revert could not be named for sure.
 */
export function errorInterface(abis: readonly (readonly unknown[])[]): Interface {
  const bySelector = new Map<string, ErrorFragment>();
  for (const abi of abis) {
    for (const entry of abi) {
      if ((entry as { type?: unknown }).type !== "error") continue;
      const fragment = ErrorFragment.from(entry as Parameters<typeof ErrorFragment.from>[0]);
      const known = bySelector.get(fragment.selector);
      if (known && known.format() !== fragment.format())
        throw new Error(`errors ${known.format()} and ${fragment.format()} share the selector ${fragment.selector}`);
      bySelector.set(fragment.selector, fragment);
    }
  }
  return new Interface([...bySelector.values()]);
}

let projectErrors: Promise<Interface> | undefined;

/** The errors of every project contract (compiling the contracts first if this process has not). */
export function projectErrorInterface(): Promise<Interface> {
  projectErrors ??= Promise.all(CONTRACT_NAMES.map(async (name) => (await loadContractArtifact(name)).abi))
    .then(errorInterface)
    .catch((error: unknown) => {
      projectErrors = undefined;
      throw error;
    });
  return projectErrors;
}

/** A decoded revert. */
export interface RevertReason {
  /** The error's name: EpochAlreadyOpen; Error or Panic for Solidity's own. */
  readonly name: string;
  /** EpochAlreadyOpen(uint64). */
  readonly signature: string;
  /** Its arguments by parameter name (argN when the declaration names none). */
  readonly args: Readonly<Record<string, unknown>>;
  /** EpochAlreadyOpen(epoch=1). */
  readonly text: string;
  readonly data: string;
}

/** Solidity's Panic(uint256) codes (the Solidity documentation, "Panic via assert and Error via require"). */
const PANICS: Readonly<Record<string, string>> = {
  "0x1": "assert failed",
  "0x11": "arithmetic overflow or underflow",
  "0x12": "division or modulo by zero",
  "0x21": "invalid enum value",
  "0x22": "invalid storage byte array",
  "0x31": "pop on an empty array",
  "0x32": "array index out of bounds",
  "0x41": "out of memory",
  "0x51": "call to a zero function",
};
/** ethers declares Solidity's own errors with unnamed parameters. */
const BUILTIN_PARAMETERS: Readonly<Record<string, string>> = { "Error(string)": "message", "Panic(uint256)": "code" };

function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return isHexString(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}

/** `data` decoded with `iface`, or undefined when no error of it has that selector. */
export function describeRevertData(data: string, iface: Interface): RevertReason | undefined {
  let parsed: ErrorDescription | null;
  try {
    parsed = iface.parseError(data);
  } catch {
    return undefined; // the selector is known but the arguments do not decode: not this error
  }
  if (!parsed) return undefined;
  const args: Record<string, unknown> = {};
  const shown = parsed.fragment.inputs.map((input, i) => {
    const name = input.name || BUILTIN_PARAMETERS[parsed.signature] || `arg${i}`;
    const value = parsed.args[i] as unknown;
    args[name] =
      typeof (value as { toArray?: unknown })?.toArray === "function"
        ? (value as { toArray(deep: boolean): unknown[] }).toArray(true)
        : value;
    if (parsed.signature === "Panic(uint256)") {
      const code = `0x${(value as bigint).toString(16)}`;
      return `${name}=${code}${PANICS[code] ? `: ${PANICS[code]}` : ""}`;
    }
    return `${name}=${show(args[name])}`;
  });
  return { name: parsed.name, signature: parsed.signature, args, text: `${parsed.name}(${shown.join(", ")})`, data };
}

/** The revert in `error` decoded against every project contract's errors and `extraAbis`. */
export async function revertReason(error: unknown, extraAbis: readonly (readonly unknown[])[] = []): Promise<RevertReason | undefined> {
  const data = revertData(error);
  if (data === undefined) return undefined;
  const project = await projectErrorInterface();
  return describeRevertData(data, extraAbis.length === 0 ? project : errorInterface([project.fragments, ...extraAbis]));
}

/** What a replay of a sent transaction needs. */
export type SentTransaction = Pick<TransactionResponse, "provider" | "to" | "from" | "data" | "value" | "gasLimit">;

/** What a transaction was, for messages. */
export interface CallContext {
  /** The contract's name: PayoutSettlement. */
  readonly contract: string;
  /** The call: openEpoch(1), deploy. */
  readonly call: string;
  /** The contract handle it went through: its address names it, its runner is the signer. */
  readonly target?: BaseContract;
  /** The signer, when there is no target yet (a deployment). */
  readonly runner?: ContractRunner | null;
}

/** A transaction or call of a project contract reverted; `errorName` and `args` are its decoded error. */
export class ContractRevertError extends CodedError<"CONTRACT_REVERT"> {
  /** The decoded error's name, undefined when the revert carried no data or data no project contract declares. */
  readonly errorName: string | undefined;
  readonly args: Readonly<Record<string, unknown>>;
  readonly contract: string;
  readonly call: string;
  /** The revert data, when there was any: decodeRevert and revertData read it from here. */
  readonly data: string | undefined;
  constructor(
    context: CallContext & { readonly address?: string },
    reason: RevertReason | undefined,
    data: string | undefined,
    detail: string,
    cause: unknown,
  ) {
    const what = reason
      ? reason.text
      : data
        ? `an error no project contract declares (selector ${data.slice(0, 10)}, data ${data})`
        : "no revert data";
    super(
      "CONTRACT_REVERT",
      "external",
      `${context.call} on ${context.contract}${context.address ? ` ${context.address}` : ""} reverted with ${what}${detail}`,
      { cause },
    );
    this.errorName = reason?.name;
    this.args = reason?.args ?? {};
    this.contract = context.contract;
    this.call = context.call;
    this.data = data;
  }
}

const isRevert = (error: unknown) => {
  const e = error as { code?: unknown; name?: unknown } | null;
  return revertData(error) !== undefined || e?.code === "CALL_EXCEPTION" || e?.name === "SolidityError";
};

/**
 * `error` as a ContractRevertError when it is a revert (the revert decoded, a mined transaction's
 * replayed), else `error` itself. `response`: the transaction, when it was sent. Resets the
 * context's runner if it is a NonceManager (see the header).
 */
export async function contractRevertOf(error: unknown, context: CallContext, response?: SentTransaction | null): Promise<unknown> {
  const runner = context.runner ?? context.target?.runner;
  const nonceManager = runner as unknown as { reset?: unknown } | null | undefined;
  if (typeof nonceManager?.reset === "function") (nonceManager as { reset(): void }).reset();
  if (error instanceof ContractRevertError || !isRevert(error)) return error;
  let data = revertData(error);
  let detail = "";
  const receipt = (error as { receipt?: TransactionReceipt }).receipt;
  if (data === undefined && receipt && response) {
    try {
      await response.provider.call({
        to: response.to,
        from: response.from,
        data: response.data,
        value: response.value,
        blockTag: receipt.blockNumber,
      });
      detail = ` (transaction ${receipt.hash}, gas used ${receipt.gasUsed} of ${response.gasLimit}; its replay at block ${receipt.blockNumber} succeeds: out of gas?)`;
    } catch (replayed) {
      data = revertData(replayed);
      detail = ` (transaction ${receipt.hash} mined in block ${receipt.blockNumber}; the error is its replay's at the end of that block)`;
    }
  }
  let reason: RevertReason | undefined;
  if (data !== undefined) {
    try {
      reason = await revertReason({ data });
    } catch (loading) {
      detail += ` (the contracts' ABIs could not be loaded to name it: ${(loading as Error).message})`;
    }
  }
  const address = context.target ? await context.target.getAddress() : undefined;
  return new ContractRevertError({ ...context, ...(address ? { address } : {}) }, reason, data, detail, error);
}

/**
 * Sends a transaction with `send` and waits for its receipt; a revert (at estimation, at sending or
 * mined) is thrown as a ContractRevertError, anything else as it was.
 */
export async function transact<R extends TransactionReceipt>(
  context: CallContext,
  send: () => Promise<SentTransaction & { wait(): Promise<R | null> }>,
): Promise<R> {
  let response: (SentTransaction & { wait(): Promise<R | null> }) | undefined;
  try {
    response = await send();
    const receipt = await response.wait();
    if (!receipt) throw new Error(`${context.call} on ${context.contract}: the transaction has no receipt`);
    return receipt;
  } catch (error) {
    throw await contractRevertOf(error, context, response);
  }
}
