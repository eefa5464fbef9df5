/**
 * Exit codes of every command, in one place: the mapping below and the table printed by
 * `attribution-prover --help` (and copied into docs/cli.md). They keep the codes each command had
 * as its own script (verify's are verify/epoch-errors.ts's; the verify command sets them itself).
 *
 * An error's exit code follows its category (errors/coded-error.ts), never its class: renaming,
 * folding or adding an error class cannot change an exit code. errors/ is a leaf module, so `--help`
 * and a bad flag still load none of the pipeline's modules.
 */
import { CommanderError } from "commander";
import { CodedError, type ErrorCategory } from "../../errors/index.ts";

export const EXIT_CODES_HELP = `
Exit codes:
  0    done (verify: every check passed)
  1    an unexpected error (a bug, a node or Redis that went away or never answered, a revert);
       verify and report: also bad usage (report: an --out over the record)
  2    bad input: an unknown flag, a bad value, a config field, a missing or malformed file
       (examples, jobs, epoch directory), a contributor without a key, a Delivery receipt the
       epoch's trainer did not sign, a contest the chain would refuse, a secret outside the
       environment, another chain than the epoch's, an --out directory holding another epoch,
       a settled epoch's directory, a stray file in proofs/
  3    demo, settle: on-chain balances differ from the reference model; setup: a ceremony check failed
  4    keys refused (not the pinned ones, a circuit changed since its ceremony)
  2-12 verify: the first failing check (2 record, 3 keys or bytecode, 4 proofs, 5 commitments,
       6 policy, 7 payouts, 8 scores, 9 chain, 10 model or data, 11 validation set, 12 receipt; verify/README.md)
  130  prove: interrupted (SIGINT); rerun the same command to resume`;

/** The exit code of each category (the table above): a Record, so a new category must be given one. */
export const CATEGORY_EXIT_CODES: Readonly<Record<ErrorCategory, number>> = {
  usage: 2,
  input: 2,
  conflict: 2,
  mismatch: 3,
  keys: 4,
  external: 1,
  internal: 1,
};

/**
 * Where a command's codes differ, as their scripts did: verify and report exit 1 on bad usage (2 is
 * already a verdict of verify's and report's "malformed file"); setup's key failures are its own
 * ceremony checks (3), not keys refused by a later stage (4).
 */
export const COMMAND_EXIT_CODES: Readonly<Record<string, Partial<Record<ErrorCategory, number>>>> = {
  verify: { usage: 1 },
  report: { usage: 1 },
  setup: { keys: 3 },
};

/** The category of `error` thrown by `command`: a CodedError's own; commander's usage errors; else internal. */
export function categoryOf(command: string, error: unknown): ErrorCategory {
  if (error instanceof CodedError) return error.category;
  if (error instanceof CommanderError) return "usage";
  // setup hands its flags to the circuit builders, which refuse a bad value with a RangeError or TypeError naming it.
  if (command === "setup" && (error instanceof RangeError || error instanceof TypeError)) return "input";
  return "internal";
}

/** The exit code of `command` (its top-level name) failing with `error`. */
export function exitCodeOf(command: string, error: unknown): number {
  // --help and --version end in a CommanderError too, with exit code 0.
  if (error instanceof CommanderError && error.exitCode === 0) return 0;
  const category = categoryOf(command, error);
  return COMMAND_EXIT_CODES[command]?.[category] ?? CATEGORY_EXIT_CODES[category];
}
