/**
 * npm run report -- <epoch-dir> [--out FILE] [--explorer URL] [--no-verify] [--no-snarkjs]
 *
 * Writes the epoch's report (report/: one self-contained HTML file with charts; default
 * <epoch-dir>/report.html) and prints its path. The epoch is re-verified in-process first (both
 * verifiers) unless --no-verify; a failing check is shown in the report. --explorer URL links
 * transactions and addresses to a block explorer (plain hashes without it).
 *
 * Exit codes: 0 written; 1 usage or an unexpected error; 2 the epoch directory is missing or a
 * file of it is malformed (the message names the file and field).
 */
import { parseArgs } from "node:util";
import { writeEpochReport, ReportInputError } from "../report/index.ts";
import { EpochVerifyError } from "../verify/index.ts";

const USAGE = "usage: npm run report -- <epoch-dir> [--out FILE] [--explorer URL] [--no-verify] [--no-snarkjs]";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      out: { type: "string" },
      explorer: { type: "string" },
      "no-verify": { type: "boolean", default: false },
      "no-snarkjs": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length !== 1) {
    console.error(USAGE);
    return values.help ? 0 : 1;
  }
  try {
    const out = await writeEpochReport(positionals[0]!, {
      ...(values.out === undefined ? {} : { out: values.out }),
      ...(values.explorer === undefined ? {} : { explorerUrl: values.explorer }),
      verify: !values["no-verify"],
      snarkjs: !values["no-snarkjs"],
    });
    console.log(out);
    return 0;
  } catch (error) {
    if (error instanceof ReportInputError || (error instanceof EpochVerifyError && error.code === "RECORD_MALFORMED")) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  // snarkjs keeps curve worker threads alive in the thread that used it.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
