/**
 * files/: how the project writes files. Public: the atomic write (writeFileAtomic, and toJson for
 * the JSON it writes) and the cross-process lock (withFileLock) every stage uses; the path checks
 * (inside.ts) and the temp-file naming (atomic-write.ts) are imported from their modules.
 */
export { toJson, writeFileAtomic } from "./atomic-write.ts";
export { withFileLock } from "./file-lock.ts";
