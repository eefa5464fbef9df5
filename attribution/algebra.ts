/**
 * Dense linear algebra for the scoring methods. Small problems (eigen-decompositions, Cholesky of
 * a few hundred rows) run in float64 TypeScript; large products (Gram matrices of many examples)
 * run as a one-node ONNX Gemm on the configured execution provider in float32, chunked by the
 * caller so memory stays bounded. Every routine has a fixed operation order: reproducible.
 */
import * as ort from "onnxruntime-node";
import { encodeModel, ONNX_FLOAT } from "./onnx-proto.ts";
import { createSession, type LoadedSession, type ProviderOptions } from "./providers.ts";

const gemms = new Map<string, Promise<LoadedSession>>();

/**
 * C = op(A) op(B) with op = transpose when the flag is set; A is [ra, ca], B is [rb, cb] row-major.
 * float32 on the execution provider. Cost: one Gemm, output rows*cols floats.
 */
export async function gemm(
  a: Float32Array,
  ra: number,
  ca: number,
  b: Float32Array,
  rb: number,
  cb: number,
  transA: boolean,
  transB: boolean,
  providers: ProviderOptions,
): Promise<Float32Array> {
  const key = JSON.stringify([transA, transB, providers.providers, providers.strict, providers.threads]);
  let s = gemms.get(key);
  if (!s) {
    const model = encodeModel({
      name: "gemm",
      nodes: [
        {
          op: "Gemm",
          inputs: ["a", "b"],
          outputs: ["c"],
          attributes: [
            { name: "transA", int: transA ? 1 : 0 },
            { name: "transB", int: transB ? 1 : 0 },
          ],
        },
      ],
      initializers: [],
      inputs: [
        { name: "a", elemType: ONNX_FLOAT, shape: ["ra", "ca"] },
        { name: "b", elemType: ONNX_FLOAT, shape: ["rb", "cb"] },
      ],
      outputs: [{ name: "c", elemType: ONNX_FLOAT, shape: ["m", "n"] }],
    });
    s = createSession(model, providers);
    s.catch(() => gemms.delete(key));
    gemms.set(key, s);
  }
  const { session } = await s;
  const out = await session.run({ a: new ort.Tensor("float32", a, [ra, ca]), b: new ort.Tensor("float32", b, [rb, cb]) });
  return out.c!.data as Float32Array;
}

/** Symmetric eigen-decomposition by cyclic Jacobi rotations: a = V diag(values) V^T (V columns). */
export function symmetricEigen(matrix: Float64Array, n: number, sweeps = 50): { values: Float64Array; vectors: Float64Array } {
  const a = matrix.slice();
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j]! * a[i * n + j]!;
        total += x;
        if (i !== j) off += x;
      }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

/** Cholesky factor L (lower, row-major) of a symmetric positive definite matrix. */
export function cholesky(matrix: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new RangeError(`matrix is not positive definite (pivot ${i} = ${sum}); raise the damping`);
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  return l;
}

/**
 * The inverse of a symmetric positive definite matrix: with K = L L^T, K^-1 = W^T W where
 * W = L^-1 (lower triangular). Cost ~ n^3 / 2 (Cholesky n^3/6, W n^3/6, W^T W n^3/6).
 */
export function spdInverse(matrix: Float64Array, n: number): Float64Array {
  const l = cholesky(matrix, n);
  const w = new Float64Array(n * n);
  // Row i of W from W L = I: w[i][j] = (delta_ij - sum_{k=j+1..i} w[i][k] l[k][j]) / l[j][j], j = i down to 0.
  for (let i = 0; i < n; i++) {
    w[i * n + i] = 1 / l[i * n + i]!;
    for (let j = i - 1; j >= 0; j--) {
      let sum = 0;
      for (let k = j + 1; k <= i; k++) sum -= w[i * n + k]! * l[k * n + j]!;
      w[i * n + j] = sum / l[j * n + j]!;
    }
  }
  // inv[a][b] = sum_{k >= max(a,b)} w[k][a] w[k][b]
  const inv = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const row = k * n;
    for (let a = 0; a <= k; a++) {
      const wka = w[row + a]!;
      if (wka === 0) continue;
      const out = a * n;
      for (let b = 0; b <= a; b++) inv[out + b]! += wka * w[row + b]!;
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) inv[b * n + a] = inv[a * n + b]!;
  return inv;
}
