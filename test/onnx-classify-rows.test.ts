/**
 * A classifier's forward pass must give one features row and one logits row per input row, in
 * every batch (red-team review): classify checked the ranks of the first batch only, so a model
 * whose outputs drop rows (here a Slice keeping the first two of each batch) left the rest of the
 * features and logits at 0, and every method scored those rows from zeros without a word.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classify, loadClassifier } from "../attribution/onnx-classifier.ts";
import { encodeModel, ONNX_FLOAT } from "../attribution/onnx-proto.ts";

const cpu = { providers: ["cpu"], strict: true, threads: 1, log: () => {} };
const IN = 3;
const HIDDEN = 2;
const CLASSES = 2;

/** x [batch, 3] -> h = Relu(x W1) -> the first `keep` rows of h -> logits = h W2 (a final Gemm: h is read as the features). */
function droppingModel(keep: number): Uint8Array {
  return encodeModel({
    name: "drops-rows",
    nodes: [
      { op: "Gemm", inputs: ["x", "w1"], outputs: ["pre"] },
      { op: "Relu", inputs: ["pre"], outputs: ["full"] },
      { op: "Slice", inputs: ["full", "starts", "ends", "axes"], outputs: ["h"] },
      { op: "Gemm", inputs: ["h", "w2"], outputs: ["logits"] },
    ],
    initializers: [
      { name: "w1", dims: [IN, HIDDEN], data: Float32Array.from({ length: IN * HIDDEN }, (_, k) => 1 + k) },
      { name: "starts", dims: [1], data: BigInt64Array.of(0n) },
      { name: "ends", dims: [1], data: BigInt64Array.of(BigInt(keep)) },
      { name: "axes", dims: [1], data: BigInt64Array.of(0n) },
      { name: "w2", dims: [HIDDEN, CLASSES], data: Float32Array.of(1, -1, -1, 1) },
    ],
    inputs: [{ name: "x", elemType: ONNX_FLOAT, shape: ["batch", IN] }],
    outputs: [{ name: "logits", elemType: ONNX_FLOAT, shape: ["rows", CLASSES] }],
  });
}

describe("classify: one output row per input row", () => {
  it("a model that keeps every row: the features are h of each row", async () => {
    const c = await loadClassifier(droppingModel(1 << 20), {}, cpu);
    try {
      const out = await classify(
        c,
        Float32Array.from({ length: 4 * IN }, () => 1),
        4,
        [IN],
        4,
      );
      assert.deepEqual([...out.features], [9, 12, 9, 12, 9, 12, 9, 12]); // x W1 = (1+3+5, 2+4+6) per row
    } finally {
      await c.session.release();
    }
  });

  it("a model whose outputs drop rows of a batch is refused, naming the rows, not scored from zeros", async () => {
    const c = await loadClassifier(droppingModel(2), {}, cpu);
    try {
      await assert.rejects(
        classify(
          c,
          Float32Array.from({ length: 4 * IN }, () => 1),
          4,
          [IN],
          4,
        ),
        (e: unknown) => {
          assert.equal((e as { code?: unknown }).code, "MODEL_UNSUPPORTED", String(e));
          assert.match(String((e as Error).message), /rows 0\.\.3/);
          return true;
        },
      );
    } finally {
      await c.session.release();
    }
  });
});
