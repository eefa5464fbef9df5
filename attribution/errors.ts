/** Domain errors of attribution/: one class, a `code` per failure a caller can act on. */
import { CodedError, type ErrorCategory } from "../errors/index.ts";

export type AttributionErrorCode =
  | "EP_UNAVAILABLE"
  | "EP_NONE_LOADED"
  | "DATA_INVALID"
  | "TRAINING_DIVERGED"
  | "METHOD_UNKNOWN"
  | "PARTITION_INVALID"
  | "MODEL_INVALID"
  | "MODEL_UNSUPPORTED"
  | "METHOD_UNSUPPORTED";

/** Each code's category: the machine's execution providers are outside the project; the rest is the trainer's data, model or config. */
const CATEGORIES: Readonly<Record<AttributionErrorCode, ErrorCategory>> = {
  EP_UNAVAILABLE: "external",
  EP_NONE_LOADED: "external",
  DATA_INVALID: "input",
  TRAINING_DIVERGED: "input",
  METHOD_UNKNOWN: "input",
  PARTITION_INVALID: "input",
  MODEL_INVALID: "input",
  MODEL_UNSUPPORTED: "input",
  METHOD_UNSUPPORTED: "input",
};

/** A failure of the attribution pipeline, with a machine-readable code. */
export class AttributionError extends CodedError<AttributionErrorCode> {
  constructor(code: AttributionErrorCode, message: string, cause?: unknown) {
    super(code, CATEGORIES[code], message, cause === undefined ? undefined : { cause });
  }
}

export type ScoreErrorCode = "SCORE_NAN" | "SCORE_INFINITE" | "SCORE_OUT_OF_RANGE";

/** A score that cannot become a fixed-point circuit input: NaN, infinite, or past the width. */
export class ScoreRangeError extends RangeError {
  readonly code: ScoreErrorCode;
  /** Index of the offending score in the input array. */
  readonly index: number;
  constructor(code: ScoreErrorCode, index: number, message: string) {
    super(message);
    this.name = "ScoreRangeError";
    this.code = code;
    this.index = index;
  }
}
