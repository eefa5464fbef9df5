/**
 * What the report reads from an epoch directory: the core record as the skeptic reads it
 * (verify/'s readEpochRecord: both tables, registrations, dedup evidence, proofs, payments), plus
 * what only the report shows: contributor labels, the settlement transactions with their gas, the
 * circuits' constraint counts, the epoch status, which defences ran and how many examples each
 * caught (epoch.json `defences`), the scoring method and the examples the attribution stage flagged
 * (epoch.json `attribution`, absent when the scores were given as a file), the proof files' sizes
 * and the attack-suite results (attacks.json, absent when the suite was not run).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { config } from "../config/index.ts";
import { readEpochRecord, type EpochRecord } from "../verify/record.ts";
import { readAttacks, type AttackRow } from "./attacks.ts";
import { ReportInputError } from "./errors.ts";
import { objectFields } from "./json-fields.ts";

export interface FlaggedExample {
  readonly hash: bigint;
  readonly contributor: string;
  /** The evidence in words, e.g. "copies validation example 12 (similarity 0.981)". */
  readonly why: string;
}

export interface AttributionSummary {
  readonly method?: string;
  readonly provider?: string;
  readonly validationAccuracy?: number;
  /** The attribution stage's defences that ran before scoring, in order (e.g. near-duplicates, label-consistency). */
  readonly stages: readonly string[];
  readonly nearCopies: readonly FlaggedExample[];
  readonly mislabelled: readonly FlaggedExample[];
}

/** One row of epoch.json `defences`: a defence, whether it ran for this epoch, how many examples it caught. */
export interface RecordedDefence {
  readonly name: string;
  readonly ran: boolean;
  readonly count: number;
  readonly what: string;
}

export interface SettlementTransaction {
  readonly what: string;
  readonly txHash: string;
  readonly gasUsed: bigint;
}

/** One local proving run of proving.json (protocol/trainer/prove.ts): means per proof made. */
export interface ProvingRun {
  readonly date: string;
  readonly backend: string;
  readonly workers: number;
  readonly proved: number;
  readonly skipped: number;
  readonly ms: number;
  readonly circuits: readonly {
    readonly circuit: string;
    readonly proved: number;
    readonly witnessMs: number;
    readonly proveMs: number;
    readonly verifyMs: number;
  }[];
}

export interface ReportRecord {
  readonly core: EpochRecord;
  /** epoch.json status: "proving" while proofs are made, "settled" once released. */
  readonly status: string;
  readonly fixedPointDecimals: number;
  readonly model: { readonly modelHash?: string; readonly validationCommitment?: string };
  /** The epoch whose model this one continues and that model's hash, as the contract fixed them at the commit. */
  readonly lineage?: { readonly follows: string; readonly previousModelHash: string };
  readonly constraints: { readonly example?: number; readonly registration?: number; readonly payout?: number };
  /** Per contributor table row: its label (contributors.json), when it has one. */
  readonly labels: readonly (string | undefined)[];
  readonly attribution?: AttributionSummary;
  readonly defences?: readonly RecordedDefence[];
  readonly transactions: readonly SettlementTransaction[];
  readonly proofBytes: { readonly example: number; readonly registration: number; readonly payout: number };
  readonly attacks?: readonly AttackRow[];
  /** proving.json's runs, when the proofs were made by the local prove stage (not the queue). */
  readonly proving?: readonly ProvingRun[];
}

function readJson(dir: string, file: string): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) throw new ReportInputError(file, "(file)", "missing");
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ReportInputError(file, "(file)", `not JSON: ${(error as Error).message}`);
  }
}

const similarity = (v: number | undefined) => (v === undefined ? "" : ` (similarity ${v.toFixed(3)})`);

function readAttribution(value: Record<string, unknown>): AttributionSummary {
  const file = "epoch.json attribution";
  const a = objectFields(value, file);
  const nearCopies = (a.optionalList("flagged") ?? []).map((raw, i) => {
    const f = objectFields(raw, `${file}.flagged`, i);
    const ref = objectFields(f.optionalObject("reference") ?? {}, `${file}.flagged`, i);
    const set = ref.optionalString("set");
    const refIndex = ref.optionalNumber("index");
    const copied =
      set === "validation"
        ? `validation example ${refIndex ?? "?"}`
        : `registered row ${refIndex ?? "?"} of ${ref.optionalString("contributor") ?? "?"}`;
    return {
      hash: f.bigint("exampleHash"),
      contributor: f.string("contributor"),
      why: `near copy of ${copied}${similarity(f.optionalNumber("similarity"))}`,
    };
  });
  const mislabelled = (a.optionalList("mislabelled") ?? []).map((raw, i) => {
    const f = objectFields(raw, `${file}.mislabelled`, i);
    const p = (field: string) => f.optionalNumber(field)?.toFixed(3) ?? "?";
    return {
      hash: f.bigint("exampleHash"),
      contributor: f.string("contributor"),
      why: `label ${f.optionalNumber("label") ?? "?"} has p ${p("pLabel")}; the model says ${f.optionalNumber("predicted") ?? "?"} (p ${p("pPredicted")})${f.optionalString("reason") === "contributor" ? "; judged strictly: many of this contributor's labels failed the check" : ""}`,
    };
  });
  const method = a.optionalString("method");
  const provider = a.optionalString("provider");
  const validationAccuracy = a.optionalNumber("validationAccuracy");
  const stages = (a.optionalList("defences") ?? []).map((d, i) =>
    typeof d === "string" ? d : a.fail(`defences[${i}]`, `expected a string, got ${JSON.stringify(d)}`),
  );
  return {
    ...(method === undefined ? {} : { method }),
    ...(provider === undefined ? {} : { provider }),
    ...(validationAccuracy === undefined ? {} : { validationAccuracy }),
    stages,
    nearCopies,
    mislabelled,
  };
}

function proofFilesBytes(dir: string, files: readonly { readonly file: string }[]): number {
  return files.reduce((sum, p) => sum + statSync(join(dir, p.file)).size, 0);
}

function readProvingRuns(dir: string): ProvingRun[] | undefined {
  if (!existsSync(join(dir, "proving.json"))) return undefined;
  const file = "proving.json";
  return (objectFields(readJson(dir, file), file).optionalList("runs") ?? []).map((raw, i) => {
    const f = objectFields(raw, file, i);
    const circuits = (f.optionalList("circuits") ?? []).map((c, k) => {
      const g = objectFields(c, `${file} runs[${i}].circuits`, k);
      return {
        circuit: g.string("circuit"),
        proved: g.number("proved"),
        witnessMs: g.number("witnessMs"),
        proveMs: g.number("proveMs"),
        verifyMs: g.number("verifyMs"),
      };
    });
    return {
      date: f.string("date"),
      backend: f.string("backend"),
      workers: f.number("workers"),
      proved: f.number("proved"),
      skipped: f.number("skipped"),
      ms: f.number("ms"),
      circuits,
    };
  });
}

/** Reads the epoch directory `dir` and, when it exists, the attack-suite file `attacksFile`. */
export function readReportRecord(dir: string, attacksFile: string): ReportRecord {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ReportInputError(dir, "(directory)", "not an epoch directory (missing or not a directory)");
  const core = readEpochRecord(dir);
  const epoch = objectFields(readJson(dir, "epoch.json"), "epoch.json");
  const parameters = objectFields(epoch.optionalObject("parameters") ?? {}, "epoch.json parameters");
  const circuits = objectFields(epoch.optionalObject("circuits") ?? {}, "epoch.json circuits");
  const constraintsOf = (name: string) =>
    objectFields(circuits.optionalObject(name) ?? {}, `epoch.json circuits.${name}`).optionalNumber("constraints");
  const model = objectFields(epoch.optionalObject("model") ?? {}, "epoch.json model");
  const modelHash = model.optionalString("modelHash");
  const validationCommitment = model.optionalString("validationCommitment");
  const lineageFields = epoch.optionalObject("lineage");
  const lineage = lineageFields === undefined ? undefined : objectFields(lineageFields, "epoch.json lineage");
  const attribution = epoch.optionalObject("attribution");
  const defences = epoch.optionalList("defences")?.map((raw, i) => {
    const f = objectFields(raw, "epoch.json defences", i);
    return { name: f.string("name"), ran: f.boolean("ran"), count: f.number("count"), what: f.optionalString("what") ?? "" };
  });

  const contributorRows = readJson(dir, "contributors.json");
  if (!Array.isArray(contributorRows)) throw new ReportInputError("contributors.json", "(file)", "expected an array");
  const labels = contributorRows.map((raw, i) => objectFields(raw, "contributors.json", i).optionalString("label"));

  const settlement = objectFields(readJson(dir, "settlement.json"), "settlement.json");
  const transactions = (settlement.optionalList("transactions") ?? []).map((raw, i) => {
    const f = objectFields(raw, "settlement.json transactions", i);
    return { what: f.string("what"), txHash: f.string("txHash"), gasUsed: f.bigint("gasUsed") };
  });
  const constraintEntries = (["example", "registration", "payout"] as const).flatMap((kind) => {
    const n = constraintsOf(kind);
    return n === undefined ? [] : [[kind, n] as const];
  });
  const attacks = readAttacks(attacksFile);
  const proving = readProvingRuns(dir);
  return {
    core,
    status: epoch.optionalString("status") ?? "unknown",
    fixedPointDecimals: parameters.optionalNumber("fixedPointDecimals") ?? config.fixedPoint.decimals,
    model: { ...(modelHash === undefined ? {} : { modelHash }), ...(validationCommitment === undefined ? {} : { validationCommitment }) },
    ...(lineage === undefined
      ? {}
      : { lineage: { follows: lineage.string("follows"), previousModelHash: lineage.string("previousModelHash") } }),
    constraints: Object.fromEntries(constraintEntries),
    labels,
    ...(attribution === undefined ? {} : { attribution: readAttribution(attribution) }),
    ...(defences === undefined ? {} : { defences }),
    transactions,
    proofBytes: {
      example: proofFilesBytes(dir, core.proofs.example),
      registration: proofFilesBytes(dir, core.proofs.registration),
      payout: proofFilesBytes(dir, core.proofs.payout),
    },
    ...(attacks === undefined ? {} : { attacks }),
    ...(proving === undefined ? {} : { proving }),
  };
}
