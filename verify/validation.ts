/**
 * Check "validation": the epoch's held-out validation set, revealed after scoring, is the one
 * registration committed to, and no paid example copies it (issue 11, G6). From the epoch
 * directory (epoch.json `validation`, written by protocol/trainer/validation-reveal.ts, and its file):
 *   1. keccak256(abi.encode(validationSetHash, salt)) is the recorded commitment;
 *   2. the file (validation.bin, or the trainer's own validation.npz, .jsonl, .npy with its
 *      `labels` .npy), read as any party reads data, has the set hash validationSetHash
 *      (revealed-set.ts: dataset/ exampleSetHash, for images the sha256 of the dataset file)
 *      and holds the recorded number of examples; and when epoch.json `attribution` names the set
 *      the scores were made against (`validationHash`, as score --model records it), it is this set;
 *   3. no row of examples.json that is an exact copy of a validation example (same example hash)
 *      has a positive score;
 *   4. with the training data (the contributors' examples as registered, e.g. verify --data) and
 *      a set of images: no example with a positive score is a near copy of a validation example,
 *      by the near-duplicate stage's own comparison (attribution/ detectNearDuplicates: max NCC
 *      over shifts of +-2 px at the validation threshold) with the recorded settings and seed;
 *   5. with a chain (rpcUrl): the settlement's ValidationRevealed event of the epoch carries this
 *      hash and salt, and the registry's commitment of the epoch is this commitment.
 * The first failure throws EpochVerifyError VALIDATION_MISMATCH. An epoch recorded before the
 * reveal existed has no `validation` section: the check is skipped and says so.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { Contract, type EventLog } from "ethers";
import { AttributionError } from "../attribution/index.ts";
import { concat } from "../attribution/data.ts";
import { DEFAULT_NEAR_DUPLICATES, detectNearDuplicates } from "../attribution/near-duplicates.ts";
import { decodeTrainingData } from "../attribution/training-data.ts";
import type { NearDuplicateConfig } from "../config/attribution.ts";
import type { Dataset } from "../dataset/index.ts";
import { validationCommitment } from "./model/index.ts";
import { EpochVerifyError, type FailureLocation } from "./epoch-errors.ts";
import type { CheckResult } from "./check-result.ts";
import { hasTables, type EpochRecord, type PublicRecord } from "./record.ts";
import { readRevealedSet } from "./revealed-set.ts";
import { openProvider } from "./rpc.ts";

export interface ValidationCheckOptions {
  /** The contributors' examples in registration order (their addresses and data), for the near-copy check. */
  readonly training?: readonly { readonly address: string; readonly data: Dataset }[];
  /** Or the training data file they come from (attribution/ training-data.ts, verify --data). */
  readonly dataFile?: string;
  /** A JSON-RPC node of the record's chain: compare with the reveal event and the registry's commitment. */
  readonly rpcUrl?: string;
}

const BYTES32 = /^0x[0-9a-f]{64}$/;
const hex128 = (v: bigint) => `0x${v.toString(16).padStart(32, "0")}`;

function fail(message: string, where: FailureLocation): never {
  throw new EpochVerifyError("VALIDATION_MISMATCH", "validation", message, where);
}

/** epoch.json `validation`, shape-checked. */
function revealedSection(record: EpochRecord) {
  const v = record.validation!;
  const field = (name: string, ok: (x: unknown) => boolean): unknown => {
    if (!ok(v[name])) {
      throw new EpochVerifyError("RECORD_MALFORMED", "record", `epoch.json validation.${name}: unexpected ${JSON.stringify(v[name])}`, {
        file: "epoch.json",
        field: `validation.${name}`,
      });
    }
    return v[name];
  };
  const bytes32 = (x: unknown) => typeof x === "string" && BYTES32.test(x);
  // A bare file name: the record must not point outside its directory.
  const bare = (x: unknown) => typeof x === "string" && x.length > 0 && basename(x) === x;
  const labels = field("labels", (x) => x === undefined || bare(x)) as string | undefined;
  return {
    file: field("file", bare) as string,
    ...(labels === undefined ? {} : { labels }),
    examples: field("examples", (x) => Number.isSafeInteger(x) && (x as number) > 0) as number,
    validationSetHash: field("validationSetHash", bytes32) as string,
    salt: field("salt", bytes32) as string,
    commitment: field("commitment", bytes32) as string,
  };
}

/** The near-duplicate settings and seed the scores were made with (defaults when not recorded). */
function recordedNearDuplicates(record: EpochRecord): { settings: NearDuplicateConfig; seed: number } {
  const a = record.attribution as { nearDuplicates?: Partial<NearDuplicateConfig>; settings?: { seed?: unknown } } | undefined;
  const nd = a?.nearDuplicates;
  const numeric =
    nd !== undefined &&
    ["threshold", "maxShift", "tables", "bits", "gate"].every((k) => typeof nd[k as keyof NearDuplicateConfig] === "number");
  const seed = typeof a?.settings?.seed === "number" ? a.settings.seed : 0;
  return { settings: numeric ? { ...DEFAULT_NEAR_DUPLICATES, ...nd, enabled: true } : DEFAULT_NEAR_DUPLICATES, seed };
}

async function compareWithChain(
  record: EpochRecord,
  rpcUrl: string,
  revealed: { validationSetHash: string; salt: string; commitment: string },
): Promise<void> {
  const provider = openProvider(rpcUrl);
  try {
    const settlement = new Contract(
      record.settlement,
      ["event ValidationRevealed(uint64 indexed epoch, bytes32 validationSetHash, bytes32 salt)"],
      provider,
    );
    const events = (await settlement.queryFilter(settlement.filters.ValidationRevealed!(record.epoch), 0)) as EventLog[];
    if (events.length !== 1)
      fail(`${events.length} ValidationRevealed events for epoch ${record.epoch} at ${record.settlement}`, {
        file: "chain",
        field: "ValidationRevealed",
      });
    const [, setHash, salt] = events[0]!.args as unknown as [bigint, string, string];
    if (setHash !== revealed.validationSetHash || salt !== revealed.salt) {
      fail(`ValidationRevealed carries (${setHash}, ${salt}), epoch.json validation (${revealed.validationSetHash}, ${revealed.salt})`, {
        file: "chain",
        field: "ValidationRevealed",
      });
    }
    const registry = new Contract(
      record.contracts.registry,
      ["function validationCommitment(uint64 epoch) view returns (bytes32)"],
      provider,
    );
    const onChain = (await registry.getFunction("validationCommitment")(record.epoch)) as string;
    if (onChain !== revealed.commitment)
      fail(`the registry's validation commitment of epoch ${record.epoch} is ${onChain}, epoch.json has ${revealed.commitment}`, {
        file: "chain",
        field: "validationCommitment",
        expected: onChain,
        got: revealed.commitment,
      });
  } finally {
    provider.destroy();
  }
}

function readTraining(file: string): ValidationCheckOptions["training"] {
  if (!existsSync(file))
    throw new EpochVerifyError("RECORD_MALFORMED", "validation", `the data file ${file} is missing`, { file, field: "(file)" });
  try {
    return decodeTrainingData(readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof AttributionError)) throw error;
    return fail((error as Error).message, { file });
  }
}

/** Runs the check on `record` (see the header); throws VALIDATION_MISMATCH at the first failure. */
export async function checkValidation(record: PublicRecord, options: ValidationCheckOptions = {}): Promise<CheckResult> {
  if (!hasTables(record))
    return {
      check: "validation",
      status: "skipped",
      detail: "the revealed set's file is in the epoch directory; the chain holds only its hash and salt",
    };
  if (record.validation === undefined) {
    return {
      check: "validation",
      status: "skipped",
      detail: "epoch.json has no revealed validation set (recorded before the reveal existed)",
    };
  }
  const v = revealedSection(record);
  const recomputed = validationCommitment(v.validationSetHash, v.salt);
  if (recomputed !== v.commitment)
    fail(`keccak256(abi.encode(validationSetHash, salt)) is ${recomputed}, not the recorded commitment ${v.commitment}`, {
      file: "epoch.json",
      field: "validation.salt",
      expected: v.commitment,
      got: recomputed,
    });

  const data = readRevealedSet(record.dir, v, fail);
  if (data.examples.length !== v.examples)
    fail(`${v.file} holds ${data.examples.length} examples, epoch.json says ${v.examples}`, { file: v.file, field: "examples" });
  const scoredAgainst = (record.attribution as { validationHash?: unknown } | undefined)?.validationHash;
  if (scoredAgainst !== undefined && `0x${String(scoredAgainst).replace(/^0x/, "")}` !== v.validationSetHash) {
    fail(
      `epoch.json attribution.validationHash says the scores were made against set ${String(scoredAgainst)}, the revealed set is ${v.validationSetHash}`,
      { file: "epoch.json", field: "attribution.validationHash", expected: v.validationSetHash, got: String(scoredAgainst) },
    );
  }

  // G6, exact copies: the example hash of a validation example, credited with a positive score.
  const rowOf = new Map(record.examples.map((e, i) => [e.hash, i]));
  const paid = (hash: bigint) => {
    const row = rowOf.get(hash);
    return row !== undefined && record.examples[row]!.score > 0n ? row : undefined;
  };
  let exact = 0;
  for (const [j, { hash }] of data.examples.entries()) {
    if (!rowOf.has(hash)) continue;
    exact++;
    const row = paid(hash);
    if (row !== undefined)
      fail(`examples.json row ${row} (${hex128(hash)}) is validation example ${j} and scores ${record.examples[row]!.score} > 0`, {
        file: "examples.json",
        row,
        field: "score",
      });
  }

  const validation = data.images;
  let near =
    validation === undefined
      ? "near copies not checked (the set is not images: the pixel stage does not apply)"
      : "near copies not checked (needs the contributors' data, verify --data)";
  const training =
    validation === undefined
      ? undefined
      : (options.training ?? (options.dataFile === undefined ? undefined : readTraining(options.dataFile)));
  if (validation !== undefined && training !== undefined) {
    const { settings, seed } = recordedNearDuplicates(record);
    const owners = training.flatMap((p) => Array<string>(p.data.size).fill(p.address));
    const all = concat(...training.map((p) => p.data));
    const copies = detectNearDuplicates(all, owners, validation, settings, seed).evidence.filter((e) => e.reference.set === "validation");
    for (const e of copies) {
      const row = paid(e.exampleHash);
      if (row !== undefined) {
        fail(
          `examples.json row ${row} (${hex128(e.exampleHash)}, ${e.contributor}) scores ${record.examples[row]!.score} > 0 but is a near copy of validation example ${e.reference.index} (NCC ${e.similarity.toFixed(4)} >= ${settings.validationThreshold ?? settings.threshold} at shift ${e.shift.join(",")})`,
          { file: "examples.json", row, field: "score" },
        );
      }
    }
    near = `${copies.length} near copies among ${all.size} registered examples, none paid`;
  }
  if (options.rpcUrl !== undefined) await compareWithChain(record, options.rpcUrl, v);
  return {
    check: "validation",
    status: "pass",
    detail: `${v.file} (${data.examples.length} examples) is the revealed set: set hash = validationSetHash, keccak(hash, salt) = commitment${options.rpcUrl === undefined ? "" : " = the registry's, as ValidationRevealed on chain"}; ${exact} exact copies in examples.json, none paid; ${near}`,
  };
}
