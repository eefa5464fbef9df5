import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as ort from "onnxruntime-node";
import { convInferenceModel, convStepModel, trainConvNet, type ConvParams, type ConvShape } from "../attribution/conv-net.ts";
import { splitMnist, subset } from "../attribution/data.ts";
import { classify, loadClassifier } from "../attribution/onnx-classifier.ts";
import { ONNX_FLOAT } from "../attribution/onnx-proto.ts";
import { appendGraphOutputs } from "../attribution/onnx-read.ts";
import { createSession } from "../attribution/providers.ts";
import { Rng } from "../attribution/prng.ts";

const cpu = { providers: ["cpu"], strict: true, threads: 1, log: () => {} };
// 2 filters 5x5, stride 4: a 6x6 output, 72 flattened values, 5 hidden units.
const shape: ConvShape = { filters: 2, kernel: 5, stride: 4, hidden: 5 };
const dims: Record<keyof ConvParams, number[]> = { wc: [2, 25], bc: [2], w1: [72, 5], b1: [5], w2: [5, 10], b2: [10] };
const names = Object.keys(dims) as (keyof ConvParams)[];

/** Mean cross-entropy of `labels` under the exported ONNX classifier (a real Conv node), in float64 from its logits. */
async function exportedLoss(params: ConvParams, x: Float32Array, labels: readonly number[]): Promise<number> {
  const c = await loadClassifier(convInferenceModel(shape, params), {}, cpu);
  const { logits } = await classify(c, x, labels.length, [1, 28, 28], 64);
  await c.session.release();
  let sum = 0;
  labels.forEach((y, i) => {
    const row = Array.from(logits.subarray(i * 10, (i + 1) * 10), Number);
    const max = Math.max(...row);
    sum -= row[y]! - max - Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  });
  return sum / labels.length;
}

describe("conv net (attribution/conv-net.ts)", () => {
  test("the step graph's loss is the exported Conv model's, and its gradients (params - next at lr 1) match finite differences of that model", async () => {
    const rng = new Rng(4);
    const batch = 4;
    const x = Float32Array.from({ length: batch * 784 }, () => rng.next());
    const labels = Array.from({ length: batch }, () => rng.int(10));
    const y = new Float32Array(batch * 10);
    labels.forEach((l, i) => {
      y[i * 10 + l] = 1;
    });
    const params = Object.fromEntries(
      names.map((p) => [
        p,
        Float32Array.from({ length: dims[p].reduce((a, b) => a * b, 1) }, () => rng.normal() * (p === "wc" ? 0.3 : 0.5)),
      ]),
    ) as unknown as ConvParams;
    const { session } = await createSession(convStepModel(shape), cpu);
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor("float32", x, [batch, 784]),
      y: new ort.Tensor("float32", y, [batch, 10]),
      lr: new ort.Tensor("float32", Float32Array.of(1), []),
      wd: new ort.Tensor("float32", Float32Array.of(0), []),
    };
    for (const p of names) feeds[p] = new ort.Tensor("float32", params[p], dims[p]);
    const out = await session.run(feeds);
    await session.release();
    const loss = (out.loss!.data as Float32Array)[0]!;
    assert.ok(Math.abs(loss - (await exportedLoss(params, x, labels))) < 1e-5, `step graph loss ${loss}`);

    // Finite differences of a ReLU net are only valid away from the kinks: with inputs in [0, 1],
    // a step of eps in a conv weight or bias moves each conv pre-activation by at most eps, and
    // each hidden one by far less than 0.05; no unit may be that close to zero.
    const eps = 1e-3;
    const probe = await createSession(
      appendGraphOutputs(convInferenceModel(shape, params), [
        { name: "c", elemType: ONNX_FLOAT },
        { name: "z1", elemType: ONNX_FLOAT },
      ]),
      cpu,
    );
    const pre = await probe.session.run({ x: new ort.Tensor("float32", x, [batch, 1, 28, 28]) });
    await probe.session.release();
    const nearest = (t: ort.Tensor) => Math.min(...Array.from(t.data as Float32Array, Math.abs));
    assert.ok(
      nearest(pre.c!) > 2 * eps && nearest(pre.z1!) > 0.05,
      `no unit near its kink: conv ${nearest(pre.c!)}, hidden ${nearest(pre.z1!)}`,
    );
    let checked = 0;
    // Every conv weight and bias (the hand-built part), and a few of the head's.
    const entries: [keyof ConvParams, number][] = [
      ...Array.from({ length: 50 }, (_, k) => ["wc", k] as [keyof ConvParams, number]),
      ["bc", 0],
      ["bc", 1],
      ["w1", 7],
      ["w1", 300],
      ["b1", 2],
      ["w2", 13],
      ["b2", 9],
    ];
    let largest = 0;
    for (const [p, k] of entries) {
      const graph = params[p][k]! - (out[`${p}_next`]!.data as Float32Array)[k]!;
      const at = async (delta: number) => {
        const moved = params[p].slice();
        moved[k]! += delta;
        return exportedLoss({ ...params, [p]: moved }, x, labels);
      };
      const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      assert.ok(
        Math.abs(numeric - graph) <= 1e-3 + 0.01 * Math.abs(numeric),
        `${p}[${k}]: finite difference ${numeric}, step graph ${graph}`,
      );
      largest = Math.max(largest, Math.abs(graph));
      checked++;
    }
    assert.equal(checked, entries.length);
    assert.ok(largest > 0.1, `the entries checked have gradients to compare (largest ${largest})`);
  });

  test("trained on digits, the exported net is read by the generic path: features at the final Gemm, accuracy above chance", async () => {
    const split = splitMnist(7, 200);
    const data = subset(
      split.pool,
      Array.from({ length: 500 }, (_, i) => i),
    );
    const wider: ConvShape = { filters: 4, kernel: 5, stride: 2, hidden: 16 };
    const run = await trainConvNet(data, wider, {
      epochs: 3,
      batchSize: 32,
      learningRate: 0.1,
      weightDecay: 1e-4,
      seed: 1,
      providers: cpu,
    });
    assert.equal(run.checkpoints.length, 3);
    assert.ok(run.epochLosses[2]! < run.epochLosses[0]!, `loss falls: ${run.epochLosses.join(", ")}`);
    const c = await loadClassifier(convInferenceModel(wider, run.params), {}, cpu);
    assert.deepEqual([c.layer.found, c.layer.features, c.layer.logits, c.layer.inputDims], ["Gemm", "h", "logits", [1, 28, 28]]);
    const v = split.validation;
    const out = await classify(
      c,
      Float32Array.from(v.images, (p) => p / 255),
      v.size,
      [1, 28, 28],
      64,
    );
    await c.session.release();
    assert.equal(out.hidden, wider.hidden);
    let right = 0;
    for (let i = 0; i < v.size; i++) {
      const row = Array.from(out.logits.subarray(i * 10, (i + 1) * 10));
      if (row.indexOf(Math.max(...row)) === v.labels[i]) right++;
    }
    assert.ok(right / v.size > 0.6, `accuracy ${right / v.size}`);
  });
});
