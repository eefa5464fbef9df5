/**
 * FIFOs for tests of code that must never read one. Each comes with a safety writer: a child
 * process that writes a line to it after `safetyMs`, so a regression (a synchronous read of the
 * FIFO, which blocks the whole test process) ends in a failed assertion rather than a test that
 * never ends. closeFifos() ends the writers still waiting.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";

const writers: ChildProcess[] = [];

/** A FIFO at `path` (mkfifo) whose safety writer writes "not data\n" after `safetyMs`. */
export function makeFifo(path: string, safetyMs = 30_000): void {
  execFileSync("mkfifo", [path]);
  const writer = spawn(
    process.execPath,
    ["-e", `setTimeout(() => require("node:fs").writeFileSync(${JSON.stringify(path)}, "not data\\n"), ${safetyMs})`],
    { stdio: "ignore" },
  );
  writer.unref();
  writers.push(writer);
}

/** Ends every safety writer this process started (each by its own handle). */
export function closeFifos(): void {
  for (const w of writers.splice(0)) w.kill("SIGKILL");
}
