/**
 * The report's own input error: a file of the epoch directory (or the attacks file) that the
 * report needs beyond what verify/record.ts already checks is missing or has a field of the wrong
 * form. Errors of the core record (verify's EpochVerifyError RECORD_MALFORMED) pass through as
 * they are: both name the file and field.
 */
import { CodedError } from "../errors/index.ts";

export class ReportInputError extends CodedError<"REPORT_INPUT_MALFORMED"> {
  readonly file: string;
  readonly field: string;
  readonly row: number | undefined;
  constructor(file: string, field: string, problem: string, row?: number) {
    super("REPORT_INPUT_MALFORMED", "input", `${file}${row === undefined ? "" : ` row ${row}`} ${field}: ${problem}`);
    this.file = file;
    this.field = field;
    this.row = row;
  }
}
