/**
 * The canonical-bytes rule (dataset/canonical-bytes.ts) against its test vectors
 * (test/fixtures/canonical-bytes/vectors.json). Every expected hash is recomputed here with
 * node:crypto from the vector's canonical bytes, and every expected JSON text is written by hand
 * (RFC 8785's own examples where the vector says so), so the vectors check the module rather
 * than repeat it. The MNIST hashes made before dataset/ existed are pinned: all 10,000 digits
 * hash as sha256(784 pixels || label) cut to 16 bytes, by attribution/ and dataset/ alike. An
 * example is its values and its label: the same digit (or row) written in every form the readers
 * take (.bin, JSONL flat or nested under pixels or input, .npy/.npz of uint8, int64, float32 and
 * float64 in shapes (784), (28, 28), (1, 784), a folder's file of its bytes) is one hash, and
 * examples that differ in any value or in the label are different hashes.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { exampleHash as attributionExampleHash, loadMnist } from "../attribution/data.ts";
import {
  truncatedHash,
  datasetExampleBytes,
  datasetExampleHashes,
  fileExampleBytes,
  imageExampleBytes,
  jsonRecordBytes,
  labelledRowBytes,
} from "../dataset/canonical-bytes.ts";
import { DatasetError, exampleHash, exampleSetHash, readContributorData } from "../dataset/index.ts";
import { encodeDataset } from "../dataset/dataset-file.ts";
import type { DatasetErrorCode } from "../dataset/errors.ts";
import { canonicalJson } from "../dataset/jcs.ts";
import { parseJsonStrict } from "../dataset/json-parse.ts";
import { encodeNpy } from "../dataset/npy.ts";
import { encodeZip } from "../dataset/zip.ts";

interface Hashed {
  readonly name: string;
  readonly canonicalHex: string;
  readonly hash: string;
}
type Dtype = "uint8" | "int64" | "float32" | "float64";
/** A labelled row: its values (a string is Number()'s: "-0", "NaN") or an image vector's pixels, stored as `dtype`. */
interface RowInput {
  readonly values?: readonly (number | string)[];
  readonly valuesOf?: string;
  readonly dtype: Dtype;
  readonly label: number;
}
interface Vectors {
  readonly image: readonly (Hashed & { readonly input: { readonly pixelsHex: string; readonly label: number } })[];
  readonly jsonlImage: readonly (Hashed & { readonly sameAs: string; readonly input: string })[];
  readonly jsonlRecord: readonly (Hashed & { readonly input: string; readonly canonical: string })[];
  readonly labelledRow: readonly (Hashed & { readonly input: RowInput; readonly sameAs?: string; readonly canonical?: string })[];
  readonly jsonlRow: readonly { readonly name: string; readonly input: string; readonly sameAs: string }[];
  readonly file: readonly (Hashed & { readonly input: string })[];
  readonly jcsNumbers: readonly { readonly bits: string; readonly canonical: string }[];
  readonly jcsRefused: readonly { readonly bits: string; readonly what: string; readonly code: DatasetErrorCode }[];
  readonly refused: readonly {
    readonly form: "image" | "jsonl" | "file" | "row";
    readonly name: string;
    readonly input: unknown;
    readonly code: DatasetErrorCode;
    readonly field?: string;
  }[];
}

const vectors = JSON.parse(readFileSync(new URL("./fixtures/canonical-bytes/vectors.json", import.meta.url), "utf8")) as Vectors;
const fromHex = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
/** The rule's hash, computed here without dataset/: sha256 cut to 16 bytes, as 0x hex. */
const independentHash = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}`;
const hex128 = (v: bigint) => `0x${v.toString(16).padStart(32, "0")}`;
const double = (bits: string) => new DataView(fromHex(bits).buffer).getFloat64(0, false);
const imageVector = (name: string) => vectors.image.find((x) => x.name === name)!;
/** A row vector's values as stored in its dtype (float32 rounds: 0.1 becomes 0.100000001490116...). */
function rowValues(input: RowInput): ArrayLike<number> {
  const values =
    input.valuesOf === undefined ? input.values!.map(Number) : Array.from(fromHex(imageVector(input.valuesOf).input.pixelsHex));
  return { uint8: Uint8Array, int64: Float64Array, float32: Float32Array, float64: Float64Array }[input.dtype].from(values);
}

/** Asserts that `fn` throws a DatasetError with `code` (and `field`, when given). */
function throwsDataset(fn: () => unknown, code: DatasetErrorCode, field?: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DatasetError, `expected a DatasetError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (field !== undefined) assert.equal(error.where.field, field, error.message);
    return true;
  });
}

/** The vector's own consistency: its hash is sha256 of its canonical bytes, cut to 16 bytes. */
function checkVector(v: Hashed): Uint8Array {
  const bytes = fromHex(v.canonicalHex);
  assert.equal(independentHash(bytes), v.hash, `${v.name}: the vector's hash`);
  return bytes;
}

describe("canonical bytes: image examples", () => {
  for (const v of vectors.image) {
    test(`${v.name}: pixels || label, hashed`, () => {
      const expected = checkVector(v);
      const pixels = fromHex(v.input.pixelsHex);
      assert.equal(toHex(imageExampleBytes(pixels, v.input.label)), v.canonicalHex);
      assert.equal(
        toHex(imageExampleBytes(Array.from(pixels), v.input.label)),
        v.canonicalHex,
        "a number array gives the same bytes as a Uint8Array",
      );
      assert.equal(hex128(exampleHash(expected)), v.hash);
    });
  }

  test("the MNIST vectors are loadMnist()'s examples, and attribution/ hashes them as the vectors say", () => {
    const mnist = loadMnist();
    for (const [name, i] of [
      ["mnist-0", 0],
      ["mnist-5000", 5000],
    ] as const) {
      const v = vectors.image.find((x) => x.name === name)!;
      assert.equal(toHex(mnist.images.subarray(i * 784, (i + 1) * 784)), v.input.pixelsHex);
      assert.equal(mnist.labels[i], v.input.label);
      assert.equal(hex128(attributionExampleHash(mnist, i)), v.hash);
    }
  });

  test("every MNIST example keeps the hash it had before dataset/: sha256(784 pixels || label), first 16 bytes", () => {
    const mnist = loadMnist();
    const hashes = datasetExampleHashes(mnist);
    assert.equal(hashes.length, 10_000);
    for (let i = 0; i < mnist.size; i++) {
      const h = createHash("sha256")
        .update(mnist.images.subarray(i * 784, (i + 1) * 784))
        .update(Uint8Array.of(mnist.labels[i]!))
        .digest("hex");
      const old = BigInt(`0x${h.slice(0, 32)}`);
      assert.equal(hashes[i], old, `example ${i}`);
      if (i % 997 === 0) assert.equal(attributionExampleHash(mnist, i), old, `attribution/ exampleHash of example ${i}`);
    }
  });

  test("a dataset's example i is its 785 bytes; an index outside the dataset is a RangeError naming i", () => {
    const data = { images: new Uint8Array(2 * 784).fill(7), labels: Uint8Array.of(3, 12), size: 2 };
    assert.equal(toHex(datasetExampleBytes(data, 0)), `${"07".repeat(784)}03`);
    throwsDataset(() => datasetExampleBytes(data, 1), "LABEL_INVALID", "label");
    assert.throws(() => datasetExampleBytes(data, 2), { name: "RangeError", message: /i must be an integer in \[0, 1\], got 2/ });
  });
});

describe("canonical bytes: JSONL records", () => {
  for (const v of vectors.jsonlImage) {
    test(`${v.name}: an image record is the same example as ${v.sameAs}`, () => {
      checkVector(v);
      const image = vectors.image.find((x) => x.name === v.sameAs)!;
      assert.equal(v.hash, image.hash);
      const { kind, bytes } = jsonRecordBytes(parseJsonStrict(v.input));
      assert.equal(kind, "image");
      assert.equal(toHex(bytes), image.canonicalHex);
      assert.equal(hex128(exampleHash(bytes)), image.hash);
    });
  }

  for (const v of vectors.jsonlRecord) {
    test(`${v.name}: RFC 8785 text, as UTF-8`, () => {
      assert.equal(toHex(Buffer.from(v.canonical, "utf8")), v.canonicalHex, `${v.name}: the vector's bytes are its canonical text`);
      checkVector(v);
      const { kind, bytes } = jsonRecordBytes(parseJsonStrict(v.input));
      assert.equal(kind, "json");
      assert.equal(new TextDecoder().decode(bytes), v.canonical);
      assert.equal(hex128(exampleHash(bytes)), v.hash);
    });
  }

  test("RFC 8785 appendix B: each double's canonical text", () => {
    for (const { bits, canonical } of vectors.jcsNumbers) assert.equal(canonicalJson(double(bits)), canonical, `0x${bits}`);
    for (const { bits, what, code } of vectors.jcsRefused) {
      assert.ok(Object.is(double(bits), Number(what)) || (what === "NaN" && Number.isNaN(double(bits))), `0x${bits} is ${what}`);
      throwsDataset(() => canonicalJson(double(bits)), code);
    }
  });

  test("key order, whitespace and escapes do not make a record another example", () => {
    const a = jsonRecordBytes(parseJsonStrict(`{"name":"A","tags":["x",1.50]}`)).bytes;
    const b = jsonRecordBytes(parseJsonStrict(` { "tags" : [ "\\u0078" , 15e-1 ] , "\\u006eame" : "\\u0041" } `)).bytes;
    assert.equal(toHex(a), toHex(b));
    assert.notEqual(
      toHex(jsonRecordBytes(parseJsonStrict(`{"name":"a"}`)).bytes),
      toHex(jsonRecordBytes(parseJsonStrict(`{"name":"A"}`)).bytes),
    );
  });

  test("a value JSON has no form for is a TypeError naming its path", () => {
    assert.throws(() => canonicalJson({ a: [1, undefined] }), { name: "TypeError", message: /a\[1\] is undefined/ });
    assert.throws(() => canonicalJson({ when: new Date(0) }), { name: "TypeError", message: /when is a Date/ });
    assert.throws(() => canonicalJson(1n), { name: "TypeError", message: /bigint/ });
    throwsDataset(() => canonicalJson({ "k\ud800": 1 }), "JSON_STRING");
  });
});

describe("canonical bytes: labelled rows (values and a label, any dtype, any shape)", () => {
  for (const v of vectors.labelledRow) {
    test(`${v.name}: ${v.sameAs === undefined ? "RFC 8785 text of the flat values and the label" : `the image ${v.sameAs}`}`, () => {
      const expected = checkVector(v);
      if (v.sameAs !== undefined) assert.equal(v.hash, imageVector(v.sameAs).hash, "the vector is its image's");
      else assert.equal(toHex(Buffer.from(v.canonical!, "utf8")), v.canonicalHex, `${v.name}: the vector's bytes are its canonical text`);
      const { kind, bytes } = labelledRowBytes(rowValues(v.input), v.input.label);
      assert.equal(kind, v.sameAs === undefined ? "row" : "image");
      assert.equal(toHex(bytes), toHex(expected));
      assert.equal(hex128(exampleHash(bytes)), v.hash);
    });
  }

  for (const v of vectors.jsonlRow) {
    test(`${v.name}: a JSONL record of the same values and label is ${v.sameAs}, whatever its nesting and field name`, () => {
      const same = [...vectors.image, ...vectors.labelledRow].find((x) => x.name === v.sameAs)!;
      const { bytes } = jsonRecordBytes(parseJsonStrict(v.input));
      assert.equal(toHex(bytes), same.canonicalHex);
      assert.equal(hex128(exampleHash(bytes)), same.hash);
    });
  }

  test("a dtype or a shape is no new example; a value or a label is", () => {
    const hash = (name: string) => vectors.labelledRow.find((v) => v.name === name)!.hash;
    assert.equal(hash("floats"), hash("floats-float32"));
    assert.equal(hash("integers-int64"), hash("integers-float64"));
    assert.notEqual(hash("tenth-float32"), hash("tenth-float64"), "float32 0.1 and float64 0.1 are two values");
    const sameByDesign = new Set(["floats-float32", "integers-float64"]);
    const all = [...vectors.image, ...vectors.labelledRow, ...vectors.jsonlRecord].filter(
      (v) => !("sameAs" in v && v.sameAs !== undefined) && !sameByDesign.has(v.name),
    );
    assert.equal(new Set(all.map((v) => v.hash)).size, all.length, "every other vector is another example: its own hash");
  });
});

/** The canonical-bytes hash of every example of `path` as the readers read it. */
const hashesOfData = (path: string, options: { labels?: string } = {}) =>
  readContributorData(path, options).examples.map((e) => hex128(e.hash));

describe("canonical bytes: one example in every form the readers take", () => {
  const dir = mkdtempSync(join(tmpdir(), "canonical-forms-"));
  const write = (name: string, bytes: Uint8Array | string) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const typed = (dtype: Dtype, values: ArrayLike<number>) =>
    dtype === "int64"
      ? BigInt64Array.from(Array.from(values), BigInt)
      : { uint8: Uint8Array, float32: Float32Array, float64: Float64Array }[dtype].from(values);
  const npz = (x: Uint8Array, y: Uint8Array) =>
    encodeZip(
      new Map([
        ["x.npy", x],
        ["y.npy", y],
      ]),
    );
  const DTYPES: readonly Dtype[] = ["uint8", "int64", "float32", "float64"];

  test("the digit (a 3): .bin, JSONL (pixels or input, flat or nested), folder, .npy/.npz of every dtype in shapes (784), (28, 28), (1, 784): one hash", () => {
    const digit = imageVector("mnist-3119");
    const pixels = fromHex(digit.input.pixelsHex);
    const nested = (flat: readonly number[]) => Array.from({ length: 28 }, (_, r) => flat.slice(r * 28, (r + 1) * 28));
    const forms = new Map<string, string[]>();
    forms.set("bin", hashesOfData(write("d.bin", encodeDataset({ images: pixels, labels: Uint8Array.of(3), size: 1 }))));
    const records = [
      { pixels: Array.from(pixels), label: 3 },
      { pixels: nested(Array.from(pixels)), label: 3 },
      { input: Array.from(pixels), label: 3 },
      { label: 3, input: nested(Array.from(pixels)) },
      { input: [Array.from(pixels)], label: 3 },
    ];
    forms.set("jsonl", hashesOfData(write("d.jsonl", records.map((r) => JSON.stringify(r)).join("\n"))));
    forms.set(
      "jsonl floats",
      hashesOfData(write("f.jsonl", `{"input": [${Array.from(pixels, (p) => `${p}.0`).join(",")}], "label": 3.0}\n`)),
    );
    mkdirSync(join(dir, "folder"));
    writeFileSync(join(dir, "folder", "a"), fromHex(digit.canonicalHex));
    forms.set("folder", hashesOfData(join(dir, "folder")));
    for (const dtype of DTYPES) {
      for (const shape of [[784], [28, 28], [1, 784]]) {
        const x = encodeNpy(typed(dtype, pixels), [1, ...shape]);
        forms.set(
          `npz ${dtype} (${shape})`,
          hashesOfData(write(`${dtype}-${shape.join("x")}.npz`, npz(x, encodeNpy(typed(dtype === "uint8" ? "int64" : dtype, [3]), [1])))),
        );
        forms.set(
          `npy ${dtype} (${shape})`,
          hashesOfData(write(`${dtype}-${shape.join("x")}.npy`, x), { labels: write("y.npy", encodeNpy(BigInt64Array.of(3n), [1])) }),
        );
      }
    }
    for (const [form, hashes] of forms) assert.deepEqual(new Set(hashes), new Set([digit.hash]), form);
    assert.equal(forms.get("jsonl")!.length, records.length);
  });

  test("a non-image row: int64, float32 and float64 in shapes (4), (2, 2), (1, 4), and JSONL flat or nested: one hash", () => {
    const row = vectors.labelledRow.find((v) => v.name === "integers-int64")!;
    const forms = new Map<string, string[]>();
    for (const dtype of ["int64", "float32", "float64"] as const) {
      for (const shape of [[4], [2, 2], [1, 4]]) {
        forms.set(
          `npz ${dtype} (${shape})`,
          hashesOfData(
            write(
              `row-${dtype}-${shape.join("x")}.npz`,
              npz(encodeNpy(typed(dtype, [1, 2, 3, 4]), [1, ...shape]), encodeNpy(typed(dtype, [1]), [1])),
            ),
          ),
        );
      }
    }
    forms.set(
      "jsonl",
      hashesOfData(
        write(
          "row.jsonl",
          `{"input": [1, 2, 3, 4], "label": 1}\n{"input": [[1.0, 2.0], [3.0, 4.0]], "label": 1}\n{"label": 1, "input": [[[1], [2], [3], [4]]]}\n`,
        ),
      ),
    );
    for (const [form, hashes] of forms) assert.deepEqual(new Set(hashes), new Set([row.hash]), form);
  });

  test("different examples, in any form, never share a hash", () => {
    const pixels = Array.from(fromHex(imageVector("mnist-3119").input.pixelsHex));
    const transposed = pixels.map((_, k) => pixels[(k % 28) * 28 + Math.floor(k / 28)]!);
    const onePixel = pixels.map((p, k) => (k === 300 ? p ^ 1 : p));
    const records = [
      { input: pixels, label: 3 },
      { input: pixels, label: 5 },
      { input: pixels, label: 12 },
      { input: transposed, label: 3 },
      { input: onePixel, label: 3 },
      { input: pixels.map((p) => p / 255), label: 3 },
      { input: pixels.map((p, k) => (k === 0 ? p + 0.5 : p)), label: 3 },
      { input: pixels.slice(0, 783), label: 3 },
      { input: [...pixels, 0], label: 3 },
      { input: pixels, label: 3, id: 1 },
      { inputs: pixels, label: 3 },
    ];
    const jsonl = hashesOfData(write("different.jsonl", records.map((r) => JSON.stringify(r)).join("\n")));
    const f32 = hashesOfData(
      write("different.npz", npz(encodeNpy(Float32Array.of(0.1, 0.2), [2, 1]), encodeNpy(BigInt64Array.of(0n, 0n), [2]))),
    );
    const f64 = hashesOfData(
      write("different64.npz", npz(encodeNpy(Float64Array.of(0.1, 0.2), [2, 1]), encodeNpy(BigInt64Array.of(0n, 0n), [2]))),
    );
    const all = [...jsonl, ...f32, ...f64];
    assert.equal(new Set(all).size, all.length, "every example its own hash");
  });
});

describe("canonical bytes: files", () => {
  for (const v of vectors.file) {
    test(`${v.name}: its raw bytes`, () => {
      checkVector(v);
      const bytes = fileExampleBytes(fromHex(v.input));
      assert.equal(toHex(bytes), v.canonicalHex);
      assert.equal(hex128(exampleHash(bytes)), v.hash);
    });
  }

  test("a file holding an example's canonical bytes is that example, whatever form it was in", () => {
    const hash = (name: string) => [...vectors.image, ...vectors.jsonlRecord, ...vectors.file].find((v) => v.name === name)!.hash;
    assert.equal(hash("file-holding-zeros-label-0"), hash("zeros-label-0"));
    assert.equal(hash("file-holding-two-keys"), hash("two-keys"));
  });
});

describe("canonical bytes: refused inputs", () => {
  for (const v of vectors.refused) {
    test(`${v.form} ${v.name}: ${v.code}${v.field === undefined ? "" : ` at ${v.field}`}`, () => {
      if (v.form === "jsonl") throwsDataset(() => jsonRecordBytes(parseJsonStrict(v.input as string)), v.code, v.field);
      else if (v.form === "row")
        throwsDataset(() => labelledRowBytes(rowValues(v.input as RowInput), (v.input as RowInput).label), v.code, v.field);
      else if (v.form === "file") throwsDataset(() => fileExampleBytes(fromHex(v.input as string)), v.code, v.field);
      else {
        const input = v.input as { pixelsHex: string; label: number };
        throwsDataset(() => imageExampleBytes(fromHex(input.pixelsHex), input.label), v.code, v.field);
      }
    });
  }

  test("a hash of 0 is refused (HASH_ZERO): the claim table reserves 0 for an empty slot; only the first 16 bytes count", () => {
    throwsDataset(() => truncatedHash(new Uint8Array(32)), "HASH_ZERO");
    throwsDataset(() => truncatedHash(Uint8Array.from({ length: 32 }, (_, k) => (k < 16 ? 0 : 0xff))), "HASH_ZERO");
    assert.equal(truncatedHash(Uint8Array.from({ length: 32 }, (_, k) => (k === 15 ? 1 : 0))), 1n);
    assert.equal(truncatedHash(new Uint8Array(32).fill(0xff)), (1n << 128n) - 1n);
  });

  test("a JSON syntax error names the column; nesting past the limit is JSON_DEPTH, not a stack overflow", () => {
    assert.throws(() => parseJsonStrict(`{"a": tru}`), {
      name: "DatasetError",
      code: "JSON_SYNTAX",
      message: /column 7: expected a JSON value, found "tru}"/,
    });
    throwsDataset(() => parseJsonStrict(`${"[".repeat(10_000)}${"]".repeat(10_000)}`), "JSON_DEPTH");
    assert.equal(parseJsonStrict(JSON.stringify("x".repeat(4_000_000))), "x".repeat(4_000_000), "a string of megabytes parses");
  });
});

describe("the set hash (dataset/set-hash.ts): what a trainer seals for its validation set", () => {
  const dir = mkdtempSync(join(tmpdir(), "set-hash-"));
  const write = (name: string, bytes: Uint8Array | string) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const setHashOf = (path: string, options: { labels?: string } = {}) => exampleSetHash(readContributorData(path, options).examples);
  const sha = (...parts: (Uint8Array | string)[]) => {
    const h = createHash("sha256");
    for (const p of parts) h.update(p);
    return h.digest();
  };

  test("a set of images: the sha256 of its dataset file, whether it comes as .bin, .npz of float32 or JSONL", () => {
    const mnist = loadMnist();
    const images = mnist.images.subarray(0, 3 * 784);
    const labels = mnist.labels.subarray(0, 3);
    // The dataset file by hand: per digit its 784 pixels, then its label.
    const file = new Uint8Array(3 * 785);
    for (let i = 0; i < 3; i++) {
      file.set(images.subarray(i * 784, (i + 1) * 784), i * 785);
      file[i * 785 + 784] = labels[i]!;
    }
    const expected = sha(file).toString("hex");
    assert.equal(setHashOf(write("three.bin", file)), expected);
    const npz = encodeZip(
      new Map([
        ["x.npy", encodeNpy(Float32Array.from(images), [3, 1, 28, 28])],
        ["y.npy", encodeNpy(BigInt64Array.from(labels, BigInt), [3])],
      ]),
    );
    assert.equal(setHashOf(write("three.npz", npz)), expected);
    const jsonl = Array.from({ length: 3 }, (_, i) =>
      JSON.stringify({ pixels: Array.from(images.subarray(i * 784, (i + 1) * 784)), label: labels[i] }),
    ).join("\n");
    assert.equal(setHashOf(write("three.jsonl", jsonl)), expected);
    const swapped = new Uint8Array(file);
    swapped.set(file.subarray(0, 785), 785);
    swapped.set(file.subarray(785, 1570), 0);
    assert.notEqual(setHashOf(write("swapped.bin", swapped)), expected, "the order is part of the set");
  });

  test("any other set: sha256(tag || sha256(per example its length, 4 bytes big-endian, and its canonical bytes)), in any form", () => {
    const rows = [`{"input":[1,2],"label":1}`, `{"input":[0.5,-2],"label":0}`];
    const framed = rows.flatMap((r) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(Buffer.byteLength(r));
      return [len, r];
    });
    const expected = sha("attribution-prover example set 1", sha(...framed)).toString("hex");
    assert.equal(setHashOf(write("rows.jsonl", `{"label": 1, "input": [[1], [2.0]]}\n{"input": [0.5, -2.0], "label": 0}\n`)), expected);
    const npz = encodeZip(
      new Map([
        ["x.npy", encodeNpy(Float32Array.of(1, 2, 0.5, -2), [2, 2])],
        ["y.npy", encodeNpy(BigInt64Array.of(1n, 0n), [2])],
      ]),
    );
    assert.equal(setHashOf(write("rows.npz", npz)), expected, "the same rows in an .npz");
    const text = (s: string) => ({ kind: "json" as const, bytes: new TextEncoder().encode(s) });
    assert.notEqual(
      exampleSetHash([text("ab"), text("c")]),
      exampleSetHash([text("a"), text("bc")]),
      "the lengths keep the examples apart",
    );
    assert.throws(() => exampleSetHash([]), { name: "RangeError", message: /at least one example/ });
  });
});
