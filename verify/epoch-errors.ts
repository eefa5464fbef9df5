/**
 * The failures of an epoch re-verification, each with its exit code (attribution-prover verify, scripts/cli/verify.ts):
 *
 * | code                   | exit | check       | meaning                                                          |
 * |------------------------|------|-------------|------------------------------------------------------------------|
 * | RECORD_MALFORMED       | 2    | record      | a file is missing, not JSON, or a field has the wrong form        |
 * |                        |      |             | (also a verification key whose nPublic is not 4: statement-keys.ts) |
 * | VKEY_MISMATCH          | 3    | vkeys       | a key file's sha256 differs from epoch.json, a proof file or the pin |
 * | BYTECODE_MISMATCH      | 3    | vkeys       | a deployed verifier is not the one compiled from its key (--rpc)  |
 * | PROOF_MALFORMED        | 4    | proofs      | the noble parser refuses a proof (off curve, not reduced, ...)    |
 * | PROOF_INVALID          | 4    | proofs      | the pairing check fails (noble and snarkjs agree)                 |
 * | VERIFIERS_DISAGREE     | 4    | proofs      | noble and snarkjs give different verdicts on a proof             |
 * | COMMITMENT_MISMATCH    | 5    | commitments | re-committed tables, r or domain differ from the record/proofs    |
 * | POLICY_MISMATCH        | 6    | policy      | the reward policy re-run gives other tables than the record's     |
 * | PAYOUT_MISMATCH        | 7    | payouts     | a paid amount differs from the reward the policy gives            |
 * | SCORES_MISMATCH        | 8    | scores      | a claim or score differs from the examples file or the recomputed |
 * |                        |      |             | scores (--scores, --data --model)                                 |
 * | CHAIN_MISMATCH         | 9    | chain       | an event or the chain id differs from the record (--rpc)          |
 * | MODEL_MISMATCH         | 10   | scores      | the model file is not the epoch's model, or training does not     |
 * |                        |      |             | reproduce it (--data --model)                                     |
 * | DATA_MISMATCH          | 10   | scores      | the validation set is not the revealed one, or the data file is   |
 * |                        |      |             | not what the contributors registered (--data --model)             |
 * | VALIDATION_MISMATCH    | 11   | validation  | the revealed validation set is not the committed one, or a paid   |
 * |                        |      |             | example copies it (validation.ts)                                 |
 * | RECEIPT_MISMATCH       | 12   | receipt     | a contributor's receipt is of another epoch, or its registration  |
 * |                        |      |             | is not registered, excluded or not counted (receipt.ts); its      |
 * |                        |      |             | Delivery receipt not the trainer's for it (delivery-receipt.ts)   |
 */
import { CodedError, type ErrorCategory } from "../errors/index.ts";

export type EpochVerifyErrorCode =
  | "RECORD_MALFORMED"
  | "VKEY_MISMATCH"
  | "BYTECODE_MISMATCH"
  | "PROOF_MALFORMED"
  | "PROOF_INVALID"
  | "VERIFIERS_DISAGREE"
  | "COMMITMENT_MISMATCH"
  | "POLICY_MISMATCH"
  | "PAYOUT_MISMATCH"
  | "SCORES_MISMATCH"
  | "CHAIN_MISMATCH"
  | "MODEL_MISMATCH"
  | "DATA_MISMATCH"
  | "VALIDATION_MISMATCH"
  | "RECEIPT_MISMATCH";

export type EpochCheck =
  | "record"
  | "vkeys"
  | "proofs"
  | "commitments"
  | "policy"
  | "payouts"
  | "validation"
  | "scores"
  | "chain"
  | "receipt";

/** Exit code of attribution-prover verify per failure (0 = pass, 1 = usage or an unexpected error). */
export const EXIT_CODES: Readonly<Record<EpochVerifyErrorCode, number>> = {
  RECORD_MALFORMED: 2,
  VKEY_MISMATCH: 3,
  BYTECODE_MISMATCH: 3,
  PROOF_MALFORMED: 4,
  PROOF_INVALID: 4,
  VERIFIERS_DISAGREE: 4,
  COMMITMENT_MISMATCH: 5,
  POLICY_MISMATCH: 6,
  PAYOUT_MISMATCH: 7,
  SCORES_MISMATCH: 8,
  CHAIN_MISMATCH: 9,
  MODEL_MISMATCH: 10,
  DATA_MISMATCH: 10,
  VALIDATION_MISMATCH: 11,
  RECEIPT_MISMATCH: 12,
};

/** Where a failure is: file of the epoch directory, table row (0-based), field. */
export interface FailureLocation {
  readonly file?: string;
  readonly row?: number;
  readonly field?: string;
  /** For a proof: the noble VerifyError code (NOT_ON_CURVE, COORDINATE_NOT_REDUCED, ...). */
  readonly cause?: string;
  readonly expected?: string;
  readonly got?: string;
}

/**
 * The category of a failure outside `verify` (report reads the record with verify/record.ts): a
 * malformed record is bad input, keys are keys, every other check a mismatch with the reference.
 */
const categoryOf = (code: EpochVerifyErrorCode): ErrorCategory =>
  code === "RECORD_MALFORMED" ? "input" : code === "VKEY_MISMATCH" || code === "BYTECODE_MISMATCH" ? "keys" : "mismatch";

/** The first failing check of an epoch; `where` says the file, row and field. */
export class EpochVerifyError extends CodedError<EpochVerifyErrorCode> {
  readonly check: EpochCheck;
  readonly where: FailureLocation;
  constructor(code: EpochVerifyErrorCode, check: EpochCheck, message: string, where: FailureLocation = {}) {
    super(code, categoryOf(code), `${message} (${code})`);
    this.check = check;
    this.where = where;
  }
}
