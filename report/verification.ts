/**
 * The skeptic's verification, run in-process for the report (verify/'s verifyEpoch: keys, every
 * proof with the noble verifier and snarkjs, commitments, policy, payouts). A failing check is a
 * result the report shows, not an error; any other error propagates.
 */
import { EpochVerifyError, verifyEpoch, type EpochReport } from "../verify/index.ts";

export type VerificationStatus =
  | { readonly kind: "passed"; readonly report: EpochReport }
  | { readonly kind: "failed"; readonly error: EpochVerifyError }
  | { readonly kind: "not run" };

/**
 * Verifies `dir` unless `run` is false. With `snarkjs` (default true) the caller terminates
 * snarkjs's curve threads when done (globalThis.curve_bn128.terminate()).
 */
export async function verificationStatus(dir: string, run: boolean, snarkjs: boolean): Promise<VerificationStatus> {
  if (!run) return { kind: "not run" };
  try {
    return { kind: "passed", report: await verifyEpoch(dir, { snarkjs }) };
  } catch (error) {
    if (error instanceof EpochVerifyError) return { kind: "failed", error };
    throw error;
  }
}
