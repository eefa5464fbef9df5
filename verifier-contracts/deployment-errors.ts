/** The deployment's domain error: a code a caller (or a test) can act on, and what to do next. */
import { CodedError } from "../errors/index.ts";

export type DeploymentErrorCode =
  /** `--token` names an address with no code: not an ERC-20 on this chain. */
  | "TOKEN_NOT_A_CONTRACT"
  /** Ignition refused the module before sending anything (a missing parameter, a bad argument). */
  | "IGNITION_VALIDATION"
  /**
   * The module differs from the one the deployment directory's journal deployed (other verifiers,
   * another token, other parameters): resuming would mix two deployments.
   */
  | "IGNITION_RECONCILIATION"
  /** A transaction of the deployment failed, timed out or is held; the journal keeps what succeeded. */
  | "IGNITION_EXECUTION"
  /** A previous run left a failed or timed-out transaction that must be wiped before resuming. */
  | "IGNITION_PREVIOUS_RUN"
  /** The Ignition directory has no journal, or its deployment is not complete. */
  | "DEPLOYMENT_INCOMPLETE"
  /** The Ignition journal lacks something the deployment file is derived from, or holds a surprise. */
  | "JOURNAL_INVALID"
  /** The deployment file does not exist. */
  | "DEPLOYMENT_FILE_MISSING"
  /** The deployment file is not JSON. */
  | "DEPLOYMENT_FILE_NOT_JSON"
  /** A field of the deployment file is missing or of the wrong shape. */
  | "DEPLOYMENT_FILE_FIELD"
  /** The deployment file is of an earlier format (no creation transactions): deploy again to rewrite it. */
  | "DEPLOYMENT_FILE_OUTDATED"
  /** The connected chain is not the one the deployment file was written for. */
  | "DEPLOYMENT_CHAIN_MISMATCH"
  /** An address of the deployment file has no code on the connected chain. */
  | "DEPLOYMENT_NO_CODE"
  /**
   * The deployed contracts say they are wired otherwise than the deployment file: the registry not
   * owned by the settlement (storage); their immutables are compared first (DEPLOYMENT_CODE_MISMATCH).
   */
  | "DEPLOYMENT_CONTRACT_MISMATCH"
  /** The file's registration rules or settlement windows are not config/protocol.json's. */
  | "DEPLOYMENT_PARAMS_MISMATCH"
  /**
   * A contract's runtime code is not this project's: not the compiled artifact with the immutables
   * the file gives, or not the verifier generated from the file's key set's pinned key.
   */
  | "DEPLOYMENT_CODE_MISMATCH"
  /**
   * A contract was not created as the file says: its creation transaction is missing from the chain,
   * made another contract, was sent by another account than the deployer, is a call (a contract a
   * factory made) or carries other creation code or constructor arguments than the file implies.
   */
  | "DEPLOYMENT_CREATION_MISMATCH";

/** Every code is of the input category: the deployment file, journal or flags the operator gave do not fit the chain or the project. */
export class DeploymentError extends CodedError<DeploymentErrorCode> {
  /** The file or directory the error is about, when there is one. */
  readonly file: string | undefined;
  /** The field of that file, when the error is about one (`contracts.settlement`). */
  readonly field: string | undefined;
  constructor(code: DeploymentErrorCode, message: string, options: { file?: string; field?: string; cause?: unknown } = {}) {
    super(code, "input", message, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = options.file;
    this.field = options.field;
  }
}
