/**
 * `prove`: thin commands over prover/ (docs/proving-at-scale.md). The default proves an epoch
 * directory's jobs files, or one --jobs FILE, on the local pool; enqueue / worker / status run the
 * same jobs through a BullMQ queue on Redis (REDIS_URL or --queue).
 */
import { accessSync, constants } from "node:fs";
import { Option, type Command } from "commander";
import { CodedError } from "../../errors/index.ts";
import type { ProofJob } from "../../prover/index.ts";
import { jsonOption, log, printResult, withExamples } from "./common.ts";

type Opts = Record<string, string | boolean | undefined>;

function integer(opts: Opts, name: string, flag: string): number | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^[0-9]+$/.test(v))
    throw new CodedError("USAGE", "usage", `--${flag} must be a non-negative integer, got ${String(v)}`);
  return Number(v);
}

/** The queue URL from --queue or REDIS_URL, checked before anything is read or sent. */
async function queueUrl(opts: Opts): Promise<string> {
  const flag = opts.queue as string | undefined;
  const url = flag ?? process.env.REDIS_URL;
  if (url === undefined) throw new CodedError("USAGE", "usage", "--queue redis://HOST:PORT is required (or REDIS_URL)");
  const { parseQueueUrl } = await import("../../prover/index.ts");
  try {
    parseQueueUrl(url);
  } catch (error) {
    throw new CodedError(
      "QUEUE_URL_INVALID",
      "usage",
      `${flag === undefined ? "REDIS_URL" : "--queue"}: ${(error as Error).message.replace(/^queueUrl /, "")}`,
    );
  }
  return url;
}

/** The pool's settings from --workers and --native (a rapidsnark-compatible prover; prover/NATIVE.md). */
function poolOptions(opts: Opts): { workers?: number; nativeBinary?: string } {
  const workers = integer(opts, "workers", "workers");
  const native = opts.native;
  if (native !== undefined) {
    try {
      accessSync(String(native), constants.X_OK);
    } catch {
      throw new CodedError("USAGE", "usage", `--native ${String(native)}: not an executable file`);
    }
  }
  return { ...(workers === undefined ? {} : { workers }), ...(native === undefined ? {} : { nativeBinary: String(native) }) };
}
const nativeOption = () =>
  new Option(
    "--native <path>",
    "prove with this rapidsnark-compatible prover binary instead of snarkjs (default: config prover.nativeBinary); every proof is still verified",
  );

const queueOptions = (opts: Opts) => (opts.queueName === undefined ? {} : { queueName: String(opts.queueName) });
const queueOption = () => new Option("--queue <url>", "Redis URL (default REDIS_URL)");
const queueNameOption = () => new Option("--queue-name <name>", "queue name, to keep several epochs apart (default attribution-prover)");

/** `--jobs FILE` as a one-file list, or undefined for an epoch directory; exactly one of them must be given. */
function jobsFilesOf(dir: string | undefined, opts: Opts): string[] | undefined {
  if ((dir === undefined) === (opts.jobs === undefined))
    throw new CodedError("USAGE", "usage", "give an epoch directory or --jobs FILE (one of them)");
  return dir === undefined ? [String(opts.jobs)] : undefined;
}

/** Proves locally; Ctrl-C closes the pool, removes half-written files and exits 130 (rerun to resume). */
async function proveLocally(dir: string | undefined, opts: Opts, cmd: Command): Promise<void> {
  const jobsFile = jobsFilesOf(dir, opts);
  const [{ createProverPool }, { readJobsFile }, { epochJobsFiles, proveEpochDir, proveJobsFiles, removeTempProofFiles }] =
    await Promise.all([import("../../prover/index.ts"), import("../../protocol/jobs-file.ts"), import("../../protocol/trainer/prove.ts")]);
  const files = jobsFile ?? epochJobsFiles(dir!);
  const jobs: ProofJob[] = files.flatMap((f) => readJobsFile(f).jobs); // checks every file before the pool starts
  const pool = createProverPool(poolOptions(opts));
  let interrupted = false;
  // Made in this run and skipped as already valid, apart: the jobs the closed pool aborts end as
  // failures and count as neither.
  const ended = { proved: 0, skipped: 0, failed: 0 };
  process.once("SIGINT", () => {
    interrupted = true;
    void pool.close().then(() => {
      removeTempProofFiles(jobs);
      const rest = jobs.length - ended.proved - ended.skipped;
      log(
        `prove: interrupted: ${ended.proved} proofs made in this run, ${ended.skipped} already valid (skipped), ${rest} of ${jobs.length} not yet proved; run the same command again to resume`,
      );
      process.exit(130);
    });
  });
  try {
    const onJobDone = (status: keyof typeof ended) => void ended[status]++;
    const summary = dir === undefined ? await proveJobsFiles(pool, files, { onJobDone }) : await proveEpochDir(pool, dir, { onJobDone });
    printResult(cmd.opts().json === true, { ...summary, total: jobs.length, files }, () =>
      console.log(`${summary.proved} proved, ${summary.skipped} already valid (skipped), ${jobs.length} in all`),
    );
  } catch (error) {
    if (interrupted) return; // the SIGINT handler exits
    throw error;
  } finally {
    if (!interrupted) await pool.close();
  }
}

export function registerProve(program: Command): void {
  const prove = withExamples(
    program.command("prove").description("make the Groth16 proofs of an epoch (or a jobs file) on this machine, or through a Redis queue"),
    [
      "attribution-prover prove epochs/demo",
      "attribution-prover prove --jobs jobs.json --workers 2",
      "attribution-prover prove worker --queue redis://10.0.0.5:6379      # on each machine",
      "attribution-prover prove enqueue epochs/demo --queue redis://10.0.0.5:6379 --wait",
    ],
  );

  withExamples(
    prove
      .command("local [epoch-dir]", { isDefault: true })
      .alias("prove")
      .description(
        "prove an epoch directory's jobs files (or --jobs FILE) on the local pool; keeps every valid proof, so a rerun resumes; Ctrl-C exits 130",
      )
      .option("--jobs <file>", "a jobs file instead of an epoch directory")
      .option("--workers <n>", "worker threads, 0 = one per core")
      .addOption(nativeOption())
      .addOption(jsonOption()),
    ["attribution-prover prove epochs/demo", "attribution-prover prove local --jobs jobs.json --workers 2 --json"],
  ).action(async (dir: string | undefined, opts: Opts, cmd: Command) => proveLocally(dir, opts, cmd));

  withExamples(
    prove
      .command("enqueue [epoch-dir]")
      .description(
        "put an epoch directory's proofs (or a jobs file's) on the queue (job id = proof identity: enqueueing twice adds nothing)",
      )
      .addOption(queueOption())
      .addOption(queueNameOption())
      .option("--jobs <file>", "a jobs file instead of an epoch directory")
      .option("--wait", "report progress until the queue is drained")
      .addOption(jsonOption()),
    [
      "attribution-prover prove enqueue epochs/demo --queue redis://127.0.0.1:6379 --wait",
      "attribution-prover prove enqueue --queue redis://127.0.0.1:6379 --jobs epochs/demo/jobs/example.json",
    ],
  ).action(async (dir: string | undefined, opts: Opts, cmd: Command) => {
    const files = jobsFilesOf(dir, opts);
    const url = await queueUrl(opts);
    const [{ enqueueProofJobs, waitForQueue }, { readJobsFile }, { startProgress }, { epochJobsFiles, refuseStrayProofFiles }] =
      await Promise.all([
        import("../../prover/index.ts"),
        import("../../protocol/jobs-file.ts"),
        import("../../protocol/progress.ts"),
        import("../../protocol/trainer/prove.ts"),
      ]);
    const sets = (files ?? epochJobsFiles(dir!)).map((f) => readJobsFile(f)); // every file checked before anything is queued
    if (dir !== undefined) {
      const { assertNotSettled, epochPaths } = await import("../../protocol/epoch-dir.ts");
      assertNotSettled(epochPaths(dir));
      refuseStrayProofFiles(
        dir,
        sets.flatMap((s) => s.jobs),
      );
    }
    let added = 0;
    let total = 0;
    for (const { keys, jobs } of sets) {
      const r = await enqueueProofJobs(url, keys, jobs, queueOptions(opts));
      added += r.added;
      total += r.total;
    }
    const json = cmd.opts().json === true;
    if (!json) console.log(`${added} jobs added, ${total - added} already on the queue`);
    if (!opts.wait) {
      if (json) printResult(true, { added, total }, () => {});
      return;
    }
    const bar = startProgress("queue", total, "jobs");
    const counts = await waitForQueue(url, {
      ...queueOptions(opts),
      onCounts: (c) => bar.update(Math.min(total, c.completed + c.failed), `${c.active} active, ${c.failed} failed`),
    });
    bar.stop();
    printResult(json, { added, total, counts }, () => console.log(`queue drained: ${counts.completed} completed, ${counts.failed} failed`));
    if (counts.failed > 0) process.exitCode = 1;
  });

  withExamples(
    prove
      .command("worker")
      .description(
        "take jobs from the queue and prove them (any number of workers, any machine; SIGINT/SIGTERM stop after the running jobs)",
      )
      .addOption(queueOption())
      .addOption(queueNameOption())
      .option("--workers <n>", "pool threads, 0 = one per core")
      .addOption(nativeOption())
      .option("--concurrency <n>", "jobs taken at once")
      .option("--lock-ms <n>", "a dead worker's job is retried after about this long (default 30000)"),
    ["attribution-prover prove worker --queue redis://10.0.0.5:6379 --workers 2"],
  ).action(async (opts: Opts) => {
    const url = await queueUrl(opts);
    const concurrency = integer(opts, "concurrency", "concurrency");
    const lockDuration = integer(opts, "lockMs", "lock-ms");
    const { createProverPool, runQueueWorker, shownQueueUrl } = await import("../../prover/index.ts");
    const pool = createProverPool(poolOptions(opts));
    let running: { close(): Promise<void> } | undefined;
    // Handlers first: a worker waiting for Redis stops on a signal too.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        console.log(`${signal}: finishing running jobs, then stopping`);
        void (running?.close() ?? Promise.resolve()).then(() => pool.close()).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
      });
    }
    running = await runQueueWorker(url, {
      ...queueOptions(opts),
      pool,
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(lockDuration === undefined ? {} : { lockDuration }),
      onJob: (e) =>
        console.log(
          `${e.status} ${e.job} attempt ${e.attempt}${e.ms === undefined ? "" : ` ${Math.round(e.ms)} ms`}${e.error ? `: ${e.error}` : ""}`,
        ),
    });
    console.log(`worker ready on ${shownQueueUrl(url)} (pool of ${pool.size})`);
  });

  withExamples(prove.command("status").description("the queue's job counts (JSON)").addOption(queueOption()).addOption(queueNameOption()), [
    "attribution-prover prove status --queue redis://10.0.0.5:6379",
  ]).action(async (opts: Opts) => {
    const url = await queueUrl(opts);
    const { queueCounts } = await import("../../prover/index.ts");
    console.log(JSON.stringify(await queueCounts(url, queueOptions(opts))));
  });
}
