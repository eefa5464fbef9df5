/**
 * dataset/: a contributor's examples and the one canonical-bytes rule that names them (see
 * canonical-bytes.ts). Neutral ground: attribution/, the protocol's parties and verify/ import it;
 * it imports none of them. Public: reading a contributor's data and its arrays (dataset/README.md's
 * example), the example and set hashes every party computes, the read limits and DatasetError; the
 * canonical bytes' parts and the codecs (npy, zip, the dataset file, JCS, strict JSON) are imported
 * from their modules.
 */
export { exampleHash } from "./canonical-bytes.ts";
export { exampleSetHash } from "./set-hash.ts";
export { readContributorData, labelledArrays } from "./readers.ts";
export type { ContributorData, DataForm, LabelledArrays } from "./contributor-data.ts";
export { MAX_EXAMPLE_BYTES, MAX_DATA_BYTES } from "./read-file.ts";
export type { Dataset } from "./dataset-file.ts";
export { DatasetError } from "./errors.ts";
