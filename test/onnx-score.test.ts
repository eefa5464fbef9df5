import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { datasetHash, splitMnist, subset } from "../attribution/data.ts";
import { classify, loadClassifier } from "../attribution/onnx-classifier.ts";
import { encodeModel, ONNX_FLOAT, type NodeSpec, type TensorSpec } from "../attribution/onnx-proto.ts";
import { buildPartitions } from "../attribution/partitions.ts";
import type { Dataset } from "../dataset/index.ts";
import { spdInverse } from "../attribution/algebra.ts";
import { gradientFactors } from "../attribution/features.ts";
import { Rng } from "../attribution/prng.ts";
import { config } from "../config/index.ts";
import { CodedError } from "../errors/index.ts";
import { formatFixedPoint } from "../config/fixed-point.ts";
import { datasetExampleHashes } from "../dataset/canonical-bytes.ts";
import { PIXELS } from "../dataset/dataset-file.ts";
import { encodeNpy } from "../dataset/npy.ts";
import { encodeZip } from "../dataset/zip.ts";
import { connectChain } from "../protocol/chain.ts";
import { deployProtocol } from "../protocol/operator.ts";
import { runEpoch } from "../protocol/run-epoch.ts";
import { readScoreOutput } from "../protocol/trainer/score.ts";
import { scoreOnnxModel } from "../protocol/trainer/score-onnx.ts";
import { readValidationFile, type ValidationSetFiles } from "../protocol/trainer/validation-file.ts";
import { assertSealedSet, epochSealCheck, sealValidationSet } from "../protocol/trainer/validation-reveal.ts";
import { verifyEpoch } from "../verify/index.ts";
import { readHashScores } from "../witness/index.ts";

const work = mkdtempSync(join(tmpdir(), "onnx-score-"));
const HIDDEN = 24;
const CLASSES = 10;
const cpu = { providers: ["cpu"], strict: false, threads: 1, log: () => {} };
const sizes = {
  example: config.exampleBatch.testSize,
  registration: config.registrationBatch.testSize,
  payout: config.payoutBatch.testSize,
};

after(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

/**
 * A small convolutional classifier, another architecture than the MNIST MLP: x [batch, 1, 28, 28]
 * -> Conv 4x5x5 stride 2 -> Relu -> Flatten -> Gemm 576x24 -> Tanh ("h") -> Gemm 24x10 -> "out".
 * Its only output is "out" (neither "logits" nor "features"): the scorer must read the graph.
 */
function convNet(conv: Float32Array, w1: Float32Array, w2: Float32Array, b2: Float32Array, outputs: "out" | "h" = "out"): Uint8Array {
  const nodes: NodeSpec[] = [
    {
      op: "Conv",
      inputs: ["x", "wc", "bc"],
      outputs: ["c"],
      attributes: [
        { name: "kernel_shape", ints: [5, 5] },
        { name: "strides", ints: [2, 2] },
      ],
    },
    { op: "Relu", inputs: ["c"], outputs: ["r"] },
    { op: "Flatten", inputs: ["r"], outputs: ["f"], attributes: [{ name: "axis", int: 1 }] },
    { op: "Gemm", inputs: ["f", "w1", "b1"], outputs: ["z"] },
    { op: "Tanh", inputs: ["z"], outputs: ["h"] },
    { op: "Gemm", inputs: ["h", "w2", "b2"], outputs: ["out"] },
  ];
  const initializers: TensorSpec[] = [
    { name: "wc", dims: [4, 1, 5, 5], data: conv },
    { name: "bc", dims: [4], data: new Float32Array(4) },
    { name: "w1", dims: [576, HIDDEN], data: w1 },
    { name: "b1", dims: [HIDDEN], data: new Float32Array(HIDDEN) },
    { name: "w2", dims: [HIDDEN, CLASSES], data: w2 },
    { name: "b2", dims: [CLASSES], data: b2 },
  ];
  return encodeModel({
    name: "conv_classifier",
    nodes,
    initializers,
    inputs: [{ name: "x", elemType: ONNX_FLOAT, shape: ["batch", 1, 28, 28] }],
    outputs: [{ name: outputs, elemType: ONNX_FLOAT, shape: ["batch", outputs === "out" ? CLASSES : HIDDEN] }],
  });
}

const pixels = (d: Dataset) => Float32Array.from(d.images, (v) => v / 255);

/** Seeded conv and hidden weights; the last layer fitted by ridge regression on `fit` (damping `ridge`): the trainer's model. */
async function trainerModel(fit: Dataset, ridge: number, seed: number) {
  const rng = new Rng(seed);
  const gauss = (n: number, scale: number) => Float32Array.from({ length: n }, () => rng.normal() * scale);
  const conv = gauss(100, 0.4);
  const w1 = gauss(576 * HIDDEN, 2 / Math.sqrt(576));
  const features = await loadClassifier(
    convNet(conv, w1, new Float32Array(HIDDEN * CLASSES), new Float32Array(CLASSES), "h"),
    { features: "h", logits: "h" },
    cpu,
  );
  const h = (await classify(features, pixels(fit), fit.size, [1, 28, 28], 256)).features;
  await features.session.release();
  // Ridge: [W2; b2] = (A^T A + ridge I)^-1 A^T T, A = [h, 1], targets T = 8 * (one-hot - 0.1).
  const h1 = HIDDEN + 1;
  const gram = new Float64Array(h1 * h1);
  const rhs = new Float64Array(h1 * CLASSES);
  for (let i = 0; i < fit.size; i++) {
    const a = [...h.subarray(i * HIDDEN, (i + 1) * HIDDEN), 1];
    for (let r = 0; r < h1; r++) {
      for (let c = 0; c < h1; c++) gram[r * h1 + c]! += a[r]! * a[c]!;
      for (let c = 0; c < CLASSES; c++) rhs[r * CLASSES + c]! += a[r]! * 8 * ((fit.labels[i] === c ? 1 : 0) - 0.1);
    }
  }
  for (let r = 0; r < h1; r++) gram[r * h1 + r]! += ridge;
  const inv = spdInverse(gram, h1);
  const w = new Float64Array(h1 * CLASSES);
  for (let r = 0; r < h1; r++)
    for (let c = 0; c < CLASSES; c++) for (let k = 0; k < h1; k++) w[r * CLASSES + c]! += inv[r * h1 + k]! * rhs[k * CLASSES + c]!;
  const w2 = Float32Array.from(w.subarray(0, HIDDEN * CLASSES));
  const b2 = Float32Array.from(w.subarray(HIDDEN * CLASSES));
  return { conv, w1, w2, b2, bytes: convNet(conv, w1, w2, b2) };
}

test("a trainer's conv-net ONNX model and .npz data: its validation set sealed, scored by the generic path (gradients checked by finite differences; another set refused), then witnessed, proven, settled with the set revealed as its .npz, and verified", async (t) => {
  const split = splitMnist(config.attribution.seed, 100);
  const validation = split.validation;
  const partitions = buildPartitions(
    split.pool,
    [
      { label: "clean-01", kind: "clean", size: 12 },
      { label: "clean-02", kind: "clean", size: 12 },
      { label: "noisy-01", kind: "noisy", size: 12, noise: 0.5 },
      { label: "copier-01", kind: "duplicate", size: 4, source: 0 },
    ],
    config.attribution.seed,
  );
  // The copier's first example: clean-01's first digit with one pixel changed (a new hash, a near copy).
  const copier = partitions[3]!.data;
  const brightest = copier.images.subarray(0, PIXELS).indexOf(Math.max(...copier.images.subarray(0, PIXELS)));
  copier.images[brightest] = copier.images[brightest]! - 1;
  const fit = subset(
    split.pool,
    Array.from({ length: 600 }, (_, k) => split.pool.size - 1 - k),
  );
  const model = await trainerModel(fit, 1, 7);
  const checkpoint = await trainerModel(fit, 100, 7);
  writeFileSync(join(work, "model.onnx"), model.bytes);
  writeFileSync(join(work, "checkpoint.onnx"), checkpoint.bytes);

  // The trainer keeps its data as NumPy arrays, in other dtypes and shapes than the contributors'
  // .bin: training rows in an .npz (int64 [N, 28, 28], int64 labels), the validation set in an
  // .npz of float32 inputs [M, 1, 784] and int64 labels. Digits are hashed by value (an image in
  // any dtype and shape) and fed as value / 255 whatever their dtype, as uint8 digits are.
  const rows = partitions.reduce((n, p) => n + p.data.size, 0);
  const images = new Uint8Array(rows * PIXELS);
  const labels = new BigInt64Array(rows);
  let at = 0;
  for (const p of partitions) {
    images.set(p.data.images, at * PIXELS);
    p.data.labels.forEach((l, i) => {
      labels[at + i] = BigInt(l);
    });
    at += p.data.size;
  }
  writeFileSync(
    join(work, "train.npz"),
    encodeZip(
      new Map([
        ["x.npy", encodeNpy(BigInt64Array.from(images, BigInt), [rows, 28, 28])],
        ["y.npy", encodeNpy(labels, [rows])],
      ]),
    ),
  );
  const valNpz = (d: Dataset) =>
    encodeZip(
      new Map([
        ["x.npy", encodeNpy(Float32Array.from(d.images), [d.size, 1, 784])],
        ["y.npy", encodeNpy(BigInt64Array.from(d.labels, BigInt), [d.size])],
      ]),
    );
  writeFileSync(join(work, "val.npz"), valNpz(validation));
  // Another set: the same digits but the last, which a trainer may not swap in after sealing.
  writeFileSync(
    join(work, "other-val.npz"),
    valNpz(
      subset(
        validation,
        Array.from({ length: validation.size - 1 }, (_, i) => i),
      ),
    ),
  );

  // Before registration opens, the trainer seals its .npz set (seal --validation) on the deployment.
  const chain = await connectChain();
  t.after(() => chain.close());
  const deployment = await deployProtocol(chain.signer, sizes, "dev");
  const trainer = chain.signerOf("trainer");
  const validationSet = readValidationFile(join(work, "val.npz")).set;
  const sealed = await sealValidationSet(trainer, chain.chainId, deployment.addresses.settlement, 1n, validationSet);
  const checkSealed = (set: ValidationSetFiles) =>
    assertSealedSet(trainer, chain.chainId, deployment.addresses.settlement, 1n, set, sealed.commitment);

  const outDir = join(work, "scores");
  const scoring = {
    modelFile: join(work, "model.onnx"),
    checkpointFiles: [join(work, "checkpoint.onnx")],
    dataFile: join(work, "train.npz"),
    outDir,
    checkSealed,
    config: { ...config, attribution: { ...config.attribution, providers: ["cpu"] } },
  };
  await assert.rejects(
    scoreOnnxModel({ ...scoring, validationFile: join(work, "other-val.npz") }),
    (e: unknown) =>
      e instanceof CodedError &&
      e.code === "VALIDATION_NOT_COMMITTED" &&
      e.category === "input" &&
      e.message.includes(join(work, "other-val.npz")),
    "a set other than the sealed one is refused before scoring",
  );
  const { result } = await scoreOnnxModel({ ...scoring, validationFile: join(work, "val.npz") });
  assert.deepEqual(
    [result.layer.found, result.layer.features, result.layer.logits, result.layer.hidden, result.layer.classes],
    ["Gemm", "h", "out", HIDDEN, CLASSES],
  );
  assert.equal(result.checkpoints, 1);
  assert.ok(result.validationAccuracy > 0.5, `the ridge-fitted conv net classifies (accuracy ${result.validationAccuracy})`);
  // The hashes scored are the ones the contributors register from their .bin data; the validation
  // set is recorded by its set hash, what seal committed: for digits, their dataset file's sha256.
  const registered = partitions.flatMap((p) => datasetExampleHashes(p.data));
  assert.deepEqual(
    result.scores.map((s) => s.example),
    [...new Set(registered)],
  );
  assert.equal(result.validationHash, datasetHash(validation));
  assert.equal(`0x${result.validationHash}`, sealed.validationSetHash);
  assert.deepEqual(result.defences, ["exact-dedup", "feature-near-duplicates", "near-duplicates", "label-consistency"]);
  const nearCopy = registered[rows - 4]!;
  const flag = result.flagged.find((f) => f.example === nearCopy);
  assert.equal(flag?.stage, "feature-near-duplicates", "the one-pixel copy is caught in feature space first");
  assert.equal(result.scores.find((s) => s.example === nearCopy)!.score, 0n);
  assert.ok(result.scores.some((s) => s.score > 0n) && result.scores.some((s) => s.score < 0n));

  // The closed-form last-layer gradient [h; 1] (y - p)^T against central finite differences of
  // log p_y in the weights of the model's final Gemm, for a few rows and weights.
  const c = await loadClassifier(model.bytes, {}, cpu);
  const some = subset(partitions[2]!.data, [0, 3, 7]);
  const out = await classify(c, pixels(some), some.size, [1, 28, 28], 16);
  await c.session.release();
  const f = gradientFactors(out, some.labels, HIDDEN, CLASSES);
  const logPy = async (w2: Float32Array) => {
    const s = await loadClassifier(convNet(model.conv, model.w1, w2, model.b2), {}, cpu);
    const z = (await classify(s, pixels(some), some.size, [1, 28, 28], 16)).logits;
    await s.session.release();
    return Array.from({ length: some.size }, (_, i) => {
      const row = Array.from(z.subarray(i * CLASSES, (i + 1) * CLASSES), Number);
      const max = Math.max(...row);
      return row[some.labels[i]!]! - max - Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    });
  };
  const eps = 1e-2;
  let largest = 0;
  for (const [k, cls] of [
    [0, 0],
    [5, 3],
    [HIDDEN - 1, 9],
    [11, some.labels[1]!],
  ] as const) {
    const plus = model.w2.slice();
    const minus = model.w2.slice();
    plus[k * CLASSES + cls]! += eps;
    minus[k * CLASSES + cls]! -= eps;
    const [up, down] = [await logPy(plus), await logPy(minus)];
    for (let i = 0; i < some.size; i++) {
      const closed = f.act[i * (HIDDEN + 1) + k]! * f.residual[i * CLASSES + cls]!;
      largest = Math.max(largest, Math.abs(closed));
      assert.ok(
        Math.abs((up[i]! - down[i]!) / (2 * eps) - closed) < 2e-3,
        `row ${i}, weight (${k}, ${cls}): finite difference ${(up[i]! - down[i]!) / (2 * eps)} vs closed form ${closed}`,
      );
    }
  }
  assert.ok(largest > 0.05, `the weights checked have gradients to compare (largest ${largest})`);

  // The folder is what witness --from-score reads; then the epoch runs on the in-process chain:
  // the contributors register their .bin data, the trainer collects, witnesses, proves, settles.
  const scored = readScoreOutput(outDir);
  const { scores } = readHashScores(scored.examplesFile, config);
  const lines = ["example,contributor,score"];
  for (const p of partitions)
    datasetExampleHashes(p.data).forEach((h) =>
      lines.push(`0x${h.toString(16).padStart(32, "0")},${p.address},${formatFixedPoint(scores.get(h)!, config.fixedPoint.decimals)}`),
    );
  const examplesFile = join(work, "examples.csv");
  writeFileSync(examplesFile, `${lines.join("\n")}\n`);
  const pool = 10n ** 21n;
  const settled = await runEpoch({
    examplesFile,
    pool,
    on: { chain, deployment },
    contributorData: partitions.map((p) => ({ address: p.address, data: p.data })),
    deliveriesDir: join(work, "deliveries"),
    validationSet,
    modelHash: scored.modelHash,
    attribution: scored.attribution,
    outDir: join(work, "epoch"),
    workers: 2,
    progress: false,
  });
  assert.equal(await deployment.registry.validationCommitment(1n), sealed.commitment, "registration opened with the trainer's seal");
  // score --deployment --epoch's check reads that commitment from the registry: the sealed set passes, another is refused.
  const check = await epochSealCheck(deployment, trainer, 1n);
  assert.equal((await check(validationSet)).commitment, sealed.commitment);
  await assert.rejects(check(readValidationFile(join(work, "other-val.npz")).set), { code: "VALIDATION_NOT_COMMITTED" });
  assert.equal(settled.examples, rows);
  assert.equal(settled.contributors.reduce((s, r) => s + r.paid, 0n) + settled.dust, pool);
  const record = JSON.parse(readFileSync(join(settled.dir, "epoch.json"), "utf8")) as {
    defences: { name: string; ran: boolean; count: number }[];
    attribution: { model: string; modelHash: string };
  };
  assert.equal(record.attribution.model, "onnx");
  const near = record.defences.find((d) => d.name === "near-duplicates")!;
  assert.ok(near.ran && near.count >= 1, JSON.stringify(near));
  assert.equal(
    record.defences.find((d) => d.name === "exact-dedup")!.count,
    3,
    "the copier's 3 exact copies (its near copy is a new hash)",
  );

  // The reveal put the trainer's .npz into the record byte for byte; the skeptic rehashes it.
  const revealed = (record as unknown as { validation: { file: string; validationSetHash: string } }).validation;
  assert.deepEqual([revealed.file, revealed.validationSetHash], ["validation.npz", sealed.validationSetHash]);
  assert.deepEqual(readFileSync(join(settled.dir, "validation.npz")), readFileSync(join(work, "val.npz")));
  const report = await verifyEpoch(settled.dir, { snarkjs: false });
  assert.equal(report.ok, true, JSON.stringify(report.checks));
  assert.match(
    report.checks.find((c) => c.check === "validation")!.detail,
    /validation.npz \(100 examples\) is the revealed set: set hash = validationSetHash/,
  );
});
