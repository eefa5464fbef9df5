/**
 * snarkjs modules that its package does not export, loaded as the SAME module instances snarkjs
 * itself uses (ESM sources, by path). This matters: ffjavascript sets `globalThis.curve_bn128 =
 * null` when a copy of it is first loaded, so loading a second copy (e.g. @iden3/binfileutils's
 * CommonJS build, which requires ffjavascript's CommonJS build) orphans the cached curve and its
 * worker threads, and the process never exits.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const snarkjsMain = require.resolve("snarkjs"); // .../snarkjs/build/main.cjs

export interface BinFd {
  pos: number;
  readULE32(): Promise<number>;
  read(n: number): Promise<Uint8Array>;
  close(): Promise<void>;
}
export type Sections = Record<number, { p: number; size: number }[] | undefined>;
export interface BinFileUtils {
  readBinFile(file: string, type: string, maxVersion: number): Promise<{ fd: BinFd; sections: Sections }>;
}

let bin: Promise<BinFileUtils> | undefined;
/** @iden3/binfileutils, the ESM source snarkjs imports. */
export function binFileUtils(): Promise<BinFileUtils> {
  bin ??= (async () => {
    const cjs = createRequire(snarkjsMain).resolve("@iden3/binfileutils"); // .../build/main.cjs
    return (await import(pathToFileURL(join(dirname(cjs), "..", "src", "binfileutils.js")).href)) as BinFileUtils;
  })();
  return bin;
}

/** A module of snarkjs's own src/ folder, e.g. "zkey_utils.js". */
export async function snarkjsSource<T>(file: string): Promise<T> {
  return (await import(pathToFileURL(join(dirname(snarkjsMain), "..", "src", file)).href)) as T;
}
