import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { brokenLinks, headingAnchors, relativeLinks } from "./helpers/markdown-links.ts";

/** README.md, docs/*.md and the folder pages (e.g. verify/README.md) a reader follows from them. */
function pages(): string[] {
  const docs = readdirSync(join(PROJECT_ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(PROJECT_ROOT, "docs", f));
  const folders = readdirSync(PROJECT_ROOT, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && !["node_modules", "build", "docs", "epochs", "deployments"].includes(d.name) && !d.name.startsWith("."),
    )
    .flatMap((d) =>
      readdirSync(join(PROJECT_ROOT, d.name))
        .filter((f) => f.endsWith(".md"))
        .map((f) => join(PROJECT_ROOT, d.name, f)),
    );
  return [join(PROJECT_ROOT, "README.md"), ...docs, ...folders];
}

test("every relative link in README.md, docs/*.md and the folder pages resolves to a file (and heading)", () => {
  const found = pages();
  assert.ok(
    found.some((p) => p.endsWith(join("docs", "benchmarks.md"))),
    "docs/benchmarks.md is among the pages checked",
  );
  const broken = found.flatMap((page) => brokenLinks(page).map((b) => `${relative(PROJECT_ROOT, page)}: ${b}`));
  assert.deepEqual(broken, []);
});

test("the link check finds a missing file and a missing heading, and ignores web links and code blocks", () => {
  const dir = mkdtempSync(join(tmpdir(), "links-"));
  writeFileSync(join(dir, "other.md"), "# Trusted setup: ceremony and `pinned` keys\n\n## Run it\n\n## Run it\n");
  writeFileSync(
    join(dir, "page.md"),
    [
      "[ok](other.md#trusted-setup-ceremony-and-pinned-keys) [second](other.md#run-it-1) [self](#top)",
      "[gone](missing.md) [bad anchor](other.md#nowhere) [web](https://example.com/x.md)",
      "```sh\n[not a link](also-missing.md)\n```",
      "# Top",
    ].join("\n"),
  );
  assert.deepEqual(relativeLinks("[a](x.md) [b](https://y) [c](mailto:z)"), ["x.md"]);
  assert.deepEqual([...headingAnchors("# A: b\n## A: b\n### 2^18 (x)")], ["a-b", "a-b-1", "218-x"]);
  assert.deepEqual(brokenLinks(join(dir, "page.md")), [
    `missing.md: no file ${join(dir, "missing.md")}`,
    `other.md#nowhere: no heading with anchor #nowhere in ${join(dir, "other.md")}`,
  ]);
});
