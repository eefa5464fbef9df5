/**
 * Reader for a JSONL file: one JSON record per line (\n, or \r\n), each line UTF-8 on its own
 * (a bad byte is named by its line), a UTF-8 byte order mark before line 1 ignored, lines of only
 * spaces and tabs skipped. Each record's canonical bytes follow the rule (canonical-bytes.ts):
 * images (a pixels record, or an { input, label } record of 784 pixel values and a class) as
 * their 785 bytes, other labelled rows as the JSON of their flattened values, other records as
 * RFC 8785 JSON. When every record is an image, the decoded Dataset comes with the hashes, so
 * attribution can score them.
 */
import { canonicalExample, jsonRecordBytes } from "./canonical-bytes.ts";
import { imagesOf } from "./arrays.ts";
import { DatasetError, placed } from "./errors.ts";
import { parseJsonStrict } from "./json-parse.ts";
import { checkBytesPerExample, checkExampleCount, readRegularFile, type ReadLimits } from "./read-file.ts";
import type { ContributorData, SourcedExample } from "./contributor-data.ts";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const BOM = [0xef, 0xbb, 0xbf] as const;
const blank = (line: Uint8Array) => line.every((b) => b === 0x20 || b === 0x09);

/**
 * The lines of `bytes` (split on \n, one trailing \r cut from each), without the final empty one,
 * one at a time (a file of newlines makes no array of a line per byte).
 */
function* lines(bytes: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    const line = bytes.subarray(start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end);
    if (nl >= 0 || line.length > 0) yield line;
    if (nl < 0) return;
    start = nl + 1;
  }
}

/**
 * Reads a JSONL file within `limits` (read-file.ts). Errors name the file and the 1-based line:
 * UTF8_INVALID, JSON_SYNTAX, JSON_DUPLICATE_KEY, JSON_NUMBER, JSON_STRING, JSON_DEPTH,
 * IMAGE_FIELDS, PIXELS_INVALID, LABEL_INVALID (with the field), HASH_ZERO; the file only:
 * PATH_OUTSIDE, NOT_REGULAR_FILE, TOO_LARGE, TOO_MANY_EXAMPLES, EMPTY when no line holds a record.
 */
export function readJsonlFile(file: string, limits: ReadLimits): ContributorData {
  const bytes = readRegularFile(file, limits.maxBytes, limits.within);
  const body = BOM.every((b, k) => bytes[k] === b) ? bytes.subarray(BOM.length) : bytes;
  const examples: SourcedExample[] = [];
  let index = 0;
  for (const raw of lines(body)) {
    index++;
    if (blank(raw)) continue;
    checkExampleCount(file, examples.length + 1, limits.maxExamples);
    const where = { file, line: index, entry: examples.length };
    examples.push(
      placed(where, () => {
        let text: string;
        try {
          text = decoder.decode(raw);
        } catch (error) {
          throw new DatasetError("UTF8_INVALID", "not valid UTF-8", {}, error);
        }
        const { kind, bytes, shape } = jsonRecordBytes(parseJsonStrict(text));
        return { ...canonicalExample(kind, bytes), where, ...(shape === undefined ? {} : { shape }) };
      }),
    );
  }
  if (examples.length === 0) throw new DatasetError("EMPTY", "no record: a JSONL file holds one JSON record per line", { file });
  checkBytesPerExample(file, bytes.length, examples.length);
  const images = imagesOf(examples);
  return { form: "jsonl", path: file, examples, ...(images === undefined ? {} : { images }) };
}
