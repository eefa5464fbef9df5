/**
 * Barrels export the public API only (issue 21): each folder's index.ts exports exactly the names
 * committed in test/fixtures/public-api.json, so a barrel cannot grow by accident. Internal helpers
 * are imported from their own module (e.g. `../witness/example-batches.ts`); a name joins a barrel
 * only on purpose, with the list updated in the same commit and the barrel's header saying why.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { barrelExports, barrelFolders, sortedNames } from "./helpers/barrel-exports.ts";

const LIST = join(PROJECT_ROOT, "test", "fixtures", "public-api.json");
const UPDATE = "UPDATE_PUBLIC_API=1 node_modules/.bin/node --test test/public-api.test.ts";
const SKIPPED = new Set(["node_modules", "build", "test"]);

/** The lists as biome formats JSON (line width 140): a list on one line if it fits, else one name a line. */
function listJson(lists: Record<string, string[]>): string {
  const entries = Object.entries(lists).map(([folder, names]) => {
    const oneLine = `  ${JSON.stringify(folder)}: ${JSON.stringify(names).replaceAll('","', '", "')},`;
    return oneLine.length <= 140
      ? oneLine.slice(0, -1)
      : `  ${JSON.stringify(folder)}: [\n${names.map((n) => `    ${JSON.stringify(n)}`).join(",\n")}\n  ]`;
  });
  return `{\n${entries.join(",\n")}\n}\n`;
}

const work = mkdtempSync(join(tmpdir(), "public-api-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("the lister reads every export form of a barrel, types marked, and refuses export *", () => {
  const barrel = join(work, "index.ts");
  writeFileSync(
    barrel,
    [
      'export { b, c as d, type E } from "./b.ts";',
      'export type { F } from "./f.ts";',
      "import { g } from './g.ts';",
      "export { g };",
      "export const h = 1, i = 2;",
      "export function j(): void {}",
      "export class K {}",
      "export enum L { M }",
      "export interface N {}",
      "export type O = number;",
      "const notExported = 3;",
    ].join("\n"),
  );
  assert.deepEqual(barrelExports(barrel), ["b", "d", "type E", "type F", "g", "h", "i", "j", "K", "L", "type N", "type O"]);
  writeFileSync(barrel, 'export * from "./b.ts";\n');
  assert.throws(() => barrelExports(barrel), /export \*.*name each export/);
  mkdirSync(join(work, "folder"));
  writeFileSync(join(work, "folder", "index.ts"), "");
  mkdirSync(join(work, "plain"));
  assert.deepEqual(barrelFolders(work, new Set()), ["folder"]);
});

test("each folder's barrel exports exactly its committed public API", () => {
  const actual = Object.fromEntries(
    barrelFolders(PROJECT_ROOT, SKIPPED).map((folder) => [folder, barrelExports(join(PROJECT_ROOT, folder, "index.ts"))]),
  );
  if (process.env.UPDATE_PUBLIC_API === "1") writeFileSync(LIST, listJson(actual));
  const committed = JSON.parse(readFileSync(LIST, "utf8")) as Record<string, string[]>;
  const differences: string[] = [];
  for (const folder of sortedNames(new Set([...Object.keys(actual), ...Object.keys(committed)]))) {
    const now = new Set(actual[folder] ?? []);
    const listed = new Set(committed[folder] ?? []);
    const added = [...now].filter((n) => !listed.has(n));
    const removed = [...listed].filter((n) => !now.has(n));
    if (added.length > 0) differences.push(`${folder}/index.ts exports ${added.join(", ")}, not in the list`);
    if (removed.length > 0) differences.push(`${folder}/index.ts no longer exports ${removed.join(", ")}, listed`);
  }
  assert.deepEqual(
    differences,
    [],
    [
      ...differences,
      "Barrels export the public API only: import an internal helper from its own module instead.",
      `If the public API changes on purpose, run \`${UPDATE}\`, review the diff of test/fixtures/public-api.json`,
      "and say in the barrel's header comment why the name is public.",
    ].join("\n"),
  );
  assert.ok(Object.keys(actual).length >= 11, "every pipeline folder's barrel is found");
});
