/**
 * Reader for the project's dataset file (.bin, dataset-file.ts): 785 bytes per example, every
 * example an image, so the decoded Dataset comes with the hashes.
 */
import { readFileSync } from "node:fs";
import { canonicalExample, datasetExampleBytes } from "./canonical-bytes.ts";
import { decodeDataset } from "./dataset-file.ts";
import { placed } from "./errors.ts";
import type { ContributorData } from "./readers.ts";

/** Reads a dataset file: BIN_LENGTH, LABEL_INVALID (naming the example), HASH_ZERO, each with the file. */
export function readBinFile(file: string): ContributorData {
  return placed({ file }, () => {
    const images = decodeDataset(readFileSync(file));
    const examples = Array.from({ length: images.size }, (_, entry) => placed({ entry }, () => ({
      ...canonicalExample("image", datasetExampleBytes(images, entry)),
      where: { file, entry },
    })));
    return { form: "bin", path: file, examples, images };
  });
}
