/**
 * The readers of a contributor's data (dataset/readers.ts): the project's dataset file, a JSONL
 * file and a folder of files, each giving the examples' canonical bytes and hashes in order (and
 * the images, when every example is one); bad data is a DatasetError naming the file, the line or
 * entry, and the field. Expected hashes are computed here with node:crypto.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { exampleHash as attributionExampleHash, loadMnist, subset } from "../attribution/index.ts";
import { DatasetError, encodeDataset, readContributorData, type DatasetErrorCode, type DatasetLocation } from "../dataset/index.ts";

const dir = mkdtempSync(join(tmpdir(), "dataset-readers-"));
let made = 0;
/** Writes `content` to a new file named `name` in a fresh folder; its path. */
function file(name: string, content: string | Uint8Array): string {
  const folder = join(dir, `f${made++}`);
  mkdirSync(folder);
  const path = join(folder, name);
  writeFileSync(path, content);
  return path;
}
const hash = (bytes: Uint8Array | string) => BigInt(`0x${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}`);
const digits = () => subset(loadMnist(), [0, 1500, 9999]);

/** Asserts a DatasetError with `code`, located at `where` (each given part), whose message names the file. */
function throwsAt(fn: () => unknown, code: DatasetErrorCode, where: DatasetLocation): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DatasetError, `expected a DatasetError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    for (const [k, v] of Object.entries(where)) assert.equal(error.where[k as keyof DatasetLocation], v, `${k} in ${error.message}`);
    if (where.file !== undefined) assert.ok(error.message.startsWith(`${where.file}: `), error.message);
    if (where.line !== undefined) assert.match(error.message, new RegExp(`: line ${where.line}: `));
    if (where.field !== undefined) assert.match(error.message, new RegExp(`: field ${where.field.replace(/[[\]]/g, "\\$&")}: `));
    return true;
  });
}

describe("dataset readers: the dataset file (.bin)", () => {
  test("785 bytes per example: every example an image, hashed as attribution/ hashes it", () => {
    const data = digits();
    const path = file("mine.bin", encodeDataset(data));
    const read = readContributorData(path);
    assert.equal(read.form, "bin");
    assert.deepEqual(read.examples.map((e) => e.hash), [0, 1, 2].map((i) => attributionExampleHash(data, i)));
    assert.deepEqual(read.examples.map((e) => e.where), [0, 1, 2].map((entry) => ({ file: path, entry })));
    assert.ok(read.examples.every((e) => e.kind === "image" && e.bytes.length === 785));
    assert.deepEqual([read.images?.size, read.images?.labels, read.images?.images], [3, data.labels, data.images]);
  });

  test("a length that is not a multiple of 785 is BIN_LENGTH, naming the file", () => {
    const path = file("short.bin", encodeDataset(digits()).subarray(1));
    throwsAt(() => readContributorData(path), "BIN_LENGTH", { file: path });
    throwsAt(() => readContributorData(file("empty.bin", new Uint8Array(0))), "BIN_LENGTH", {});
  });

  test("a label out of range is LABEL_INVALID, naming the file, the example and the field", () => {
    const bytes = encodeDataset(digits());
    bytes[2 * 785 - 1] = 10;
    const path = file("bad-label.bin", bytes);
    throwsAt(() => readContributorData(path), "LABEL_INVALID", { file: path, entry: 1, field: "label" });
  });
});

describe("dataset readers: JSONL", () => {
  const data = digits();
  const imageLine = (i: number) => JSON.stringify({ pixels: Array.from(data.images.subarray(i * 784, (i + 1) * 784)), label: data.labels[i] });

  test("image records: the same hashes as the .bin of the same digits, and their images", () => {
    const path = file("digits.jsonl", `\uFEFF${imageLine(0)}\r\n\n   \n${imageLine(1)}\n${imageLine(2)}`);
    const read = readContributorData(path);
    assert.equal(read.form, "jsonl");
    assert.deepEqual(read.examples.map((e) => e.hash), readContributorData(file("digits.bin", encodeDataset(data))).examples.map((e) => e.hash));
    assert.deepEqual(read.examples.map((e) => e.where.line), [1, 4, 5], "blank lines are skipped but counted");
    assert.deepEqual(read.examples.map((e) => e.where.entry), [0, 1, 2]);
    assert.deepEqual([read.images?.labels, read.images?.images], [data.labels, data.images]);
  });

  test("other records: RFC 8785 bytes; a file mixing them with images has no images", () => {
    const path = file("mixed.jsonl", `{"b": [1.0, "\\u00e9"], "a": null}\n${imageLine(0)}\n"just text"\n`);
    const read = readContributorData(path);
    assert.deepEqual(read.examples.map((e) => e.kind), ["json", "image", "json"]);
    assert.equal(new TextDecoder().decode(read.examples[0]!.bytes), `{"a":null,"b":[1,"é"]}`);
    assert.equal(read.examples[0]!.hash, hash(`{"a":null,"b":[1,"é"]}`));
    assert.equal(read.examples[2]!.hash, hash(`"just text"`));
    assert.equal(read.images, undefined);
  });

  test("a malformed line 3 is JSON_SYNTAX naming the file and line 3", () => {
    const path = file("broken.jsonl", `{"a": 1}\n{"a": 2}\n{"a": 3,,}\n{"a": 4}\n`);
    throwsAt(() => readContributorData(path), "JSON_SYNTAX", { file: path, line: 3, entry: 2 });
  });

  test("a label out of range is LABEL_INVALID naming the line and the field; a duplicate key names its field", () => {
    const bad = JSON.stringify({ pixels: new Array(784).fill(0), label: 10 });
    const path = file("label.jsonl", `${imageLine(0)}\n${bad}\n`);
    throwsAt(() => readContributorData(path), "LABEL_INVALID", { file: path, line: 2, field: "label" });
    const dup = file("dup.jsonl", `{"meta": {"id": 1, "id": 2}}\n`);
    throwsAt(() => readContributorData(dup), "JSON_DUPLICATE_KEY", { file: dup, line: 1, field: "meta.id" });
  });

  test("a line that is not UTF-8 is UTF8_INVALID with its line; only blank lines is EMPTY", () => {
    const path = file("latin1.jsonl", Buffer.concat([Buffer.from(`"ok"\n"caf`), Buffer.of(0xe9), Buffer.from(`"\n`)]));
    throwsAt(() => readContributorData(path), "UTF8_INVALID", { file: path, line: 2 });
    const blank = file("blank.jsonl", "\n  \n\t\r\n");
    throwsAt(() => readContributorData(blank), "EMPTY", { file: blank });
  });
});

describe("dataset readers: a folder of files", () => {
  test("one example per file, raw bytes, in the byte order of the names; hidden files skipped", () => {
    const folder = join(dir, "folder-good");
    mkdirSync(folder);
    for (const [name, content] of [["b.txt", "bee"], ["a.png", "\x89PNG"], ["Z.bin", "zed"], [".DS_Store", "junk"], ["é.txt", "e acute"]] as const) writeFileSync(join(folder, name), content);
    mkdirSync(join(folder, ".git"));
    const read = readContributorData(folder);
    assert.equal(read.form, "folder");
    assert.deepEqual(read.examples.map((e) => e.where), ["Z.bin", "a.png", "b.txt", "é.txt"].map((name, entry) => ({ file: join(folder, name), entry })));
    assert.deepEqual(read.examples.map((e) => e.hash), ["zed", "\x89PNG", "bee", "e acute"].map(hash));
    assert.ok(read.examples.every((e) => e.kind === "file"));
    assert.equal(read.images, undefined, "files are not decoded");
  });

  test("an empty folder (or one with only hidden files) is EMPTY, naming the folder", () => {
    const folder = join(dir, "folder-empty");
    mkdirSync(folder);
    throwsAt(() => readContributorData(folder), "EMPTY", { file: folder });
    writeFileSync(join(folder, ".hidden"), "x");
    throwsAt(() => readContributorData(folder), "EMPTY", { file: folder });
  });

  test("a subfolder is refused (ENTRY_NOT_FILE), not recursed; an empty file is EXAMPLE_EMPTY; each names the entry", () => {
    const folder = join(dir, "folder-nested");
    mkdirSync(join(folder, "more"), { recursive: true });
    writeFileSync(join(folder, "a"), "x");
    throwsAt(() => readContributorData(folder), "ENTRY_NOT_FILE", { file: join(folder, "more"), entry: 1 });
    const withEmpty = join(dir, "folder-empty-file");
    mkdirSync(withEmpty);
    writeFileSync(join(withEmpty, "a"), "");
    throwsAt(() => readContributorData(withEmpty), "EXAMPLE_EMPTY", { file: join(withEmpty, "a"), entry: 0 });
  });
});

describe("dataset readers: choosing the form", () => {
  test("by the path, or by the form option; a path that says nothing, a form that does not fit, a missing path: named", () => {
    const txt = file("records.txt", `{"a":1}\n`);
    throwsAt(() => readContributorData(txt), "FORM_UNKNOWN", { file: txt });
    assert.equal(readContributorData(txt, { form: "jsonl" }).examples[0]!.hash, hash(`{"a":1}`));
    throwsAt(() => readContributorData(txt, { form: "folder" }), "FORM_MISMATCH", { file: txt });
    throwsAt(() => readContributorData(dir, { form: "bin" }), "FORM_MISMATCH", { file: dir });
    throwsAt(() => readContributorData(join(dir, "nothing.bin")), "PATH_MISSING", { file: join(dir, "nothing.bin") });
    assert.throws(() => readContributorData(txt, { form: "csv" as "bin" }), { name: "RangeError", message: /form must be one of bin, jsonl, folder/ });
  });
});
