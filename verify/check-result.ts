/** What a passing check of verify/epoch.ts reports; its own module so the check modules need not import epoch.ts. */
import type { EpochCheck } from "./epoch-errors.ts";

/** One check that passed (a failing one throws EpochVerifyError instead). */
export interface CheckResult {
  readonly check: EpochCheck;
  /** partial: the part the source allows was checked (the chain holds no tables), and the detail says which. */
  readonly status: "pass" | "partial" | "skipped";
  readonly detail: string;
}
