/**
 * The chain check: a record (an epoch directory, or the chain itself) compared with the chain as
 * chain-read.ts read it. The deployed verifiers are compared byte for byte in the vkeys check
 * (bytecode.ts), before any proof is trusted; this compares the rest:
 *   - chain id, and the token, registry, Poseidon and the three verifiers the contracts actually
 *     call (their immutables) with the record's contract addresses, else CHAIN_MISMATCH;
 *   - the contracts' own domain and regDomain; EpochOpened's pool; the registry's F and m now;
 *   - the live EpochCommitted (the last one; an ExclusionContested after it leaves none): the
 *     commit, the exclusion set, the seed, F and m, else CHAIN_MISMATCH; no EpochForfeited or EpochCancelled;
 *   - every verified batch of the three kinds: the proof in its transaction's calldata, the public
 *     values the contract carried and received, and the public signals it verified (rebuilt by
 *     chain-record.ts) equal the record's;
 *   - the payout words equal the payout table's (address, reward) rows, row j = registration j,
 *     else PAYOUT_MISMATCH;
 *   - the registry's Registered events (order, sender, C_j, n) equal registrations.json;
 *   - every release, whoever sent it (an EOA, a forwarder, a multisig): its payments (the token's
 *     Transfers from the settlement and the PayoutDeferred credits of that release, chain-read.ts)
 *     are exactly the non-zero (payee, reward) words of its batch, each once (an address with two
 *     rows is paid twice), and its BatchReleased paid is their sum, else PAYOUT_MISMATCH naming the
 *     batch (the contract pays only the words whose hash it stored at submitPayoutBatch: the
 *     release calldata is not read); a batch paid in row ranges over several transactions
 *     (BatchRowsReleased parts, then BatchReleased) the same way, part by part: contiguous from
 *     row 0, each paying exactly its rows' words;
 *   - the lineage (checkLineage): ModelLineage, once finalized, names the live commit's model, the
 *     validation commitment EpochOpened fixed and EpochOpened's `follows`; its previous model hash
 *     is the followed epoch's live commit's model hash (zero for the first of a lineage), else
 *     CHAIN_MISMATCH;
 *   - EpochFinalized's dust; the payments of this epoch's releases pay each payout row with a
 *     positive reward exactly once, exactly its reward, by a token Transfer or a PayoutDeferred
 *     credit (the pull fallback: a payee whose transfer reverts withdraws later), and nobody else
 *     (paid amounts, not balances), else PAYOUT_MISMATCH.
 * For a record read from the chain the event comparisons hold by construction; the transfers and
 * the dust still check the payouts against the proven words.
 */
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import type { CheckResult } from "./check-result.ts";
import { unpaidEnding, type ChainEpoch } from "./chain-read.ts";
import { chainProofs, liveCommit } from "./chain-record.ts";
import { CIRCUIT_KINDS, type PublicRecord, type RecordedPayee } from "./record.ts";

const mismatch = (message: string, field: string, file = "chain", row?: number): never => {
  throw new EpochVerifyError("CHAIN_MISMATCH", "chain", message, { file, field, ...(row === undefined ? {} : { row }) });
};
/** JSON with bigints as decimal strings and object keys sorted: equal values, equal text, whatever the key order. */
const canonical = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "object" && v !== null && !Array.isArray(v))
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
const hex40 = (v: bigint) => `0x${v.toString(16).padStart(40, "0")}`;

/** Throws CHAIN_MISMATCH unless the record names the contracts the settlement and registry call, on the same chain. */
export function checkChainIdentity(record: PublicRecord, chain: ChainEpoch): void {
  if (chain.chainId !== record.chainId)
    mismatch(`${chain.rpcUrl} is chain ${chain.chainId}, the record is of chain ${record.chainId}`, "chainId");
  for (const name of [
    "token",
    "poseidon",
    "registry",
    "exampleVerifier",
    "registrationVerifier",
    "payoutVerifier",
    "settlement",
  ] as const) {
    if (chain.contracts[name].toLowerCase() !== record.contracts[name].toLowerCase()) {
      mismatch(
        `the ${name === "poseidon" ? "registry's" : "settlement's"} ${name} is ${chain.contracts[name]}, the record names ${record.contracts[name]}`,
        `contracts.${name}`,
        "epoch.json",
      );
    }
  }
}

/** Compares `record` with `chain`; throws the first EpochVerifyError. */
export function compareWithChain(record: PublicRecord, chain: ChainEpoch, config: Pick<ProtocolConfig, "widths">): CheckResult {
  checkChainIdentity(record, chain);
  const ended = unpaidEnding(chain);
  if (ended) mismatch(ended.what, ended.field);
  const live = liveCommit(chain);
  const expected: [string, unknown, unknown][] = [
    ["domain", chain.domain, record.domain],
    ["registrationDomain", chain.registrationDomain, record.registrationDomain],
    ["EpochOpened.pool", chain.opened.pool, record.pool],
    ["EpochCommitted.params", live.commit, record.commit],
    ["EpochCommitted.exclusion", live.exclusion, record.exclusion],
    ["EpochCommitted.seed", live.seed, record.seed],
    ["EpochCommitted.fold", live.fold, record.fold],
    ["EpochCommitted.registrants", live.registrants, record.registrants],
    ["registrationFold", chain.registry.fold, record.fold],
    ["registration.count", chain.registry.count, record.registrants],
  ];
  for (const [field, onChain, recorded] of expected) {
    if (!same(onChain, recorded))
      mismatch(`${field} is ${canonical(onChain)} on chain, the record has ${canonical(recorded)}`, field, "epoch.json");
  }

  const rebuilt = chainProofs(chain, config);
  const eventName = { example: "ExampleBatchVerified", registration: "RegistrationBatchVerified", payout: "PayoutBatchVerified" } as const;
  for (const kind of CIRCUIT_KINDS) {
    for (const p of record.proofs[kind]) {
      const c = rebuilt.proofs[kind].find((x) => x.index === p.index);
      if (!c)
        mismatch(`${eventName[kind]}: batch ${p.index} (${p.file}) was never verified on chain`, `${eventName[kind]}[${p.index}]`, p.file);
      const signals = (p.json.publicSignals as unknown[]).map(String);
      if (!same(signals, c!.json.publicSignals))
        mismatch(
          `${c!.file} verified public signals ${JSON.stringify(c!.json.publicSignals)}, ${p.file} has ${JSON.stringify(signals)}`,
          "publicSignals",
          p.file,
        );
      const proof = p.json.proof as Record<string, unknown>;
      const chainProof = c!.json.proof as Record<string, unknown>;
      if (!["pi_a", "pi_b", "pi_c"].every((k) => same(proof?.[k], chainProof[k])))
        mismatch(`${c!.file} carries another proof than ${p.file}`, "proof", p.file);
    }
    record.batches[kind].forEach((b, i) => {
      const onChain = rebuilt.batches[kind][i];
      const { words: _w, ...values } = b as typeof b & { words?: unknown };
      const { words: _c, ...chainValues } = (onChain ?? {}) as typeof b & { words?: unknown };
      if (!same(values, chainValues))
        mismatch(
          `${kind} batch ${i}: the values the contract carried and received ${canonical(chainValues)} are not the record's ${canonical(values)}`,
          `${kind}Batches[${i}]`,
          "epoch.json",
        );
    });
  }
  comparePayees(rebuilt.payees, record.payees);

  if (chain.registrations.length !== record.registrations.length)
    mismatch(
      `${chain.registrations.length} Registered events, the record has ${record.registrations.length} registrations`,
      "Registered",
      "registrations.json",
    );
  chain.registrations.forEach((e, i) => {
    const x = record.registrations[i]!;
    for (const field of ["order", "contributor", "commitment", "count", "excluded"] as const) {
      if (e[field] !== x[field])
        mismatch(
          `the Registered event of order ${e.order} has ${field} ${String(e[field])}${field === "excluded" ? " (the live commit's exclusion set)" : ""}, registrations.json row ${i} ${String(x[field])}`,
          field,
          "registrations.json",
          i,
        );
    }
  });

  if (chain.finalized && chain.finalized.dust !== record.dust)
    mismatch(`EpochFinalized dust is ${chain.finalized.dust}, the record's is ${record.dust}`, "EpochFinalized.dust");
  const lineage = checkLineage(chain);
  checkReleases(chain, config);
  checkPayments(record, chain);
  const voided = chain.commits.length - 1;
  return {
    check: "chain",
    status: "pass",
    detail: `chain ${chain.chainId}: contracts, domains, EpochOpened, the live EpochCommitted${voided > 0 ? ` (${voided} earlier commit${voided > 1 ? "s" : ""} voided by ExclusionContested)` : ""}, ${CIRCUIT_KINDS.map((k) => chain[`${k}Batches`].length).reduce((a, b) => a + b)} verified batches (calldata proofs, values and signals), ${rebuilt.payees.length} payout words, ${chain.registrations.length} registrations, every payment (Transfer or PayoutDeferred) of ${chain.releases.length} releases pays its batch's words and matches the record; ${lineage}${chain.finalized ? "" : "; not finalized yet"}`,
  };
}

const ZERO_HASH = `0x${"00".repeat(32)}`;

/**
 * The epoch's model lineage: the epoch it follows (EpochOpened) was opened on this settlement, and
 * ModelLineage (logged at finalize) names this epoch's live commit's model, its validation
 * commitment, its `follows`, and as the previous model the followed epoch's live commit's model
 * (the contract copies it at commit, once that commit can no longer be contested; 0 when the
 * followed epoch ended without a committed model). Returns what
 * was checked, for the report; throws CHAIN_MISMATCH.
 */
export function checkLineage(chain: ChainEpoch): string {
  const { follows } = chain.opened;
  const { followed, lineage } = chain;
  if (follows !== 0n && (followed?.epoch !== follows || !followed.opened))
    mismatch(
      `epoch ${chain.epoch} follows epoch ${follows}, which was never opened on ${chain.contracts.settlement}`,
      "EpochOpened.follows",
    );
  if (!lineage) {
    if (chain.finalized) mismatch(`epoch ${chain.epoch} was finalized without a ModelLineage event`, "ModelLineage");
    return follows === 0n
      ? "first of its lineage (no ModelLineage before finalize)"
      : `follows epoch ${follows} (no ModelLineage before finalize)`;
  }
  const live = liveCommit(chain);
  const expected: [string, unknown, unknown][] = [
    ["ModelLineage.follows", lineage.follows, follows],
    ["ModelLineage.modelHash", lineage.modelHash, live.commit.modelHash],
    ["ModelLineage.validationCommitment", lineage.validationCommitment, chain.opened.validationCommitment],
  ];
  for (const [field, onChain, due] of expected)
    if (onChain !== due) mismatch(`${field} is ${String(onChain)}, the epoch's is ${String(due)}`, field);
  if (follows === 0n) {
    if (lineage.previousModelHash !== ZERO_HASH)
      mismatch(
        `ModelLineage names previous model ${lineage.previousModelHash} for epoch ${chain.epoch}, which follows no epoch`,
        "ModelLineage.previousModelHash",
      );
    return `first of its lineage (model ${lineage.modelHash})`;
  }
  const theirs = followed!.commit;
  if (!theirs) {
    // The followed epoch ended without a model (an empty commit, cancelled, forfeited
    // uncommitted, its commit deadline passed): the contract records 0, the lineage visibly breaks.
    if (lineage.previousModelHash !== ZERO_HASH)
      mismatch(
        `epoch ${chain.epoch} follows epoch ${follows}, which has no live commit: ModelLineage's previous model ${lineage.previousModelHash} is no model it committed`,
        "ModelLineage.previousModelHash",
      );
    return `model ${lineage.modelHash} follows epoch ${follows}, which ended without a model: the lineage breaks here`;
  }
  if (lineage.previousModelHash !== theirs!.modelHash) {
    mismatch(
      `ModelLineage's previous model is ${lineage.previousModelHash}, epoch ${follows} committed model ${theirs!.modelHash} (tx ${theirs!.txHash})`,
      "ModelLineage.previousModelHash",
    );
  }
  return `model ${lineage.modelHash} follows epoch ${follows}'s committed model ${theirs!.modelHash}`;
}

/** The payout words rebuilt from the chain equal the record's rows (row j = registration j). */
function comparePayees(onChain: readonly RecordedPayee[], recorded: readonly RecordedPayee[]): void {
  const rows = new Map(recorded.map((p) => [p.j, p]));
  for (const w of onChain) {
    const row = rows.get(w.j);
    rows.delete(w.j);
    if (row?.address !== w.address || row.reward !== w.reward) {
      throw new EpochVerifyError(
        "PAYOUT_MISMATCH",
        "chain",
        `payout word ${w.j} pays ${w.reward} to ${hex40(w.address)}, contributors.json row ${w.j} says ${row?.reward} to ${row ? hex40(row.address) : "nobody"}`,
        { file: "contributors.json", row: w.j, field: "reward", expected: String(w.reward), got: String(row?.reward) },
      );
    }
  }
  const left = [...rows.values()].find((p) => p.address !== 0n || p.reward !== 0n);
  if (left)
    throw new EpochVerifyError(
      "PAYOUT_MISMATCH",
      "chain",
      `contributors.json row ${left.j} pays ${left.reward} to ${hex40(left.address)}, no payout word does`,
      { file: "contributors.json", row: left.j, field: "address" },
    );
}

/** A multiset of (payee, amount), counted. */
function countOf(items: Iterable<{ payee: bigint; amount: bigint }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { payee, amount } of items) counts.set(`${payee}:${amount}`, (counts.get(`${payee}:${amount}`) ?? 0) + 1);
  return counts;
}

/**
 * Each release paid exactly its batch's verified words: every word with a payee and a non-zero
 * reward once (two words of one address, two payments), by a Transfer or a PayoutDeferred credit,
 * nothing else. A batch is released whole, or in row ranges: BatchRowsReleased parts from row 0
 * on, each starting where the one before ended, then a BatchReleased paying the rest; each part
 * pays exactly its rows' words, a part's paid is their sum and BatchReleased's paid the whole
 * batch's. Each batch is completed at most once, and nothing of it is paid after.
 */
function checkReleases(chain: ChainEpoch, config: Pick<ProtocolConfig, "widths">): void {
  const addressBits = BigInt(config.widths.addressBits);
  const addressMask = (1n << addressBits) - 1n;
  /** Per batch: the rows its parts paid so far and what they paid; a completed batch is deleted from `open` and kept in `complete`. */
  const open = new Map<number, { rows: number; paid: bigint }>();
  const complete = new Set<number>();
  for (const release of chain.releases) {
    const k = release.batchIndex;
    const batch = chain.payoutBatches.find((b) => b.index === k);
    if (!batch) mismatch(`BatchReleased of batch ${k} (tx ${release.txHash}): no payout batch ${k} was verified`, `BatchReleased[${k}]`);
    if (complete.has(k)) mismatch(`payout batch ${k} was released twice (again in tx ${release.txHash})`, `BatchReleased[${k}]`);
    const before = open.get(k) ?? { rows: 0, paid: 0n };
    const size = batch!.words.length;
    const to = release.rows?.to ?? size;
    if (release.rows && (release.rows.from !== before.rows || to <= before.rows || to >= size)) {
      mismatch(
        `BatchRowsReleased of batch ${k} (tx ${release.txHash}) paid rows ${release.rows.from} to ${to - 1} of ${size}, its cursor was at row ${before.rows}`,
        `BatchRowsReleased[${k}]`,
      );
    }
    const part = release.rows ? ` rows ${before.rows}-${to - 1}` : before.rows > 0 ? ` rows ${before.rows}-${size - 1}` : "";
    const fail = (message: string, field: string, got?: string, expected?: string): never => {
      throw new EpochVerifyError("PAYOUT_MISMATCH", "chain", `the release of payout batch ${k}${part} (tx ${release.txHash}) ${message}`, {
        file: "chain",
        row: k,
        field,
        ...(expected === undefined ? {} : { expected }),
        ...(got === undefined ? {} : { got }),
      });
    };
    const words = batch!.words
      .slice(before.rows, to)
      .map((word) => ({ payee: word & addressMask, amount: word >> addressBits }))
      .filter((w) => w.payee !== 0n && w.amount !== 0n);
    const due = countOf(words);
    const sum = words.reduce((a, w) => a + w.amount, 0n);
    for (const p of release.payments) {
      const key = `${p.payee}:${p.amount}`;
      const left = due.get(key) ?? 0;
      if (left === 0) {
        const owed = words.filter((w) => w.payee === p.payee).map((w) => String(w.amount));
        const times = words.filter((w) => w.payee === p.payee && w.amount === p.amount).length;
        fail(
          owed.length === 0
            ? `paid ${p.amount} to ${hex40(p.payee)} (${p.kind}), whom its words do not pay`
            : times > 0
              ? `paid ${p.amount} to ${hex40(p.payee)} (${p.kind}) once more than its words pay it (${times} word${times > 1 ? "s" : ""} of ${p.amount}): a row paid twice`
              : `paid ${p.amount} to ${hex40(p.payee)} (${p.kind}), its words pay it ${owed.join(" + ")}, each once`,
          `release[${k}].payments`,
          String(p.amount),
          owed.join("+") || "0",
        );
      }
      due.set(key, left - 1);
    }
    const unpaid = [...due.entries()].find(([, n]) => n > 0);
    if (unpaid) {
      const [payee, amount] = unpaid[0].split(":").map(BigInt) as [bigint, bigint];
      fail(`paid nothing to ${hex40(payee)} for its word of ${amount}`, `release[${k}].payments`, "0", String(amount));
    }
    const paid = before.paid + sum;
    const expected = release.rows ? sum : paid;
    if (release.paid !== expected)
      fail(
        `emitted ${release.rows ? "BatchRowsReleased" : "BatchReleased"} paid ${release.paid}, its words pay ${expected}`,
        `release[${k}].paid`,
        String(release.paid),
        String(expected),
      );
    if (release.rows) open.set(k, { rows: to, paid });
    else {
      open.delete(k);
      complete.add(k);
    }
  }
}

/**
 * Every payout row with a positive reward got exactly one payment of exactly its reward, a
 * Transfer or a PayoutDeferred credit (never both: that would pay it twice), and nobody else was
 * paid. An address with several rows gets one payment per row.
 */
function checkPayments(record: PublicRecord, chain: ChainEpoch): void {
  if (chain.releases.length === 0) return;
  const paid = countOf(chain.releases.flatMap((r) => r.payments));
  record.payees.forEach((row) => {
    if (row.reward === 0n) return;
    const key = `${row.address}:${row.reward}`;
    const n = paid.get(key) ?? 0;
    // Its batch's releases reached it: the batch completed, or a part paid past its row.
    const k = Math.floor(row.j / record.batchSizes.payout);
    const released = chain.releases.some(
      (r) => r.batchIndex === k && (r.rows === undefined || r.rows.to > row.j - k * record.batchSizes.payout),
    );
    if (n === 0) {
      if (!released) return; // its batch is not released yet
      throw new EpochVerifyError(
        "PAYOUT_MISMATCH",
        "chain",
        `the settlement paid contributors.json row ${row.j} (${hex40(row.address)}) nothing of its reward ${row.reward}`,
        { file: "contributors.json", row: row.j, field: "reward", expected: String(row.reward), got: "0" },
      );
    }
    paid.set(key, n - 1);
  });
  const extra = [...paid.entries()].find(([, n]) => n > 0);
  if (extra) {
    const [payee, amount] = extra[0].split(":");
    throw new EpochVerifyError(
      "PAYOUT_MISMATCH",
      "chain",
      `the settlement paid ${amount} to ${hex40(BigInt(payee!))} (${extra[1]} time(s)) beyond the payout table's rows`,
      { file: "chain", field: "Transfer", got: amount! },
    );
  }
}
