import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { trainingStepModel, paramDims, PARAM_NAMES, type MlpShape } from "../attribution/graphs.ts";
import { splitMnist, subset } from "../attribution/data.ts";
import { exportModel } from "../attribution/model.ts";
import { createSession } from "../attribution/providers.ts";
import { train } from "../attribution/train.ts";
import { Rng } from "../attribution/prng.ts";

const cpu = { providers: ["cpu"], strict: true, threads: 1, log: () => {} };

describe("ONNX training step", () => {
  test("gradients of the training graph match central finite differences of its loss", async () => {
    const shape: MlpShape = { inputs: 7, hidden: 6, classes: 4 };
    const { session } = await createSession(trainingStepModel(shape, true), cpu);
    const rng = new Rng(11);
    const batch = 5;
    const dims = paramDims(shape);
    const x = Float32Array.from({ length: batch * shape.inputs }, () => rng.normal());
    const y = new Float32Array(batch * shape.classes);
    for (let i = 0; i < batch; i++) y[i * shape.classes + rng.int(shape.classes)] = 1;
    const params: Record<string, Float32Array> = {};
    for (const p of PARAM_NAMES) params[p] = Float32Array.from({ length: dims[p].reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.7);
    const run = async (ps: Record<string, Float32Array>) => {
      const feeds: Record<string, ort.Tensor> = {
        x: new ort.Tensor("float32", x, [batch, shape.inputs]),
        y: new ort.Tensor("float32", y, [batch, shape.classes]),
        lr: new ort.Tensor("float32", Float32Array.of(0), []),
        wd: new ort.Tensor("float32", Float32Array.of(0), []),
      };
      for (const p of PARAM_NAMES) feeds[p] = new ort.Tensor("float32", ps[p]!, dims[p]);
      return session.run(feeds);
    };
    const base = await run(params);
    const eps = 1e-2;
    let checked = 0;
    for (const p of PARAM_NAMES) {
      const analytic = base[`g${p}`]!.data as Float32Array;
      for (let k = 0; k < params[p]!.length; k++) {
        const plus = { ...params, [p]: params[p]!.slice() };
        const minus = { ...params, [p]: params[p]!.slice() };
        plus[p]![k]! += eps;
        minus[p]![k]! -= eps;
        const lp = ((await run(plus)).loss!.data as Float32Array)[0]!;
        const lm = ((await run(minus)).loss!.data as Float32Array)[0]!;
        const numeric = (lp - lm) / (2 * eps);
        assert.ok(
          Math.abs(numeric - analytic[k]!) <= 2e-3 + 0.02 * Math.abs(numeric),
          `${p}[${k}]: finite difference ${numeric}, graph ${analytic[k]}`,
        );
        checked++;
      }
    }
    assert.equal(checked, 7 * 6 + 6 + 6 * 4 + 4);
  });

  test("an SGD step equals parameters minus lr times (gradient + weight decay)", async () => {
    const shape: MlpShape = { inputs: 3, hidden: 4, classes: 2 };
    const { session } = await createSession(trainingStepModel(shape, true), cpu);
    const dims = paramDims(shape);
    const rng = new Rng(5);
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor(
        "float32",
        Float32Array.from({ length: 6 }, () => rng.normal()),
        [2, 3],
      ),
      y: new ort.Tensor("float32", Float32Array.of(1, 0, 0, 1), [2, 2]),
      lr: new ort.Tensor("float32", Float32Array.of(0.5), []),
      wd: new ort.Tensor("float32", Float32Array.of(0.1), []),
    };
    const params: Record<string, Float32Array> = {};
    for (const p of PARAM_NAMES) {
      params[p] = Float32Array.from({ length: dims[p].reduce((a, b) => a * b, 1) }, () => rng.normal());
      feeds[p] = new ort.Tensor("float32", params[p]!, dims[p]);
    }
    const out = await session.run(feeds);
    for (const p of PARAM_NAMES) {
      const g = out[`g${p}`]!.data as Float32Array;
      const next = out[`${p}_next`]!.data as Float32Array;
      const decay = p.startsWith("w") ? 0.1 : 0;
      next.forEach((v, k) => assert.ok(Math.abs(v - (params[p]![k]! - 0.5 * (g[k]! + decay * params[p]![k]!))) < 1e-5, `${p}[${k}]`));
    }
  });
});

describe("training determinism", () => {
  const split = splitMnist(3, 100);
  const data = subset(
    split.pool,
    Array.from({ length: 300 }, (_, i) => i),
  );
  const options = { hidden: 16, epochs: 2, batchSize: 32, learningRate: 0.1, weightDecay: 1e-4, seed: 9, providers: cpu };

  test("the same seed gives byte-identical weights and model hash; another seed does not", async () => {
    const a = await train(data, options);
    const b = await train(data, options);
    const c = await train(data, { ...options, seed: 10 });
    const ha = exportModel(a.shape, a.params).hash;
    assert.equal(exportModel(b.shape, b.params).hash, ha);
    assert.notEqual(exportModel(c.shape, c.params).hash, ha);
    assert.equal(a.checkpoints.length, 2);
    assert.ok(a.epochLosses[1]! < a.epochLosses[0]!, `loss should fall: ${a.epochLosses}`);
  });

  test("the split is seeded and its validation hash changes with the seed", () => {
    assert.equal(splitMnist(3, 100).validationHash, split.validationHash);
    assert.notEqual(splitMnist(4, 100).validationHash, split.validationHash);
    assert.equal(split.validation.size + split.pool.size, 10000);
  });
});
