/**
 * Where the report may go. The report is written atomically over whatever is at --out, so an --out
 * that names a file of the epoch's record (`--out <epoch>/epoch.json`) would replace the record with
 * HTML, without a word. Refused here, before anything is read or written: a file of the record, a
 * path inside its folders (proofs/, jobs/), anything not ending in .html.
 */
import { existsSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { CodedError } from "../errors/index.ts";
import { pathInside } from "../files/inside.ts";

/** An --out the report will not write to (bad usage); the message names the path and what to give instead. */
export class ReportOutputError extends CodedError<"REPORT_OUT_REFUSED"> {
  readonly out: string;
  constructor(out: string, problem: string) {
    super("REPORT_OUT_REFUSED", "usage", `--out ${out}: ${problem}`);
    this.out = out;
  }
}

/**
 * The absolute path of the report for the epoch directory `dir` and the caller's `out`; throws
 * ReportOutputError when `out` is a file of the record, inside its folders, or not .html.
 */
export function reportOutPath(dir: string, out: string): string {
  const path = resolve(out);
  const inside = pathInside(dir, path);
  if (inside !== undefined && inside !== "") {
    if (inside.includes(sep))
      throw new ReportOutputError(
        out,
        `is inside the epoch's record folders (${inside.split(sep)[0]}/): give a path outside them, e.g. ${join(dir, "report.html")}`,
      );
    if (extname(inside).toLowerCase() !== ".html" && existsSync(path)) {
      throw new ReportOutputError(
        out,
        `is a file of the epoch's record: writing the report there would destroy it; give a .html path, e.g. ${join(dir, "report.html")}`,
      );
    }
  }
  if (extname(path).toLowerCase() !== ".html")
    throw new ReportOutputError(out, "the report is an HTML file: give an --out ending in .html");
  return path;
}
