import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { config } from "../config/index.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { generatedFiles } from "../scripts/lib/generated-files.ts";

test("committed circuit mains and Solidity constants are what config/protocol.json gives (else run npm run generate)", () => {
  for (const file of generatedFiles(config)) {
    const name = relative(PROJECT_ROOT, file.path);
    let onDisk: string;
    try {
      onDisk = readFileSync(file.path, "utf8");
    } catch {
      assert.fail(`${name} is missing: run npm run generate`);
    }
    assert.equal(onDisk, file.content, `${name} differs from the config: run npm run generate`);
  }
});

test("circuits/main holds exactly the instances the config declares (no stale main files)", () => {
  const expected = generatedFiles(config)
    .map((f) => relative(join(PROJECT_ROOT, "circuits", "main"), f.path))
    .filter((name) => !name.startsWith(".."))
    .sort();
  const onDisk = readdirSync(join(PROJECT_ROOT, "circuits", "main")).sort();
  assert.deepEqual(onDisk, expected);
});
