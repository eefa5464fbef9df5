/**
 * A standalone `hardhat node` on loopback for tests of the JSON-RPC path, started in its own
 * process group so that stop() ends it whole.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import { closedPort } from "./closed-port.ts";

export interface HardhatNode {
  readonly url: string;
  stop(): void;
}

/**
 * Starts a node on 127.0.0.1 at a port the OS just gave out (closedPort), so test files running at
 * once never share one: a base port plus pid mod 1000 let two files' ranges meet (a node answering
 * another file's test: "socket hang up").
 */
export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await closedPort();
  const child = spawn(
    process.execPath,
    [join(PROJECT_ROOT, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const stop = () => {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
  };
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`hardhat node did not start:\n${output}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Started HTTP and WebSocket JSON-RPC server/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`hardhat node exited with ${code}:\n${output}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop };
}
