/**
 * Reader for the project's dataset file (.bin, dataset-file.ts): 785 bytes per example, every
 * example an image, so the decoded Dataset comes with the hashes.
 */
import { canonicalExample, datasetExampleBytes } from "./canonical-bytes.ts";
import { decodeDataset, EXAMPLE_BYTES } from "./dataset-file.ts";
import { placed } from "./errors.ts";
import { checkExampleCount, readRegularFile, type ReadLimits } from "./read-file.ts";
import type { ContributorData } from "./contributor-data.ts";

/**
 * Reads a dataset file within `limits` (read-file.ts): PATH_OUTSIDE, NOT_REGULAR_FILE, TOO_LARGE,
 * TOO_MANY_EXAMPLES, BIN_LENGTH, LABEL_INVALID (naming the example), HASH_ZERO, each with the file.
 * (785 bytes per example is always below MAX_EXAMPLE_BYTES.)
 */
export function readBinFile(file: string, limits: ReadLimits): ContributorData {
  return placed({ file }, () => {
    const bytes = readRegularFile(file, limits.maxBytes, limits.within);
    checkExampleCount(file, Math.floor(bytes.length / EXAMPLE_BYTES), limits.maxExamples);
    const images = decodeDataset(bytes);
    const examples = Array.from({ length: images.size }, (_, entry) =>
      placed({ entry }, () => ({
        ...canonicalExample("image", datasetExampleBytes(images, entry)),
        where: { file, entry },
      })),
    );
    return { form: "bin", path: file, examples, images };
  });
}
