export { atomicTempPrefix, isAtomicTempOf, toJson, writeFileAtomic } from "./atomic-write.ts";
export { withFileLock } from "./file-lock.ts";
export { pathInside, realPath } from "./inside.ts";
