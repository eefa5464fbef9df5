/**
 * Rotation of a 28x28 digit about its centre with bilinear sampling and zero fill (MNIST's
 * background), rounded to bytes: what the near-duplicate stage tries on a query image to catch
 * rotated copies, and what the attack suite's rotated copies are made with.
 */
const SIDE = 28;
const C = (SIDE - 1) / 2;

/** `image` (784 bytes) rotated by `degrees` (counter-clockwise on screen for positive angles). */
export function rotateImage(image: Uint8Array, degrees: number): Uint8Array {
  if (image.length !== SIDE * SIDE) throw new RangeError(`image must hold ${SIDE * SIDE} pixels, got ${image.length}`);
  if (!Number.isFinite(degrees)) throw new RangeError(`degrees must be finite, got ${degrees}`);
  const out = new Uint8Array(SIDE * SIDE);
  const a = (degrees * Math.PI) / 180,
    c = Math.cos(a),
    s = Math.sin(a);
  const g = (X: number, Y: number) => (X >= 0 && X < SIDE && Y >= 0 && Y < SIDE ? image[Y * SIDE + X]! : 0);
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      // The source point that lands on (x, y).
      const u = c * (x - C) + s * (y - C) + C,
        v = -s * (x - C) + c * (y - C) + C;
      const x0 = Math.floor(u),
        y0 = Math.floor(v),
        fx = u - x0,
        fy = v - y0;
      out[y * SIDE + x] = Math.round(
        g(x0, y0) * (1 - fx) * (1 - fy) + g(x0 + 1, y0) * fx * (1 - fy) + g(x0, y0 + 1) * (1 - fx) * fy + g(x0 + 1, y0 + 1) * fx * fy,
      );
    }
  return out;
}
