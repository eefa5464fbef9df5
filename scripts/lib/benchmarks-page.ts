/**
 * docs/benchmarks.md on disk: read the committed benchmark JSON (bench-results/bench.json, and
 * bench-epoch.json and gas-savings.json when present), render it with bench-docs.ts and write the page atomically. Used
 * by `npm run docs`, by both benchmarks after they write their JSON, and by the test that keeps the
 * committed page equal to its sources.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import { writeFileAtomic } from "../../files/index.ts";
import { renderBenchmarksPage } from "./bench-docs.ts";
import { parseBenchResults, parseEpochBenchResults, parseGasSavings } from "./bench-results.ts";

export const BENCH_JSON = join(PROJECT_ROOT, "bench-results", "bench.json");
export const EPOCH_BENCH_JSON = join(PROJECT_ROOT, "bench-results", "bench-epoch.json");
export const GAS_SAVINGS_JSON = join(PROJECT_ROOT, "bench-results", "gas-savings.json");
export const BENCHMARKS_PAGE = join(PROJECT_ROOT, "docs", "benchmarks.md");

/** The page the committed JSON renders to. */
export function renderBenchmarksPageFromFiles(): string {
  const bench = parseBenchResults(BENCH_JSON, readFileSync(BENCH_JSON, "utf8"));
  const epoch = existsSync(EPOCH_BENCH_JSON) ? parseEpochBenchResults(EPOCH_BENCH_JSON, readFileSync(EPOCH_BENCH_JSON, "utf8")) : undefined;
  const savings = existsSync(GAS_SAVINGS_JSON) ? parseGasSavings(GAS_SAVINGS_JSON, readFileSync(GAS_SAVINGS_JSON, "utf8")) : undefined;
  return renderBenchmarksPage(bench, epoch, savings);
}

/** Re-renders docs/benchmarks.md from the JSON in bench-results/; returns the page's path. */
export function writeBenchmarksPage(): string {
  writeFileAtomic(BENCHMARKS_PAGE, renderBenchmarksPageFromFiles());
  return BENCHMARKS_PAGE;
}
