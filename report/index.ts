/**
 * report/: the epoch report. `writeEpochReport(epochDir)` reads an epoch directory (the public
 * record the demo writes), re-verifies it in-process, and writes one self-contained HTML file with
 * Chart.js charts: payout per contributor, the score distribution with clipped and flagged
 * examples, the top examples per contributor, the attack suite, proof and gas statistics, the
 * verification status and the settlement transactions. Public: writeEpochReport, its options and
 * the two errors it throws; the record's reader, the charts and the sections are internal.
 */
import { basename, join, resolve } from "node:path";
import { writeFileAtomic } from "../files/index.ts";
import { chartData } from "./figures.ts";
import { explorerLinks } from "./links.ts";
import { renderPage } from "./page.ts";
import { reportOutPath } from "./output.ts";
import { readReportRecord } from "./record.ts";
import { payoutsSection, scoresSection, topExamplesSection, attacksSection } from "./sections-charts.ts";
import { defencesSection, proofsAndGasSection, summarySection, transactionsSection, verificationSection } from "./sections-epoch.ts";
import { verificationStatus } from "./verification.ts";

export { ReportInputError } from "./errors.ts";
export { ReportOutputError } from "./output.ts";

export interface EpochReportOptions {
  /** The HTML file to write; default <epochDir>/report.html. Must end in .html and be no file of the record (ReportOutputError). */
  readonly out?: string;
  /** Block explorer base URL (e.g. https://sepolia.etherscan.io): transactions and addresses become links. */
  readonly explorerUrl?: string;
  /** Re-verify the epoch in-process (default true); false shows verification as not run. */
  readonly verify?: boolean;
  /** Also check every proof with snarkjs when verifying (default true; the caller terminates its curve). */
  readonly snarkjs?: boolean;
  /** The attack-suite results; default <epochDir>/attacks.json (absent: "not run"). */
  readonly attacksFile?: string;
  /** Bins of the score histogram (default 40). */
  readonly bins?: number;
  /** Examples per contributor in the top-examples chart (default 3). */
  readonly topExamples?: number;
}

/**
 * Writes the report of the epoch directory `epochDir`; returns the path of the HTML file. Throws
 * ReportOutputError for an --out that would overwrite the record or is not .html, ReportInputError or verify's EpochVerifyError (RECORD_MALFORMED) naming the file and field when
 * the record is missing or malformed; a record that fails verification is reported, not thrown.
 */
export async function writeEpochReport(epochDir: string, options: EpochReportOptions = {}): Promise<string> {
  const dir = resolve(epochDir);
  const out = reportOutPath(dir, options.out ?? join(dir, "report.html")); // before anything is read or written
  const links = explorerLinks(options.explorerUrl);
  const topExamples = options.topExamples ?? 3;
  const record = readReportRecord(dir, options.attacksFile ?? join(dir, "attacks.json"));
  const charts = chartData(record, { bins: options.bins ?? 40, topExamples });
  const verification = await verificationStatus(dir, options.verify ?? true, options.snarkjs ?? true);
  // The folder's name, not this machine's absolute path: the report is published beside the record.
  const folder = basename(dir);
  const html = renderPage({
    title: `Epoch ${record.core.epoch} report`,
    subtitle: `Settlement ${record.core.settlement} on chain ${record.core.chainId}; written ${new Date().toISOString()} from the epoch folder ${folder}.`,
    sections: [
      summarySection(record, links),
      verificationSection(verification, folder),
      defencesSection(record),
      payoutsSection(record, links),
      scoresSection(record),
      topExamplesSection(record, topExamples),
      attacksSection(record),
      proofsAndGasSection(record),
      transactionsSection(record, links),
    ],
    charts,
  });
  writeFileAtomic(out, html);
  return out;
}
