/**
 * The statement layout of a record (verify/model/statement.ts): read from both verification keys'
 * nPublic, which must name the same known layout. A key of another shape is RECORD_MALFORMED,
 * never guessed from the proofs (a forged proof file could carry any number of signals).
 */
import { EpochVerifyError } from "./epoch-errors.ts";
import { layoutOf, type StatementLayout } from "./model/index.ts";
import type { PublicRecord } from "./record.ts";

/** The layout of one verification key's text. */
export function keyLayout(keyText: string, file: string): StatementLayout {
  let nPublic: unknown;
  try {
    nPublic = (JSON.parse(keyText) as { nPublic?: unknown }).nPublic;
  } catch (error) {
    throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}: not JSON (${(error as Error).message})`, { file, field: "(file)" });
  }
  const layout = typeof nPublic === "number" ? layoutOf(nPublic) : undefined;
  if (layout === undefined) {
    throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}: nPublic ${JSON.stringify(nPublic)} is neither 4 ([chainOut, digest, r, rho]) nor 3 (the legacy [chainOut, digest, rho])`, { file, field: "nPublic" });
  }
  return layout;
}

/** The layout both circuits of `record` share. */
export function recordLayout(record: Pick<PublicRecord, "exampleKeyText" | "payoutKeyText">): StatementLayout {
  const example = keyLayout(record.exampleKeyText, "example_verification_key.json");
  const payout = keyLayout(record.payoutKeyText, "payout_verification_key.json");
  if (example !== payout) {
    throw new EpochVerifyError("RECORD_MALFORMED", "record", `the example key is of the ${example} statement, the payout key of the ${payout} one`, { file: "payout_verification_key.json", field: "nPublic" });
  }
  return example;
}
