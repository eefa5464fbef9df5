/**
 * What every command shares: logs on stderr, the result on stdout (as JSON with --json, bigints
 * as decimal strings), the run-parameter options and the help's examples.
 */
import { relative } from "node:path";
import { Option, type Command } from "commander";
import { config } from "../../config/index.ts";
import type { RunFlags } from "./run-config.ts";

export const log = (message: string): void => console.error(message);

/** A path as the user would type it from here. */
export const shown = (path: string): string => relative(process.cwd(), path) || ".";

export const toJsonText = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);

/** Prints `value` as JSON on stdout with --json, else calls `human` (which prints to stdout). */
export function printResult(json: boolean | undefined, value: unknown, human: () => void): void {
  if (json) console.log(toJsonText(value));
  else human();
}

/** Adds an "Examples:" section to a command's --help. */
export function withExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
}

export const jsonOption = () => new Option("--json", "print the result as one JSON object on stdout (logs stay on stderr)");

/** The run parameters a command takes (flags over --config FILE over defaults; scripts/cli/run-config.ts). */
export type RunOption = "examples" | "pool" | "epoch" | "sizes" | "caps" | "workers" | "rpc" | "keys" | "out" | "method";

export function addRunOptions(command: Command, which: readonly RunOption[]): Command {
  command.option(
    "--config <file>",
    "JSON file of run parameters (fields: the options below in camel case; payoutBatchSize for --batch-size)",
  );
  const has = new Set(which);
  if (has.has("examples"))
    command.option("--examples <file>", "example-level scores, CSV example,contributor,score (e.g. data/demo-examples.csv)");
  if (has.has("pool")) command.option("--pool <open>", "reward pool R in whole $OPEN (default 1000000)");
  if (has.has("epoch")) command.option("--epoch <n>", "epoch number (default 1)");
  if (has.has("sizes")) {
    command.option(
      "--example-batch-size <e>",
      `example batch size, one of ${config.exampleBatch.sizes.join(", ")} (default ${config.exampleBatch.demoSize})`,
    );
    command.option(
      "--registration-batch-size <k>",
      `registration batch size (rows of ${config.registrationBatch.chunk} hashes), one of ${config.registrationBatch.sizes.join(", ")} (default ${config.registrationBatch.demoSize})`,
    );
    command.option(
      "--batch-size <b>",
      `payout batch size, one of ${config.payoutBatch.sizes.join(", ")} (default ${config.payoutBatch.demoSize})`,
    );
  }
  if (has.has("caps")) {
    command.option(
      "--max-examples-per-epoch <n>",
      `examples per epoch the registry admits: at least config/protocol.json registration.maxExamplesPerEpoch (${config.registration.maxExamplesPerEpoch}, the default), at most 65,535 example batches (and registration batches) of the chosen sizes: larger batches admit larger epochs`,
    );
  }
  if (has.has("workers"))
    command.option("--workers <n>", "prover worker threads, 0 = one per core (default: config/protocol.json prover.workers)");
  if (has.has("rpc"))
    command.option(
      "--rpc <url>",
      "the JSON-RPC node (default OPEN_RPC_URL, else an in-process Hardhat chain); the party's key comes from its environment variable (OPEN_OPERATOR_KEY, OPEN_TRAINER_KEY)",
    );
  if (has.has("keys"))
    command.option(
      "--keys <set>",
      "key set: dev (this machine's development keys, default) or ceremony (pinned in config/pinned-keys.json)",
    );
  if (has.has("out")) command.option("--out <dir>", "output directory");
  if (has.has("method"))
    command.option("--method <m>", `scoring method (default config/protocol.json attribution.method: ${config.attribution.method})`);
  return command.addOption(jsonOption());
}

/** The flags commander parsed, typed as run flags. */
export const runFlagsOf = (command: Command): RunFlags & { json?: boolean } => command.opts();
