/**
 * The "whole epoch" section of docs/benchmarks.md, from bench-results/bench-epoch.json (npm run
 * bench:epoch): the method as a fixed template, the figures from the JSON, or a note that the
 * section appears once the benchmark has been run. Pure, like bench-docs.ts.
 */
import type { EpochBenchResults } from "./bench-results.ts";
import { grouped, markdownTable } from "./markdown.ts";

const METHOD = `## A whole epoch, proved

\`\`\`sh
npm run bench:epoch -- --examples 100000 --mode pool
npm run bench:epoch -- --examples 100000 --mode queue --queue redis://127.0.0.1:6379 --queue-workers 2 [--native PATH]
\`\`\`

builds a synthetic epoch (1,000 contributors by default, 1 % of the examples claimed again by a
later registrant, signed scores) with the real policy and tables at the demo batch sizes, proves
every ExampleBatch, RegistrationBatch and PayoutBatch on the pool or through the queue with
\`--queue-workers\` worker processes, reads every proof back, checks that no job was proved twice,
records peak RSS and projects a 1,000,000-example epoch. It writes \`bench-results/bench-epoch.json\`
(one file: each run replaces the last) and re-renders this page. Memory does not grow with the
epoch: each worker holds its keys and one batch.

The projection: T(k) = 1,000,000 x c / k on k cores, where c is the measured core-seconds per
example (wall x cores / examples; registration and payout proofs amortised; proofs are
independent, so scaling is taken as linear). Settings: \`config/protocol.json\` \`prover.workers\`
(0 = one per core) and \`prover.singleThread\` (snarkjs without its own threads inside each worker).
`;

/** The section for `epoch`, or the method and a note when bench:epoch has not been run. */
export function renderEpochSection(epoch: EpochBenchResults | undefined): string {
  if (epoch === undefined) {
    return `${METHOD}
The figures appear here once \`npm run bench:epoch\` has been run (no
\`bench-results/bench-epoch.json\` yet).
`;
  }
  const e = epoch;
  const batches = `${grouped(e.exampleBatch.proofs)} ExampleBatch(${e.exampleBatch.size}), ${grouped(e.registrationBatch.proofs)} RegistrationBatch(${e.registrationBatch.size}) and ${grouped(e.payoutBatch.proofs)} PayoutBatch(${e.payoutBatch.size}) proofs`;
  const body = e.runs.map((r) => [
    r.mode,
    r.backend.replace(/^native (.*\/)?/, "native "),
    r.workers,
    `${r.proved} of ${r.proofs}`,
    grouped(r.wallMs / 1000),
    r.proved > 0 ? grouped(r.wallMs / r.proved) : "-",
    (((r.proved / r.proofs) * e.examples * 1000) / r.wallMs).toFixed(1),
    r.peakRssMiB.map((m) => m.toFixed(0)).join(" + "),
  ]);
  const projection =
    e.projection && e.coreSecondsPerExample !== undefined
      ? `\nProjection of a 1,000,000-example epoch with c = ${e.coreSecondsPerExample.toFixed(4)} core-seconds per example (derived): ${e.projection.map((p) => `${p.hours >= 1 ? `${p.hours.toFixed(1)} h` : `${(p.hours * 60).toFixed(0)} min`} on ${p.cores} ${p.cores === 1 ? "core" : "cores"}`).join(", ")}.\n`
      : "";
  return `${METHOD}
\`bench-results/bench-epoch.json\`: ${e.date.slice(0, 10)}, ${e.cores} cores. ${grouped(e.examples)} examples of ${grouped(e.contributors)} contributors (${grouped(e.claims)} claims, ${grouped(e.duplicates)} duplicates) are ${batches}; the witness (policy, tables, commit, seed, every batch input) took ${(e.witnessMs / 1000).toFixed(1)} s.

${markdownTable(["mode", "backend", "workers", "proved now", "wall s", "ms per proof", "examples per s", "peak RSS MiB"], body)}
${projection}`;
}
