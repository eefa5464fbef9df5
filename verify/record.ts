/**
 * The record types, and the record source "directory": reads an epoch directory
 * (protocol/epoch-dir.ts writes it; docs/soundness-ii.md is its statement) into typed values,
 * strictly: a missing file, bad JSON or a field of the wrong form is an EpochVerifyError
 * RECORD_MALFORMED naming the file, row and field; so are verification keys of another statement
 * than [chainOut, digest, seed, rho] (statement-keys.ts). Nothing here is trusted yet;
 * verify/epoch.ts checks it. The other source, the chain alone, gives a PublicRecord without the
 * tables (chain-record.ts).
 *
 * What is read (integers as decimal strings, or 0x hex where the record writes hex):
 *   epoch.json          epoch, chainId, contracts {token, poseidon, registry, exampleVerifier,
 *                       registrationVerifier, payoutVerifier, settlement}, domain,
 *                       registrationDomain, pool, total, dust, model {modelHash,
 *                       validationCommitment}, commit {commitExamples, commitPayouts, total,
 *                       exampleBatches, registrationBatches, payoutBatches, modelHash}, fold,
 *                       registrants, exclusion, seed, the three batch sizes, circuits {example,
 *                       registration, payout} {name, vkeyHash, keySet}, parameters {widths,
 *                       chainAbsorbWidth, registrationChunk}, the public values of every batch
 *                       (exampleBatches, registrationBatches {index, in, out, prod, rlcSum, rho,
 *                       digest} with in/out {fold, nextJ, open, state, count, senderN},
 *                       payoutBatches), status, attribution, validation;
 *   registrations.json  order, contributor, commitment, count, excluded, salt (kept) or reason;
 *   examples.json       the claim table: hash, j, score;
 *   duplicates.json     hash, creditedOrder, alsoClaimedBy (orders);
 *   contributors.json   the payout table: j, address, amount, reward, remainder (label ignored);
 *   settlement.json     what the epoch's releases paid each address and what its pool kept, when released;
 *   the three *_verification_key.json and proofs/{example,registration,payout}-NNN.json.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { EpochVerifyError } from "./epoch-errors.ts";
import type {
  ClaimBatchValues,
  EpochCommit,
  PayoutBatchValues,
  PolicyDuplicate,
  RegistrationBatchValues,
  RegistrationCarry,
} from "./model/index.ts";
import { checkStatementKeys } from "./statement-keys.ts";

/** The three circuits, in the order checks run over them. */
export const CIRCUIT_KINDS = ["example", "registration", "payout"] as const;
export type CircuitKind = (typeof CIRCUIT_KINDS)[number];
export type ByKind<T> = { readonly [K in CircuitKind]: T };

export interface RecordedClaimRow {
  readonly hash: bigint;
  /** Registration order of the claimant. */
  readonly j: number;
  readonly score: bigint;
}

export interface RecordedPayoutRow {
  readonly j: number;
  readonly address: bigint;
  readonly amount: bigint;
  readonly reward: bigint;
  readonly remainder: bigint;
}

export interface RecordedRegistration {
  readonly order: number;
  readonly contributor: bigint;
  /** C_j, a field element. */
  readonly commitment: bigint;
  readonly count: number;
  /** From registrations.json; the chain knows only the exclusion set (EpochCommitted). */
  readonly excluded: boolean;
  /** The salt of a kept registration (registrations.json). */
  readonly salt?: bigint;
  /** Why an excluded registration was excluded (registrations.json). */
  readonly reason?: string;
  /** F after this registration (the Registered event's fold; from the chain only). */
  readonly fold?: bigint;
}

/** A duplicates.json row: the shape the skeptic's policy model produces, compared field by field. */
export type RecordedDuplicate = PolicyDuplicate;

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

/** A payout word: row j's payee and reward, as the contract pays it. */
export interface RecordedPayee {
  readonly j: number;
  readonly address: bigint;
  readonly reward: bigint;
}

export interface ClaimBatchRecord extends ClaimBatchValues {
  readonly index: number;
  readonly rho: bigint;
  readonly digest: bigint;
}
export interface RegistrationBatchRecord extends RegistrationBatchValues {
  readonly index: number;
  readonly rho: bigint;
  readonly digest: bigint;
}
export interface PayoutBatchRecord extends PayoutBatchValues {
  readonly index: number;
  readonly rho: bigint;
  readonly digest: bigint;
  /** The words the batch was verified with (and the contract pays). */
  readonly words: readonly bigint[];
}

/** The public values of every batch: epoch.json's, or the chain's claims and the contract's state. */
export interface RecordedBatches {
  readonly example: readonly ClaimBatchRecord[];
  readonly registration: readonly RegistrationBatchRecord[];
  readonly payout: readonly PayoutBatchRecord[];
}

export type RecordedContracts = Readonly<
  Record<"token" | "poseidon" | "registry" | "exampleVerifier" | "registrationVerifier" | "payoutVerifier" | "settlement", string>
>;

/**
 * What every record source gives: the on-chain side of an epoch (parameters, the commit, the
 * seed, the exclusion set, verification keys, every proof with its public signals and every
 * batch's public values, registrations, payout words). An epoch directory gives this and the
 * tables (EpochRecord); the chain alone gives only this (verify/chain-record.ts).
 */
export interface PublicRecord {
  /** Where the record was read from, for reports: the directory, or the chain and contract. */
  readonly source: string;
  readonly epoch: bigint;
  readonly chainId: bigint;
  readonly settlement: string;
  readonly contracts: RecordedContracts;
  readonly domain: bigint;
  readonly registrationDomain: bigint;
  readonly pool: bigint;
  /** S. */
  readonly total: bigint;
  readonly dust: bigint;
  readonly commit: EpochCommit;
  /** The registry's F, as commitEpoch read it. */
  readonly fold: bigint;
  /** m. */
  readonly registrants: number;
  /** X, the excluded orders, ascending. */
  readonly exclusion: readonly number[];
  readonly seed: bigint;
  /** bytes32 hex (lower case) of the model the epoch pays for. */
  readonly modelHash: string;
  readonly batchSizes: ByKind<number>;
  readonly circuits: ByKind<RecordedCircuit>;
  readonly widths?: Record<string, number>;
  readonly chainAbsorbWidth?: number;
  readonly registrationChunk?: number;
  readonly registrations: readonly RecordedRegistration[];
  /** The verification key files' text, byte for byte (their hash is the pin). */
  readonly keyTexts: ByKind<string>;
  readonly proofs: ByKind<readonly RecordedProof[]>;
  readonly batches: RecordedBatches;
  /** Every payout word with a payee, in row order j. */
  readonly payees: readonly RecordedPayee[];
}

/** An epoch directory: the public side plus the three tables' sources, the dedup evidence and the balances. */
export interface EpochRecord extends PublicRecord {
  readonly dir: string;
  /** The claim table (examples.json). */
  readonly examples: readonly RecordedClaimRow[];
  /** The payout table (contributors.json), row j = registration j. */
  readonly contributors: readonly RecordedPayoutRow[];
  readonly duplicates: readonly RecordedDuplicate[];
  /** settlement.json paid (address -> what this epoch's releases paid it); undefined when the epoch was not released. */
  readonly paid?: ReadonlyMap<bigint, bigint>;
  /** settlement.json kept: what the epoch's pool left in the contract (the dust). */
  readonly kept?: bigint;
  readonly status?: string;
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
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function bad(file: string, field: string, problem: string, row?: number): never {
  throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}${row === undefined ? "" : ` row ${row}`} ${field}: ${problem}`, {
    file,
    field,
    ...(row === undefined ? {} : { row }),
  });
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

/** Field accessors bound to one file and row (and a field prefix), so every error names where it is. */
export function fields(value: unknown, file: string, row?: number, prefix = "") {
  const name = (field: string) => `${prefix}${field}`;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    bad(file, prefix === "" ? "(row)" : prefix.slice(0, -1), "expected an object", row);
  const o = value as Record<string, unknown>;
  const accessors = {
    has(field: string): boolean {
      return o[field] !== undefined;
    },
    /** A decimal string (or, `signed`, a negative one). */
    int(field: string, signed = false): bigint {
      const v = o[field];
      if (typeof v !== "string" || !INTEGER.test(v) || (!signed && v.startsWith("-")))
        bad(file, name(field), `expected a decimal string, got ${JSON.stringify(v)}`, row);
      return BigInt(v);
    },
    /** A non-negative integer as a decimal string or 0x hex (field elements are written either way). */
    uint(field: string): bigint {
      const v = o[field];
      if (typeof v === "string" && HEX.test(v)) return BigInt(v);
      if (typeof v !== "string" || !INTEGER.test(v) || v.startsWith("-"))
        bad(file, name(field), `expected a decimal or 0x hex string, got ${JSON.stringify(v)}`, row);
      return BigInt(v);
    },
    hex(field: string): bigint {
      const v = o[field];
      if (typeof v !== "string" || !HEX.test(v)) bad(file, name(field), `expected a 0x hex string, got ${JSON.stringify(v)}`, row);
      return BigInt(v);
    },
    address(field: string): string {
      const v = o[field];
      if (typeof v !== "string" || !ADDRESS.test(v)) bad(file, name(field), `expected 0x + 40 hex digits, got ${JSON.stringify(v)}`, row);
      return v;
    },
    bytes32(field: string): string {
      const v = o[field];
      if (typeof v !== "string" || !BYTES32.test(v)) bad(file, name(field), `expected 0x + 64 hex digits, got ${JSON.stringify(v)}`, row);
      return v.toLowerCase();
    },
    num(field: string): number {
      const v = o[field];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
        bad(file, name(field), `expected a non-negative integer, got ${JSON.stringify(v)}`, row);
      return v;
    },
    bool(field: string): boolean {
      const v = o[field];
      if (typeof v !== "boolean") bad(file, name(field), `expected true or false, got ${JSON.stringify(v)}`, row);
      return v;
    },
    /** A bit: true/false, 0/1 or "0"/"1". */
    bit(field: string): bigint {
      const v = o[field];
      if (v === true || v === 1 || v === "1") return 1n;
      if (v === false || v === 0 || v === "0") return 0n;
      return bad(file, name(field), `expected a bit (true, false, 0 or 1), got ${JSON.stringify(v)}`, row);
    },
    str(field: string): string {
      const v = o[field];
      if (typeof v !== "string") bad(file, name(field), `expected a string, got ${JSON.stringify(v)}`, row);
      return v;
    },
    obj(field: string): Record<string, unknown> {
      const v = o[field];
      if (typeof v !== "object" || v === null || Array.isArray(v)) bad(file, name(field), "expected an object", row);
      return v as Record<string, unknown>;
    },
    list(field: string): unknown[] {
      const v = o[field];
      if (!Array.isArray(v)) bad(file, name(field), "expected an array", row);
      return v;
    },
    /** A nested object's accessors, its fields named `field.x`. */
    sub(field: string) {
      return fields(accessors.obj(field), file, row, `${name(field)}.`);
    },
  };
  return accessors;
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

/**
 * The `kind` proof files: exactly proofs/<kind>-000.json .. <count - 1>; any other <kind>-*.json
 * (a stray copy, a proof of a larger epoch) and any missing one are named, so the reader knows
 * which file to move or make.
 */
function proofs(dir: string, kind: CircuitKind, count: number): RecordedProof[] {
  const expected = Array.from({ length: count }, (_, index) => `${kind}-${String(index).padStart(3, "0")}.json`);
  const names = existsSync(join(dir, "proofs"))
    ? readdirSync(join(dir, "proofs")).filter((n) => n.startsWith(`${kind}-`) && n.endsWith(".json"))
    : [];
  const missing = expected.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !expected.includes(n)).sort();
  if (missing.length > 0 || extra.length > 0) {
    const list = (ns: string[]) => ns.map((n) => `proofs/${n}`).join(", ");
    const holds = missing.length === 0 ? `${names.length} ${kind} proof files` : `the wrong ${kind} proof files`;
    const parts = [
      ...(missing.length > 0 ? [`missing ${list(missing)}`] : []),
      ...(extra.length > 0 ? [`not the record's ${list(extra)} (move ${extra.length === 1 ? "it" : "them"} out of proofs/)`] : []),
    ];
    bad("epoch.json", `commit.${kind}Batches`, `says ${count} batches, proofs/ holds ${holds}: ${parts.join("; ")}`);
  }
  return expected.map((name, index) => {
    const file = `proofs/${name}`;
    const json = readJson(dir, file);
    if (typeof json !== "object" || json === null || Array.isArray(json)) bad(file, "(file)", "expected an object");
    return { file, index, json: json as Record<string, unknown> };
  });
}

/** epoch.json `commit`. */
function readCommit(e: ReturnType<typeof fields>): EpochCommit {
  const c = e.sub("commit");
  return {
    commitExamples: c.uint("commitExamples"),
    commitPayouts: c.uint("commitPayouts"),
    commitExclusion: c.uint("commitExclusion"),
    total: c.uint("total"),
    exampleBatches: c.num("exampleBatches"),
    registrationBatches: c.num("registrationBatches"),
    payoutBatches: c.num("payoutBatches"),
    modelHash: c.bytes32("modelHash"),
  };
}

/** epoch.json's public values of every batch, in index order (the words come from the payout table). */
function readBatches(
  e: ReturnType<typeof fields>,
  commit: EpochCommit,
): Omit<RecordedBatches, "payout"> & { payout: Omit<PayoutBatchRecord, "words">[] } {
  const list = (name: string, count: number) => {
    const raw = e.list(name);
    if (raw.length !== count) bad("epoch.json", name, `holds ${raw.length} batches, commit.${name} is ${count}`);
    return raw.map((b, i) => {
      const f = fields(b, "epoch.json", i, `${name}[${i}].`);
      if (f.num("index") !== i) bad("epoch.json", `${name}[${i}].index`, `expected ${i}`);
      return f;
    });
  };
  const carry = (f: ReturnType<typeof fields>, name: "in" | "out"): RegistrationCarry => {
    const c = f.sub(name);
    return {
      fold: c.uint("fold"),
      nextJ: c.uint("nextJ"),
      open: c.bit("open"),
      state: c.uint("state"),
      count: c.uint("count"),
      senderN: c.uint("senderN"),
      excl: c.uint("excl"),
    };
  };
  return {
    example: list("exampleBatches", commit.exampleBatches).map((f, index) => ({
      index,
      chainIn: f.uint("chainIn"),
      chainOut: f.uint("chainOut"),
      hashIn: f.uint("hashIn"),
      jIn: f.uint("jIn"),
      hashOut: f.uint("hashOut"),
      jOut: f.uint("jOut"),
      scoreSum: f.uint("scoreSum"),
      rlcSum: f.uint("rlcSum"),
      prod: f.uint("prod"),
      rho: f.uint("rho"),
      digest: f.uint("digest"),
    })),
    registration: list("registrationBatches", commit.registrationBatches).map((f, index) => ({
      index,
      in: carry(f, "in"),
      out: carry(f, "out"),
      prod: f.uint("prod"),
      rlcSum: f.uint("rlcSum"),
      rho: f.uint("rho"),
      digest: f.uint("digest"),
    })),
    payout: list("payoutBatches", commit.payoutBatches).map((f, index) => ({
      index,
      chainIn: f.uint("chainIn"),
      chainOut: f.uint("chainOut"),
      amountSum: f.uint("amountSum"),
      rlcSum: f.uint("rlcSum"),
      rho: f.uint("rho"),
      digest: f.uint("digest"),
    })),
  };
}

/** The payout words of batch k of a payout table (row j = k B + i; padding 0). */
export function payoutWordsOf(
  table: readonly { readonly address: bigint; readonly reward: bigint }[],
  index: number,
  batchSize: number,
  addressBits: number,
): bigint[] {
  return Array.from({ length: batchSize }, (_, i) => {
    const row = table[index * batchSize + i];
    return row === undefined ? 0n : row.address + (row.reward << BigInt(addressBits));
  });
}

/** Reads and shape-checks every file of the epoch directory `dir`. */
export function readEpochRecord(dir: string): EpochRecord {
  const e = fields(readJson(dir, "epoch.json"), "epoch.json");
  const keyTexts = {
    example: readText(dir, "example_verification_key.json"),
    registration: readText(dir, "registration_verification_key.json"),
    payout: readText(dir, "payout_verification_key.json"),
  };
  checkStatementKeys(keyTexts);
  const circuit = (kind: CircuitKind): RecordedCircuit => {
    const c = e.sub("circuits").sub(kind);
    return { name: c.str("name"), vkeyHash: c.str("vkeyHash"), keySet: c.str("keySet") };
  };
  const raw = JSON.parse(readFileSync(join(dir, "epoch.json"), "utf8")) as {
    parameters?: { widths?: Record<string, number>; chainAbsorbWidth?: number; registrationChunk?: number };
    attribution?: Record<string, unknown>;
    validation?: Record<string, unknown>;
    status?: unknown;
  };
  const model = e.sub("model");
  const commit = readCommit(e);
  const examples = rows(dir, "examples.json").map((r, i): RecordedClaimRow => {
    const f = fields(r, "examples.json", i);
    return { hash: f.hex("hash"), j: f.num("j"), score: f.int("score", true) };
  });
  const contributors = rows(dir, "contributors.json").map((r, i): RecordedPayoutRow => {
    const f = fields(r, "contributors.json", i);
    const j = f.num("j");
    if (j !== i) bad("contributors.json", "j", `expected ${i}: row j pays registration j`, i);
    return { j, address: BigInt(f.address("address")), amount: f.int("amount"), reward: f.int("reward"), remainder: f.int("remainder") };
  });
  const registrations = rows(dir, "registrations.json").map((r, i): RecordedRegistration => {
    const f = fields(r, "registrations.json", i);
    const excluded = f.bool("excluded");
    return {
      order: f.num("order"),
      contributor: BigInt(f.address("contributor")),
      commitment: f.uint("commitment"),
      count: f.num("count"),
      excluded,
      ...(excluded ? (f.has("reason") ? { reason: f.str("reason") } : {}) : { salt: f.uint("salt") }),
    };
  });
  const duplicates = rows(dir, "duplicates.json").map((r, i): RecordedDuplicate => {
    const f = fields(r, "duplicates.json", i);
    return {
      hash: f.hex("hash"),
      creditedOrder: f.num("creditedOrder"),
      alsoClaimedBy: f.list("alsoClaimedBy").map((o, k) => {
        if (typeof o !== "number" || !Number.isSafeInteger(o) || o < 0)
          bad("duplicates.json", `alsoClaimedBy[${k}]`, `expected a registration order, got ${JSON.stringify(o)}`, i);
        return o;
      }),
    };
  });
  let paid: Map<bigint, bigint> | undefined;
  let kept: bigint | undefined;
  const settlement = fields(readJson(dir, "settlement.json"), "settlement.json");
  if (settlement.has("paid")) {
    paid = new Map(
      settlement.list("paid").map((b, i) => {
        const f = fields(b, "settlement.json paid", i);
        return [f.hex("address"), f.int("amount")] as const;
      }),
    );
    kept = settlement.int("kept");
  }
  const k = e.sub("contracts");
  const contracts = {
    token: k.address("token"),
    poseidon: k.address("poseidon"),
    registry: k.address("registry"),
    exampleVerifier: k.address("exampleVerifier"),
    registrationVerifier: k.address("registrationVerifier"),
    payoutVerifier: k.address("payoutVerifier"),
    settlement: k.address("settlement"),
  };
  const exclusion = e.list("exclusion").map((x, i) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 0)
      bad("epoch.json", `exclusion[${i}]`, `expected a registration order, got ${JSON.stringify(x)}`);
    return x;
  });
  const batchSizes = { example: e.num("exampleBatchSize"), registration: e.num("registrationBatchSize"), payout: e.num("payoutBatchSize") };
  const addressBits = raw.parameters?.widths?.addressBits ?? 160;
  const { payout, ...batches } = readBatches(e, commit);
  return {
    dir,
    source: dir,
    epoch: e.int("epoch"),
    chainId: e.int("chainId"),
    settlement: contracts.settlement,
    contracts,
    domain: e.uint("domain"),
    registrationDomain: e.uint("registrationDomain"),
    pool: e.int("pool"),
    total: e.int("total"),
    dust: e.int("dust"),
    commit,
    fold: e.uint("fold"),
    registrants: e.num("registrants"),
    exclusion,
    seed: e.uint("seed"),
    modelHash: model.bytes32("modelHash"),
    batchSizes,
    circuits: { example: circuit("example"), registration: circuit("registration"), payout: circuit("payout") },
    ...(raw.parameters?.widths ? { widths: raw.parameters.widths } : {}),
    ...(raw.parameters?.chainAbsorbWidth ? { chainAbsorbWidth: raw.parameters.chainAbsorbWidth } : {}),
    ...(raw.parameters?.registrationChunk ? { registrationChunk: raw.parameters.registrationChunk } : {}),
    examples,
    contributors,
    registrations,
    duplicates,
    batches: {
      ...batches,
      payout: payout.map((b) => ({ ...b, words: payoutWordsOf(contributors, b.index, batchSizes.payout, addressBits) })),
    },
    payees: contributors.map((c) => ({ j: c.j, address: c.address, reward: c.reward })),
    ...(typeof raw.status === "string" ? { status: raw.status } : {}),
    ...(raw.attribution === undefined ? {} : { attribution: raw.attribution }),
    ...(raw.validation === undefined ? {} : { validation: raw.validation }),
    keyTexts,
    proofs: {
      example: proofs(dir, "example", commit.exampleBatches),
      registration: proofs(dir, "registration", commit.registrationBatches),
      payout: proofs(dir, "payout", commit.payoutBatches),
    },
    ...(paid ? { paid, kept: kept! } : {}),
  };
}
