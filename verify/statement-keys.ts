/**
 * The statement of a record's verification keys: all three (claim, registration and payout
 * batches) must have nPublic = 4, the public signals [chainOut, digest, seed, rho]
 * (verify/model/statement.ts). Checked when a record is read (record.ts, chain-record.ts), before
 * any check, and never guessed from the proofs (a forged proof file could carry any number of
 * signals). A key with nPublic 3 is the pre-Soundness-I statement [chainOut, digest, rho], in which
 * r and the batch index were private inputs bound by nothing: a prover could solve for them after
 * seeing rho and make forged payout words verify (../shared/audits/2026-12-06/forge.ts). Such
 * proofs say nothing about the payouts, so the record is refused (RECORD_MALFORMED), not read.
 * (Soundness I's keys also had nPublic 4, with r where the seed is now; its records lack the
 * registration key and the commit, and are refused as malformed for that.)
 */
import { EpochVerifyError } from "./epoch-errors.ts";
import { SIGNAL_NAMES } from "./model/index.ts";

const PRE_SOUNDNESS_I_N_PUBLIC = 3;

/** Throws RECORD_MALFORMED unless the verification key text `keyText` (file `file`) is of the statement. */
function checkKey(keyText: string, file: string): void {
  let nPublic: unknown;
  try {
    nPublic = (JSON.parse(keyText) as { nPublic?: unknown }).nPublic;
  } catch (error) {
    throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}: not JSON (${(error as Error).message})`, { file, field: "(file)" });
  }
  if (nPublic === SIGNAL_NAMES.length) return;
  const problem =
    nPublic === PRE_SOUNDNESS_I_N_PUBLIC
      ? "nPublic 3 is the pre-Soundness-I statement [chainOut, digest, rho], which binds neither r nor the batch index: its proofs say nothing about the payouts; re-prove the epoch"
      : `nPublic ${JSON.stringify(nPublic)} is not ${SIGNAL_NAMES.length}, the statement [${SIGNAL_NAMES.join(", ")}]`;
  throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}: ${problem}`, {
    file,
    field: "nPublic",
    expected: String(SIGNAL_NAMES.length),
    got: JSON.stringify(nPublic),
  });
}

/** Throws RECORD_MALFORMED unless the three verification keys are of the statement [chainOut, digest, seed, rho]. */
export function checkStatementKeys(keyTexts: { readonly example: string; readonly registration: string; readonly payout: string }): void {
  checkKey(keyTexts.example, "example_verification_key.json");
  checkKey(keyTexts.registration, "registration_verification_key.json");
  checkKey(keyTexts.payout, "payout_verification_key.json");
}
