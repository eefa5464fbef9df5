/**
 * No import cycles among the project's modules (issue 21): a cycle lets a module see another's
 * exports before they are initialised, and ties two modules that should be one or be cut apart.
 * The finder is shown to find a cycle first, so a pass means there is none, not a blind finder.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { importCycles } from "./helpers/import-cycles.ts";

const work = mkdtempSync(join(tmpdir(), "import-cycles-"));
after(() => rmSync(work, { recursive: true, force: true }));

test("the finder names every file of a cycle, type-only imports and re-exports included, and not a dynamic import", () => {
  mkdirSync(join(work, "a"));
  writeFileSync(join(work, "a", "index.ts"), 'export { b } from "./b.ts";\nexport const a = 1;\n');
  writeFileSync(join(work, "a", "b.ts"), 'import type { C } from "../c.ts";\nexport const b: C = 2;\n');
  writeFileSync(join(work, "c.ts"), 'import { a } from "./a/index.ts";\nexport type C = number;\nexport const c = a;\n');
  writeFileSync(join(work, "lazy.ts"), 'export const load = () => import("./c.ts");\n');
  writeFileSync(join(work, "self.ts"), 'export * from "./self.ts";\n');
  mkdirSync(join(work, "node_modules"));
  writeFileSync(join(work, "node_modules", "x.ts"), 'import "./x.ts";\n');
  assert.deepEqual(importCycles(work), [["a/b.ts", "a/index.ts", "c.ts"], ["self.ts"]]);
});

test("the project's .ts files import one another without a cycle", () => {
  const start = performance.now();
  assert.deepEqual(importCycles(PROJECT_ROOT), []);
  assert.ok(performance.now() - start < 10_000, "the whole tree is parsed, not type-checked");
});
