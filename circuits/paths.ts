/** Where the project and its caches live. */
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Cache for large artifacts kept outside git and shared between checkouts (powers of tau).
 * ATTRIBUTION_PROVER_CACHE overrides it.
 */
export const CACHE_DIR = process.env.ATTRIBUTION_PROVER_CACHE ?? join(homedir(), ".cache", "attribution-prover");
