/**
 * The proving queue (BullMQ on Redis) with real worker processes (scripts/cli.ts prove worker) on
 * loopback: two workers split an epoch's PayoutBatch(testSize) jobs, each proved exactly once and
 * valid; a worker killed (SIGKILL) mid-job leaves its job to be retried by another worker, which
 * finishes it. Needs Redis: REDIS_URL (.ci/run starts one), else redis://127.0.0.1:6379; skipped
 * with a message when neither answers and REDIS_URL is unset. The tests of an unreachable queue
 * need no Redis: they connect to a closed local port.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as snarkjs from "snarkjs";
import { payoutCircuitName, setupCircuit } from "../circuits/index.ts";
import { toJson } from "../files/index.ts";
import { config } from "../config/index.ts";
import { enqueueProofJobs, QueueError, queueCounts, readProofFile, waitForQueue, type ProofJob } from "../prover/index.ts";
import { inputHash } from "../prover/proof-file.ts";
import { clearQueue } from "../prover/queue.ts";
import { payoutFixture } from "./helpers/payout-fixture.ts";
import { reachable, startProverCli, type Child } from "./helpers/children.ts";
import { closedPort } from "./helpers/closed-port.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const redisUp = await reachable(REDIS_URL);
if (!redisUp && process.env.REDIS_URL !== undefined)
  throw new Error(`REDIS_URL=${process.env.REDIS_URL} is set but no server answers there`);
const skip = redisUp
  ? false
  : `Redis not reachable at ${REDIS_URL}: set REDIS_URL or start redis-server (Debian: apt-get install redis-server) to run the queue tests`;

const B = config.payoutBatch.testSize;
const batches = payoutFixture("queue", 6 * B, 8n);
const scratch = mkdtempSync(join(tmpdir(), "queue-test-"));
const children: Child[] = [];
const queues: string[] = [];

after(async () => {
  for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
  if (redisUp) for (const q of queues) await clearQueue(REDIS_URL, { queueName: q });
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

function jobsIn(dir: string, count = batches.length): ProofJob[] {
  return batches.slice(0, count).map((b) => ({
    name: `batch-${b.index}`,
    input: b.input,
    expectedPublicSignals: b.publicSignals,
    outPath: join(dir, `batch-${b.index}.proof.json`),
  }));
}

function worker(queueName: string, lockMs = 30_000): Child {
  const child = startProverCli(["worker", "--queue", REDIS_URL, "--queue-name", queueName, "--workers", "1", "--lock-ms", String(lockMs)]);
  children.push(child);
  return child;
}

async function assertAllValid(dir: string, count: number, vkey: object): Promise<void> {
  for (const b of batches.slice(0, count)) {
    const file = readProofFile(join(dir, `batch-${b.index}.proof.json`));
    assert.equal(file.inputHash, inputHash(b.input));
    assert.deepEqual(file.publicSignals, b.publicSignals.map(String));
    assert.equal(await snarkjs.groth16.verify(vkey, file.publicSignals, file.proof), true);
  }
}

const proved = (c: Child) => c.lines.filter((l) => /^proved batch-/.test(l)).map((l) => l.split(" ")[1]!);

test("two queue workers on loopback split an epoch's jobs; every proof valid, none proved twice", { skip, timeout: 240_000 }, async () => {
  const keys = await setupCircuit(payoutCircuitName(B));
  const queueName = `test-split-${process.pid}`;
  queues.push(queueName);
  const dir = join(scratch, "split");
  const a = worker(queueName);
  const b = worker(queueName);
  await Promise.all([a.waitFor(/^worker ready/), b.waitFor(/^worker ready/)]);
  const jobs = jobsIn(dir);
  assert.deepEqual(await enqueueProofJobs(REDIS_URL, keys, jobs, { queueName }), { added: jobs.length, total: jobs.length });
  // Enqueueing the same epoch again adds nothing (job ids are the proofs' identities).
  assert.deepEqual(await enqueueProofJobs(REDIS_URL, keys, jobs, { queueName }), { added: 0, total: jobs.length });
  const counts = await waitForQueue(REDIS_URL, { queueName, intervalMs: 200 });
  assert.equal(counts.completed, jobs.length);
  assert.equal(counts.failed, 0);
  const all = [...proved(a), ...proved(b)].sort();
  assert.deepEqual(all, jobs.map((j) => j.name).sort(), "each job proved exactly once across both workers");
  assert.ok(proved(a).length > 0 && proved(b).length > 0, `both workers proved some: ${proved(a)} / ${proved(b)}`);
  await assertAllValid(dir, jobs.length, keys.vkey);
  // The CLI on the same epoch (a jobs file): nothing new is added, progress comes from the queue.
  const jobsFile = join(scratch, "split-jobs.json");
  writeFileSync(
    jobsFile,
    toJson({ keys: { name: keys.name, wasmPath: keys.wasmPath, zkeyPath: keys.zkeyPath, vkeyPath: keys.vkeyPath }, jobs }),
  );
  const enqueue = startProverCli(["enqueue", "--queue", REDIS_URL, "--queue-name", queueName, "--jobs", jobsFile, "--wait"]);
  assert.equal(await enqueue.exited, 0, enqueue.lines.join("\n"));
  assert.ok(enqueue.lines.includes(`0 jobs added, ${jobs.length} already on the queue`), enqueue.lines.join("\n"));
  assert.ok(enqueue.lines.includes(`queue drained: ${jobs.length} completed, 0 failed`), enqueue.lines.join("\n"));
  a.process.kill("SIGINT");
  b.process.kill("SIGINT");
  assert.deepEqual(await Promise.all([a.exited, b.exited]), [130, 130]);
});

test("a queue worker killed mid-job: its job is retried by another worker and finishes valid", { skip, timeout: 240_000 }, async () => {
  const keys = await setupCircuit(payoutCircuitName(B));
  const queueName = `test-kill-${process.pid}`;
  queues.push(queueName);
  const dir = join(scratch, "kill");
  const jobs = jobsIn(dir, 1);
  const doomed = worker(queueName, 2000);
  await doomed.waitFor(/^worker ready/);
  await enqueueProofJobs(REDIS_URL, keys, jobs, { queueName });
  await doomed.waitFor(/^started batch-0 attempt 1/);
  doomed.process.kill("SIGKILL");
  assert.equal(await doomed.exited, "SIGKILL");
  assert.deepEqual(proved(doomed), [], "killed before it finished the proof");
  const rescuer = worker(queueName, 2000);
  await rescuer.waitFor(/^(proved|skipped) batch-0/, 120_000);
  const counts = await waitForQueue(REDIS_URL, { queueName, intervalMs: 200 });
  assert.deepEqual([counts.completed, counts.failed], [1, 0]);
  await assertAllValid(dir, 1, keys.vkey);
  rescuer.process.kill("SIGINT");
  assert.equal(await rescuer.exited, 130);
});

test("no Redis at the URL: enqueue and counts fail after the connect timeout with QUEUE_UNREACHABLE, the URL without its credentials", {
  timeout: 30_000,
}, async () => {
  const port = await closedPort();
  const url = `redis://user:hunter2@127.0.0.1:${port}`;
  const unreachable = (e: unknown) => {
    assert.ok(e instanceof QueueError, String(e));
    assert.equal(e.code, "QUEUE_UNREACHABLE");
    assert.equal(e.url, `redis://***:***@127.0.0.1:${port}`);
    assert.match(e.message, new RegExp(`^queue redis://\\*\\*\\*:\\*\\*\\*@127\\.0\\.0\\.1:${port}: no Redis answered within 1000 ms`));
    assert.doesNotMatch(e.message, /hunter2/);
    return true;
  };
  const start = performance.now();
  await assert.rejects(queueCounts(url, { connectTimeoutMs: 1000 }), unreachable);
  const keys = { name: "payout", wasmPath: "/nowhere/p.wasm", zkeyPath: "/nowhere/p.zkey", vkeyPath: "/nowhere/p.vkey.json" };
  await assert.rejects(enqueueProofJobs(url, keys, jobsIn(join(scratch, "unreachable"), 1), { connectTimeoutMs: 1000 }), unreachable);
  await assert.rejects(waitForQueue(url, { connectTimeoutMs: 1000 }), unreachable);
  assert.ok(performance.now() - start < 10_000, `bounded: ${performance.now() - start} ms`);
});

test("a queue worker with no Redis at the URL waits for it, saying so once (no stack traces), and stops on SIGINT with 130", {
  timeout: 120_000,
}, async () => {
  const port = await closedPort();
  const child = startProverCli(["worker", "--queue", `redis://:hunter2@127.0.0.1:${port}`, "--workers", "1"]);
  children.push(child);
  await child.waitFor(/waiting for Redis/, 90_000); // a cold start on 2 busy cores can take a while
  await new Promise((resolve) => setTimeout(resolve, 5000)); // several reconnect attempts
  child.process.kill("SIGINT");
  assert.equal(await child.exited, 130, child.lines.join("\n"));
  const out = child.lines.join("\n");
  assert.equal(child.lines.filter((l) => /waiting for Redis/.test(l)).length, 1, out);
  assert.match(out, new RegExp(`waiting for Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED`));
  assert.doesNotMatch(out, /^\s+at /m, "no stack trace");
  assert.doesNotMatch(out, /hunter2/);
});
