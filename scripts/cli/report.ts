/** `report`: the epoch's self-contained HTML report (report/ writeEpochReport). */
import { Option, type Command } from "commander";
import { jsonOption, printResult, withExamples } from "./common.ts";

interface ReportOpts {
  readonly out?: string;
  readonly explorer?: string;
  readonly verify: boolean;
  readonly snarkjs: boolean;
  readonly json?: boolean;
}

export function registerReport(program: Command): void {
  withExamples(
    program
      .command("report <epoch-dir>")
      .description(
        "write one self-contained HTML file with charts (payouts, score distribution with clipped and flagged examples, top examples, attack suite, proof and gas statistics, verification status, transactions); re-verifies the epoch first",
      )
      .option("--out <file>", "the HTML file, ending in .html and no file of the record (default <epoch-dir>/report.html)")
      .option("--explorer <url>", "block explorer base URL: transactions and addresses become links")
      .addOption(new Option("--no-verify", "do not re-verify (the report says verification was not run)"))
      .addOption(new Option("--no-snarkjs", "re-verify with the noble verifier only"))
      .addOption(jsonOption()),
    [
      "attribution-prover report epochs/demo",
      "attribution-prover report epochs/demo --out /tmp/epoch.html --explorer https://sepolia.etherscan.io --json",
    ],
  ).action(async (dir: string, opts: ReportOpts) => {
    const { writeEpochReport } = await import("../../report/index.ts");
    const out = await writeEpochReport(dir, {
      ...(opts.out === undefined ? {} : { out: opts.out }),
      ...(opts.explorer === undefined ? {} : { explorerUrl: opts.explorer }),
      verify: opts.verify,
      snarkjs: opts.snarkjs,
    });
    printResult(opts.json, { report: out }, () => console.log(out));
  });
}
