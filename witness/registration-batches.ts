/**
 * The registration table and its RegistrationBatch(K) inputs: one row per chunk of each
 * registrant's list (one row for an excluded registrant), in registration order j, split into
 * batches of K with padding, the carried values passed from batch to batch as the settlement
 * contract stores them. Every output is computed natively, row by row as the circuit does (see
 * circuits/registration_batch.circom), with V, rho and the digest the contract recomputes, and the
 * exclusion chain the trainer commits (commitExclusion) and the last batch's exclOut reaches.
 */
import { AbiCoder, keccak256 } from "ethers";
import { FIELD_MODULUS, type ProtocolConfig } from "../config/index.ts";
import { hornerDigest } from "./payout-batches.ts";
import { powMod } from "./power.ts";
import {
  ADDRESS_BITS,
  checkChunk,
  hashChunks,
  listStep,
  poseidonHash,
  registrationCommitment,
  RegistrationCommitmentError,
  registryFold,
  senderWord,
} from "./registration-commitment.ts";

/** One registrant, in registration order j. */
export interface Registrant {
  /** The registering address. */
  readonly sender: string;
  /** Its salt (ignored for an excluded registrant). */
  readonly salt: bigint;
  /** Its delivered list, sorted ascending (may be empty for an excluded registrant). */
  readonly hashes: readonly bigint[];
  /** Excluded by the trainer (in the committed set X): one row, no hashes. */
  readonly excluded: boolean;
  /** The C it registered: required when excluded; when given otherwise, it must be the list's C. */
  readonly commitment?: bigint;
  /** The n it registered: required when excluded with no hashes; when given otherwise, hashes.length. */
  readonly count?: number | bigint;
}

/** One row of the registration table (padding: every field 0). */
export interface RegistrationRow {
  readonly active: boolean;
  readonly last: boolean;
  readonly excluded: boolean;
  readonly senderN: bigint;
  readonly salt: bigint;
  readonly cExcluded: bigint;
  /** The row's chunk, zero-padded to the chunk size. */
  readonly hash: readonly bigint[];
}

/**
 * What the contract carries from one batch to the next (all 0 before the first), and the prover's
 * openings: `list` of `state` (state = open ? Poseidon(domain, list, count, senderN) : 0), and
 * `exclPrev`, `exclJ` of `excl` (excl = Poseidon(w + 3)(exclPrev, exclJ, 0, ..., 0) after the first
 * excluded registrant, 0 before).
 */
export interface RegistrationCarry {
  /** The registry fold F over the registrants closed so far. */
  readonly fold: bigint;
  /** Registrants started so far: the j of the next first row. */
  readonly nextJ: bigint;
  /** 1 while a registrant's list continues into the next batch. */
  readonly open: bigint;
  /** The carried state commitment (0 when closed). */
  readonly state: bigint;
  /** Hashes of the open registrant so far (0 when closed). */
  readonly count: bigint;
  /** senderN of the open registrant (0 when closed). */
  readonly senderN: bigint;
  /** The exclusion chain E over the excluded registrants so far (0 before the first). */
  readonly excl: bigint;
  /** Private: the open registrant's list chain s_k (0 when closed); never stored by the contract. */
  readonly list: bigint;
  /** Private: E before the last excluded registrant so far (0 when none). */
  readonly exclPrev: bigint;
  /** Private: the last excluded registrant's order j (0 when none). */
  readonly exclJ: bigint;
}

export const INITIAL_CARRY: RegistrationCarry = {
  fold: 0n,
  nextJ: 0n,
  open: 0n,
  state: 0n,
  count: 0n,
  senderN: 0n,
  excl: 0n,
  list: 0n,
  exclPrev: 0n,
  exclJ: 0n,
};

/** Circuit inputs of one RegistrationBatch, as decimal strings. */
export interface RegistrationCircuitInput {
  domain: string;
  seed: string;
  foldIn: string;
  nextJIn: string;
  openIn: string;
  listIn: string;
  countIn: string;
  senderNIn: string;
  exclStartedIn: string;
  exclPrevIn: string;
  exclJIn: string;
  active: string[];
  last: string[];
  excluded: string[];
  senderN: string[];
  salt: string[];
  cExcluded: string[];
  hash: string[][];
  rho: string;
  [signal: string]: string | string[] | string[][];
}

export interface RegistrationBatch {
  readonly index: number;
  /** The batch's K rows, padding included. */
  readonly rows: readonly RegistrationRow[];
  readonly carriedIn: RegistrationCarry;
  readonly carriedOut: RegistrationCarry;
  /** prod (gamma - h - beta j) mod p over the batch's nonzero hashes. */
  readonly prod: bigint;
  /** sum over last rows of sender r^(j + 2^20) + excluded r^(j + 2^21) mod p (indexBits = 20). */
  readonly rlcSum: bigint;
  /** V = [domain, seed, foldIn, nextJIn, openIn, stateIn, countIn, senderNIn, exclIn, foldOut, nextJOut, openOut, stateOut, countOut, senderNOut, exclOut, prod, rlcSum]. */
  readonly values: readonly bigint[];
  readonly rho: bigint;
  readonly digest: bigint;
  /** Public signals in snarkjs order: [foldOut, digest, seed, rho]. */
  readonly publicSignals: readonly [bigint, bigint, bigint, bigint];
  readonly input: RegistrationCircuitInput;
}

/** What the registry folded for one registrant: F' = Poseidon(F, commitment, senderN). */
export interface RegistryEntry {
  readonly commitment: bigint;
  readonly senderN: bigint;
}

const mod = (v: bigint) => ((v % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS;

/** The multiset challenges every circuit derives from the seed: gamma = Poseidon(seed, 1), beta = Poseidon(seed, 2). */
function challenges(seed: bigint): { gamma: bigint; beta: bigint } {
  return { gamma: poseidonHash([seed, 1n]), beta: poseidonHash([seed, 2n]) };
}

/** The n a registrant registered: its count, or its list's length. */
function registeredCount(registrant: Registrant, j: number): bigint {
  const { count, hashes, excluded } = registrant;
  if (count === undefined) {
    if (hashes.length > 0) return BigInt(hashes.length);
    throw excluded
      ? new RegistrationCommitmentError("COUNT_MISMATCH", `registrant ${j} is excluded with no list: its registered count is required`)
      : new RegistrationCommitmentError("NO_HASHES", `registrant ${j}: a registration lists at least one example hash`);
  }
  if (!excluded && BigInt(count) !== BigInt(hashes.length)) {
    throw new RegistrationCommitmentError(
      "COUNT_MISMATCH",
      `registrant ${j}: registered count ${count} but ${hashes.length} hashes delivered`,
    );
  }
  return BigInt(count);
}

/** (C_j, senderN_j) for every registrant: what ContributorRegistry folded, in order. */
export function registryEntries(registrants: readonly Registrant[], domain: bigint, chunk: number): RegistryEntry[] {
  checkChunk(chunk);
  return registrants.map((registrant, j) => {
    const senderN = senderWord(registrant.sender, registeredCount(registrant, j));
    if (registrant.excluded) {
      const { commitment } = registrant;
      if (commitment === undefined || commitment < 0n || commitment >= FIELD_MODULUS) {
        throw new RegistrationCommitmentError(
          "COMMITMENT_REQUIRED",
          `registrant ${j} is excluded: its registered commitment (a reduced field element) is required, got ${commitment}`,
        );
      }
      return { commitment, senderN };
    }
    const commitment = registrationCommitment({
      domain,
      sender: registrant.sender,
      salt: registrant.salt,
      hashes: registrant.hashes,
      chunk,
    });
    if (registrant.commitment !== undefined && registrant.commitment !== commitment) {
      throw new RegistrationCommitmentError(
        "COMMITMENT_MISMATCH",
        `registrant ${j}: its list, salt and sender hash to ${commitment}, not to the registered ${registrant.commitment}`,
      );
    }
    return { commitment, senderN };
  });
}

/** F after every registrant: registryFold over the entries from 0. */
export function foldOfEntries(entries: readonly RegistryEntry[]): bigint {
  return entries.reduce((fold, e) => registryFold(fold, e.commitment, e.senderN), 0n);
}

/** The registration table: each registrant's chunks, one row each; one row for an excluded one. */
export function registrationRows(registrants: readonly Registrant[], domain: bigint, chunk: number): RegistrationRow[] {
  const entries = registryEntries(registrants, domain, chunk);
  return registrants.flatMap((registrant, j): RegistrationRow[] => {
    const { senderN, commitment } = entries[j]!;
    if (registrant.excluded) {
      return [{ active: true, last: true, excluded: true, senderN, salt: 0n, cExcluded: commitment, hash: Array<bigint>(chunk).fill(0n) }];
    }
    const chunks = hashChunks(registrant.hashes, chunk);
    return chunks.map((hash, k) => ({
      active: true,
      last: k === chunks.length - 1,
      excluded: false,
      senderN,
      salt: k === 0 ? registrant.salt : 0n,
      cExcluded: 0n,
      hash,
    }));
  });
}

function paddingRow(chunk: number): RegistrationRow {
  return { active: false, last: false, excluded: false, senderN: 0n, salt: 0n, cExcluded: 0n, hash: Array<bigint>(chunk).fill(0n) };
}

/** The carried state commitment of an open registrant: Poseidon(domain, list, count, senderN). */
export function carriedState(domain: bigint, list: bigint, count: bigint, senderN: bigint): bigint {
  return poseidonHash([domain, list, count, senderN]);
}

/**
 * One step of the exclusion chain: Poseidon(w + 3)(E, j, domain, 0, ..., 0), the arity of the list
 * hash. The registration domain is in it so that a batch of excluded rows hashes the domain too
 * (else the domain is free after rho in such a batch: found by review).
 */
export function exclusionStep(excl: bigint, j: bigint, chunk: number, domain: bigint): bigint {
  checkChunk(chunk);
  return poseidonHash([excl, j, domain, ...Array<bigint>(chunk).fill(0n)]);
}

/**
 * commitExclusion: E_0 = 0, then E <- Poseidon(w + 3)(E, j, domain, 0, ..., 0) for each excluded
 * order j in the given order (strictly increasing, as commitEpoch takes X), w = `chunk`, domain =
 * the registry's registrationDomain(epoch). The registration table's flags reproduce it: the last
 * batch's exclOut.
 */
export function exclusionChain(orders: readonly number[], chunk: number, domain: bigint): bigint {
  checkChunk(chunk);
  return orders.reduce((excl, j, i) => {
    if (!Number.isSafeInteger(j) || j < 0 || (i > 0 && j <= orders[i - 1]!))
      throw new RangeError(`exclusion orders must be strictly increasing non-negative integers, got ${j} at ${i}`);
    return exclusionStep(excl, BigInt(j), chunk, domain);
  }, 0n);
}

/**
 * Runs one batch of rows as the circuit does, from `carry`: the carried values after it, prod and
 * rlcSum. Checks the table's shape and throws a RangeError naming the row the circuit would reject.
 */
export function runRegistrationBatch(
  carry: RegistrationCarry,
  rows: readonly RegistrationRow[],
  domain: bigint,
  seed: bigint,
  indexBits: number,
): { carriedOut: RegistrationCarry; prod: bigint; rlcSum: bigint } {
  const { gamma, beta } = challenges(seed);
  const shift = powMod(seed, 1n << BigInt(indexBits));
  const chunk = rows[0]?.hash.length ?? 0;
  let { fold, count, senderN, list, excl, exclPrev, exclJ } = carry;
  let open = carry.open === 1n;
  let j = carry.nextJ - 1n;
  let prod = 1n;
  let rlcSum = 0n;
  rows.forEach((row, i) => {
    const where = `row ${i}`;
    if (i === 0 && !row.active) throw new RangeError(`${where}: a batch starts with an active row`);
    if (!row.active) {
      if (open) throw new RangeError(`${where}: padding after an open row`);
      return;
    }
    if (i > 0 && !rows[i - 1]!.active) throw new RangeError(`${where}: an active row after padding`);
    const first = !open;
    if (!first && row.senderN !== senderN) throw new RangeError(`${where}: a continuation row changes senderN`);
    if (row.excluded && !(first && row.last)) throw new RangeError(`${where}: an excluded registrant is one row`);
    if (row.excluded ? row.hash.some((h) => h !== 0n) : row.cExcluded !== 0n)
      throw new RangeError(`${where}: hashes on an excluded row, or cExcluded on another`);
    if ((!first || row.excluded) && row.salt !== 0n) throw new RangeError(`${where}: salt off a first row`);
    if (first) {
      count = 0n;
      j += 1n;
    }
    if (row.excluded) {
      // The row's Poseidon is the exclusion chain's step (its list is unused: C = cExcluded).
      [exclPrev, exclJ] = [excl, j];
      excl = exclusionStep(excl, j, chunk, domain);
    } else {
      list = listStep(first ? domain : list, first ? row.senderN : 0n, row.salt, row.hash);
    }
    const factorJ = mod(beta * j);
    for (const h of row.hash) if (h !== 0n) prod = (prod * mod(gamma - h - factorJ)) % FIELD_MODULUS;
    count += BigInt(row.hash.filter((h) => h !== 0n).length);
    senderN = row.senderN;
    if (row.last) {
      const n = senderN >> ADDRESS_BITS;
      if (!row.excluded && count !== n) throw new RangeError(`${where}: ${count} hashes, registered ${n}`);
      fold = registryFold(fold, row.excluded ? row.cExcluded : list, senderN);
      const sender = senderN - (n << ADDRESS_BITS);
      // sender r^(j + 2^indexBits) + excluded r^(j + 2^(indexBits+1))
      const power = powMod(seed, j + (1n << BigInt(indexBits)));
      rlcSum = (rlcSum + power * (sender + (row.excluded ? shift : 0n))) % FIELD_MODULUS;
    }
    open = !row.last;
  });
  const nextJ = j + 1n;
  const carriedOut: RegistrationCarry = open
    ? { fold, nextJ, open: 1n, state: carriedState(domain, list, count, senderN), count, senderN, excl, list, exclPrev, exclJ }
    : { fold, nextJ, open: 0n, state: 0n, count: 0n, senderN: 0n, excl, list: 0n, exclPrev, exclJ };
  return { carriedOut, prod, rlcSum };
}

/** rho = keccak256(abi.encode(uint256 foldOut, uint256[18] V)) mod p: what the contract derives. */
export function registrationDigestChallenge(foldOut: bigint, values: readonly bigint[]): bigint {
  if (values.length !== 18) throw new RangeError(`V has 18 values, got ${values.length}`);
  const encoded = AbiCoder.defaultAbiCoder().encode(["uint256", "uint256[18]"], [foldOut, values]);
  return BigInt(keccak256(encoded)) % FIELD_MODULUS;
}

/** V = [domain, seed, the carried-in values, the carried-out values, prod, rlcSum]. */
export function registrationValues(
  domain: bigint,
  seed: bigint,
  carriedIn: RegistrationCarry,
  carriedOut: RegistrationCarry,
  prod: bigint,
  rlcSum: bigint,
): bigint[] {
  const carried = (c: RegistrationCarry) => [c.fold, c.nextJ, c.open, c.state, c.count, c.senderN, c.excl];
  return [domain, seed, ...carried(carriedIn), ...carried(carriedOut), prod, rlcSum];
}

/**
 * Every RegistrationBatch(batchSize) of the registrants (in order j) under `seed`, from the
 * contract's initial storage (all 0). No registrants, no batch: a batch starts with an active row.
 */
export function buildRegistrationBatches(
  registrants: readonly Registrant[],
  domain: bigint,
  seed: bigint,
  batchSize: number,
  config: ProtocolConfig,
): RegistrationBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  for (const [name, v] of [
    ["domain", domain],
    ["seed", seed],
  ] as const) {
    if (typeof v !== "bigint" || v <= 0n || v >= FIELD_MODULUS)
      throw new RangeError(`${name} must be a nonzero reduced field element, got ${v}`);
  }
  const { chunk } = config.registrationBatch;
  const indexBits = config.widths.contributorIndexBits;
  if (BigInt(registrants.length) >= 1n << BigInt(indexBits))
    throw new RangeError(`at most 2^${indexBits} - 1 registrants, got ${registrants.length}`);
  const table = registrationRows(registrants, domain, chunk);
  const batches: RegistrationBatch[] = [];
  let carriedIn = INITIAL_CARRY;
  for (let start = 0; start < table.length; start += batchSize) {
    const slice = table.slice(start, start + batchSize);
    const rows = [...slice, ...Array.from({ length: batchSize - slice.length }, () => paddingRow(chunk))];
    const { carriedOut, prod, rlcSum } = runRegistrationBatch(carriedIn, rows, domain, seed, indexBits);
    const values = registrationValues(domain, seed, carriedIn, carriedOut, prod, rlcSum);
    const rho = registrationDigestChallenge(carriedOut.fold, values);
    const digest = hornerDigest(values, rho);
    batches.push({
      index: batches.length,
      rows,
      carriedIn,
      carriedOut,
      prod,
      rlcSum,
      values,
      rho,
      digest,
      publicSignals: [carriedOut.fold, digest, seed, rho],
      input: registrationInput(domain, seed, rho, carriedIn, rows),
    });
    carriedIn = carriedOut;
  }
  return batches;
}

/** The circuit input object of a batch (decimal strings). */
export function registrationInput(
  domain: bigint,
  seed: bigint,
  rho: bigint,
  carriedIn: RegistrationCarry,
  rows: readonly RegistrationRow[],
): RegistrationCircuitInput {
  const str = (v: bigint) => v.toString();
  const bit = (b: boolean) => (b ? "1" : "0");
  return {
    domain: str(domain),
    seed: str(seed),
    foldIn: str(carriedIn.fold),
    nextJIn: str(carriedIn.nextJ),
    openIn: str(carriedIn.open),
    listIn: str(carriedIn.list),
    countIn: str(carriedIn.count),
    senderNIn: str(carriedIn.senderN),
    exclStartedIn: bit(carriedIn.excl !== 0n),
    exclPrevIn: str(carriedIn.exclPrev),
    exclJIn: str(carriedIn.exclJ),
    active: rows.map((r) => bit(r.active)),
    last: rows.map((r) => bit(r.last)),
    excluded: rows.map((r) => bit(r.excluded)),
    senderN: rows.map((r) => str(r.senderN)),
    salt: rows.map((r) => str(r.salt)),
    cExcluded: rows.map((r) => str(r.cExcluded)),
    hash: rows.map((r) => r.hash.map(str)),
    rho: str(rho),
  };
}
