/**
 * Reader for a folder of files, one example per file, each file's raw bytes its canonical bytes
 * (nothing is decoded: the folder form is for data this project has no format for). Files are
 * taken in the order of their names' UTF-8 bytes (`LC_ALL=C ls`), the same on every machine and
 * file system; names starting with "." are skipped (.DS_Store, .git). Subfolders are refused, not
 * recursed: one flat folder keeps "which files, in which order" obvious to the contributor, and a
 * forgotten nested folder is an error instead of silently more (or fewer) examples. Symbolic
 * links are followed; an entry that is not a regular file (a socket, a FIFO, a device) is refused
 * without being opened. The limits (read-file.ts) hold for the files together: at most
 * maxExamples files, at most maxBytes in all (checked on each file's size before it is read).
 */
import { opendirSync } from "node:fs";
import { join } from "node:path";
import { canonicalExample, fileExampleBytes } from "./canonical-bytes.ts";
import { DatasetError, placed } from "./errors.ts";
import { checkBytesPerExample, checkExampleCount, readRegularFile, realPathWithin, statData, type ReadLimits } from "./read-file.ts";
import type { ContributorData } from "./contributor-data.ts";

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** The names in `folder` not starting with "."; TOO_MANY_EXAMPLES (naming the folder) past `maxExamples`. */
function visibleNames(folder: string, maxExamples: number): string[] {
  const names: string[] = [];
  const dir = opendirSync(folder);
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
      if (entry.name.startsWith(".")) continue;
      names.push(entry.name);
      checkExampleCount(folder, names.length, maxExamples);
    }
  } finally {
    dir.closeSync();
  }
  return names.sort(byUtf8);
}

/**
 * Reads a folder within `limits`. Errors name the entry's file: ENTRY_NOT_FILE (a subfolder or a
 * special file), EXAMPLE_EMPTY (an empty file), TOO_LARGE (past the bytes left), PATH_OUTSIDE,
 * HASH_ZERO; the folder: PATH_OUTSIDE, TOO_MANY_EXAMPLES, TOO_LARGE, EMPTY when no file is left.
 */
export function readFolder(folder: string, limits: ReadLimits): ContributorData {
  if (limits.within !== undefined) realPathWithin(folder, limits.within);
  const names = visibleNames(folder, limits.maxExamples);
  if (names.length === 0)
    throw new DatasetError("EMPTY", "no example: the folder holds no file (hidden files are skipped)", { file: folder });
  let total = 0;
  const examples = names.map((name, entry) => {
    const file = join(folder, name);
    return placed({ file, entry }, () => {
      const stat = statData(file);
      if (stat.isDirectory())
        throw new DatasetError(
          "ENTRY_NOT_FILE",
          "a subfolder: the folder form is one flat folder, one example per file (subfolders are not read)",
        );
      if (!stat.isFile()) throw new DatasetError("ENTRY_NOT_FILE", "not a regular file");
      if (total + stat.size > limits.maxBytes)
        throw new DatasetError(
          "TOO_LARGE",
          `the folder's files up to this one hold ${total + stat.size} bytes, more than the ${limits.maxBytes} read at most`,
        );
      const bytes = readRegularFile(file, limits.maxBytes - total, limits.within);
      total += bytes.length;
      return { ...canonicalExample("file", fileExampleBytes(bytes)), where: { file, entry } };
    });
  });
  checkBytesPerExample(folder, total, examples.length);
  return { form: "folder", path: folder, examples };
}
