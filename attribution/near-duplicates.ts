/**
 * Near-duplicate stage, run before training and scoring. An example that is a near copy of an
 * EARLIER registered example (registration order = partition order, then position) or of a
 * validation example is flagged: it is left out of training and scores 0, and its evidence (which
 * earlier example, similarity, best shift) goes into the output.
 *
 * Similarity: maximum normalised cross-correlation (NCC) over integer shifts in [-maxShift,
 * maxShift]^2, the second image shifted with zero fill (MNIST's background), both mean-centred and
 * L2-normalised. Catches shifted copies, additive noise (NCC ~ 1/sqrt(1 + noise/signal power)),
 * and any affine rescaling of intensity (NCC is invariant to it).
 *
 * Candidates (not O(n^2) full comparisons): each image is shifted so its centre of mass sits at
 * the centre (translation removed), box-downsampled 2x2 to 14x14, mean-centred and L2-normalised:
 * the descriptor. `tables` hash tables key descriptors by the signs of `bits` seeded random
 * projections (random-hyperplane LSH); only examples sharing a bucket in some table, with
 * descriptor cosine >= `gate`, get the full NCC.
 *
 * Rotated copies: each new example is also rotated by the configured angles (bilinear, as
 * rotate.ts) and each rotated view looks up and is compared with the registered examples (not the
 * validation set) the same way, through a stricter descriptor gate; the evidence names the angle.
 *
 * Exact copies (same example hash) are NOT flagged here: the witness credits them to the earliest
 * registrant (a proven rule). They share the first occurrence's verdict, so an example hash always
 * has one score; with the stage on, only the first occurrence is trained on.
 */
import { exampleHash, PIXELS, type Dataset } from "./data.ts";
import { derive, Rng } from "./prng.ts";
import { rotateImage } from "./rotate.ts";
import type { NearDuplicateConfig } from "../config/attribution.ts";

const SIDE = 28;
const D_SIDE = 14;
const D = D_SIDE * D_SIDE;

export type { NearDuplicateConfig };

/**
 * Threshold 0.975, measured (seed 20261128): 3,000 honest pool digits against each other and 1,000
 * validation digits flag 0.27 % (all digit 1s, whose thin strokes correlate strongly across
 * writers; 0.96 flagged 2.5 %), while copies shifted up to 2 px with intensity x[0.7,1] and noise
 * sigma 0.05 score >= 0.984 (noise sigma 0.1: median 0.975, so about half escape). Against the
 * validation set 0.965 (0.96 flagged 1 % of honest digits against 1,000 validation digits).
 *
 * Rotations +-3, 6, 9, 12 degrees with gate 0.98, measured on the same 3,000 honest digits and
 * 1,000 validation digits plus 900 copies of 300 other digits rotated by 5-10 degrees: copies
 * caught 37.4 % -> 90.1 %, honest digits flagged 0.57 % -> 0.83 % (all 1s), stage time about 2x.
 * +-5, 10 caught 80.6 %; +-4, 8, 12 86.9 %; rotated views also against the validation set
 * flagged 2.07 % of honest digits (+-4, 8, 12); gate 0.9 for the rotated views caught about as
 * many (86.9 % vs 86.4 % with +-4, 8, 12) and took 3x as long.
 */
export const DEFAULT_NEAR_DUPLICATES: NearDuplicateConfig = {
  enabled: true,
  threshold: 0.975,
  validationThreshold: 0.965,
  maxShift: 2,
  tables: 16,
  bits: 16,
  gate: 0.9,
  rotations: [-12, -9, -6, -3, 3, 6, 9, 12],
  rotationGate: 0.98,
};

/** Why an example was flagged. */
export interface NearDuplicateEvidence {
  /** Row index (registration order) of the flagged example. */
  readonly index: number;
  readonly exampleHash: bigint;
  readonly contributor: string;
  /** The example it copies: a validation example, or an earlier registered one. */
  readonly reference:
    | { readonly set: "validation"; readonly index: number }
    | { readonly set: "registered"; readonly index: number; readonly exampleHash: bigint; readonly contributor: string };
  /** Max NCC over shifts (and rotations). */
  readonly similarity: number;
  /** Shift (dx, dy) of the reference that gave it. */
  readonly shift: readonly [number, number];
  /** Rotation (degrees) of the flagged example that gave it; 0 unrotated. */
  readonly rotation: number;
}

export interface NearDuplicateResult {
  /** Per row: 1 if flagged. */
  readonly flagged: Uint8Array;
  /** Per row: 1 if trained on and scored (first occurrence of its hash, not flagged). */
  readonly keep: Uint8Array;
  /** Per row: the row whose verdict/score it shares (itself, or its hash's first occurrence). */
  readonly firstOf: Uint32Array;
  readonly evidence: readonly NearDuplicateEvidence[];
  /** Candidate pairs given the full NCC (cost figure). */
  readonly comparisons: number;
}

/** Image i as mean-centred, L2-normalised float64 (and its centred norm before normalising). */
function centred(images: Uint8Array, i: number): Float64Array {
  const out = new Float64Array(PIXELS);
  let sum = 0;
  for (let p = 0; p < PIXELS; p++) sum += images[i * PIXELS + p]!;
  const mean = sum / PIXELS;
  let sq = 0;
  for (let p = 0; p < PIXELS; p++) {
    const v = images[i * PIXELS + p]! - mean;
    out[p] = v;
    sq += v * v;
  }
  const n = Math.sqrt(sq) || 1;
  for (let p = 0; p < PIXELS; p++) out[p]! /= n;
  return out;
}

/** Centre-of-mass aligned, 2x2 box-downsampled, mean-centred, L2-normalised descriptor. */
function descriptor(images: Uint8Array, i: number): Float64Array {
  const base = i * PIXELS;
  // Binarised at half the image's maximum: robust to noise and to intensity rescaling.
  let max = 0;
  for (let p = 0; p < PIXELS; p++) max = Math.max(max, images[base + p]!);
  const on = (p: number) => (images[base + p]! * 2 > max ? 1 : 0);
  let m = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const v = on(y * SIDE + x);
      m += v;
      mx += v * x;
      my += v * y;
    }
  const cx = m > 0 ? mx / m : 13.5;
  const cy = m > 0 ? my / m : 13.5;
  // Bilinear splat of each "on" pixel at its position relative to the sub-pixel centre of mass
  // (continuous in translation), then a 3x3 blur.
  const g = new Float64Array(D);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      if (!on(y * SIDE + x)) continue;
      const u = (x - cx) / 2 + D_SIDE / 2 - 0.5,
        w = (y - cy) / 2 + D_SIDE / 2 - 0.5;
      const u0 = Math.floor(u),
        w0 = Math.floor(w),
        fu = u - u0,
        fw = w - w0;
      for (const [du, dw, k] of [
        [0, 0, (1 - fu) * (1 - fw)],
        [1, 0, fu * (1 - fw)],
        [0, 1, (1 - fu) * fw],
        [1, 1, fu * fw],
      ] as const) {
        const U = u0 + du,
          W = w0 + dw;
        if (U >= 0 && U < D_SIDE && W >= 0 && W < D_SIDE) g[W * D_SIDE + U]! += k;
      }
    }
  const d = new Float64Array(D);
  for (let y = 0; y < D_SIDE; y++)
    for (let x = 0; x < D_SIDE; x++) {
      let v = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const X = x + dx,
            Y = y + dy;
          if (X >= 0 && X < D_SIDE && Y >= 0 && Y < D_SIDE) v += g[Y * D_SIDE + X]! * (dx === 0 ? 2 : 1) * (dy === 0 ? 2 : 1);
        }
      d[y * D_SIDE + x] = v;
    }
  let s = 0;
  for (let k = 0; k < D; k++) s += d[k]!;
  const mean = s / D;
  let sq = 0;
  for (let k = 0; k < D; k++) {
    d[k]! -= mean;
    sq += d[k]! * d[k]!;
  }
  const n = Math.sqrt(sq) || 1;
  for (let k = 0; k < D; k++) d[k]! /= n;
  return d;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

/**
 * Max NCC of image a (centred, normalised: `ac`) against image b (raw bytes at `bImages[bi]`)
 * shifted by every (dx, dy) in [-r, r]^2 with zero fill.
 */
export function maxShiftedNcc(
  ac: Float64Array,
  bImages: Uint8Array,
  bi: number,
  r: number,
): { similarity: number; shift: [number, number] } {
  const base = bi * PIXELS;
  let best = -Infinity;
  let shift: [number, number] = [0, 0];
  for (let dy = -r; dy <= r; dy++)
    for (let dx = -r; dx <= r; dx++) {
      // s(x, y) = b(x - dx, y - dy)
      let d = 0,
        s = 0,
        s2 = 0;
      for (let y = Math.max(0, dy); y < Math.min(SIDE, SIDE + dy); y++) {
        const row = base + (y - dy) * SIDE - dx;
        for (let x = Math.max(0, dx); x < Math.min(SIDE, SIDE + dx); x++) {
          const v = bImages[row + x]!;
          if (v === 0) continue;
          d += ac[y * SIDE + x]! * v;
          s += v;
          s2 += v * v;
        }
      }
      const norm = Math.sqrt(s2 - (s * s) / PIXELS);
      const ncc = norm > 0 ? d / norm : 0;
      if (ncc > best) {
        best = ncc;
        shift = [dx, dy];
      }
    }
  return { similarity: best, shift };
}

/** NCC of two single images (for tests and reports). */
export function similarity(a: Dataset, i: number, b: Dataset, j: number, maxShift = 2): number {
  return maxShiftedNcc(centred(a.images, i), b.images, j, maxShift).similarity;
}

/**
 * Flags near copies among `rows` (all training rows in registration order, with the contributor
 * of each) against earlier rows and `validation`.
 */
export function detectNearDuplicates(
  data: Dataset,
  contributors: readonly string[],
  validation: Dataset,
  settings: NearDuplicateConfig,
  seed = 0,
): NearDuplicateResult {
  const n = data.size;
  const rng = new Rng(derive(seed, "near-duplicates"));
  const planes = Array.from({ length: settings.tables * settings.bits }, () => {
    const p = new Float64Array(D);
    for (let k = 0; k < D; k++) p[k] = rng.normal();
    return p;
  });
  const tables = Array.from({ length: settings.tables }, () => new Map<number, number[]>());
  // Indexed items: validation examples are ids -1 - j; training rows are ids i >= 0.
  const descriptors = new Map<number, Float64Array>();
  const keys = (d: Float64Array): number[] =>
    Array.from({ length: settings.tables }, (_, t) => {
      let key = 0;
      for (let b = 0; b < settings.bits; b++) key = key * 2 + (dot(d, planes[t * settings.bits + b]!) >= 0 ? 1 : 0);
      return key;
    });
  const insert = (id: number, d: Float64Array, ks: number[]) => {
    descriptors.set(id, d);
    ks.forEach((k, t) => {
      const bucket = tables[t]!.get(k);
      if (bucket) bucket.push(id);
      else tables[t]!.set(k, [id]);
    });
  };
  for (let j = 0; j < validation.size; j++) {
    const d = descriptor(validation.images, j);
    insert(-1 - j, d, keys(d));
  }
  const flagged = new Uint8Array(n);
  const keep = new Uint8Array(n);
  const firstOf = new Uint32Array(n);
  const hashes: bigint[] = [];
  const seen = new Map<bigint, number>();
  const evidence: NearDuplicateEvidence[] = [];
  let comparisons = 0;
  for (let i = 0; i < n; i++) {
    const hash = exampleHash(data, i);
    hashes.push(hash);
    const first = seen.get(hash);
    if (first !== undefined) {
      firstOf[i] = first;
      flagged[i] = flagged[first]!;
      continue;
    }
    seen.set(hash, i);
    firstOf[i] = i;
    // The example as registered, then rotated: each view looks up its own candidates and is
    // compared with them; only the unrotated view is indexed for later examples.
    const views = [0, ...(settings.rotations ?? [])].map((rotation) => {
      const image =
        rotation === 0
          ? data.images.subarray(i * PIXELS, (i + 1) * PIXELS)
          : rotateImage(data.images.subarray(i * PIXELS, (i + 1) * PIXELS), rotation);
      const d = descriptor(image, 0);
      return { rotation, image, d, ks: keys(d) };
    });
    const { d, ks } = views[0]!;
    let best: { id: number; similarity: number; shift: [number, number]; rotation: number } | undefined;
    for (const view of views) {
      const candidates = new Set<number>();
      view.ks.forEach((k, t) => {
        for (const id of tables[t]!.get(k) ?? []) candidates.add(id);
      });
      let ac: Float64Array | undefined;
      for (const id of candidates) {
        // Rotated views against registered examples only: a digit 1 rotated matches many other
        // 1s, and against the validation set's lower threshold that flagged about 2 % of honest
        // digits (DEFAULT_NEAR_DUPLICATES).
        if (view.rotation !== 0 && id < 0) continue;
        if (dot(view.d, descriptors.get(id)!) < (view.rotation === 0 ? settings.gate : (settings.rotationGate ?? settings.gate))) continue;
        comparisons++;
        ac ??= centred(view.image, 0);
        const m =
          id < 0 ? maxShiftedNcc(ac, validation.images, -1 - id, settings.maxShift) : maxShiftedNcc(ac, data.images, id, settings.maxShift);
        // Prefer validation, then the earliest registered example, among those over the threshold.
        const threshold = id < 0 ? (settings.validationThreshold ?? settings.threshold) : settings.threshold;
        if (m.similarity >= threshold && (best === undefined || id < best.id)) best = { id, ...m, rotation: view.rotation };
      }
    }
    if (best) {
      flagged[i] = 1;
      const reference =
        best.id < 0
          ? { set: "validation" as const, index: -1 - best.id }
          : { set: "registered" as const, index: best.id, exampleHash: hashes[best.id]!, contributor: contributors[best.id]! };
      evidence.push({
        index: i,
        exampleHash: hash,
        contributor: contributors[i]!,
        reference,
        similarity: best.similarity,
        shift: best.shift,
        rotation: best.rotation,
      });
    } else {
      keep[i] = 1;
    }
    insert(i, d, ks);
  }
  return { flagged, keep, firstOf, evidence, comparisons };
}
