/**
 * The main thread's bn128 curve, built once. snarkjs builds it lazily on first use and caches it
 * in globalThis.curve_bn128; two first uses at the same time (two setups awaited together) build
 * two curves, and the threads of the one not cached are never terminated: the process then never
 * exits. Main-thread entry points that use snarkjs await this first, so concurrent callers share
 * one build. After curve_bn128.terminate() (which clears the cache) the next call builds anew.
 */
import * as snarkjs from "snarkjs";

type Curve = Awaited<ReturnType<typeof snarkjs.curves.getCurveFromName>>;
const global = globalThis as { curve_bn128?: Curve | null };
let building: Promise<Curve> | undefined;
let built: Curve | undefined;

export function mainThreadCurve(): Promise<Curve> {
  if (global.curve_bn128) return Promise.resolve(global.curve_bn128);
  // Nothing cached: either a build is in flight (share it) or the last one was terminated.
  if (building === undefined || built !== undefined) {
    built = undefined;
    const build = snarkjs.curves.getCurveFromName("bn128").then((curve) => (built = curve));
    building = build;
    build.catch(() => {
      if (building === build) building = undefined;
    });
  }
  return building;
}
