/**
 * The registration table rebuilt batch by batch, as RegistrationBatch(K, w) proves it (the
 * statement of circuits/registration_batch.circom, rewritten for the skeptic):
 *   - each registrant j in order is one row per chunk of w hashes of its list (the first row
 *     carries its salt), or, excluded, one row with no hashes and its C given as cExcluded;
 *     rows are cut into batches of K, the last padded (inactive rows); a registrant's rows may
 *     cross a batch boundary (its list stays open);
 *   - row i: list = Poseidon(first ? regDomain : the previous row's list, first ? senderN : 0,
 *     salt, hashes...), count = (first ? 0 : count) + nonzero hashes; on its last row the registry's
 *     fold F = Poseidon(F, excluded ? cExcluded : list, senderN) and identity 2's term
 *     sender r^(j + 2^indexBits) + excluded r^(j + 2^(indexBits+1)); every nonzero hash multiplies
 *     prod by gamma - h - beta j (identity 1);
 *   - an excluded row hashes no list: its Poseidon is the exclusion chain's step
 *     E = Poseidon(E, j, 0, ..., 0) (w + 3 inputs, the list hash's arity; E = 0 before the first),
 *     so the table's flags end at exclusionChain(X), the commitExclusion the trainer fixed before the
 *     seed;
 *   - carried between batches (contract storage, in V): fold, nextJ (registrants started), open,
 *     state = open Poseidon(regDomain, list, count, senderN), count and senderN (0 unless open), and
 *     the exclusion chain excl.
 * So on a kept registrant's last row its list is C_j re-hashed from the delivered list, its sender
 * and salt: F is re-folded from the re-hashed commitments, and equals the registry's F only if each
 * re-hashes to the C_j it registered.
 */
import type { ProtocolConfig } from "../../config/index.ts";
import type { Challenges } from "./challenge.ts";
import { rangeShift } from "./challenge.ts";
import { EMPTY_CARRY, registrationDigest, type Digest, type RegistrationBatchValues, type RegistrationCarry } from "./digest.ts";
import { fieldPow, toField } from "./field.ts";
import { poseidonHash } from "./poseidon.ts";
import { chunksOf, senderOf, senderWord } from "./registration-commitment.ts";

/** One registrant as the registration table holds it (registrations.json, its claims). */
export interface RegistrantEntry {
  readonly sender: bigint;
  /** n, the count it registered. */
  readonly count: number;
  /** Its salt (0 when excluded). */
  readonly salt: bigint;
  /** Its list, sorted ascending (empty when excluded). */
  readonly hashes: readonly bigint[];
  readonly excluded: boolean;
  /** C_j as registered (what an excluded row gives as cExcluded). */
  readonly commitment: bigint;
}

/** One row of the registration table. */
export interface RegistrationRow {
  readonly j: number;
  readonly first: boolean;
  readonly last: boolean;
  readonly excluded: boolean;
  readonly senderN: bigint;
  readonly salt: bigint;
  readonly cExcluded: bigint;
  /** w hashes, zero-padded. */
  readonly hashes: readonly bigint[];
}

type Widths = ProtocolConfig["widths"];

/** The table's rows, registrant by registrant (see the header). */
export function registrationRows(entries: readonly RegistrantEntry[], chunk: number, w: Widths): RegistrationRow[] {
  const rows: RegistrationRow[] = [];
  entries.forEach((e, j) => {
    const senderN = senderWord(e.sender, e.count, w);
    if (e.excluded) {
      rows.push({
        j,
        first: true,
        last: true,
        excluded: true,
        senderN,
        salt: 0n,
        cExcluded: e.commitment,
        hashes: Array<bigint>(chunk).fill(0n),
      });
      return;
    }
    const chunks = chunksOf(e.hashes, chunk);
    if (chunks.length === 0) chunks.push(Array<bigint>(chunk).fill(0n));
    chunks.forEach((hashes, k) =>
      rows.push({
        j,
        first: k === 0,
        last: k === chunks.length - 1,
        excluded: false,
        senderN,
        salt: k === 0 ? e.salt : 0n,
        cExcluded: 0n,
        hashes,
      }),
    );
  });
  return rows;
}

/**
 * The exclusion chain's step: Poseidon(excl, j, regDomain, 0, ..., 0) with chunk + 3 inputs (the
 * domain in it binds the domain in a batch of excluded rows only).
 */
function exclusionStep(excl: bigint, j: bigint, chunk: number, regDomain: bigint): bigint {
  return poseidonHash([excl, j, regDomain, ...Array<bigint>(chunk).fill(0n)]);
}

/**
 * commitExclusion: 0, then Poseidon(E, j, regDomain, 0, ..., 0) (chunk + 3 inputs) for each
 * excluded order j of X in order (strictly increasing, as commitEpoch takes it).
 */
export function exclusionChain(exclusion: readonly number[], chunk: number, regDomain: bigint): bigint {
  chunksOf([], chunk); // checks chunk
  let excl = 0n;
  exclusion.forEach((j, i) => {
    if (!Number.isSafeInteger(j) || j < 0 || (i > 0 && j <= exclusion[i - 1]!))
      throw new RangeError(`exclusion[${i}] = ${j}: orders must be strictly increasing non-negative integers`);
    excl = exclusionStep(excl, BigInt(j), chunk, regDomain);
  });
  return excl;
}

/** The number of registration batches the table of `entries` takes. */
export function registrationBatchCount(entries: readonly RegistrantEntry[], chunk: number, batchSize: number): number {
  const rows = entries.reduce((n, e) => n + (e.excluded ? 1 : Math.max(1, Math.ceil(e.hashes.length / chunk))), 0);
  return Math.ceil(rows / batchSize);
}

/** One batch of the registration table with its public values. */
export interface RegistrationBatchModel extends RegistrationBatchValues, Digest {
  readonly index: number;
  /** The batch's active rows. */
  readonly rows: readonly RegistrationRow[];
}

/** The running list of the registrant whose rows are being absorbed. */
interface ListState {
  list: bigint;
  count: bigint;
  senderN: bigint;
}

/** The carried state of an open list: Poseidon(regDomain, list, count, senderN), else 0. */
function carriedState(regDomain: bigint, open: boolean, s: ListState): bigint {
  return open ? poseidonHash([regDomain, s.list, s.count, s.senderN]) : 0n;
}

/** Every batch of the table of `entries` under the seed's challenges (see the header). */
export function buildRegistrationBatches(
  entries: readonly RegistrantEntry[],
  regDomain: bigint,
  c: Challenges,
  batchSize: number,
  chunk: number,
  w: Widths,
): RegistrationBatchModel[] {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const rows = registrationRows(entries, chunk, w);
  const shift1 = rangeShift(c.r, w.contributorIndexBits);
  const out: RegistrationBatchModel[] = [];
  let fold = 0n;
  let nextJ = 0n;
  let open = false;
  let excl = 0n;
  const s: ListState = { list: 0n, count: 0n, senderN: 0n };
  for (let index = 0; index * batchSize < rows.length; index++) {
    const carryIn: RegistrationCarry = open
      ? { fold, nextJ, open: 1n, state: carriedState(regDomain, true, s), count: s.count, senderN: s.senderN, excl }
      : { ...EMPTY_CARRY, fold, nextJ, excl };
    const active = rows.slice(index * batchSize, (index + 1) * batchSize);
    let prod = 1n;
    let rlcSum = 0n;
    for (const row of active) {
      const first = !open;
      if (first) {
        nextJ++;
        s.count = 0n;
        s.senderN = row.senderN;
      }
      const j = BigInt(row.j);
      const betaJ = toField(c.beta * j);
      let nonzero = 0n;
      for (const h of row.hashes) {
        if (h === 0n) continue;
        nonzero++;
        prod = toField(prod * toField(c.gamma - h - betaJ));
      }
      s.count += nonzero;
      // An excluded row closes at once with cExcluded and hashes no list: its Poseidon is the
      // exclusion chain's step.
      if (row.excluded) excl = exclusionStep(excl, j, chunk, regDomain);
      else s.list = poseidonHash([first ? regDomain : s.list, first ? row.senderN : 0n, row.salt, ...row.hashes]);
      if (row.last) {
        fold = poseidonHash([fold, row.excluded ? row.cExcluded : s.list, row.senderN]);
        const sender = senderOf(row.senderN, w.addressBits);
        // sender r^(j + 2^indexBits) + excluded r^(j + 2^(indexBits+1)).
        const power = toField(fieldPow(c.r, j) * shift1);
        rlcSum = toField(rlcSum + power * (sender + (row.excluded ? shift1 : 0n)));
        open = false;
      } else {
        open = true;
      }
    }
    const carryOut: RegistrationCarry = open
      ? { fold, nextJ, open: 1n, state: carriedState(regDomain, true, s), count: s.count, senderN: s.senderN, excl }
      : { ...EMPTY_CARRY, fold, nextJ, excl };
    const values: RegistrationBatchValues = { in: carryIn, out: carryOut, prod, rlcSum };
    out.push({ index, rows: active, ...values, ...registrationDigest(values, regDomain, c.seed) });
  }
  return out;
}
