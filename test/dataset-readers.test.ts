/**
 * The readers of a contributor's data (dataset/readers.ts): the project's dataset file, a JSONL
 * file and a folder of files, each giving the examples' canonical bytes and hashes in order (and
 * the images, when every example is one); bad data is a DatasetError naming the file, the line or
 * entry, and the field. Expected hashes are computed here with node:crypto.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { exampleHash as attributionExampleHash, loadMnist, subset } from "../attribution/data.ts";
import { config } from "../config/index.ts";
import { DatasetError, MAX_DATA_BYTES, MAX_EXAMPLE_BYTES, readContributorData } from "../dataset/index.ts";
import { encodeDataset } from "../dataset/dataset-file.ts";
import type { DatasetErrorCode, DatasetLocation } from "../dataset/errors.ts";
import { closeFifos, makeFifo } from "./helpers/fifo.ts";

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
    assert.deepEqual(
      read.examples.map((e) => e.hash),
      [0, 1, 2].map((i) => attributionExampleHash(data, i)),
    );
    assert.deepEqual(
      read.examples.map((e) => e.where),
      [0, 1, 2].map((entry) => ({ file: path, entry })),
    );
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
  const imageLine = (i: number) =>
    JSON.stringify({ pixels: Array.from(data.images.subarray(i * 784, (i + 1) * 784)), label: data.labels[i] });

  test("image records: the same hashes as the .bin of the same digits, and their images", () => {
    const path = file("digits.jsonl", `\uFEFF${imageLine(0)}\r\n\n   \n${imageLine(1)}\n${imageLine(2)}`);
    const read = readContributorData(path);
    assert.equal(read.form, "jsonl");
    assert.deepEqual(
      read.examples.map((e) => e.hash),
      readContributorData(file("digits.bin", encodeDataset(data))).examples.map((e) => e.hash),
    );
    assert.deepEqual(
      read.examples.map((e) => e.where.line),
      [1, 4, 5],
      "blank lines are skipped but counted",
    );
    assert.deepEqual(
      read.examples.map((e) => e.where.entry),
      [0, 1, 2],
    );
    assert.deepEqual([read.images?.labels, read.images?.images], [data.labels, data.images]);
  });

  test("other records: RFC 8785 bytes; a file mixing them with images has no images", () => {
    const path = file("mixed.jsonl", `{"b": [1.0, "\\u00e9"], "a": null}\n${imageLine(0)}\n"just text"\n`);
    const read = readContributorData(path);
    assert.deepEqual(
      read.examples.map((e) => e.kind),
      ["json", "image", "json"],
    );
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
    for (const [name, content] of [
      ["b.txt", "bee"],
      ["a.png", "\x89PNG"],
      ["Z.bin", "zed"],
      [".DS_Store", "junk"],
      ["é.txt", "e acute"],
    ] as const)
      writeFileSync(join(folder, name), content);
    mkdirSync(join(folder, ".git"));
    const read = readContributorData(folder);
    assert.equal(read.form, "folder");
    assert.deepEqual(
      read.examples.map((e) => e.where),
      ["Z.bin", "a.png", "b.txt", "é.txt"].map((name, entry) => ({ file: join(folder, name), entry })),
    );
    assert.deepEqual(
      read.examples.map((e) => e.hash),
      ["zed", "\x89PNG", "bee", "e acute"].map(hash),
    );
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
    assert.throws(() => readContributorData(txt, { form: "csv" as "bin" }), {
      name: "RangeError",
      message: /form must be one of bin, jsonl, folder/,
    });
  });
});

describe("dataset readers: only regular files, within limits (a stranger's data must not stall or fill the reader)", () => {
  after(closeFifos);

  test("the limits: MAX_EXAMPLE_BYTES per example, MAX_DATA_BYTES for the largest registration the config allows", () => {
    assert.equal(MAX_EXAMPLE_BYTES, 16 * 1024);
    assert.equal(MAX_DATA_BYTES, config.registration.maxExamplesPerRegistrant * MAX_EXAMPLE_BYTES);
  });

  test("a FIFO (as a .jsonl or a .bin) is NOT_REGULAR_FILE naming it, and never opened for a read that would wait", () => {
    const folder = join(dir, "fifos");
    mkdirSync(folder);
    for (const name of ["data.jsonl", "data.bin"]) {
      makeFifo(join(folder, name));
      throwsAt(() => readContributorData(join(folder, name)), "NOT_REGULAR_FILE", { file: join(folder, name) });
      assert.throws(() => readContributorData(join(folder, name)), { message: /: a FIFO \(named pipe\): only a regular file is read$/ });
    }
  });

  test("a link to /dev/zero is NOT_REGULAR_FILE (a device): links are followed, and what they lead to must be a regular file", () => {
    const zero = join(dir, "zero.bin");
    symlinkSync("/dev/zero", zero);
    throwsAt(() => readContributorData(zero), "NOT_REGULAR_FILE", { file: zero });
    assert.throws(() => readContributorData(zero), { message: /zero\.bin: a device: / });
    const linked = join(dir, "linked.jsonl");
    symlinkSync(file("target.jsonl", `"via a link"\n`), linked);
    assert.equal(readContributorData(linked).examples[0]!.hash, hash(`"via a link"`));
    const folder = join(dir, "folder-fifo");
    mkdirSync(folder);
    makeFifo(join(folder, "a"));
    throwsAt(() => readContributorData(folder), "ENTRY_NOT_FILE", { file: join(folder, "a"), entry: 0 });
  });

  test("more bytes than maxExamples * MAX_EXAMPLE_BYTES is TOO_LARGE before reading; more than that per example on average, after", () => {
    const padded = file("padded.jsonl", `"one"\n${" ".repeat(MAX_EXAMPLE_BYTES)}\n`);
    throwsAt(() => readContributorData(padded, { maxExamples: 1 }), "TOO_LARGE", { file: padded });
    assert.throws(() => readContributorData(padded, { maxExamples: 1 }), {
      message: new RegExp(`: ${MAX_EXAMPLE_BYTES + 7} bytes, more than the ${MAX_EXAMPLE_BYTES} read at most$`),
    });
    throwsAt(() => readContributorData(padded), "TOO_LARGE", { file: padded });
    assert.throws(() => readContributorData(padded), {
      message: new RegExp(`: ${MAX_EXAMPLE_BYTES + 7} bytes for 1 examples: at most ${MAX_EXAMPLE_BYTES} bytes per example on average$`),
    });
    const two = file("two.jsonl", `"one"\n"two"\n${" ".repeat(MAX_EXAMPLE_BYTES)}\n`);
    assert.equal(readContributorData(two, { maxExamples: 2 }).examples.length, 2, "the bytes of blank lines count, within the average");
    const folder = join(dir, "folder-large");
    mkdirSync(folder);
    writeFileSync(join(folder, "a"), "x".repeat(MAX_EXAMPLE_BYTES));
    writeFileSync(join(folder, "b"), "xy");
    throwsAt(() => readContributorData(folder, { maxExamples: 1 }), "TOO_MANY_EXAMPLES", { file: folder });
    assert.equal(readContributorData(folder, { maxExamples: 2 }).examples.length, 2, "one file may be larger than the average");
    writeFileSync(join(folder, "b"), "x".repeat(MAX_EXAMPLE_BYTES + 1));
    throwsAt(() => readContributorData(folder, { maxExamples: 2 }), "TOO_LARGE", { file: join(folder, "b"), entry: 1 });
    assert.throws(() => readContributorData(folder, { maxExamples: 2 }), {
      message: /: the folder's files up to this one hold 32769 bytes, more than the 32768 read at most$/,
    });
    throwsAt(() => readContributorData(folder, { maxExamples: 3 }), "TOO_LARGE", { file: folder });
  });

  test("more examples than maxExamples is TOO_MANY_EXAMPLES naming the file; maxExamples is checked", () => {
    const three = file("three.jsonl", `1\n2\n3\n`);
    throwsAt(() => readContributorData(three, { maxExamples: 2 }), "TOO_MANY_EXAMPLES", { file: three });
    assert.equal(readContributorData(three, { maxExamples: 3 }).examples.length, 3);
    const bin = file("three.bin", encodeDataset(digits()));
    throwsAt(() => readContributorData(bin, { maxExamples: 2 }), "TOO_MANY_EXAMPLES", { file: bin });
    for (const bad of [0, 1.5, config.registration.maxExamplesPerRegistrant + 1]) {
      assert.throws(() => readContributorData(three, { maxExamples: bad }), {
        name: "RangeError",
        message: /^maxExamples must be an integer in \[1, /,
      });
    }
  });

  test("within a folder: a path or a folder entry that resolves outside it is PATH_OUTSIDE naming it", () => {
    const inside = join(dir, "within");
    mkdirSync(join(inside, "entries"), { recursive: true });
    const outsideFile = file("outside.jsonl", `"secret"\n`);
    writeFileSync(join(inside, "own.jsonl"), `"own"\n`);
    symlinkSync(outsideFile, join(inside, "out.jsonl"));
    symlinkSync(join(inside, "own.jsonl"), join(inside, "in.jsonl"));
    assert.equal(readContributorData(join(inside, "in.jsonl"), { within: inside }).examples[0]!.hash, hash(`"own"`));
    throwsAt(() => readContributorData(join(inside, "out.jsonl"), { within: inside }), "PATH_OUTSIDE", { file: join(inside, "out.jsonl") });
    throwsAt(() => readContributorData(outsideFile, { within: inside }), "PATH_OUTSIDE", { file: outsideFile });
    writeFileSync(join(inside, "entries", "a"), "a");
    symlinkSync(outsideFile, join(inside, "entries", "b"));
    throwsAt(() => readContributorData(join(inside, "entries"), { within: inside }), "PATH_OUTSIDE", {
      file: join(inside, "entries", "b"),
      entry: 1,
    });
    assert.equal(readContributorData(join(inside, "entries")).examples.length, 2, "without `within`, links are followed anywhere");
  });
});
