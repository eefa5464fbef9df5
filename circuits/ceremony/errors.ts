/** The trusted setup's domain error: a code a caller (or a test) can act on, and what to do next. */
import { CodedError } from "../../errors/index.ts";

export type TrustedSetupErrorCode =
  /** A powers-of-tau file's sha256 is not the one given on the command line or pinned in config. */
  | "PTAU_HASH_MISMATCH"
  /** A powers-of-tau file is missing, unreadable, not prepared for phase 2, or too small. */
  | "PTAU_INVALID"
  /** snarkjs rejects a phase-2 zkey: a contribution does not follow from the previous one. */
  | "CONTRIBUTION_INVALID"
  /** A zkey does not extend the ceremony's current chain of contributions (a fork or a stale file). */
  | "CONTRIBUTION_OUT_OF_ORDER"
  /** The transcript disagrees with the zkey (hash, name, order, beacon) or with its own files. */
  | "TRANSCRIPT_MISMATCH"
  /** The ceremony's state does not allow the step (no ceremony, already finalized, no beacon...). */
  | "CEREMONY_STATE"
  /** The circuit compiles to another R1CS than the one the ceremony or pin was made for. */
  | "CIRCUIT_CHANGED"
  /** A key's verification-key hash differs from the pinned one, or no pin exists. */
  | "KEY_NOT_PINNED"
  /** A Solidity verifier's bytecode is not the one generated from the pinned verification key. */
  | "VERIFIER_NOT_PINNED"
  /** The final zkey of a pinned key set is not on this machine. */
  | "ZKEY_MISSING";

/** Every code is of the keys category: keys, verifiers or a ceremony that are not the pinned or a valid one. */
export class TrustedSetupError extends CodedError<TrustedSetupErrorCode> {
  constructor(code: TrustedSetupErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, "keys", message, options);
  }
}
