/**
 * The skeptic's checks 3 (commitments) and 4 (policy), its record parser, the contributor view and
 * the scores comparison on small hand-built epoch directories of Soundness II
 * (test/helpers/skeptic-record.ts: the prover's policy from witness/, no chain, stub proofs):
 * five registrations, one address registering twice, an example claimed by two registrants,
 * negative scores, an undelivered registrant excluded. The honest record passes and its batch values
 * are witness/'s; an edited file is named by its check, file, row and field; a dishonest trainer's
 * self-consistent record (its commit, seed and signals rebuilt from edited tables) is caught by the
 * policy re-run or by an identity.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { getAddress } from "ethers";
import { config } from "../config/index.ts";
import { checkCommitments } from "../verify/check-commitments.ts";
import { checkPolicy } from "../verify/check-policy.ts";
import { recordConfig } from "../verify/epoch.ts";
import { EpochVerifyError } from "../verify/index.ts";
import { contributorView } from "../verify/contributor.ts";
import type { EpochVerifyErrorCode, FailureLocation } from "../verify/epoch-errors.ts";
import { readEpochRecord } from "../verify/record.ts";
import { compareScores } from "../verify/scores.ts";
import { writeHandEpoch, witnessBatches, type HandEpochOptions, type HandTables } from "./helpers/skeptic-record.ts";

const work = mkdtempSync(join(tmpdir(), "verify-record-"));
after(() => rmSync(work, { recursive: true, force: true }));

const A = "0x00000000000000000000000000000000000000a1";
const B = "0x00000000000000000000000000000000000000b2";
const C = "0x00000000000000000000000000000000000000c3";
const D = "0x00000000000000000000000000000000000000d4";
const own = (k: number, n: number) => Array.from({ length: n }, (_, i) => (BigInt(k) << 64n) + BigInt(i + 1));
const S1 = 0x5100n; // claimed by 0 and 1: credited to 0
const S2 = 0x5200n; // claimed by 1 and 3 (A again): credited to 1
const options: HandEpochOptions = {
  registrants: [
    { sender: A, salt: 101n, hashes: [...own(1, 13), S1] },
    { sender: B, salt: 202n, hashes: [S1, S2, ...own(2, 1)] },
    { sender: C, salt: 303n, hashes: own(3, 4), undelivered: true },
    { sender: A, salt: 404n, hashes: [S2, ...own(4, 1)] },
    { sender: D, salt: 505n, hashes: own(5, 1) },
  ],
  scores: new Map<bigint, bigint>([
    ...own(1, 13).map((h, i) => [h, 1000n + 10n * BigInt(i)] as const),
    [S1, 500n],
    [S2, 70n],
    [own(2, 1)[0]!, -30n],
    [own(4, 1)[0]!, 5n],
    [own(5, 1)[0]!, -40n],
  ]),
  pool: 10n ** 21n + 3n,
  batchSizes: { example: 3, registration: 2, payout: 2 },
};

let made = 0;
function epoch(tamper?: (t: HandTables) => void) {
  const dir = join(work, `epoch-${made++}`);
  return writeHandEpoch(dir, { ...options, ...(tamper ? { tamper } : {}) });
}
const honest = epoch();

/** A copy of the honest epoch with `file` (JSON) edited by `edit`. */
function edited(file: string, edit: (json: any) => void): string {
  const dir = join(work, `edit-${made++}`);
  cpSync(honest.dir, dir, { recursive: true });
  const path = join(dir, file);
  const json = JSON.parse(readFileSync(path, "utf8"));
  edit(json);
  writeFileSync(path, JSON.stringify(json, null, 2));
  return dir;
}

/** Checks 3 and 4 on the directory (what verifyEpoch runs after the keys and proofs). */
function check(dir: string) {
  const record = readEpochRecord(dir);
  const cfg = recordConfig(record, config);
  return [checkCommitments(record, cfg), checkPolicy(record, cfg)];
}

function expectFailure(dir: string, code: EpochVerifyErrorCode, where: FailureLocation, message?: RegExp): EpochVerifyError {
  let error: unknown;
  try {
    check(dir);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof EpochVerifyError, `expected ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  for (const [k, v] of Object.entries(where)) assert.equal(error.where[k as keyof FailureLocation], v, `${k} of: ${error.message}`);
  if (message) assert.match(error.message, message);
  return error;
}

test("the honest record passes checks 3 and 4, and its batch values are witness/'s", () => {
  const [commitments, policy] = check(honest.dir);
  assert.equal(commitments!.status, "pass");
  assert.equal(policy!.status, "pass");
  assert.match(policy!.detail, /5 registrations \(4 kept.*1 excluded/);
  const w = witnessBatches(options);
  assert.equal(w.seed, honest.seed);
  assert.deepEqual(w.commit, honest.commit);
  const record = readEpochRecord(honest.dir);
  assert.deepEqual(
    record.batches.example.map((b) => [b.chainOut, b.prod, b.rlcSum, b.digest]),
    w.exampleBatches.map((b) => [b.chainOut, b.prod, b.rlcSum, b.digest]),
  );
  assert.deepEqual(
    record.batches.registration.map((b) => [b.out.fold, b.out.state, b.prod, b.rlcSum, b.digest]),
    w.registrationBatches.map((b) => [b.carriedOut.fold, b.carriedOut.state, b.prod, b.rlcSum, b.digest]),
  );
  assert.deepEqual(
    record.batches.payout.map((b) => [b.chainOut, b.rlcSum, b.digest, ...b.words]),
    w.payoutBatches.map((b) => [b.chainOut, b.rlcSum, b.digest, ...b.words]),
  );
  // One row per registration: A has two, the excluded registrant a zero row.
  assert.deepEqual(
    record.contributors.map((c) => c.address),
    [A, B, C, A, D].map(BigInt),
  );
  assert.equal(record.contributors[2]!.amount, 0n);
  assert.deepEqual(record.exclusion, [2]);
});

test("contributor view: an address with two registrations, an example lost to an earlier registrant, an excluded registrant by either exclusion set", () => {
  const record = readEpochRecord(honest.dir);
  const a = contributorView(record, A, config);
  assert.deepEqual(
    a.registrations.map((r) => r.order),
    [0, 3],
  );
  const [first, second] = a.registrations;
  assert.equal(first!.credited!.length, 14);
  assert.deepEqual(first!.credited!.find((c) => BigInt(c.hash) === S1)!.alsoClaimedBy, [{ order: 1, address: getAddress(B) }]);
  assert.equal(second!.lostToEarlier!.length, 1);
  assert.equal(BigInt(second!.lostToEarlier![0]!.hash), S2);
  assert.equal(second!.lostToEarlier![0]!.creditedOrder, 1);
  assert.equal(second!.lostToEarlier![0]!.score, 70n);
  assert.equal(second!.total, 5n);
  assert.equal(a.reward, first!.reward + second!.reward);
  assert.equal(a.paid, a.reward);
  const c = contributorView(record, C, config);
  assert.deepEqual(
    [c.registrations[0]!.excluded, c.registrations[0]!.exclusionSource, c.registrations[0]!.reason, c.reward],
    [true, "epoch.json", "NOT_DELIVERED", 0n],
  );
  const fromChain = contributorView(record, C, config, { chainExclusion: [] });
  assert.deepEqual([fromChain.registrations[0]!.excluded, fromChain.registrations[0]!.exclusionSource], [false, "chain"]);
  assert.throws(() => contributorView(record, "0x00000000000000000000000000000000000000ee", config), { code: "RECORD_MALFORMED" });
});

test("--scores: the claims of the kept registrations with their examples' scores; an excluded registrant's claims are skipped; one changed score is named", () => {
  const lines = ["example,contributor,score"];
  options.registrants.forEach((r) => {
    for (const h of r.hashes)
      lines.push(`0x${h.toString(16).padStart(32, "0")},${r.sender},${(options.scores.get(h) ?? 0n).toString()}e-6`);
  });
  const file = join(work, "examples.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  const record = readEpochRecord(honest.dir);
  assert.equal(compareScores(record, file, config).status, "pass");
  writeFileSync(
    file,
    `${lines.map((l, i) => (i === 2 ? l.replace(/,(\d+)e-6$/, (_, x: string) => `,${BigInt(x) + 1n}e-6`) : l)).join("\n")}\n`,
  );
  assert.throws(
    () => compareScores(record, file, config),
    (e: unknown) => e instanceof EpochVerifyError && e.code === "SCORES_MISMATCH" && /1 scores differ/.test(e.message),
  );
});

test("a claim's score edited: its batch's chain is not what its proof carries (the batch's first row named)", () => {
  expectFailure(
    edited("examples.json", (rows) => {
      rows[4].score = String(BigInt(rows[4].score) + 1n);
    }),
    "COMMITMENT_MISMATCH",
    { file: "proofs/example-001.json", field: "publicSignals[0]", row: 3 },
  );
});

test("a reward edited: the payout digest differs, and the row whose reward is not the floor split is named", () => {
  expectFailure(
    edited("contributors.json", (rows) => {
      rows[3].reward = String(BigInt(rows[3].reward) + 1n);
    }),
    "COMMITMENT_MISMATCH",
    { file: "proofs/payout-001.json", field: "publicSignals[1]", row: 3 },
  );
});

test("a salt edited: the registration table no longer folds to the registry's F; the registration is named", () => {
  expectFailure(
    edited("registrations.json", (rows) => {
      rows[3].salt = "405";
    }),
    "COMMITMENT_MISMATCH",
    { file: "proofs/registration-002.json", field: "publicSignals[0]", row: 3 },
    /registration 3's 2 claimed hashes, sender and salt do not re-hash/,
  );
});

test("the seed, the exclusion set, a carried value edited in epoch.json: each named", () => {
  expectFailure(
    edited("epoch.json", (e) => {
      e.seed = String(BigInt(e.seed) + 1n);
    }),
    "COMMITMENT_MISMATCH",
    { file: "epoch.json", field: "seed" },
  );
  expectFailure(
    edited("epoch.json", (e) => {
      e.exclusion = [];
    }),
    "COMMITMENT_MISMATCH",
    { file: "epoch.json", field: "seed" },
  );
  expectFailure(
    edited("epoch.json", (e) => {
      e.registrationBatches[2].in.fold = "5";
    }),
    "COMMITMENT_MISMATCH",
    { file: "epoch.json", field: "registrationBatches[2].in.fold" },
  );
  expectFailure(
    edited("epoch.json", (e) => {
      e.fold = "5";
    }),
    "COMMITMENT_MISMATCH",
    { file: "epoch.json", field: "seed" },
  );
});

test("files of the wrong form: a missing registration key, a key of the pre-Soundness-I statement, a kept registration without salt", () => {
  const noKey = edited("epoch.json", () => {});
  rmSync(join(noKey, "registration_verification_key.json"));
  assert.throws(
    () => readEpochRecord(noKey),
    (e: unknown) => e instanceof EpochVerifyError && e.code === "RECORD_MALFORMED" && e.where.file === "registration_verification_key.json",
  );
  assert.throws(
    () =>
      readEpochRecord(
        edited("payout_verification_key.json", (k) => {
          k.nPublic = 3;
        }),
      ),
    (e: unknown) => e instanceof EpochVerifyError && e.where.field === "nPublic" && /pre-Soundness-I/.test(e.message),
  );
  assert.throws(
    () =>
      readEpochRecord(
        edited("registrations.json", (rows) => {
          delete rows[1].salt;
        }),
      ),
    (e: unknown) => e instanceof EpochVerifyError && e.code === "RECORD_MALFORMED" && e.where.row === 1 && e.where.field === "salt",
  );
});

test("a proof file that is not the record's (a stray temporary copy) or one missing from proofs/: each named", () => {
  const stray = edited("epoch.json", () => {});
  writeFileSync(join(stray, "proofs", "example-000.tmp-1.json"), readFileSync(join(stray, "proofs", "example-000.json")));
  assert.throws(
    () => readEpochRecord(stray),
    (e: unknown) => {
      assert.ok(e instanceof EpochVerifyError);
      assert.equal(e.code, "RECORD_MALFORMED");
      assert.deepEqual([e.where.file, e.where.field], ["epoch.json", "commit.exampleBatches"]);
      assert.match(
        e.message,
        /says \d+ batches, proofs\/ holds \d+ example proof files: not the record's proofs\/example-000\.tmp-1\.json \(move it out of proofs\/\)/,
      );
      return true;
    },
  );
  const missing = edited("epoch.json", () => {});
  rmSync(join(missing, "proofs", "payout-001.json"));
  writeFileSync(join(missing, "proofs", "payout-007.json"), "{}");
  assert.throws(
    () => readEpochRecord(missing),
    /commit\.payoutBatches: says \d+ batches, proofs\/ holds the wrong payout proof files: missing proofs\/payout-001\.json; not the record's proofs\/payout-007\.json/,
  );
});

// A dishonest trainer who rebuilds the commit, seed and every signal from its edited tables.

test("a later claim also credited (two registrants paid for one example): the policy names the row's score", () => {
  const dir = epoch((t) => {
    const row = t.claims.findIndex((c) => c.hash === S1 && c.j === 1);
    t.claims[row]!.score = 500n;
    t.payouts[1]!.amount += 500n;
    t.total += 500n;
    for (const p of t.payouts) {
      p.reward = (options.pool * p.amount) / t.total;
      p.remainder = options.pool * p.amount - p.reward * t.total;
    }
    t.dust = options.pool - t.payouts.reduce((s, p) => s + p.reward, 0n);
  }).dir;
  const row = readEpochRecord(dir).examples.findIndex((c) => c.hash === S1 && c.j === 1);
  expectFailure(dir, "POLICY_MISMATCH", { file: "examples.json", row, field: "score", expected: "0", got: "500" });
});

test("a unit of reward moved between rows (the sum unchanged): the policy names the row that is not the floor split", () => {
  expectFailure(
    epoch((t) => {
      t.payouts[0]!.reward -= 1n;
      t.payouts[1]!.reward += 1n;
    }).dir,
    "POLICY_MISMATCH",
    { file: "contributors.json", row: 0, field: "reward" },
  );
});

test("the dedup evidence credits another registrant: named", () => {
  expectFailure(
    epoch((t) => {
      t.duplicates[0]!.creditedOrder = 1;
      t.duplicates[0]!.alsoClaimedBy = [0];
    }).dir,
    "POLICY_MISMATCH",
    { file: "duplicates.json", row: 0, field: "creditedOrder" },
  );
});

test("claims out of (hash, j) order: the later registrant of an example listed first, or two examples swapped; the policy names the row", () => {
  // Rows 0 and 1 are S1's claims by registrations 0 and 1.
  expectFailure(
    epoch((t) => {
      [t.claims[0], t.claims[1]] = [t.claims[1]!, t.claims[0]!];
    }).dir,
    "POLICY_MISMATCH",
    { file: "examples.json", row: 0, field: "j" },
  );
  expectFailure(
    epoch((t) => {
      [t.claims[4], t.claims[5]] = [t.claims[5]!, t.claims[4]!];
    }).dir,
    "POLICY_MISMATCH",
    { file: "examples.json", row: 4, field: "hash" },
  );
});

test("an excluded registrant's examples kept as claims: identity 1 fails (the registration side holds no hashes for it)", () => {
  expectFailure(
    epoch((t) => {
      for (const h of own(3, 4)) t.claims.push({ hash: h, j: 2, score: 0n });
      t.claims.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.j - b.j));
    }).dir,
    "COMMITMENT_MISMATCH",
    { field: "prod" },
    /identity 1 fails/,
  );
});

test("the exclusion set of the commit is not the excluded rows: the rows' exclusion chain is not commitExclusion (finalize's ExclusionMismatch, before identity 2)", () => {
  expectFailure(
    epoch((t) => {
      t.exclusion = [];
    }).dir,
    "COMMITMENT_MISMATCH",
    { field: "commit.commitExclusion" },
    /last registration batch's exclOut/,
  );
});

test("a registrant left out of the tables but not marked excluded: its empty list does not re-fold to F; marked excluded, the record is consistent (an exclusion is the trainer's word, contestable on chain with a receipt)", () => {
  const unmarked = epoch((t) => {
    t.claims = t.claims.filter((c) => c.j !== 4);
    t.exclusion = [2, 4];
  }).dir;
  expectFailure(unmarked, "COMMITMENT_MISMATCH", { file: "epoch.json", field: "fold" }, /last registration batch's foldOut/);
  const marked = epoch((t) => {
    t.claims = t.claims.filter((c) => c.j !== 4);
    t.exclusion = [2, 4];
    t.registrations[4] = { ...t.registrations[4]!, excluded: true, reason: "NOT_DELIVERED" };
    delete t.registrations[4]!.salt;
  }).dir;
  const [, policy] = check(marked);
  assert.match(policy!.detail, /2 excluded/);
});
