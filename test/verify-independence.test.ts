/**
 * The skeptic is independent of the prover's code (GitHub issue "Soundness I"): no file under
 * verify/ imports from witness/ or prover/, so a bug there is caught by verify, not reproduced.
 * Every import and export specifier of every .ts file under verify/ is resolved to a repository
 * path, static and dynamic imports alike.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const verifyDir = join(root, "verify");
const FORBIDDEN = ["witness", "prover"];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
  );
}

/** The module specifiers of `source`: import/export ... from "x", import "x", import("x"). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const re of [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g]) {
    for (const m of source.matchAll(re)) found.push(m[1]!);
  }
  return found;
}

test("the specifier scanner finds static, side-effect, re-export and dynamic imports", () => {
  const sample = `import a from "../witness/index.ts";\nimport "../prover/x.ts";\nexport { b } from './c.ts';\nconst d = await import("../witness/e.ts");`;
  assert.deepEqual(specifiers(sample).sort(), ["../prover/x.ts", "../witness/e.ts", "../witness/index.ts", "./c.ts"]);
});

test("no file under verify/ imports from witness/ or prover/", () => {
  const files = tsFiles(verifyDir);
  assert.ok(files.length > 20, `found only ${files.length} files under verify/`);
  const offending: string[] = [];
  for (const file of files) {
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) continue; // packages: node:, ethers, snarkjs, @noble/curves
      const top = relative(root, resolve(dirname(file), spec)).split(/[\\/]/)[0]!;
      if (FORBIDDEN.includes(top)) offending.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(offending, []);
});
