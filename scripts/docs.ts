/** npm run docs: re-renders docs/benchmarks.md from the committed bench-results/*.json (scripts/lib/bench-docs.ts). */
import { writeBenchmarksPage } from "./lib/benchmarks-page.ts";

console.error(`wrote ${writeBenchmarksPage()}`);
