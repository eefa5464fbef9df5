/**
 * Whether a path lies inside a folder, as the file system will resolve it: symbolic links of the
 * longest existing prefix followed (a link to epoch.json is epoch.json), "..", and absolute paths.
 */
import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** `path` absolute, with symbolic links of its longest existing prefix resolved. */
export function realPath(path: string): string {
  const absolute = resolve(path);
  if (existsSync(absolute)) return realpathSync(absolute);
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
}

/**
 * `path` relative to `folder` when it lies inside it ("" for the folder itself), undefined when it
 * lies outside.
 */
export function pathInside(folder: string, path: string): string | undefined {
  const rel = relative(realPath(folder), realPath(path));
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel;
}
