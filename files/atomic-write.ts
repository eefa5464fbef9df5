/** Writes that never leave a half-written file: write a sibling temporary file, then rename. */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * The start of every temporary file writeFileAtomic makes for `path` (`<path>.tmp-<pid>-<random>`):
 * one a process killed mid-write leaves behind, which a later run may remove.
 */
export function atomicTempPrefix(path: string): string {
  return `${path}.tmp-`;
}

/** Whether the file name `name` is one of writeFileAtomic's temporary files for `path` (a sibling). */
export function isAtomicTempOf(name: string, path: string): boolean {
  return name.startsWith(basename(atomicTempPrefix(path)));
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${atomicTempPrefix(path)}${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** The JSON form used by every artifact of the project: bigints as decimal strings. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
