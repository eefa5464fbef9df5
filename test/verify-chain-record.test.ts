/**
 * The chain source and the chain check without a node: a ChainEpoch (what chain-read.ts reads) made
 * from a hand-built Soundness II record (test/helpers/skeptic-record.ts), as the contracts would
 * have logged it (EpochOpened, EpochCommitted, the three batch kinds' calldata claims and words,
 * Registered events with their folds, releases with their payments). recordFromChain must rebuild
 * the record's batch values and signals, checks 3 and 4 run partially on it, and compareWithChain
 * accepts the directory against it; then the lifecycle (a contested commit, a recommit, a
 * forfeit), the model lineage (ModelLineage against the followed epoch's live commit), a batch
 * paid in row ranges, and forged chain data (a foreign payee, a release paying twice, a part out of
 * order, a wrong fold) are named.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { config } from "../config/index.ts";
import { checkCommitments } from "../verify/check-commitments.ts";
import { checkPolicy } from "../verify/check-policy.ts";
import { recordConfig } from "../verify/epoch.ts";
import { EpochVerifyError } from "../verify/index.ts";
import type { ChainEpoch } from "../verify/chain-read.ts";
import { recordFromChain } from "../verify/chain-record.ts";
import { checkLineage, compareWithChain } from "../verify/chain.ts";
import { readEpochRecord, type EpochRecord } from "../verify/record.ts";
import { registryFolds, senderWord } from "../verify/model/index.ts";
import { HAND_CHAIN_ID, HAND_CONTRACTS, HAND_EPOCH, writeHandEpoch, type HandEpochOptions } from "./helpers/skeptic-record.ts";

const work = mkdtempSync(join(tmpdir(), "verify-chain-record-"));
after(() => rmSync(work, { recursive: true, force: true }));

const A = "0x00000000000000000000000000000000000000a1";
const B = "0x00000000000000000000000000000000000000b2";
const C = "0x00000000000000000000000000000000000000c3";
const own = (k: number, n: number) => Array.from({ length: n }, (_, i) => (BigInt(k) << 64n) + BigInt(i + 1));
const options: HandEpochOptions = {
  registrants: [
    { sender: A, salt: 1n, hashes: [...own(1, 5), 0x77n] },
    { sender: B, salt: 2n, hashes: [0x77n, ...own(2, 2)] },
    { sender: C, salt: 3n, hashes: own(3, 2), undelivered: true },
    { sender: A, salt: 4n, hashes: own(4, 3) },
  ],
  scores: new Map<bigint, bigint>(
    [...own(1, 5), 0x77n, ...own(2, 2), ...own(4, 3)].map((h, i) => [h, BigInt(100 + i * 7) * (i === 6 ? -1n : 1n)] as const),
  ),
  pool: 10n ** 20n + 1n,
  // Payout rows 2 and 3 in one batch: the release of batch 1 pays C nothing and A once for row 3.
  batchSizes: { example: 4, registration: 2, payout: 2 },
};
const hand = writeHandEpoch(join(work, "epoch"), options);
const record = readEpochRecord(hand.dir);
const cfg = recordConfig(record, config);

const tx = (kind: string, i: number) => `0x${kind.charCodeAt(0).toString(16)}${String(i).padStart(62, "0")}`;
const stubProof = {
  a: [1n, 2n],
  b: [
    [0n, 0n],
    [0n, 0n],
  ],
  c: [1n, 2n],
} as const;
const keys = {
  example: JSON.stringify({ nPublic: 4 }),
  registration: JSON.stringify({ nPublic: 4 }),
  payout: JSON.stringify({ nPublic: 4 }),
  origin: "dev",
};

/** The chain as the contracts would have logged `r`'s epoch. */
function chainOf(r: EpochRecord): ChainEpoch {
  const addressBits = BigInt(cfg.widths.addressBits);
  const folds = registryFolds(
    r.registrations.map((x) => ({ commitment: x.commitment, senderN: senderWord(x.contributor, x.count, cfg.widths) })),
  );
  const live = {
    txHash: tx("commit", 0),
    commit: r.commit,
    exclusion: r.exclusion,
    exclusionBitmap: "0x", // a contest's argument: recordFromChain reads the orders
    seed: r.seed,
    fold: r.fold,
    registrants: r.registrants,
    contested: false,
  };
  const payoutBatches = r.batches.payout.map((b) => ({
    index: b.index,
    txHash: tx("payout", b.index),
    chainOut: b.chainOut,
    amountSum: b.amountSum,
    rlcSum: b.rlcSum,
    words: b.words,
    proof: stubProof,
  }));
  const paid = payoutBatches.flatMap((b) => b.words).reduce((s, w) => s + (w >> addressBits), 0n);
  return {
    rpcUrl: "memory",
    chainId: HAND_CHAIN_ID,
    epoch: HAND_EPOCH,
    contracts: HAND_CONTRACTS,
    batchSizes: r.batchSizes,
    domain: r.domain,
    registrationDomain: r.registrationDomain,
    registry: { fold: r.fold, count: r.registrants, closesAt: 1000n },
    opened: { closesAt: 1000n, pool: r.pool, validationCommitment: `0x${"00".repeat(32)}`, trainer: `0x${"77".repeat(20)}`, follows: 0n },
    commits: [live],
    contests: [],
    commit: live,
    lineage: {
      txHash: tx("finalize", 0),
      modelHash: r.commit.modelHash,
      validationCommitment: `0x${"00".repeat(32)}`,
      previousModelHash: `0x${"00".repeat(32)}`,
      follows: 0n,
    },
    exampleBatches: r.batches.example.map((b) => ({
      index: b.index,
      txHash: tx("example", b.index),
      chainOut: b.chainOut,
      hashOut: b.hashOut,
      jOut: b.jOut,
      scoreSum: b.scoreSum,
      rlcSum: b.rlcSum,
      product: b.prod,
      proof: stubProof,
    })),
    registrationBatches: r.batches.registration.map((b) => ({
      index: b.index,
      txHash: tx("registration", b.index),
      foldOut: b.out.fold,
      nextJOut: b.out.nextJ,
      openOut: b.out.open,
      stateOut: b.out.state,
      countOut: b.out.count,
      senderWordOut: b.out.senderN,
      exclOut: b.out.excl,
      product: b.prod,
      rlcSum: b.rlcSum,
      proof: stubProof,
    })),
    payoutBatches,
    finalized: { paid, dust: r.pool - paid },
    registrations: r.registrations.map((x, j) => ({
      order: x.order,
      contributor: x.contributor,
      commitment: x.commitment,
      count: x.count,
      excluded: x.excluded,
      fold: folds[j]!,
    })),
    releases: payoutBatches.map((b) => {
      const payments = b.words
        .map((w) => ({ payee: w & ((1n << addressBits) - 1n), amount: w >> addressBits }))
        .filter((p) => p.payee !== 0n && p.amount !== 0n)
        .map((p) => ({ ...p, kind: "Transfer" as const, batchIndex: b.index, txHash: tx("release", b.index) }));
      return { batchIndex: b.index, txHash: tx("release", b.index), paid: payments.reduce((s, p) => s + p.amount, 0n), payments };
    }),
    verifierCode: { example: "0x", registration: "0x", payout: "0x" },
  };
}
const chain = chainOf(record);

function throwsCode(f: () => unknown, code: string, where: Record<string, unknown> = {}, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof EpochVerifyError, String(e));
    assert.equal(e.code, code, e.message);
    for (const [k, v] of Object.entries(where)) assert.equal(e.where[k as keyof typeof e.where], v, `${k} of ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test("from the chain alone: the batch values and signals rebuilt are the directory's; checks 3 and 4 pass partially", () => {
  const fromChain = recordFromChain(chain, keys, cfg);
  assert.deepEqual(fromChain.batches, record.batches);
  for (const kind of ["example", "registration", "payout"] as const) {
    assert.deepEqual(
      fromChain.proofs[kind].map((p) => p.json.publicSignals),
      record.proofs[kind].map((p) => p.json.publicSignals),
    );
  }
  assert.deepEqual(
    fromChain.payees.map((p) => [p.j, p.address, p.reward]),
    record.payees.map((p) => [p.j, p.address, p.reward]),
  );
  assert.equal(checkCommitments(fromChain, cfg).status, "partial");
  assert.equal(checkPolicy(fromChain, cfg).status, "partial");
  assert.equal(compareWithChain(fromChain, chain, cfg).status, "pass");
});

test("the directory against the chain: every event, value, proof, word, registration and payment matches", () => {
  const result = compareWithChain(record, chain, cfg);
  assert.equal(result.status, "pass");
  assert.match(result.detail, /the live EpochCommitted, \d+ verified batches/);
});

test("the lifecycle: a contested last commit leaves nothing proven; a recommit after the contest is the live one; a forfeit is named", () => {
  const contested = {
    ...chain,
    commits: [{ ...chain.commit!, contested: true }],
    contests: [{ txHash: tx("contest", 0), order: 2, commitment: 5n }],
    commit: undefined,
  } as ChainEpoch;
  throwsCode(
    () => recordFromChain(contested, keys, cfg),
    "RECORD_MALFORMED",
    { field: "EpochCommitted" },
    /voided by ExclusionContested of registration 2/,
  );
  const recommitted: ChainEpoch = {
    ...chain,
    commits: [{ ...chain.commit!, seed: 1n, contested: true }, chain.commit!],
    contests: [{ txHash: tx("contest", 0), order: 2, commitment: 5n }],
  };
  assert.match(compareWithChain(record, recommitted, cfg).detail, /1 earlier commit voided by ExclusionContested/);
  const forfeited: ChainEpoch = { ...chain, forfeited: { burned: record.pool, txHash: tx("forfeit", 0) } };
  throwsCode(() => compareWithChain(record, forfeited, cfg), "CHAIN_MISMATCH", { field: "EpochForfeited" });
  throwsCode(() => recordFromChain(forfeited, keys, cfg), "RECORD_MALFORMED", { field: "EpochForfeited" });
  const cancelled: ChainEpoch = { ...chain, cancelled: { refunded: record.pool, txHash: tx("cancel", 0) } };
  throwsCode(() => compareWithChain(record, cancelled, cfg), "CHAIN_MISMATCH", { field: "EpochCancelled" });
  throwsCode(() => recordFromChain(cancelled, keys, cfg), "RECORD_MALFORMED", { field: "EpochCancelled" });
  const unsettled: ChainEpoch = { ...chain, payoutBatches: chain.payoutBatches.slice(0, 1) };
  throwsCode(() => recordFromChain(unsettled, keys, cfg), "RECORD_MALFORMED", { field: "payoutBatches" });
});

test("the chain's commit differs from the record's (another exclusion set, another seed): named", () => {
  throwsCode(() => compareWithChain(record, { ...chain, commit: { ...chain.commit!, exclusion: [] } }, cfg), "CHAIN_MISMATCH", {
    field: "EpochCommitted.exclusion",
  });
  throwsCode(() => compareWithChain(record, { ...chain, registry: { ...chain.registry, fold: 1n } }, cfg), "CHAIN_MISMATCH", {
    field: "registrationFold",
  });
});

test("a payout word to a foreign address: the chain check names the row; from the chain alone the policy check does", () => {
  const addressBits = BigInt(cfg.widths.addressBits);
  const forged = chain.payoutBatches.map((b, k) =>
    k === 0 ? { ...b, words: b.words.map((w, i) => (i === 1 ? ((w >> addressBits) << addressBits) + 0xeeeen : w)) } : b,
  );
  const chainForged = { ...chain, payoutBatches: forged };
  throwsCode(() => compareWithChain(record, chainForged, cfg), "CHAIN_MISMATCH", {
    field: "publicSignals",
    file: "proofs/payout-000.json",
  });
  throwsCode(() => checkPolicy(recordFromChain(chainForged, keys, cfg), cfg), "POLICY_MISMATCH", {
    file: "chain",
    row: 1,
    field: "address",
  });
});

test("a release that pays row 0 twice, or pays a stranger, or misstates its sum: PAYOUT_MISMATCH naming the batch", () => {
  const r0 = chain.releases[0]!;
  const twice = { ...chain, releases: [{ ...r0, payments: [...r0.payments, r0.payments[0]!] }, ...chain.releases.slice(1)] };
  throwsCode(() => compareWithChain(record, twice, cfg), "PAYOUT_MISMATCH", { field: "release[0].payments", row: 0 });
  const stranger = {
    ...chain,
    releases: [{ ...r0, payments: [...r0.payments.slice(1), { ...r0.payments[0]!, payee: 0xeeeen }] }, ...chain.releases.slice(1)],
  };
  throwsCode(
    () => compareWithChain(record, stranger, cfg),
    "PAYOUT_MISMATCH",
    { field: "release[0].payments" },
    /whom its words do not pay/,
  );
  const sum = { ...chain, releases: [{ ...r0, paid: r0.paid + 1n }, ...chain.releases.slice(1)] };
  throwsCode(() => compareWithChain(record, sum, cfg), "PAYOUT_MISMATCH", { field: "release[0].paid" });
});

test("a batch paid in two transactions (BatchRowsReleased of row 0, then BatchReleased of the rest) verifies; a gap, a payment in the wrong part, a part's or the batch's paid misstated, a part after completion: named", () => {
  const r0 = chain.releases[0]!;
  assert.equal(r0.payments.length, 2, "batch 0 pays both its rows");
  const [first, second] = r0.payments as [(typeof r0.payments)[0], (typeof r0.payments)[0]];
  const part = { ...r0, txHash: tx("part", 0), rows: { from: 0, to: 1 }, paid: first.amount, payments: [first] };
  const rest = { ...r0, payments: [second] }; // BatchReleased: paid stays the whole batch's
  const split = (...releases: ChainEpoch["releases"][number][]) => ({ ...chain, releases: [...releases, ...chain.releases.slice(1)] });
  assert.equal(compareWithChain(record, split(part, rest), cfg).status, "pass");
  // Only the first part on chain: row 1 is not due yet, row 0 is paid.
  assert.equal(compareWithChain(record, split(part), cfg).status, "pass");
  throwsCode(
    () => compareWithChain(record, split({ ...part, rows: { from: 1, to: 1 } }, rest), cfg),
    "CHAIN_MISMATCH",
    { field: "BatchRowsReleased[0]" },
    /cursor was at row 0/,
  );
  throwsCode(
    () => compareWithChain(record, split({ ...part, payments: [second], paid: second.amount }, { ...rest, payments: [first] }), cfg),
    "PAYOUT_MISMATCH",
    { field: "release[0].payments", row: 0 },
    /rows 0-0/,
  );
  throwsCode(
    () => compareWithChain(record, split({ ...part, paid: r0.paid }, rest), cfg),
    "PAYOUT_MISMATCH",
    { field: "release[0].paid" },
    /BatchRowsReleased paid/,
  );
  throwsCode(
    () => compareWithChain(record, split(part, { ...rest, paid: second.amount }), cfg),
    "PAYOUT_MISMATCH",
    { field: "release[0].paid" },
    /BatchReleased paid/,
  );
  throwsCode(
    () => compareWithChain(record, split(part, rest, { ...part, txHash: tx("part", 1) }), cfg),
    "CHAIN_MISMATCH",
    { field: "BatchReleased[0]" },
    /released twice/,
  );
});

test("a Registered event whose fold is not the re-fold, or a registration missing: named", () => {
  const regs = chain.registrations.map((x, j) => (j === 2 ? { ...x, fold: x.fold! + 1n } : x));
  throwsCode(() => checkPolicy(recordFromChain({ ...chain, registrations: regs }, keys, cfg), cfg), "POLICY_MISMATCH", {
    file: "chain",
    row: 2,
    field: "fold",
  });
  throwsCode(() => compareWithChain(record, { ...chain, registrations: chain.registrations.slice(0, 3) }, cfg), "CHAIN_MISMATCH", {
    field: "Registered",
  });
});

test("the lineage: ModelLineage names the followed epoch's live commit's model, this epoch's model and follows; anything else is named", () => {
  const previous = `0x${"ab".repeat(32)}`;
  assert.match(checkLineage(chain), /first of its lineage/);
  const following: ChainEpoch = {
    ...chain,
    opened: { ...chain.opened, follows: 7n },
    followed: { epoch: 7n, opened: true, commit: { modelHash: previous, txHash: tx("commit", 7) } },
    lineage: { ...chain.lineage!, follows: 7n, previousModelHash: previous },
  };
  assert.match(checkLineage(following), /follows epoch 7's committed model 0xabab/);
  assert.match(compareWithChain(record, following, cfg).detail, /follows epoch 7's committed model/);
  // A previous model the followed epoch never committed (another hash, or a voided commit's).
  throwsCode(
    () => checkLineage({ ...following, lineage: { ...following.lineage!, previousModelHash: `0x${"cd".repeat(32)}` } }),
    "CHAIN_MISMATCH",
    { field: "ModelLineage.previousModelHash" },
    /epoch 7 committed model 0xabab/,
  );
  throwsCode(
    () => checkLineage({ ...following, followed: { epoch: 7n, opened: true } }),
    "CHAIN_MISMATCH",
    { field: "ModelLineage.previousModelHash" },
    /no live commit/,
  );
  // The event disagrees with EpochOpened or the live commit; the first of a lineage with a previous model.
  throwsCode(() => checkLineage({ ...following, lineage: { ...following.lineage!, follows: 6n } }), "CHAIN_MISMATCH", {
    field: "ModelLineage.follows",
  });
  throwsCode(() => checkLineage({ ...following, lineage: { ...following.lineage!, modelHash: previous } }), "CHAIN_MISMATCH", {
    field: "ModelLineage.modelHash",
  });
  throwsCode(
    () => checkLineage({ ...chain, lineage: { ...chain.lineage!, previousModelHash: previous } }),
    "CHAIN_MISMATCH",
    { field: "ModelLineage.previousModelHash" },
    /follows no epoch/,
  );
  // A followed epoch that was never opened here; a finalized epoch without its ModelLineage.
  throwsCode(() => checkLineage({ ...following, followed: { epoch: 7n, opened: false } }), "CHAIN_MISMATCH", {
    field: "EpochOpened.follows",
  });
  throwsCode(() => checkLineage({ ...chain, lineage: undefined }), "CHAIN_MISMATCH", { field: "ModelLineage" });
  assert.match(
    checkLineage({ ...following, lineage: undefined, finalized: undefined }),
    /follows epoch 7 \(no ModelLineage before finalize\)/,
  );
});
