/**
 * The prover: Groth16 proofs of circuit inputs, made in parallel by a Piscina pool of worker
 * threads, each verified as soon as made and written atomically as a proof file; reruns skip the
 * proofs already done. Other folders import the prover only through this file.
 */
export { ProverError, QueueError, type ProverErrorCode, type QueueErrorCode } from "./errors.ts";
export {
  canonicalInputJson,
  inputHash,
  parseProofFile,
  readProofFile,
  vkeyHashOf,
  type CircuitInput,
  type CircuitValue,
  type ProofFile,
} from "./proof-file.ts";
export {
  createProverPool,
  proveTasks,
  proveBatches,
  type ProofJob,
  type ProofJobResult,
  type ProofProgress,
  type ProveBatchesOptions,
  type ProverPool,
  type ProverPoolOptions,
  type ProvingKeys,
} from "./pool.ts";
export type { ProveTask, ProveTaskResult, ProveTimings } from "./worker.ts";
export { benchmarkProving, type BenchmarkRow, type BenchmarkSetting } from "./benchmark.ts";
export {
  clearQueue,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_QUEUE_NAME,
  enqueueProofJobs,
  queueCounts,
  parseQueueUrl,
  queueJobId,
  runQueueWorker,
  shownQueueUrl,
  waitForQueue,
  type EnqueueOptions,
  type QueueCounts,
  type QueueJobEvent,
  type QueueOptions,
  type QueueWorker,
  type QueueWorkerOptions,
} from "./queue.ts";
