/**
 * The prover: Groth16 proofs of circuit inputs, made in parallel by a Piscina pool of worker
 * threads, each verified as soon as made and written atomically as a proof file; reruns skip the
 * proofs already done. Public: a pool and proveBatches (what the trainer and the benchmarks run),
 * the queue's calls the `prove` command makes on either side (enqueue and wait, or run a worker),
 * reading a proof file, and the two errors. The pool's tasks, the worker's messages, the proof
 * file's hashing and the benchmark are imported from their modules.
 */
export { ProverError, QueueError } from "./errors.ts";
export { readProofFile, type ProofFile } from "./proof-file.ts";
export { createProverPool, proveBatches, type ProofJob, type ProofJobResult, type ProverPool } from "./pool.ts";
export { enqueueProofJobs, queueCounts, parseQueueUrl, runQueueWorker, shownQueueUrl, waitForQueue, type QueueWorker } from "./queue.ts";
