/**
 * dataset/: a contributor's examples and the one canonical-bytes rule that names them (see
 * canonical-bytes.ts). Neutral ground: attribution/, the protocol's parties and verify/ import it;
 * it imports none of them. Other folders import from here only.
 */
export {
  exampleHash, imageExampleBytes, datasetExampleBytes, datasetExampleHashes, jsonRecordBytes, fileExampleBytes, labelledRowBytes, isImageRecord, canonicalExample,
  EXAMPLE_HASH_BITS, ROW_LABEL_MAX, type CanonicalExample, type ExampleBytes, type ExampleKind,
} from "./canonical-bytes.ts";
export { exampleSetHash } from "./set-hash.ts";
export { readContributorData, labelledArrays, dataFormOf, type ReadOptions } from "./readers.ts";
export { DATA_FORMS, type ContributorData, type DataForm, type LabelledArrays, type SourcedExample } from "./contributor-data.ts";
export { decodeNpy, encodeNpy, type NpyArray } from "./npy.ts";
export { encodeZip } from "./zip.ts";
export { readRegularFile, MAX_EXAMPLE_BYTES, MAX_DATA_BYTES } from "./read-file.ts";
export { encodeDataset, decodeDataset, PIXELS, CLASSES, EXAMPLE_BYTES, type Dataset } from "./dataset-file.ts";
export { canonicalJson } from "./jcs.ts";
export { parseJsonStrict, MAX_JSON_DEPTH, type JsonValue } from "./json-parse.ts";
export { DatasetError, type DatasetErrorCode, type DatasetLocation } from "./errors.ts";
