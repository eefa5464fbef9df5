export { toJson, writeFileAtomic } from "./atomic-write.ts";
export { withFileLock } from "./file-lock.ts";
