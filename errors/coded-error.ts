/**
 * The one base of the project's domain errors. `code` is stable (SCREAMING_CASE, printed by the
 * command line as `error [CODE]: message`; scripts and tests match it). `category` says what kind
 * of failure it is, so what the user does about it, and it alone picks a command's exit code
 * (scripts/cli/exit-codes.ts): renaming or folding a class cannot change an exit code.
 *
 * Misuse of a function (an argument of the wrong type or range) stays a TypeError or RangeError
 * naming the parameter; a subclass exists only where it carries typed fields a caller reads
 * (a file, a row, a job), otherwise a failure is a code of this class.
 */

/**
 * What kind of failure an error is:
 * - usage: the command was used wrongly (a flag, an argument, a missing option);
 * - input: a file, value, key or config field is wrong (missing, malformed, out of range);
 * - conflict: the place the step would write to refuses it (an epoch directory holding another or
 *   a settled epoch, another chain than the epoch's, stray files in proofs/);
 * - mismatch: a result disagrees with the reference model (on-chain balances, a re-verified record);
 * - keys: proving keys, verifiers or a ceremony that are not the pinned or a valid one;
 * - external: something outside the project failed (a node or Redis that went away or never
 *   answered, a contract that reverted, an execution provider that would not load);
 * - internal: anything else, a bug (a proof the prover made that does not verify, ...).
 */
export const ERROR_CATEGORIES = ["usage", "input", "conflict", "mismatch", "keys", "external", "internal"] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** A domain failure: a stable code, its category, and a message that names the file, row or field and says what to do. */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly category: ErrorCategory;
  constructor(code: Code, category: ErrorCategory, message: string, options?: ErrorOptions) {
    super(message, options);
    // The subclass's own name (ProverError, ...) in stack traces, without a line in every subclass.
    this.name = new.target.name;
    this.code = code;
    this.category = category;
  }
}
