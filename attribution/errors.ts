/** Domain errors of attribution/: one class, a `code` per failure a caller can act on. */

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

/** A failure of the attribution pipeline, with a machine-readable code. */
export class AttributionError extends Error {
  readonly code: AttributionErrorCode;
  constructor(code: AttributionErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "AttributionError";
    this.code = code;
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
