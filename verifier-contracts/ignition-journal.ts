/**
 * Reads what a deployment file needs from Hardhat Ignition's journal (`journal.jsonl` of a
 * deployment directory) that Ignition's public `status()` does not give: the sender, each
 * contract's constructor arguments, and each confirmed transaction with its block (and, for a
 * contract's creation, the address its receipt gives). The journal is Ignition's record of the
 * deployment, so everything derived from it agrees with what Ignition resumes from; nothing is
 * written beside it.
 *
 * The format is Ignition's (ignition-core 3.x): one JSON message per line, bigints as
 * `{"_kind": "bigint", "value": "<decimal>"}`. Only the message types used here are read; a wiped
 * future (WIPE_APPLY, after a failed run) forgets what was recorded for it before.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DeploymentError } from "./deployment-errors.ts";

export interface JournalDeployment {
  readonly futureId: string;
  readonly contractName: string;
  readonly constructorArgs: readonly unknown[];
  readonly from: string;
}

export interface JournalTransaction {
  readonly futureId: string;
  readonly hash: string;
  readonly blockNumber: number;
  /** The contract a creation transaction made, as its receipt says (absent for a call). */
  readonly contractAddress?: string;
}

export interface IgnitionJournal {
  readonly file: string;
  readonly chainId: number;
  /** Contract deployments by future id (`AttributionProtocol#PayoutSettlement`). */
  readonly deployments: ReadonlyMap<string, JournalDeployment>;
  /** Every confirmed transaction, in journal order. */
  readonly confirmed: readonly JournalTransaction[];
}

function reviveBigints(_key: string, value: unknown): unknown {
  const v = value as { _kind?: unknown; value?: unknown } | null;
  if (v !== null && typeof v === "object" && v._kind === "bigint" && typeof v.value === "string") return BigInt(v.value);
  return value;
}

/** The journal of the Ignition deployment directory `dir`; throws DeploymentError naming the file. */
export function readIgnitionJournal(dir: string): IgnitionJournal {
  const file = join(dir, "journal.jsonl");
  if (!existsSync(file))
    throw new DeploymentError("DEPLOYMENT_INCOMPLETE", `${file} does not exist: ${dir} holds no Ignition deployment`, { file });
  let chainId: number | undefined;
  const deployments = new Map<string, JournalDeployment>();
  let confirmed: JournalTransaction[] = [];
  for (const [index, line] of readFileSync(file, "utf8").split("\n").entries()) {
    if (line.trim() === "") continue;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line, reviveBigints) as Record<string, unknown>;
    } catch (error) {
      throw new DeploymentError("JOURNAL_INVALID", `${file}:${index + 1} is not JSON (a torn write?): ${(error as Error).message}`, {
        file,
        cause: error,
      });
    }
    const futureId = message.futureId as string;
    switch (message.type) {
      case "DEPLOYMENT_INITIALIZE":
        chainId = Number(message.chainId);
        break;
      case "DEPLOYMENT_EXECUTION_STATE_INITIALIZE":
        deployments.set(futureId, {
          futureId,
          contractName: String(message.contractName),
          constructorArgs: message.constructorArgs as unknown[],
          from: String(message.from),
        });
        break;
      case "TRANSACTION_CONFIRM": {
        const receipt = message.receipt as { blockNumber?: unknown; contractAddress?: unknown } | undefined;
        if (typeof message.hash !== "string" || typeof receipt?.blockNumber !== "number") {
          throw new DeploymentError(
            "JOURNAL_INVALID",
            `${file}:${index + 1}: TRANSACTION_CONFIRM of ${futureId} has no hash or block number`,
            { file },
          );
        }
        const { contractAddress } = receipt;
        confirmed.push({
          futureId,
          hash: message.hash,
          blockNumber: receipt.blockNumber,
          ...(typeof contractAddress === "string" ? { contractAddress } : {}),
        });
        break;
      }
      case "WIPE_APPLY":
        deployments.delete(futureId);
        confirmed = confirmed.filter((t) => t.futureId !== futureId);
        break;
    }
  }
  if (chainId === undefined || !Number.isSafeInteger(chainId)) {
    throw new DeploymentError("JOURNAL_INVALID", `${file} has no DEPLOYMENT_INITIALIZE message with the chain id`, { file });
  }
  return { file, chainId, deployments, confirmed };
}
