/**
 * Gas savings beyond batch size, each measured: the same settlement flows run before and after a
 * contract change (two bench JSONs, `npm run bench` on each side), compared transaction by
 * transaction. Gas on the in-process chain is exact and does not depend on the machine, so two runs
 * compare exactly. bench-results/gas-savings.json keeps one entry per saving; docs/benchmarks.md
 * renders them (bench-docs.ts).
 */
import {
  TX_KINDS,
  type BenchResults,
  type FlowSaving,
  type GasSaving,
  type GasSavings,
  type MeasuredFlow,
  type TxKind,
} from "./bench-results.ts";

const perTxOf = (flow: MeasuredFlow["flow"]): Record<TxKind, number> =>
  Object.fromEntries(TX_KINDS.map((k) => [k, flow.tx[k].count === 0 ? 0 : flow.tx[k].gas / flow.tx[k].count])) as Record<TxKind, number>;

/**
 * The flows both runs measured with the same set, contributors and examples per contributor,
 * compared; throws when they share none (two runs of different shapes measure nothing).
 */
export function compareFlows(name: string, change: string, before: BenchResults, after: BenchResults): GasSaving {
  const key = (f: MeasuredFlow) => `${f.set} ${f.flow.shape.contributors}x${f.flow.shape.examplesPerContributor}`;
  const earlier = new Map(before.flows.map((f) => [key(f), f]));
  const flows = after.flows.flatMap((f): FlowSaving[] => {
    const b = earlier.get(key(f));
    if (!b) return [];
    return [
      {
        set: f.set,
        contributors: f.flow.shape.contributors,
        examplesPerContributor: f.flow.shape.examplesPerContributor,
        before: { perTx: perTxOf(b.flow), perContributor: b.flow.perContributor, ratio: b.flow.ratio },
        after: { perTx: perTxOf(f.flow), perContributor: f.flow.perContributor, ratio: f.flow.ratio },
      },
    ];
  });
  if (flows.length === 0)
    throw new Error(
      `the two runs share no flow (set, contributors x examples): before ${[...earlier.keys()].join(", ")}; after ${after.flows.map(key).join(", ")}`,
    );
  return { name, change, date: after.date, flows };
}

/** `savings` with `saving` added, replacing an entry of the same name (a re-measurement). */
export function withSaving(savings: GasSavings, saving: GasSaving): GasSavings {
  return { savings: [...savings.savings.filter((s) => s.name !== saving.name), saving] };
}
