/**
 * The data behind every chart of the report, small and JSON-ready (numbers and strings only): the
 * page embeds it and report/browser/charts.js draws it with Chart.js. One mark per contributor in
 * the payout chart, one per bin and class in the score histogram, one per contributor and rank in
 * the top-examples chart, one per transaction in the gas chart, one per row in the attack chart.
 */
import { formatUnits, getAddress } from "ethers";
import { config } from "../config/index.ts";
import { SCORE_CLASSES, classifyExamples, scoreHistogram, type ScoreClass } from "./histogram.ts";
import type { ReportRecord } from "./record.ts";

export interface ChartData {
  readonly payouts: { readonly labels: readonly string[]; readonly rewards: readonly number[] };
  readonly scores: {
    readonly labels: readonly string[];
    readonly series: readonly { readonly name: ScoreClass; readonly counts: readonly number[] }[];
  };
  readonly topExamples: {
    readonly labels: readonly string[];
    readonly ranks: readonly (readonly (number | null)[])[];
    readonly hashes: readonly (readonly (string | null)[])[];
  };
  readonly gas: { readonly labels: readonly string[]; readonly gas: readonly number[]; readonly kinds: readonly string[] };
  /** Figures in each row's own unit (payout ratio, fraction, base units): tooltips carry `display` and `target`. */
  readonly attacks?: {
    readonly labels: readonly string[];
    readonly figures: readonly (number | null)[];
    readonly pass: readonly boolean[];
    readonly displays: readonly string[];
    readonly targets: readonly string[];
  };
}

export interface FigureOptions {
  readonly bins: number;
  readonly topExamples: number;
}

export const checksumAddress = (address: bigint) => getAddress(`0x${address.toString(16).padStart(40, "0")}`);
export const exampleHashHex = (hash: bigint) => `0x${hash.toString(16).padStart(32, "0")}`;

/** A contributor's name on a chart: its label, else its address shortened. */
export function contributorName(record: ReportRecord, row: number): string {
  const address = checksumAddress(record.core.contributors[row]!.address);
  return record.labels[row] ?? `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** A transaction's kind: its description without the batch number and rows ("example batch 3" -> "example batch", "release 2 rows 0-9" -> "release"). */
export const transactionKind = (what: string) => what.replace(/\s+\d+(\s+rows\s+\d+-\d+)?$/, "");

/** Contributor rows by reward, highest first (ties by table order). */
export function rowsByReward(record: ReportRecord): number[] {
  const rows = record.core.contributors.map((_, i) => i);
  return rows.sort((a, b) => {
    const ra = record.core.contributors[a]!.reward,
      rb = record.core.contributors[b]!.reward;
    return ra === rb ? a - b : ra > rb ? -1 : 1;
  });
}

/** Claim rows credited with their example's score: the first claim of each hash (its earliest registrant). */
export function creditedClaims(record: ReportRecord): number[] {
  const claims = record.core.examples;
  return claims.flatMap((c, i) => (i === 0 || claims[i - 1]!.hash !== c.hash ? [i] : []));
}

/** Per payout row j: its credited claims' table indices, best score first, at most `k`. */
export function topExamplesOf(record: ReportRecord, k: number): number[][] {
  const byContributor = record.core.contributors.map((): number[] => []);
  for (const i of creditedClaims(record)) byContributor[record.core.examples[i]!.j]?.push(i);
  const score = (i: number) => record.core.examples[i]!.score;
  return byContributor.map((list) => list.sort((a, b) => (score(a) === score(b) ? a - b : score(a) > score(b) ? -1 : 1)).slice(0, k));
}

export function chartData(record: ReportRecord, options: FigureOptions): ChartData {
  if (!Number.isSafeInteger(options.topExamples) || options.topExamples < 1 || options.topExamples > 20) {
    throw new RangeError(`topExamples: expected an integer in [1, 20], got ${options.topExamples}`);
  }
  const { core } = record;
  const decimals = record.fixedPointDecimals;
  const toScore = (s: bigint) => Number(s) / 10 ** decimals;
  const order = rowsByReward(record);
  const labels = order.map((row) => contributorName(record, row));

  const histogram = scoreHistogram(core, classifyExamples(core, record.attribution), decimals, options.bins);
  const binCentre = (i: number) => ((histogram.edges[i]! + histogram.edges[i + 1]!) / 2).toPrecision(3);

  const top = topExamplesOf(record, options.topExamples);
  /** The r-th best example of every contributor (chart order), or null when it has fewer. */
  const rank = <T>(r: number, pick: (exampleIndex: number) => T): (T | null)[] =>
    order.map((row) => {
      const i = top[row]![r];
      return i === undefined ? null : pick(i);
    });
  const ranks = Array.from({ length: options.topExamples }, (_, r) => r);

  return {
    payouts: { labels, rewards: order.map((row) => Number(formatUnits(core.contributors[row]!.reward, config.token.decimals))) },
    scores: {
      labels: histogram.edges.slice(0, -1).map((_, i) => binCentre(i)),
      series: SCORE_CLASSES.map((name) => ({ name, counts: histogram.counts[name] })),
    },
    topExamples: {
      labels,
      ranks: ranks.map((r) => rank(r, (i) => toScore(core.examples[i]!.score))),
      hashes: ranks.map((r) => rank(r, (i) => exampleHashHex(core.examples[i]!.hash))),
    },
    gas: {
      labels: record.transactions.map((t) => t.what),
      gas: record.transactions.map((t) => Number(t.gasUsed)),
      kinds: record.transactions.map((t) => transactionKind(t.what)),
    },
    ...(record.attacks === undefined
      ? {}
      : {
          attacks: {
            labels: record.attacks.map((a) => a.attack),
            figures: record.attacks.map((a) => a.figure ?? null),
            pass: record.attacks.map((a) => a.pass),
            displays: record.attacks.map((a) => a.display),
            targets: record.attacks.map((a) => a.target),
          },
        }),
  };
}
