/**
 * Scores recomputed from the data and the model (verify --data FILE --model FILE), on CPU, and
 * compared with the example table exactly on the fixed-point values. What the epoch record must
 * hold (the demo writes it; protocol/trainer/score.ts, attribution/'s attributionRecord):
 *   - epoch.json `attribution.settings`: the attribution config the scores were made with
 *     (method and its parameters, seeds, model shape, training, defences), and
 *     `attribution.scoreFormat` (fixed-point decimals and score width);
 *   - epoch.json `model.modelHash`: sha256 of the ONNX model (also in EpochOpened on chain);
 *   - the revealed validation set: epoch.json `validation` (file, validationSetHash) and the file.
 * In order, each failure named:
 *   1. the model file's sha256 is the record's model hash, else MODEL_MISMATCH;
 *   2. the validation file's set hash is the revealed validationSetHash (revealed-set.ts), else
 *      VALIDATION_MISMATCH (validation.ts checks the reveal itself; this guards recomputeScores
 *      called alone), and it is a set of images (what the MNIST pipeline scores against);
 *   3. each contributor's examples in the data file, sorted, with its address and the salt of one
 *      of its kept registrations (registrations.json) re-hash to that registration's C_j
 *      (registrationCommitment), else DATA_MISMATCH: the data is what was registered on chain;
 *   4. the scoring reruns (attribution/ scoreContributors: defences, training, the method, fixed
 *      point) with the recorded settings on the CPU provider with one intra-op thread (one ORT
 *      thread is what makes it bit-reproducible on a machine: two changed low bits), and every
 *      recomputed claim and score must equal the record's, else SCORES_MISMATCH with the count,
 *      the largest deviation and its rows;
 *   5. the rerun's model is byte-identical to the model file, else MODEL_MISMATCH: the published
 *      model is the one the data trains to (docs/statement.md lists this as trusted otherwise).
 * Scores made on another machine or provider (the demo prefers CUDA when present) may differ in
 * the last bits: the largest deviation says by how much.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { getAddress } from "ethers";
import type { ScoreFormat } from "../attribution/index.ts";
import { datasetHash } from "../attribution/data.ts";
import { scoreContributors } from "../attribution/pipeline.ts";
import { decodeTrainingData } from "../attribution/training-data.ts";
import { datasetExampleHashes } from "../dataset/canonical-bytes.ts";
import { parseAttributionConfig } from "../config/attribution.ts";
import { config } from "../config/index.ts";
import { registrationCommitment } from "./model/index.ts";
import { EpochVerifyError, type EpochVerifyErrorCode, type FailureLocation } from "./epoch-errors.ts";
import type { CheckResult } from "./check-result.ts";
import type { EpochRecord } from "./record.ts";
import { readRevealedSet } from "./revealed-set.ts";
import { compareClaims } from "./scores.ts";

export interface RecomputeInputs {
  /** The training data file (attribution/training-data.ts format). */
  readonly dataFile: string;
  /** The ONNX model the epoch paid for. */
  readonly modelFile: string;
}

const fail = (code: EpochVerifyErrorCode, message: string, where: FailureLocation): never => {
  throw new EpochVerifyError(code, "scores", message, where);
};
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function readInput(file: string, what: string): Buffer {
  if (!existsSync(file)) fail("RECORD_MALFORMED", `${what} ${file} is missing`, { file, field: "(file)" });
  return readFileSync(file);
}

/** What recomputing needs from epoch.json, shape-checked. */
function recordedInputs(record: EpochRecord) {
  const a = record.attribution as { settings?: unknown; scoreFormat?: Partial<ScoreFormat> } | undefined;
  if (a?.settings === undefined || typeof a.scoreFormat?.decimals !== "number" || typeof a.scoreFormat.scoreBits !== "number") {
    fail(
      "RECORD_MALFORMED",
      "epoch.json has no attribution.settings and attribution.scoreFormat: the epoch's scores were not made by the demo's attribution stage (an --examples file?), so there is nothing to rerun; compare a scores file with --scores",
      { file: "epoch.json", field: "attribution.settings" },
    );
  }
  let settings;
  try {
    settings = parseAttributionConfig(a!.settings, "epoch.json attribution.settings");
  } catch (error) {
    return fail("RECORD_MALFORMED", (error as Error).message, { file: "epoch.json", field: "attribution.settings" });
  }
  const v = record.validation as { file?: unknown; labels?: unknown; validationSetHash?: unknown } | undefined;
  // Bare file names: the record must not point outside its directory.
  const bare = (x: unknown): x is string => typeof x === "string" && basename(x) === x;
  if (
    !bare(v?.file) ||
    !(v.labels === undefined || bare(v.labels)) ||
    typeof v.validationSetHash !== "string" ||
    !/^0x[0-9a-f]{64}$/.test(v.validationSetHash)
  ) {
    return fail("RECORD_MALFORMED", "epoch.json has no revealed validation set (validation.file, validation.validationSetHash)", {
      file: "epoch.json",
      field: "validation",
    });
  }
  const revealed = {
    file: v.file,
    ...(v.labels === undefined ? {} : { labels: v.labels as string }),
    validationSetHash: v.validationSetHash,
  };
  return { settings, format: { decimals: a!.scoreFormat!.decimals!, scoreBits: a!.scoreFormat!.scoreBits! }, revealed };
}

/** Recomputes the epoch's scores from `inputs` and compares them with `record` (see the header). */
/** The registration chunk and widths the record was made with. */
function recordChunk(record: EpochRecord): number {
  return record.registrationChunk ?? config.registrationBatch.chunk;
}

export async function recomputeScores(record: EpochRecord, inputs: RecomputeInputs): Promise<CheckResult> {
  const widths = { ...config.widths, ...(record.widths ?? {}) };
  const { settings, format, revealed } = recordedInputs(record);
  const modelBytes = readInput(inputs.modelFile, "the model file");
  const modelHash = `0x${sha256(modelBytes)}`;
  if (modelHash !== record.modelHash.toLowerCase()) {
    fail("MODEL_MISMATCH", `${inputs.modelFile} has sha256 ${modelHash}, the epoch paid for model ${record.modelHash}`, {
      file: inputs.modelFile,
      field: "modelHash",
      expected: record.modelHash,
      got: modelHash,
    });
  }
  const validation = readRevealedSet(record.dir, revealed, (message, where) => fail("VALIDATION_MISMATCH", message, where)).images;
  if (validation === undefined)
    return fail("RECORD_MALFORMED", `${revealed.file}: not a set of images, which the MNIST pipeline the record names scores against`, {
      file: revealed.file,
    });
  let partitions;
  try {
    partitions = decodeTrainingData(readInput(inputs.dataFile, "the data file").toString("utf8"));
  } catch (error) {
    return fail("RECORD_MALFORMED", (error as Error).message, { file: inputs.dataFile });
  }
  // Each partition is a kept registration of its address: its sorted hashes, the address and the
  // registration's salt re-hash to the C_j the registry folded. An address may have registered
  // more than once: any of its kept registrations, each taken once.
  const chunk = recordChunk(record);
  const taken = new Set<number>();
  partitions.forEach((p, i) => {
    const sender = BigInt(p.address);
    const hashes = datasetExampleHashes(p.data).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const candidates = record.registrations.filter((r) => r.contributor === sender && !r.excluded && !taken.has(r.order));
    const match = candidates.find((r) => {
      if (r.count !== hashes.length || r.salt === undefined) return false;
      try {
        return (
          registrationCommitment({ regDomain: record.registrationDomain, sender, salt: r.salt, hashes, chunk }, widths) === r.commitment
        );
      } catch (error) {
        if (error instanceof RangeError) return false;
        throw error;
      }
    });
    if (!match) {
      const regs = candidates.map((r) => `registration ${r.order}: ${r.count} examples, C ${r.commitment}`).join("; ");
      fail(
        "DATA_MISMATCH",
        `${inputs.dataFile} contributor ${i} (${p.address}): ${hashes.length} examples that re-hash to none of its kept registrations (${regs || "none"})`,
        { file: inputs.dataFile, row: i, field: "examples" },
      );
    }
    taken.add(match!.order);
  });
  const cpu = { ...settings, providers: ["cpu"], strict: false, threads: 1 };
  const result = await scoreContributors(partitions, validation, datasetHash(validation), cpu, format, () => {});
  const claims = result.rows.map((r, row) => ({
    hash: r.exampleHash,
    contributor: BigInt(r.contributor),
    score: r.score,
    checksumAddress: getAddress(r.contributor),
    row,
  }));
  compareClaims(record, claims, `the scores recomputed from ${inputs.dataFile}`, "row");
  if (`0x${result.model.hash}` !== modelHash) {
    fail(
      "MODEL_MISMATCH",
      `training on ${inputs.dataFile} with the recorded settings gives model 0x${result.model.hash}, not ${inputs.modelFile} (${modelHash}), although the scores agree`,
      { file: inputs.modelFile, field: "modelHash", expected: `0x${result.model.hash}`, got: modelHash },
    );
  }
  return {
    check: "scores",
    status: "pass",
    detail: `${claims.length} scores recomputed on CPU (${settings.method}, 1 thread) from ${inputs.dataFile} equal the table exactly; the rerun's model is ${inputs.modelFile} byte for byte`,
  };
}
