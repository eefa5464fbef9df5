/** The failures of the epoch stages (witness, prove, settle) that a caller can act on. */

/** The on-chain balances disagree with the reference model's rewards. */
export class SettlementMismatchError extends Error {
  readonly code = "SETTLEMENT_MISMATCH";
  constructor(message: string) {
    super(message);
    this.name = "SettlementMismatchError";
  }
}

/** A contributor in the examples file whose key was not given: it cannot register. */
export class ContributorKeyError extends Error {
  readonly code = "CONTRIBUTOR_KEY_MISSING";
  constructor(message: string) {
    super(message);
    this.name = "ContributorKeyError";
  }
}

/**
 * The chain a stage runs on is not the one the epoch directory was made on: another chain id, or
 * no settlement contract at the recorded address (an RPC node that was restarted, a wrong --rpc).
 */
export class EpochChainError extends Error {
  readonly code = "EPOCH_CHAIN_MISMATCH";
  constructor(message: string) {
    super(message);
    this.name = "EpochChainError";
  }
}

/**
 * The epoch directory already holds another epoch's record (other commitments or batch sizes), or
 * files that are no record at all: writing there would mix two epochs' proofs, so nothing is
 * written. The same epoch again (a rerun) is fine: its valid proofs are kept.
 */
export class EpochDirInUseError extends Error {
  readonly code = "EPOCH_DIR_IN_USE";
  constructor(message: string) {
    super(message);
    this.name = "EpochDirInUseError";
  }
}

/** An epoch directory file the stages cannot read: missing, not JSON, or a field of the wrong kind. */
export class RecordReadError extends Error {
  readonly code = "RECORD_UNREADABLE";
  constructor(message: string) {
    super(message);
    this.name = "RecordReadError";
  }
}

/**
 * A party's command refused its input before sending anything: a missing or malformed key, a
 * deployment file of another chain, a receipt of another epoch, a delivery that does not match
 * its registration, a value out of the contract's range. `code` says which; the message names the
 * file, field or variable.
 */
export class ProtocolInputError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = "ProtocolInputError";
  }
}

/**
 * proofs/ of an epoch directory holds files that are no proof of its jobs (a copy, notes, a proof
 * of another epoch): verify, report and settle would refuse the record, so prove refuses first,
 * naming them. Its own stale temporary files are removed instead.
 */
export class StrayProofFileError extends Error {
  readonly code = "STRAY_PROOF_FILE";
  readonly files: readonly string[];
  constructor(proofsDir: string, files: readonly string[]) {
    const shown = files.length > 10 ? `${files.slice(0, 10).join(", ")} and ${files.length - 10} more` : files.join(", ");
    super(`${proofsDir}: holds ${files.length} file${files.length === 1 ? "" : "s"} that ${files.length === 1 ? "is" : "are"} no proof of this epoch's jobs: ${shown}; move ${files.length === 1 ? "it" : "them"} out of proofs/ and run prove again`);
    this.name = "StrayProofFileError";
    this.files = files;
  }
}

/**
 * The epoch directory holds a settled epoch (epoch.json status "settled"): its record is final, so
 * no stage writes there again (a witness run would wipe settlement.json and set the status back to
 * "proving"; prove would append to it; settle would send the epoch again).
 */
export class EpochSettledError extends Error {
  readonly code = "EPOCH_SETTLED";
  constructor(message: string) {
    super(message);
    this.name = "EpochSettledError";
  }
}
