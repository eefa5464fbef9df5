/**
 * The demo's attack suite: a fast subset of npm run eval:attacks (attack-suite.ts, the same
 * scenarios at small sizes: 4 honest contributors, a victim and an attacker of 40 digits, a small
 * influence-function model), run by npm run demo and written into the epoch record as
 * attacks.json (epoch-record.ts). The full suite, with the sizes, is the benchmark.
 *
 * At these sizes G5 misses its target (77.5 % of the planted mislabelled digits paid zero, measured;
 * 82.5-85 % with 10 epochs or 128 hidden units, 75 % with TRAK in 23 s): a model trained on 280
 * digits flags fewer wrong labels with confidence. The row says FAIL rather than hide it.
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { epochPaths, writeRecordFile } from "./epoch-record.ts";
import type { AttributionConfig } from "../../config/attribution.ts";
import { exactCopies, nearCopies, plantedMislabels, prepareSuite, rotatedCopies, stealing, sybilSplit, validationCopies, type AttackRow } from "./attack-suite.ts";

/** Sizes and the model of the demo's suite: seconds on 2 cores, not the benchmark's minutes. */
export function demoSuiteSettings(config: ProtocolConfig): AttributionConfig {
  return {
    ...config.attribution, providers: ["cpu"], strict: true, method: "influence", validationSize: 200, hidden: 64, batchSize: 64,
    training: { ...config.attribution.training, epochs: 5 },
  };
}

/** Runs every scenario once (G1 with 5 copies); returns attacks.json's rows. */
export async function runDemoAttacks(config: ProtocolConfig, log?: (message: string) => void): Promise<AttackRow[]> {
  const suite = await prepareSuite({ honest: 4, size: 40, settings: demoSuiteSettings(config), pool: 10n ** 24n, ...(log ? { log } : {}) });
  const rows: AttackRow[] = [await exactCopies(suite, 5)];
  for (const attack of [nearCopies, sybilSplit, rotatedCopies, plantedMislabels, validationCopies, stealing]) rows.push(await attack(suite));
  return rows;
}

/** Runs the demo's suite and writes attacks.json into the epoch directory `dir`; returns the rows. */
export async function writeDemoAttacks(dir: string, config: ProtocolConfig, log?: (message: string) => void): Promise<AttackRow[]> {
  const rows = await runDemoAttacks(config, log);
  writeRecordFile(epochPaths(dir).attacksFile, rows);
  return rows;
}
