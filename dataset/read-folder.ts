/**
 * Reader for a folder of files, one example per file, each file's raw bytes its canonical bytes
 * (nothing is decoded: the folder form is for data this project has no format for). Files are
 * taken in the order of their names' UTF-8 bytes (`LC_ALL=C ls`), the same on every machine and
 * file system; names starting with "." are skipped (.DS_Store, .git). Subfolders are refused, not
 * recursed: one flat folder keeps "which files, in which order" obvious to the contributor, and a
 * forgotten nested folder is an error instead of silently more (or fewer) examples. Symbolic
 * links are followed; an entry that is not a regular file (a socket, a FIFO) is refused.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { canonicalExample, fileExampleBytes } from "./canonical-bytes.ts";
import { DatasetError, placed } from "./errors.ts";
import type { ContributorData } from "./readers.ts";

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/**
 * Reads a folder. Errors name the entry's file: ENTRY_NOT_FILE (a subfolder or a special file),
 * EXAMPLE_EMPTY (an empty file), HASH_ZERO; EMPTY (naming the folder) when no file is left.
 */
export function readFolder(folder: string): ContributorData {
  const names = readdirSync(folder).filter((name) => !name.startsWith(".")).sort(byUtf8);
  if (names.length === 0) throw new DatasetError("EMPTY", "no example: the folder holds no file (hidden files are skipped)", { file: folder });
  const examples = names.map((name, entry) => {
    const file = join(folder, name);
    return placed({ file, entry }, () => {
      const stat = statSync(file);
      if (stat.isDirectory()) throw new DatasetError("ENTRY_NOT_FILE", "a subfolder: the folder form is one flat folder, one example per file (subfolders are not read)");
      if (!stat.isFile()) throw new DatasetError("ENTRY_NOT_FILE", "not a regular file");
      return { ...canonicalExample("file", fileExampleBytes(readFileSync(file))), where: { file, entry } };
    });
  });
  return { form: "folder", path: folder, examples };
}
