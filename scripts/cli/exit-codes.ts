/**
 * Exit codes of every command, in one place: the mapping below and the table printed by
 * `attribution-prover --help` (and copied into the README). They keep the codes each command had
 * as its own script (verify's are verify/epoch-errors.ts's; the verify command sets them itself).
 *
 * Errors are told apart by their class name, not instanceof: the pipeline's modules load only
 * when a command runs, so `--help` and a bad flag stay fast.
 */
import { CommanderError } from "commander";

export const EXIT_CODES_HELP = `
Exit codes:
  0    done (verify: every check passed)
  1    an unexpected error (a bug, a node or Redis that went away or never answered);
       verify and report: also bad usage (report: an --out over the record)
  2    bad input: an unknown flag, a bad value, a config field, a missing or malformed file
       (examples, jobs, epoch directory), a contributor without a key, a secret outside the
       environment, another chain than the epoch's, an --out directory holding another epoch,
       a settled epoch's directory, a stray file in proofs/
  3    demo, settle: on-chain balances differ from the reference model; setup: a ceremony check failed
  4    demo, witness: keys refused (not the pinned ones, a circuit changed since its ceremony)
  2-12 verify: the first failing check (2 record, 3 keys or bytecode, 4 proofs, 5 commitments,
       6 policy, 7 payouts, 8 scores, 9 chain, 10 model or data, 11 validation set, 12 receipt; verify/README.md)
  130  prove: interrupted (SIGINT); rerun the same command to resume`;

/** Errors that mean the input is wrong (a file, a value, a key, the chain asked for), not the code. */
const BAD_INPUT = new Set([
  "UsageError", "ConfigError", "SecretSourceError", "ScoresFileError", "EpochWitnessError", "ContributorKeyError",
  "ChainConfigError", "ProtocolInputError", "DeploymentError", "DatasetError", "JobsFileError", "EpochChainError", "EpochDirInUseError", "ReportInputError", "ScoreOutputError", "RecordReadError",
  "StrayProofFileError", "EpochSettledError",
]);

/** Commands whose bad usage exits 1, as their scripts did: 2 is already a verdict there. */
const USAGE_EXITS_1 = new Set(["verify", "report"]);

/** The exit code of `command` (its top-level name) failing with `error`. */
export function exitCodeOf(command: string, error: unknown): number {
  const usage = USAGE_EXITS_1.has(command) ? 1 : 2;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : usage;
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  // An --out the report refuses (a file of the record, not .html) is bad usage of `report`.
  if (name === "UsageError" || name === "ReportOutputError") return usage;
  if (BAD_INPUT.has(name ?? "") || (name === "EpochVerifyError" && code === "RECORD_MALFORMED")) return 2;
  if (name === "SettlementMismatchError") return 3;
  if (name === "TrustedSetupError") return command === "setup" ? 3 : 4;
  if (command === "setup" && (error instanceof RangeError || error instanceof TypeError)) return 2;
  return 1;
}
