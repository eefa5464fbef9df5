/**
 * The record types, and the record source "directory": reads an epoch directory
 * (scripts/lib/epoch-record.ts writes it) into typed values, strictly: a missing file, bad JSON
 * or a field of the wrong form is an EpochVerifyError RECORD_MALFORMED naming the file, row and
 * field; so are verification keys of another statement than [chainOut, digest, r, rho]
 * (statement-keys.ts: nPublic 3, the pre-Soundness-I statement, is refused, not read). Nothing
 * here is trusted yet; verify/epoch.ts checks it. The other source, the chain alone, gives a
 * PublicRecord without the tables (chain-record.ts).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { EpochVerifyError } from "./epoch-errors.ts";
import { checkStatementKeys } from "./statement-keys.ts";

export interface RecordedExampleRow {
  readonly hash: bigint;
  readonly contributor: number;
  readonly score: bigint;
}

export interface RecordedContributorRow {
  readonly address: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  readonly remainder: bigint;
}

export interface RecordedRegistration {
  readonly contributor: bigint;
  readonly commitment: string;
  readonly count: number;
  readonly order: number;
}

export interface RecordedDuplicate {
  readonly hash: bigint;
  readonly creditedTo: bigint;
  readonly creditedOrder: number;
  readonly alsoClaimedBy: readonly { readonly contributor: bigint; readonly order: number }[];
}

export interface RecordedCircuit {
  readonly name: string;
  readonly vkeyHash: string;
  readonly keySet: string;
}

/** The raw JSON of one proof file and its file name (e.g. proofs/example-000.json). */
export interface RecordedProof {
  readonly file: string;
  readonly index: number;
  readonly json: Record<string, unknown>;
}

/** A payee of the epoch: a contributor table row as the payout words carry it. */
export interface RecordedPayee {
  readonly address: bigint;
  readonly reward: bigint;
}

/**
 * What every record source gives: the on-chain side of an epoch (parameters, commitments, r,
 * verification keys, every proof with its public signals, registrations, payees). An epoch
 * directory gives this and the tables (EpochRecord); the chain alone gives only this
 * (verify/chain-record.ts): the tables are not on chain, only their commitments.
 */
export interface PublicRecord {
  /** Where the record was read from, for reports: the directory, or the chain and contract. */
  readonly source: string;
  readonly epoch: bigint;
  readonly chainId: bigint;
  readonly settlement: string;
  readonly contracts: { readonly token: string; readonly registry: string; readonly exampleVerifier: string; readonly payoutVerifier: string; readonly settlement: string };
  readonly domain: bigint;
  readonly pool: bigint;
  readonly total: bigint;
  readonly dust: bigint;
  readonly commitExamples: bigint;
  readonly commitContributors: bigint;
  readonly r: bigint;
  /** bytes32 hex (lower case) of the model the epoch pays for, as openEpoch recorded it. */
  readonly modelHash: string;
  readonly exampleBatchSize: number;
  readonly payoutBatchSize: number;
  readonly circuits: { readonly example: RecordedCircuit; readonly payout: RecordedCircuit };
  readonly widths?: Record<string, number>;
  readonly chainAbsorbWidth?: number;
  readonly registrations: readonly RecordedRegistration[];
  /** The verification key files' text, byte for byte (their hash is the pin). */
  readonly exampleKeyText: string;
  readonly payoutKeyText: string;
  readonly exampleProofs: readonly RecordedProof[];
  readonly payoutProofs: readonly RecordedProof[];
  /** Contributor table order: address and reward of every row. */
  readonly payees: readonly RecordedPayee[];
}

/** An epoch directory: the public side plus both tables, the dedup evidence and the balances. */
export interface EpochRecord extends PublicRecord {
  readonly dir: string;
  readonly examples: readonly RecordedExampleRow[];
  readonly contributors: readonly RecordedContributorRow[];
  readonly duplicates: readonly RecordedDuplicate[];
  /** settlement.json balances (address -> balance); undefined when the epoch was not released. */
  readonly balances?: ReadonlyMap<bigint, bigint>;
  readonly settlementBalance?: bigint;
  /** epoch.json `attribution` and `validation`, as written (verify/recompute.ts reads what it needs). */
  readonly attribution?: Readonly<Record<string, unknown>>;
  readonly validation?: Readonly<Record<string, unknown>>;
}

/** True when `record` holds the tables (it was read from an epoch directory). */
export function hasTables(record: PublicRecord): record is EpochRecord {
  return "examples" in record;
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const HEX = /^0x[0-9a-fA-F]+$/;

function bad(file: string, field: string, problem: string, row?: number): never {
  throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}${row === undefined ? "" : ` row ${row}`} ${field}: ${problem}`, { file, field, ...(row === undefined ? {} : { row }) });
}

function readJson(dir: string, file: string): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) bad(file, "(file)", "missing");
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return bad(file, "(file)", `not JSON: ${(error as Error).message}`);
  }
}

/** Field accessors bound to one file and row, so every error names where it is. */
function fields(value: unknown, file: string, row?: number) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) bad(file, "(row)", "expected an object", row);
  const o = value as Record<string, unknown>;
  return {
    int(field: string, signed = false): bigint {
      const v = o[field];
      if (typeof v !== "string" || !INTEGER.test(v) || (!signed && v.startsWith("-"))) bad(file, field, `expected a decimal string, got ${JSON.stringify(v)}`, row);
      return BigInt(v);
    },
    hex(field: string): bigint {
      const v = o[field];
      if (typeof v !== "string" || !HEX.test(v)) bad(file, field, `expected a 0x hex string, got ${JSON.stringify(v)}`, row);
      return BigInt(v);
    },
    num(field: string): number {
      const v = o[field];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) bad(file, field, `expected a non-negative integer, got ${JSON.stringify(v)}`, row);
      return v;
    },
    str(field: string): string {
      const v = o[field];
      if (typeof v !== "string") bad(file, field, `expected a string, got ${JSON.stringify(v)}`, row);
      return v;
    },
    obj(field: string): Record<string, unknown> {
      const v = o[field];
      if (typeof v !== "object" || v === null || Array.isArray(v)) bad(file, field, "expected an object", row);
      return v as Record<string, unknown>;
    },
    list(field: string): unknown[] {
      const v = o[field];
      if (!Array.isArray(v)) bad(file, field, "expected an array", row);
      return v;
    },
  };
}

function rows(dir: string, file: string): unknown[] {
  const v = readJson(dir, file);
  if (!Array.isArray(v)) bad(file, "(file)", "expected an array");
  return v;
}

function readText(dir: string, file: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) bad(file, "(file)", "missing");
  return readFileSync(path, "utf8");
}

function proofs(dir: string, kind: "example" | "payout", count: number): RecordedProof[] {
  const names = existsSync(join(dir, "proofs")) ? readdirSync(join(dir, "proofs")).filter((n) => n.startsWith(`${kind}-`)) : [];
  if (names.length !== count) bad("epoch.json", `${kind}BatchCount`, `says ${count} proofs, proofs/ holds ${names.length} ${kind} proof files`);
  return Array.from({ length: count }, (_, index) => {
    const file = `proofs/${kind}-${String(index).padStart(3, "0")}.json`;
    const json = readJson(dir, file);
    if (typeof json !== "object" || json === null || Array.isArray(json)) bad(file, "(file)", "expected an object");
    return { file, index, json: json as Record<string, unknown> };
  });
}

/** Reads and shape-checks every file of the epoch directory `dir`. */
export function readEpochRecord(dir: string): EpochRecord {
  const e = fields(readJson(dir, "epoch.json"), "epoch.json");
  const exampleKeyText = readText(dir, "example_verification_key.json");
  const payoutKeyText = readText(dir, "payout_verification_key.json");
  checkStatementKeys({ exampleKeyText, payoutKeyText });
  const circuit = (name: "example" | "payout"): RecordedCircuit => {
    const c = fields(e.obj("circuits")[name], `epoch.json circuits.${name}`);
    return { name: c.str("name"), vkeyHash: c.str("vkeyHash"), keySet: c.str("keySet") };
  };
  const { parameters, attribution, validation } = JSON.parse(readFileSync(join(dir, "epoch.json"), "utf8")) as {
    parameters?: { widths?: Record<string, number>; chainAbsorbWidth?: number };
    attribution?: Record<string, unknown>;
    validation?: Record<string, unknown>;
  };
  const model = fields(e.obj("model"), "epoch.json model");
  const examples = rows(dir, "examples.json").map((raw, i) => {
    const f = fields(raw, "examples.json", i);
    return { hash: f.hex("hash"), contributor: f.num("contributor"), score: f.int("score", true) };
  });
  const contributors = rows(dir, "contributors.json").map((raw, i) => {
    const f = fields(raw, "contributors.json", i);
    return { address: f.hex("address"), amount: f.int("amount"), reward: f.int("reward"), remainder: f.int("remainder") };
  });
  const registrations = rows(dir, "registrations.json").map((raw, i) => {
    const f = fields(raw, "registrations.json", i);
    return { contributor: f.hex("contributor"), commitment: f.str("commitment"), count: f.num("count"), order: f.num("order") };
  });
  const duplicates = rows(dir, "duplicates.json").map((raw, i) => {
    const f = fields(raw, "duplicates.json", i);
    return {
      hash: f.hex("hash"), creditedTo: f.hex("creditedTo"), creditedOrder: f.num("creditedOrder"),
      alsoClaimedBy: f.list("alsoClaimedBy").map((o) => {
        const g = fields(o, "duplicates.json", i);
        return { contributor: g.hex("contributor"), order: g.num("order") };
      }),
    };
  });
  let balances: Map<bigint, bigint> | undefined;
  let settlementBalance: bigint | undefined;
  const settlement = fields(readJson(dir, "settlement.json"), "settlement.json");
  const raw = readJson(dir, "settlement.json") as { balances?: unknown };
  if (raw.balances !== undefined) {
    balances = new Map(settlement.list("balances").map((b, i) => {
      const f = fields(b, "settlement.json balances", i);
      return [f.hex("address"), f.int("balance")] as const;
    }));
    settlementBalance = settlement.int("settlementBalance");
  }
  const k = fields(e.obj("contracts"), "epoch.json contracts");
  const contracts = { token: k.str("token"), registry: k.str("registry"), exampleVerifier: k.str("exampleVerifier"), payoutVerifier: k.str("payoutVerifier"), settlement: k.str("settlement") };
  const exampleBatchCount = e.num("exampleBatchCount");
  const payoutBatchCount = e.num("payoutBatchCount");
  return {
    dir, source: dir,
    epoch: e.int("epoch"), chainId: e.int("chainId"), settlement: contracts.settlement, contracts,
    domain: e.int("domain"), pool: e.int("pool"), total: e.int("total"), dust: e.int("dust"),
    commitExamples: e.int("commitExamples"), commitContributors: e.int("commitContributors"), r: e.int("r"),
    modelHash: `0x${model.hex("modelHash").toString(16).padStart(64, "0")}`,
    exampleBatchSize: e.num("exampleBatchSize"), payoutBatchSize: e.num("payoutBatchSize"),
    circuits: { example: circuit("example"), payout: circuit("payout") },
    ...(parameters?.widths ? { widths: parameters.widths } : {}),
    ...(parameters?.chainAbsorbWidth ? { chainAbsorbWidth: parameters.chainAbsorbWidth } : {}),
    examples, contributors, registrations, duplicates,
    payees: contributors.map((c) => ({ address: c.address, reward: c.reward })),
    ...(attribution === undefined ? {} : { attribution }),
    ...(validation === undefined ? {} : { validation }),
    exampleKeyText, payoutKeyText,
    exampleProofs: proofs(dir, "example", exampleBatchCount),
    payoutProofs: proofs(dir, "payout", payoutBatchCount),
    ...(balances ? { balances, settlementBalance: settlementBalance! } : {}),
  };
}
