/**
 * Files for the rest of the pipeline, written atomically into one directory:
 *   examples.csv      header example,contributor,score: 0x + 32 hex digits, EIP-55 address,
 *                     decimal fixed-point score (witness/examples-file.ts reads this format)
 *   model.onnx        the exported inference model (its sha256 is modelHash)
 *   attribution.json  method, provider, modelHash, validationHash, accuracy, per-contributor sums,
 *                     the defences that ran, the flagged near copies and the examples whose label
 *                     the model finds improbable (label consistency), with their evidence
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatFixedPoint } from "../config/fixed-point.ts";
import type { AttributionResult } from "./pipeline.ts";

const hex128 = (v: bigint) => `0x${v.toString(16).padStart(32, "0")}`;

export function examplesCsv(result: Pick<AttributionResult, "rows">, decimals: number): string {
  const lines = ["example,contributor,score"];
  for (const r of result.rows) {
    lines.push(`0x${r.exampleHash.toString(16).padStart(32, "0")},${r.contributor},${formatFixedPoint(r.score, decimals)}`);
  }
  return `${lines.join("\n")}\n`;
}

function writeAtomic(path: string, content: string | Uint8Array): void {
  writeFileSync(`${path}.tmp`, content);
  renameSync(`${path}.tmp`, path);
}

/** Writes the three files into `dir`; returns their paths. */
export function writeAttribution(
  dir: string,
  result: AttributionResult,
  decimals: number,
): { examples: string; model: string; summary: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { examples: join(dir, "examples.csv"), model: join(dir, "model.onnx"), summary: join(dir, "attribution.json") };
  writeAtomic(paths.examples, examplesCsv(result, decimals));
  writeAtomic(paths.model, result.model.bytes);
  const summary = {
    method: result.method,
    provider: result.provider,
    modelHash: result.model.hash,
    validationHash: result.validationHash,
    validationAccuracy: result.validationAccuracy,
    divisor: result.divisor,
    decimals,
    defences: result.defences,
    nearDuplicates: result.nearDuplicates ?? null,
    flagged: result.flagged.map((f) => ({
      example: hex128(f.exampleHash),
      contributor: f.contributor,
      row: f.index,
      reference:
        f.reference.set === "validation"
          ? { set: "validation", index: f.reference.index }
          : { set: "registered", row: f.reference.index, example: hex128(f.reference.exampleHash), contributor: f.reference.contributor },
      similarity: Number(f.similarity.toFixed(6)),
      shift: f.shift,
      rotation: f.rotation,
    })),
    labelConsistency: result.labelConsistency ?? null,
    mislabelled: result.mislabelled.map((m) => ({
      example: hex128(m.exampleHash),
      contributor: m.contributor,
      row: m.index,
      label: m.label,
      pLabel: Number(m.pLabel.toFixed(6)),
      predicted: m.predicted,
      pPredicted: Number(m.pPredicted.toFixed(6)),
      reason: m.reason,
    })),
    contributors: result.contributors.map((c) => ({
      ...c,
      total: formatFixedPoint(c.total, decimals),
      positiveTotal: formatFixedPoint(c.positiveTotal, decimals),
    })),
    timings: result.timings,
  };
  writeAtomic(paths.summary, `${JSON.stringify(summary, null, 2)}\n`);
  return paths;
}
