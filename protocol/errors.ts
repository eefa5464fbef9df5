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
