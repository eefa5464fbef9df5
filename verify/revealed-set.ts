/**
 * The revealed validation set of an epoch directory, read and rehashed: epoch.json `validation`
 * names its file (validation.bin, or the trainer's own file as validation.npz, .jsonl, .npy with
 * `labels`: protocol/trainer/validation-file.ts), read here with the readers every party uses
 * (dataset/ readContributorData, confined to the directory) and hashed by dataset/ exampleSetHash,
 * the hash seal committed to (for a set of images, the sha256 of its dataset file). Shared by the
 * validation check and the score rerun, each failing under its own check.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatasetError, exampleSetHash, readContributorData, type ContributorData } from "../dataset/index.ts";
import type { FailureLocation } from "./epoch-errors.ts";

/** Where the revealed set is, as epoch.json `validation` says (bare file names, checked by the caller). */
export interface RevealedSetFiles {
  readonly file: string;
  readonly labels?: string;
  readonly validationSetHash: string;
}

/**
 * The set in `dir` whose set hash must be `revealed.validationSetHash`; `fail` (the caller's
 * check) for a missing or unreadable file, or another hash.
 */
export function readRevealedSet(
  dir: string,
  revealed: RevealedSetFiles,
  fail: (message: string, where: FailureLocation) => never,
): ContributorData {
  const { file, labels, validationSetHash } = revealed;
  for (const name of labels === undefined ? [file] : [file, labels]) {
    if (!existsSync(join(dir, name))) fail(`${name}, the revealed validation set, is missing`, { file: name, field: "(file)" });
  }
  let data: ContributorData;
  try {
    data = readContributorData(join(dir, file), { within: dir, ...(labels === undefined ? {} : { labels: join(dir, labels) }) });
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    return fail(error.message, { file });
  }
  const hash = `0x${exampleSetHash(data.examples)}`;
  if (hash !== validationSetHash) {
    fail(
      `${file} has set hash ${hash} (dataset/ exampleSetHash; the sha256 of a set of images' dataset file), the revealed validation set is ${validationSetHash}`,
      { file, field: "validationSetHash", expected: validationSetHash, got: hash },
    );
  }
  return data;
}
