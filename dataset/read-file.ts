/**
 * The one way dataset/ reads a file, and the limits every reader keeps. The trainer reads data a
 * stranger handed it (a delivery), so a read must end, in bounded time and memory, whatever sits
 * at the path:
 *   - only a regular file is read. A FIFO would block the synchronous read forever (the process,
 *     event loop included), a device such as /dev/zero never ends, a socket cannot be opened. The
 *     path is stat'ed before it is opened, then opened non-blocking (opening a FIFO for reading
 *     would otherwise wait for a writer) and fstat'ed again, so a swap in between is caught too.
 *   - symbolic links are followed (a contributor's own data may be a link into its archive); what
 *     they lead to must be a regular file, and, when the caller names a folder (`within`), must be
 *     inside it once every link is resolved (the trainer confines a delivery to its own folder).
 *     The folder check is done on the path before opening: it assumes nobody edits the folder while
 *     it is read (the trainer copies deliveries into a folder of its own); the regular-file and size
 *     checks are made on the open file and hold regardless.
 *   - at most `maxBytes`, checked on the file's size before a byte is read, and no more than that
 *     size is read even if the file grows meanwhile.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { config } from "../config/index.ts";
import { DatasetError } from "./errors.ts";

/**
 * The most bytes one example may take on average in a contributor's data: a data file (or a
 * folder's files together) holds at most this many bytes per example it holds. An MNIST image as a
 * JSONL record is at most ~3.2 KB (784 numbers up to 255), in a .bin 785 bytes; 16 KiB leaves room
 * for whitespace, extra fields, small files of a folder (a digit's PNG is a few hundred bytes) and
 * short texts, while keeping the largest data a registration can need (MAX_DATA_BYTES) in memory.
 */
export const MAX_EXAMPLE_BYTES = 16 * 1024;

/**
 * The most bytes a reader reads unless told fewer: the most examples one registration may declare
 * (config registration.maxExamplesPerRegistrant, 100,000: 1.6 GB) times MAX_EXAMPLE_BYTES. More
 * could never be registered in one registration, so more is never read. The trainer reads a
 * delivery with the receipt's count instead, so a registration of 2 examples cannot make it read
 * more than 32 KiB.
 */
export const MAX_DATA_BYTES = config.registration.maxExamplesPerRegistrant * MAX_EXAMPLE_BYTES;

/** What a reader may read: examples and bytes at most, and only inside `within` when given. */
export interface ReadLimits {
  readonly maxExamples: number;
  readonly maxBytes: number;
  /** A folder every file read must be inside once symbolic links are resolved (its realpath). */
  readonly within?: string;
}

/** The stat of `path` (links followed); PATH_MISSING naming it when there is nothing there. */
export function statData(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new DatasetError("PATH_MISSING", "no such file or folder", { file: path });
    throw error;
  }
}

/** Where `path` really is (every link resolved); PATH_OUTSIDE unless strictly inside `within` (itself a realpath). */
export function realPathWithin(path: string, within: string): string {
  const real = realpathSync(path);
  const rel = relative(within, real);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new DatasetError("PATH_OUTSIDE", `resolves (symbolic links followed) to ${real}, which is not inside ${within}`, { file: path });
  }
  return real;
}

const notRegular = (stat: Stats) =>
  stat.isDirectory()
    ? "a folder"
    : stat.isFIFO()
      ? "a FIFO (named pipe)"
      : stat.isCharacterDevice() || stat.isBlockDevice()
        ? "a device"
        : stat.isSocket()
          ? "a socket"
          : "not a regular file";

/**
 * The bytes of `file` (see the header). DatasetError naming the file: PATH_MISSING, NOT_REGULAR_FILE
 * (a FIFO, a device, a socket, a folder), TOO_LARGE (more than `maxBytes`), PATH_OUTSIDE.
 */
export function readRegularFile(file: string, maxBytes: number, within?: string): Uint8Array {
  const before = statData(file);
  if (!before.isFile()) throw new DatasetError("NOT_REGULAR_FILE", `${notRegular(before)}: only a regular file is read`, { file });
  if (within !== undefined) realPathWithin(file, within);
  if (before.size > maxBytes) throw tooLarge(file, before.size, maxBytes);
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new DatasetError("NOT_REGULAR_FILE", `${notRegular(stat)}: only a regular file is read`, { file });
    if (stat.size > maxBytes) throw tooLarge(file, stat.size, maxBytes);
    const bytes = Buffer.alloc(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const n = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (n === 0) break; // truncated meanwhile: what is there
      filled += n;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

const tooLarge = (file: string, size: number, maxBytes: number) =>
  new DatasetError("TOO_LARGE", `${size} bytes, more than the ${maxBytes} read at most`, { file });

/** TOO_LARGE naming `file` when `bytes` exceed MAX_EXAMPLE_BYTES per example of `examples`. */
export function checkBytesPerExample(file: string, bytes: number, examples: number): void {
  if (bytes > examples * MAX_EXAMPLE_BYTES) {
    throw new DatasetError(
      "TOO_LARGE",
      `${bytes} bytes for ${examples} examples: at most ${MAX_EXAMPLE_BYTES} bytes per example on average`,
      { file },
    );
  }
}

/** TOO_MANY_EXAMPLES naming `file` when `count` exceeds `maxExamples`. */
export function checkExampleCount(file: string, count: number, maxExamples: number): void {
  if (count > maxExamples) throw new DatasetError("TOO_MANY_EXAMPLES", `more than ${maxExamples} examples, the most read`, { file });
}
