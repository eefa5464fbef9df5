/** Rewrites the files generated from config/protocol.json (circuit mains, Solidity constants). */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { config } from "../config/index.ts";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { generatedFiles } from "./lib/generated-files.ts";

for (const file of generatedFiles(config)) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.content);
  console.log(`wrote ${relative(PROJECT_ROOT, file.path)}`);
}
