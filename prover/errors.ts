/** The prover's domain error: a code a caller can act on, and the job (batch) it is about. */
import { CodedError, type ErrorCategory } from "../errors/index.ts";

export type ProverErrorCode =
  /** The witness calculator rejected the input (a violated constraint, a missing or extra signal), or the wasm is unusable. */
  | "WITNESS_REJECTED"
  /** snarkjs could not prove (e.g. a zkey that does not belong to the wasm). */
  | "PROVE_FAILED"
  /** A freshly made proof does not verify against the verification key (zkey and vkey disagree). */
  | "PROOF_REJECTED"
  /** The proof's public signals differ from the ones the caller expected. */
  | "PUBLIC_SIGNALS_MISMATCH"
  /**
   * The zkey's key hash (sha256 of its verification key, as circuits/ writes it) is not the
   * verification key file's, or the verification key is not the pinned one: keys from another
   * setup or ceremony.
   */
  | "KEY_NOT_PINNED"
  /** A wasm, zkey or verification key file cannot be read. */
  | "KEYS_UNREADABLE"
  /** A proof file is missing, not JSON, or not of the proof-file shape. */
  | "PROOF_FILE_INVALID"
  /** The worker thread failed outside the steps above (a crash or a bug); the original error is the cause. */
  | "WORKER_FAILED";

/**
 * Each code's category: keys that are not the pinned ones, files the prover cannot use (input), and
 * the prover's own failures on input it accepted (internal: the reference model and the circuit or
 * the backend disagree).
 */
const CATEGORIES: Readonly<Record<ProverErrorCode, ErrorCategory>> = {
  WITNESS_REJECTED: "internal",
  PROVE_FAILED: "internal",
  PROOF_REJECTED: "internal",
  PUBLIC_SIGNALS_MISMATCH: "internal",
  KEY_NOT_PINNED: "keys",
  KEYS_UNREADABLE: "input",
  PROOF_FILE_INVALID: "input",
  WORKER_FAILED: "internal",
};

export class ProverError extends CodedError<ProverErrorCode> {
  /** Name of the job (batch) the error is about. */
  readonly job: string;
  /** The message without its `<job>: ` prefix. */
  readonly problem: string;
  constructor(code: ProverErrorCode, job: string, problem: string, options?: { cause?: unknown }) {
    super(code, CATEGORIES[code], `${job}: ${problem}`, options);
    this.job = job;
    this.problem = problem;
  }
}

/** Codes of QueueError. */
export type QueueErrorCode =
  /** No Redis answered at the queue URL within the connect timeout (a wrong host or port, a server down). */
  "QUEUE_UNREACHABLE";

/**
 * The proving queue (prover/queue.ts) cannot be used. The message names the queue URL without its
 * user and password (shownQueueUrl), so a log never carries the credentials a URL may hold.
 */
export class QueueError extends CodedError<QueueErrorCode> {
  /** The queue URL as shown: credentials replaced by "***". */
  readonly url: string;
  constructor(code: QueueErrorCode, url: string, problem: string, options?: { cause?: unknown }) {
    super(code, "external", `queue ${url}: ${problem}`, options);
    this.url = url;
  }
}
