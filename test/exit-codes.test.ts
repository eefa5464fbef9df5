/**
 * Exit codes follow an error's category (scripts/cli/exit-codes.ts), never its class: each
 * category gives the code the exit-code table of docs/cli.md and `--help` documents, per command where
 * a command differs, and a class of any name (renamed, folded, new) exits as its category says.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CommanderError } from "commander";
import { TrustedSetupError } from "../circuits/ceremony/index.ts";
import { ConfigError } from "../config/index.ts";
import { CodedError, type ErrorCategory } from "../errors/index.ts";
import { ERROR_CATEGORIES } from "../errors/coded-error.ts";
import { StrayProofFileError } from "../protocol/errors.ts";
import { ProverError, QueueError } from "../prover/index.ts";
import { ReportOutputError } from "../report/output.ts";
import { CATEGORY_EXIT_CODES, COMMAND_EXIT_CODES, EXIT_CODES_HELP, exitCodeOf } from "../scripts/cli/exit-codes.ts";
import { EpochVerifyError } from "../verify/index.ts";

/** The documented table (docs/cli.md "Exit codes", `attribution-prover --help`), written out independently. */
const DOCUMENTED: Record<ErrorCategory, number> = { usage: 2, input: 2, conflict: 2, mismatch: 3, keys: 4, external: 1, internal: 1 };

test("every category has its documented exit code, and every exit code a category gives is in the --help table", () => {
  assert.deepEqual(Object.keys(CATEGORY_EXIT_CODES).sort(), [...ERROR_CATEGORIES].sort());
  assert.deepEqual(CATEGORY_EXIT_CODES, DOCUMENTED);
  assert.deepEqual(COMMAND_EXIT_CODES, { verify: { usage: 1 }, report: { usage: 1 }, setup: { keys: 3 } });
  for (const code of new Set(Object.values(CATEGORY_EXIT_CODES)))
    assert.match(EXIT_CODES_HELP, new RegExp(`^ {2}${code} +\\S`, "m"), `exit code ${code}`);
  for (const category of ERROR_CATEGORIES) {
    assert.equal(exitCodeOf("demo", new CodedError("ANY", category, "m")), DOCUMENTED[category], category);
  }
  assert.equal(exitCodeOf("verify", new CodedError("USAGE", "usage", "m")), 1);
  assert.equal(exitCodeOf("report", new CodedError("USAGE", "usage", "m")), 1);
  assert.equal(exitCodeOf("report", new CodedError("X", "input", "m")), 2);
  assert.equal(exitCodeOf("setup", new CodedError("X", "keys", "m")), 3);
});

test("a class's name does not pick its exit code: renamed, folded or a plain Error named like an old class", () => {
  class RenamedSettlementMismatch extends CodedError {
    constructor() {
      super("SETTLEMENT_MISMATCH", "mismatch", "balances differ");
    }
  }
  const renamed = new RenamedSettlementMismatch();
  assert.equal(renamed.name, "RenamedSettlementMismatch");
  assert.equal(exitCodeOf("settle", renamed), 3);
  assert.equal(exitCodeOf("settle", Object.assign(new CodedError("SETTLEMENT_MISMATCH", "mismatch", "m"), { name: "Whatever" })), 3);
  // Before, a name alone chose the code: an Error called SettlementMismatchError exited 3, UsageError 2.
  for (const name of ["SettlementMismatchError", "UsageError", "ConfigError", "TrustedSetupError"]) {
    assert.equal(exitCodeOf("settle", Object.assign(new Error("m"), { name })), 1, name);
  }
});

test("the project's error classes exit as their category says", () => {
  const cases: [string, unknown, number][] = [
    ["demo", new ConfigError("run.json", "pool", "bad"), 2],
    ["prove", new StrayProofFileError("proofs", ["notes.txt"]), 2],
    ["witness", new TrustedSetupError("KEY_NOT_PINNED", "m"), 4],
    ["setup", new TrustedSetupError("CONTRIBUTION_INVALID", "m"), 3],
    ["report", new ReportOutputError("epoch.json", "is a file of the record"), 1],
    ["prove", new QueueError("QUEUE_UNREACHABLE", "redis://***:***@127.0.0.1:1", "no Redis answered"), 1],
    ["prove", new ProverError("KEY_NOT_PINNED", "payout-000", "m"), 4],
    ["prove", new ProverError("PROOF_FILE_INVALID", "payout-000", "m"), 2],
    ["prove", new ProverError("WORKER_FAILED", "payout-000", "m"), 1],
    ["report", new EpochVerifyError("RECORD_MALFORMED", "record", "m"), 2],
    ["settle", new CodedError("EPOCH_SETTLED", "conflict", "m"), 2],
    ["demo", new CommanderError(1, "commander.unknownOption", "unknown option"), 2],
    ["verify", new CommanderError(1, "commander.unknownOption", "unknown option"), 1],
    ["demo", new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"), 0],
    ["setup", new RangeError("size must be a power of two"), 2],
    ["demo", new RangeError("a bug"), 1],
  ];
  for (const [command, error, code] of cases)
    assert.equal(exitCodeOf(command, error), code, `${command}: ${(error as Error).name} ${(error as { code?: unknown }).code}`);
});
