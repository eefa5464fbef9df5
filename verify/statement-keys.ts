/**
 * The statement of a record's verification keys: both must have nPublic = 4, the public signals
 * [chainOut, digest, r, rho] (verify/model/statement.ts). Checked when a record is read (record.ts,
 * chain-record.ts), before any check, and never guessed from the proofs (a forged proof file could
 * carry any number of signals). A key with nPublic 3 is the pre-Soundness-I statement
 * [chainOut, digest, rho], in which r and the batch index were private inputs bound by nothing: a
 * prover could solve for them after seeing rho and make forged payout words verify
 * (../shared/audits/2026-12-06/forge.ts). Such proofs say nothing about the payouts, so the record
 * is refused (RECORD_MALFORMED), not read.
 */
import { EpochVerifyError } from "./epoch-errors.ts";
import { SIGNAL_NAMES } from "./model/index.ts";
import type { PublicRecord } from "./record.ts";

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
  const problem = nPublic === PRE_SOUNDNESS_I_N_PUBLIC
    ? "nPublic 3 is the pre-Soundness-I statement [chainOut, digest, rho], which binds neither r nor the batch index: its proofs say nothing about the payouts; re-prove the epoch"
    : `nPublic ${JSON.stringify(nPublic)} is not ${SIGNAL_NAMES.length}, the statement [${SIGNAL_NAMES.join(", ")}]`;
  throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}: ${problem}`, { file, field: "nPublic", expected: String(SIGNAL_NAMES.length), got: JSON.stringify(nPublic) });
}

/** Throws RECORD_MALFORMED unless both verification keys of `record` are of the statement [chainOut, digest, r, rho]. */
export function checkStatementKeys(record: Pick<PublicRecord, "exampleKeyText" | "payoutKeyText">): void {
  checkKey(record.exampleKeyText, "example_verification_key.json");
  checkKey(record.payoutKeyText, "payout_verification_key.json");
}
