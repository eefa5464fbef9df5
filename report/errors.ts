/**
 * The report's own input error: a file of the epoch directory (or the attacks file) that the
 * report needs beyond what verify/record.ts already checks is missing or has a field of the wrong
 * form. Errors of the core record (verify's EpochVerifyError RECORD_MALFORMED) pass through as
 * they are: both name the file and field.
 */
export class ReportInputError extends Error {
  readonly code = "REPORT_INPUT_MALFORMED";
  readonly file: string;
  readonly field: string;
  readonly row: number | undefined;
  constructor(file: string, field: string, problem: string, row?: number) {
    super(`${file}${row === undefined ? "" : ` row ${row}`} ${field}: ${problem}`);
    this.name = "ReportInputError";
    this.file = file;
    this.field = field;
    this.row = row;
  }
}
