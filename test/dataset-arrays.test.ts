import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { labelledArrays, readContributorData, type DatasetError } from "../dataset/index.ts";
import { encodeDataset } from "../dataset/dataset-file.ts";
import { encodeNpy } from "../dataset/npy.ts";
import { encodeZip } from "../dataset/zip.ts";

const dir = mkdtempSync(join(tmpdir(), "arrays-"));
const file = (name: string, bytes: Uint8Array | string) => {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};
const npz = (x: Uint8Array, y: Uint8Array) =>
  encodeZip(
    new Map([
      ["x.npy", x],
      ["y.npy", y],
    ]),
  );

test("an .npz row of floats hashes as the same {input, label} record in JSONL (numpy's tolist through json.dumps); the arrays keep the records' shape", () => {
  const x = Float32Array.from([0.1, -2.5, 3, 1e-7, 0.25, 7]);
  const data = readContributorData(file("f.npz", npz(encodeNpy(x, [2, 1, 3]), encodeNpy(BigInt64Array.of(4n, 11n), [2]))));
  // Python: json.dumps({"input": a[i].tolist(), "label": int(y[i])}) prints float32 values as their doubles.
  const jsonl = file(
    "f.jsonl",
    `{"label": 4, "input": [[0.10000000149011612, -2.5, 3.0]]}\n{"input": [[1.0000000116860974e-07, 0.25, 7.0]], "label": 11}\n`,
  );
  const fromJsonl = readContributorData(jsonl);
  assert.deepEqual(
    data.examples.map((e) => e.hash),
    fromJsonl.examples.map((e) => e.hash),
  );
  assert.deepEqual(
    data.examples.map((e) => e.kind),
    ["row", "row"],
  );
  assert.equal(
    new TextDecoder().decode(data.examples[1]!.bytes),
    `{"input":[1.0000000116860974e-7,0.25,7],"label":11}`,
    "flat values: the shape is not the example's",
  );
  const arrays = labelledArrays(fromJsonl)!;
  assert.deepEqual([arrays.rowShape, Array.from(arrays.labels), arrays.bytes], [[1, 3], [4, 11], false]);
  assert.deepEqual(Array.from(arrays.values), Array.from(x));
});

test("784 uint8 values with a label 0..9 are an image: the .npy row hashes as the .bin example", () => {
  const images = Uint8Array.from({ length: 2 * 784 }, (_, k) => (k * 7) % 256);
  const labels = Uint8Array.of(3, 9);
  const bin = readContributorData(file("d.bin", encodeDataset({ images, labels, size: 2 })));
  const npy = readContributorData(file("x.npy", encodeNpy(images, [2, 28, 28])), {
    labels: file("y.npy", encodeNpy(BigInt64Array.of(3n, 9n), [2])),
  });
  assert.deepEqual(
    npy.examples.map((e) => e.hash),
    bin.examples.map((e) => e.hash),
  );
  assert.equal(npy.images?.size, 2);
});

test("rows of one size given in several shapes are fed flat; rows of different sizes are not labelled arrays", () => {
  const mixed = readContributorData(file("mixed.jsonl", `{"input": [[1, 2], [3, 4]], "label": 0}\n{"input": [5, 6, 7, 8], "label": 1}\n`));
  const arrays = labelledArrays(mixed)!;
  assert.deepEqual(
    [arrays.rowShape, Array.from(arrays.values), Array.from(arrays.labels), arrays.bytes],
    [[4], [1, 2, 3, 4, 5, 6, 7, 8], [0, 1], false],
  );
  assert.equal(
    labelledArrays(readContributorData(file("sizes.jsonl", `{"input": [1, 2], "label": 0}\n{"input": [5, 6, 7], "label": 1}\n`))),
    undefined,
  );
});

test("digits stored as int64 or float32 are images: the Dataset comes with them, and a model is fed value / 255 as for uint8", () => {
  const images = Uint8Array.from({ length: 2 * 784 }, (_, k) => (k * 7) % 256);
  const labels = BigInt64Array.of(3n, 9n);
  const bin = readContributorData(file("d2.bin", encodeDataset({ images, labels: Uint8Array.of(3, 9), size: 2 })));
  for (const [name, x] of [
    ["i8.npz", BigInt64Array.from(images, BigInt)],
    ["f4.npz", Float32Array.from(images)],
  ] as const) {
    const data = readContributorData(file(name, npz(encodeNpy(x, [2, 1, 784]), encodeNpy(labels, [2]))));
    assert.deepEqual(
      data.examples.map((e) => e.hash),
      bin.examples.map((e) => e.hash),
      name,
    );
    assert.deepEqual([data.images?.images, data.arrays?.bytes, data.arrays?.rowShape], [images, true, [1, 784]], name);
  }
  // The same values scaled to [0, 1] are other values: rows, fed as they are.
  const scaled = readContributorData(
    file(
      "scaled.npz",
      npz(
        encodeNpy(
          Float32Array.from(images, (p) => p / 255),
          [2, 784],
        ),
        encodeNpy(labels, [2]),
      ),
    ),
  );
  assert.deepEqual([scaled.examples.map((e) => e.kind), scaled.images, scaled.arrays?.bytes], [["row", "row"], undefined, false]);
  const jsonl = readContributorData(
    file(
      "d2.jsonl",
      `{"input": ${JSON.stringify(Array.from(images.subarray(0, 784)))}, "label": 3}\n{"pixels": ${JSON.stringify(Array.from(images.subarray(784)))}, "label": 9}\n`,
    ),
  );
  assert.deepEqual([jsonl.images?.images, labelledArrays(jsonl)?.bytes], [images, true]);
});

test("bad NumPy data is refused with the file, the array and what is wrong", () => {
  const y = encodeNpy(BigInt64Array.of(1n), [1]);
  // Header edits keep its length (byte for byte, latin-1).
  const edited = (from: string, to: string) =>
    Buffer.from(
      Buffer.from(encodeNpy(Float32Array.of(1, 2), [1, 2]))
        .toString("latin1")
        .replace(from, to),
      "latin1",
    );
  const cases: [string, Uint8Array, string, RegExp][] = [
    [
      "fortran.npz",
      npz(edited("'fortran_order': False", "'fortran_order': True "), y),
      "NPY_INVALID",
      /fortran\.npz: field x\.fortran_order: the array is in Fortran order/,
    ],
    ["dtype.npz", npz(edited("<f4", "<c8"), y), "NPY_DTYPE", /dtype\.npz: field x\.descr: dtype "<c8" is not a numeric dtype/],
    [
      "short.npz",
      npz(encodeNpy(Float32Array.of(1, 2), [1, 3]), y),
      "NPY_INVALID",
      /short\.npz: field x\.data: shape \(1, 3\) of <f4 needs 12 bytes of data, the file holds 8/,
    ],
    ["names.npz", encodeZip(new Map([["a.npy", y]])), "NPZ_ARRAYS", /names\.npz: holds a\.npy; expected arrays x and y/],
    [
      "labels.npz",
      npz(encodeNpy(Float32Array.of(1, 2), [2, 1]), y),
      "ARRAY_SHAPE",
      /labels\.npz: field y: labels are \(1\); expected \(2,\)/,
    ],
  ];
  for (const [name, bytes, code, message] of cases) {
    assert.throws(
      () => readContributorData(file(name, bytes)),
      (e: DatasetError) => e.code === code && message.test(e.message),
      name,
    );
  }
  const damaged = npz(encodeNpy(Float32Array.of(1, 2), [1, 2]), y);
  damaged[40] = damaged[40]! ^ 0xff;
  assert.throws(
    () => readContributorData(file("crc.npz", damaged)),
    (e: DatasetError) => e.code === "ZIP_INVALID" && /crc\.npz: field x\.npy: its CRC-32 does not match/.test(e.message),
  );
  assert.throws(
    () => readContributorData(file("alone.npy", encodeNpy(Float32Array.of(1), [1, 1]))),
    (e: DatasetError) => e.code === "NPY_LABELS_MISSING" && /alone\.npy: an \.npy holds the inputs only/.test(e.message),
  );
});
