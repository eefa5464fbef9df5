/**
 * Powers of tau (phase 1) for the ceremony: the development one (circuits/setup.ts ensureDevPtau,
 * single party, made on this machine) or a public one imported by path and checked against a
 * sha256 given on the command line or pinned in config/pinned-keys.json (`ptau.<power>.sha256`).
 *
 * The cache (CACHE_DIR/ptau, outside git) is keyed by size: pot<power>_dev_final.ptau for the
 * development file, pot<power>_<sha256 prefix>.ptau for imported ones. An import is copied in
 * atomically after its hash and header are checked, so a half-copied file is never used.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { copyFile, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { CACHE_DIR } from "../paths.ts";
import { ensureDevPtau, type SetupLog } from "../setup.ts";
import { TrustedSetupError } from "./errors.ts";
import { binFileUtils } from "./snarkjs-internals.ts";

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export const PTAU_DIR = (): string => join(CACHE_DIR, "ptau");

/** sha256 (hex) of a file, streamed: public powers of tau run to gigabytes. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const cacheHashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
/**
 * sha256 of a file of the ptau cache, remembered per process while its size and modification time
 * stay the same: looking a ptau up by hash would otherwise rehash every cached file each time. Only
 * for choosing a file: snarkjs's checks read the file itself, so a swapped file still fails them.
 */
async function cachedSha256(path: string): Promise<string> {
  const { size, mtimeMs } = statSync(path);
  const known = cacheHashes.get(path);
  if (known && known.size === size && known.mtimeMs === mtimeMs) return known.sha256;
  const sha256 = await sha256File(path);
  cacheHashes.set(path, { size, mtimeMs, sha256 });
  return sha256;
}

export interface PtauInfo {
  readonly path: string;
  /** log2 of the largest circuit domain the file supports. */
  readonly power: number;
  readonly sha256: string;
  /** "dev": made on this machine by one party; "imported": a public file checked by hash. */
  readonly source: "dev" | "imported";
}

/** Reads a ptau header: its power, and whether it is prepared for phase 2 (section 12 present). */
export async function readPtauHeader(path: string): Promise<{ power: number; preparedForPhase2: boolean }> {
  const bin = await binFileUtils();
  let file;
  try {
    file = await bin.readBinFile(path, "ptau", 1);
  } catch (error) {
    throw new TrustedSetupError("PTAU_INVALID", `${path} is not a powers-of-tau file: ${(error as Error).message}`, { cause: error });
  }
  const { fd, sections } = file;
  try {
    const header = sections[1]?.[0];
    if (!header) throw new TrustedSetupError("PTAU_INVALID", `${path} has no powers-of-tau header`);
    fd.pos = header.p;
    const n8 = await fd.readULE32();
    await fd.read(n8);
    const power = await fd.readULE32();
    return { power, preparedForPhase2: Boolean(sections[12]?.[0]) };
  } finally {
    await fd.close();
  }
}

/** Validates a sha256 given by a person: 64 lowercase or uppercase hex digits. */
export function parseSha256(value: string, what: string): string {
  const v = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (!HEX_SHA256.test(v)) throw new RangeError(`${what} must be 64 hex digits (a sha256), got ${JSON.stringify(value)}`);
  return v;
}

/**
 * Imports a public powers of tau: checks its sha256 against `expectedSha256`, that it is prepared
 * for phase 2, and copies it into the cache under its size. Returns where it is.
 */
export async function importPtau(file: string, expectedSha256: string, log: SetupLog = () => {}): Promise<PtauInfo> {
  const expected = parseSha256(expectedSha256, "expectedSha256");
  if (!existsSync(file)) throw new TrustedSetupError("PTAU_INVALID", `no file ${file}`);
  log(`hashing ${file}...`);
  const actual = await sha256File(file);
  if (actual !== expected) {
    throw new TrustedSetupError(
      "PTAU_HASH_MISMATCH",
      `${basename(file)} has sha256 ${actual}, expected ${expected}: wrong or corrupted download`,
    );
  }
  const { power, preparedForPhase2 } = await readPtauHeader(file);
  if (!preparedForPhase2) {
    throw new TrustedSetupError(
      "PTAU_INVALID",
      `${basename(file)} is not prepared for phase 2: use a *_final.ptau, or run snarkjs powersoftau prepare phase2 on it`,
    );
  }
  mkdirSync(PTAU_DIR(), { recursive: true });
  const target = join(PTAU_DIR(), `pot${power}_${actual.slice(0, 16)}.ptau`);
  if (!existsSync(target)) {
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      await copyFile(file, tmp);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
  }
  return { path: target, power, sha256: actual, source: "imported" };
}

/** The development powers of tau of size 2^power (made and cached on first use). */
export async function devPtau(power: number, log: SetupLog = () => {}): Promise<PtauInfo> {
  const path = await ensureDevPtau(power, log);
  return { path, power, sha256: await cachedSha256(path), source: "dev" };
}

/**
 * A cached powers of tau whose sha256 is `sha256` and whose power is at least `minPower`, or
 * undefined. Looks at imported files first, then the development ones.
 */
export async function findCachedPtau(sha256: string, minPower = 0): Promise<PtauInfo | undefined> {
  const dir = PTAU_DIR();
  if (!existsSync(dir)) return undefined;
  const names = readdirSync(dir).filter((n) => /^pot\d+_[0-9a-z_]+\.ptau$/.test(n));
  const imported = names.filter((n) => n.includes(`_${sha256.slice(0, 16)}.`));
  const dev = names.filter((n) => n.endsWith("_dev_final.ptau"));
  for (const name of [...imported, ...dev]) {
    const power = Number(/^pot(\d+)_/.exec(name)![1]);
    if (power < minPower) continue;
    const path = join(dir, name);
    if ((await cachedSha256(path)) === sha256)
      return { path, power, sha256, source: name.endsWith("_dev_final.ptau") ? "dev" : "imported" };
  }
  return undefined;
}
