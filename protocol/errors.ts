/**
 * The epoch stages' error with a field of its own. Their other failures are codes of CodedError
 * (errors/), named where they are thrown: SETTLEMENT_MISMATCH (mismatch: on-chain balances differ
 * from the reference model), EPOCH_CHAIN_MISMATCH, EPOCH_DIR_IN_USE and EPOCH_SETTLED (conflict:
 * another chain, another epoch's or a settled epoch's directory), RECORD_UNREADABLE and the
 * parties' input codes (input).
 */
import { CodedError } from "../errors/index.ts";

/**
 * proofs/ of an epoch directory holds files that are no proof of its jobs (a copy, notes, a proof
 * of another epoch): verify, report and settle would refuse the record, so prove refuses first,
 * naming them. Its own stale temporary files are removed instead.
 */
export class StrayProofFileError extends CodedError<"STRAY_PROOF_FILE"> {
  readonly files: readonly string[];
  constructor(proofsDir: string, files: readonly string[]) {
    const shown = files.length > 10 ? `${files.slice(0, 10).join(", ")} and ${files.length - 10} more` : files.join(", ");
    super(
      "STRAY_PROOF_FILE",
      "conflict",
      `${proofsDir}: holds ${files.length} file${files.length === 1 ? "" : "s"} that ${files.length === 1 ? "is" : "are"} no proof of this epoch's jobs: ${shown}; move ${files.length === 1 ? "it" : "them"} out of proofs/ and run prove again`,
    );
    this.files = files;
  }
}
