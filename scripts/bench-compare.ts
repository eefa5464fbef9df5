/**
 * npm run bench:compare -- --before OLD.json --after NEW.json --name NAME --change TEXT
 *
 * Records a gas saving beyond batch size, measured: the flows two `npm run bench` runs share (the
 * same set and shape, before and after a contract change) compared per transaction and per paid
 * contributor, into bench-results/gas-savings.json (an entry of the same name is replaced), then
 * re-renders docs/benchmarks.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { toJson, writeFileAtomic } from "../files/index.ts";
import { parseBenchResults, parseGasSavings, type GasSavings } from "./lib/bench-results.ts";
import { GAS_SAVINGS_JSON, writeBenchmarksPage } from "./lib/benchmarks-page.ts";
import { compareFlows, withSaving } from "./lib/gas-savings.ts";

const { values } = parseArgs({
  options: { before: { type: "string" }, after: { type: "string" }, name: { type: "string" }, change: { type: "string" } },
});
for (const flag of ["before", "after", "name", "change"] as const) {
  if (values[flag] === undefined)
    throw new Error(`--${flag} is required (npm run bench:compare -- --before OLD.json --after NEW.json --name NAME --change TEXT)`);
}
const read = (file: string) => parseBenchResults(file, readFileSync(file, "utf8"));
const saving = compareFlows(values.name!, values.change!, read(values.before!), read(values.after!));
const file = GAS_SAVINGS_JSON;
const savings: GasSavings = existsSync(file) ? parseGasSavings(file, readFileSync(file, "utf8")) : { savings: [] };
writeFileAtomic(file, toJson(withSaving(savings, saving)));
console.error(`wrote ${file} (${saving.flows.length} flows compared)`);
console.error(`wrote ${writeBenchmarksPage()}`);
