/**
 * npx node scripts/attribution.ts [--out build/attribution] [--method trak]
 *
 * Runs the attribution step alone from config.attribution: seeded MNIST split, demo partitions,
 * training with onnxruntime, scores, fixed point. Writes examples.csv (example,contributor,score),
 * model.onnx and attribution.json into --out and prints the per-contributor sums.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { config } from "../config/index.ts";
import { ATTRIBUTION_METHODS, type AttributionMethod } from "../config/attribution.ts";
import { runAttribution, scoreFormatOf, writeAttribution } from "../attribution/index.ts";
import { formatFixedPoint } from "../witness/fixed-point.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: "string", default: join(ROOT, "build", "attribution") },
    method: { type: "string", default: config.attribution.method },
  },
});
if (!ATTRIBUTION_METHODS.includes(values.method as AttributionMethod)) {
  console.error(`--method must be one of ${ATTRIBUTION_METHODS.join(", ")}`);
  process.exit(2);
}
const format = scoreFormatOf(config);
const result = await runAttribution({ ...config.attribution, method: values.method as AttributionMethod }, format);
const paths = writeAttribution(values.out, result, format.decimals);
console.log(`method ${result.method} on ${result.provider}; validation accuracy ${(result.validationAccuracy * 100).toFixed(1)} %`);
console.log(`model ${result.model.hash}\nvalidation set ${result.validationHash}`);
for (const c of result.contributors) {
  console.log(`  ${c.address}  ${c.label.padEnd(20)} ${String(c.examples).padStart(5)} examples  total ${formatFixedPoint(c.total, format.decimals).padStart(14)}  positive ${formatFixedPoint(c.positiveTotal, format.decimals).padStart(14)}`);
}
console.log(`stages (s): ${Object.entries(result.timings).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")}`);
console.log(`wrote ${paths.examples}, ${paths.model}, ${paths.summary}`);
