/**
 * A cross-process lock for expensive one-time builds (powers of tau, zkeys): two test files or two
 * commands that need the same artifact wait for one build instead of racing two different setups.
 * The lock is a directory (mkdir is atomic) holding the owner's pid; a lock whose owner died is
 * taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

function ownerAlive(lockDir: string): boolean {
  try {
    const pid = Number(readFileSync(`${lockDir}/pid`, "utf8"));
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `build` while holding the lock `lockDir`. */
export async function withFileLock<T>(lockDir: string, build: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir, { recursive: false });
      writeFileSync(`${lockDir}/pid`, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A pid file not yet written means the owner is between mkdir and write: wait.
      await sleep(250);
      try {
        readFileSync(`${lockDir}/pid`);
        if (!ownerAlive(lockDir)) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // pid file missing: the owner is starting or just released it
      }
    }
  }
  try {
    return await build();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
