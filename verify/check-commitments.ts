/**
 * Check 3, commitments, with the skeptic's own model (verify/model/). On any record (an epoch
 * directory or the chain alone), the public side:
 *   - the settlement's domain and the registry's regDomain from chain id, contracts and epoch;
 *   - the seed drawn again from the commit as commitEpoch draws it (the commit, F, m, the exclusion
 *     set, the pool), and the commit's model hash and S the record's;
 *   - every batch's carried values continue the previous batch's (0s at first): claim chain and
 *     last key, the registration fold and list state, the payout chain; each batch's rho and
 *     digest recomputed from its V (payout batches over their words) and its proof's public
 *     signals [chainOut, digest, seed, rho] ([foldOut, digest, seed, rho] for registration
 *     batches) compared; the last chains are the committed ones, the last fold the registry's F
 *     with m registrants started and no list open, the last exclusion chain commitExclusion; the score and amount sums are S; the rewards
 *     at most the pool, the rest the dust;
 *   - both identities on the batch values: the two grand products are equal, and the claim and
 *     registration RLC sums minus the payout sums and the exclusion set's terms are 0.
 * With the tables (an epoch directory), then: the claim and payout tables re-committed and the
 * registration table rebuilt (registrations.json salts and each kept registrant's claims; an
 * excluded one is one row) batch by batch, each batch's chain (fold) value compared with its
 * proof's first signal (seed-independent, so a changed row is named in its own batch), then every
 * public value of every batch under the seed compared with epoch.json's.
 */
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError, type FailureLocation } from "./epoch-errors.ts";
import type { CheckResult } from "./check-result.ts";
import {
  buildRegistrationBatches,
  challengesOf,
  claimBatchValues,
  claimDigest,
  commitClaimTable,
  commitPayoutTable,
  EMPTY_CARRY,
  epochDomain,
  epochSeed,
  exclusionSum,
  payoutBatchValues,
  payoutDigest,
  registrationCommitment,
  registrationDigest,
  registrationDomain,
  SIGNAL_NAMES,
  toField,
  type PayoutTableContext,
  type RegistrantEntry,
  type RegistrationCarry,
} from "./model/index.ts";
import { hasTables, type CircuitKind, type EpochRecord, type PublicRecord, type RecordedProof } from "./record.ts";

function mismatch(message: string, where: FailureLocation): never {
  throw new EpochVerifyError("COMMITMENT_MISMATCH", "commitments", message, where);
}

/** What the statement says about binding, for the report. */
const STATEMENT_NOTE = "statement [chainOut, digest, seed, rho]: every proof is for the epoch's seed, drawn after the whole commit";

/** Where a batch's values are recorded, for messages: epoch.json, or the chain's calldata. */
const valuesFile = (record: PublicRecord) => (hasTables(record) ? "epoch.json" : "chain");
const batchField = (kind: CircuitKind, index: number, field: string) => `${kind}Batches[${index}].${field}`;

/**
 * The order signals are compared in: the seed first (a proof made under another seed differs in
 * every value derived from it, and the seed is the cause to name), then snarkjs order.
 */
const COMPARE_ORDER = [SIGNAL_NAMES.indexOf("seed"), ...SIGNAL_NAMES.map((_, i) => i).filter((i) => SIGNAL_NAMES[i] !== "seed")];

/** Throws unless proof `p` carries `expected` (snarkjs order) at the signal positions `names`. */
function compareSignals(
  p: RecordedProof,
  expected: readonly bigint[],
  names: readonly string[],
  describe: string,
  hint?: FailureLocation & { readonly note: string },
): void {
  const got = p.json.publicSignals as unknown[];
  for (const i of COMPARE_ORDER) {
    const name = SIGNAL_NAMES[i]!;
    if (!names.includes(name) || got?.[i] === expected[i]!.toString()) continue;
    if (name === "seed") {
      mismatch(
        `${p.file} publicSignals[${i}] (seed) ${String(got?.[i])} is not the epoch's seed ${expected[i]!.toString()}: the proof was made under another seed (another commit, or a seed the prover chose), and a seed binds the multiset and polynomial identities only when it is drawn after the commit`,
        { file: p.file, field: `publicSignals[${i}]`, expected: expected[i]!.toString(), got: String(got?.[i]) },
      );
    }
    const signal = i === 0 && describe.startsWith("registration") ? "foldOut" : name;
    mismatch(`${p.file} publicSignals[${i}] (${signal}) is not the value of ${describe}${hint ? `; ${hint.note}` : ""}`, {
      file: p.file,
      field: `publicSignals[${i}]`,
      ...(hint?.row === undefined ? {} : { row: hint.row }),
      expected: expected[i]!.toString(),
      got: String(got?.[i]),
    });
  }
}

/** Throws unless `got` equals `expected`, naming `field` of `file`. */
function same(
  file: string,
  field: string,
  expected: bigint | number | string,
  got: bigint | number | string,
  what: string,
  row?: number,
): void {
  if (String(expected) === String(got)) return;
  mismatch(`${file} ${field} ${String(got)} is not ${what} ${String(expected)}`, {
    file,
    field,
    ...(row === undefined ? {} : { row }),
    expected: String(expected),
    got: String(got),
  });
}

const ALL = ["chainOut", "digest", "seed", "rho"];

/** The public side (see the header); returns counts for the report. */
function checkPublic(record: PublicRecord, config: ProtocolConfig): string {
  const file = valuesFile(record);
  const domain = epochDomain(record.chainId, record.settlement, record.epoch);
  same(file, "domain", domain, record.domain, "keccak(chainId, settlement, epoch)");
  const regDomain = registrationDomain(record.chainId, record.contracts.registry, record.epoch);
  same(file, "registrationDomain", regDomain, record.registrationDomain, "keccak(chainId, registry, epoch)");
  const { commit, seed } = record;
  same(file, "commit.modelHash", record.modelHash, commit.modelHash, "the model hash");
  same(file, "commit.total", record.total, commit.total, "S");
  record.exclusion.forEach((j, i) => {
    if (j >= record.registrants || (i > 0 && j <= record.exclusion[i - 1]!))
      mismatch(`${file} exclusion[${i}] = ${j}: the exclusion set must be strictly increasing orders below m = ${record.registrants}`, {
        file,
        field: `exclusion[${i}]`,
      });
  });
  const drawn = epochSeed({
    domain,
    commit,
    fold: record.fold,
    registrants: record.registrants,
    exclusion: record.exclusion,
    pool: record.pool,
  });
  same(file, "seed", drawn, seed, "the seed commitEpoch draws from the commit, F, m, the exclusion set and the pool");
  const { r } = challengesOf(seed);
  const indexBits = config.widths.contributorIndexBits;
  for (const kind of ["example", "registration", "payout"] as const) {
    const count = kind === "example" ? commit.exampleBatches : kind === "registration" ? commit.registrationBatches : commit.payoutBatches;
    if (record.batches[kind].length !== count || record.proofs[kind].length !== count) {
      mismatch(
        `${count} ${kind} batches committed, the record has ${record.batches[kind].length} batch values and ${record.proofs[kind].length} proofs`,
        { file, field: `commit.${kind}Batches` },
      );
    }
  }

  // Claim batches.
  let chain = 0n;
  let hash = 0n;
  let j = 0n;
  let scoreSum = 0n;
  let claimProduct = 1n;
  let rlc = 0n;
  for (const b of record.batches.example) {
    const at = (field: string) => batchField("example", b.index, field);
    same(file, at("chainIn"), chain, b.chainIn, "the previous batch's chainOut");
    same(file, at("hashIn"), hash, b.hashIn, "the previous batch's hashOut");
    same(file, at("jIn"), j, b.jIn, "the previous batch's jOut");
    const d = claimDigest(b, domain, seed);
    compareSignals(
      record.proofs.example[b.index]!,
      [b.chainOut, d.digest, seed, d.rho],
      ALL,
      `claim batch ${b.index}'s values under the epoch's seed`,
    );
    same(file, at("rho"), d.rho, b.rho, "keccak(chainOut, V)");
    same(file, at("digest"), d.digest, b.digest, "V at rho");
    [chain, hash, j] = [b.chainOut, b.hashOut, b.jOut];
    scoreSum += b.scoreSum;
    claimProduct = toField(claimProduct * b.prod);
    rlc = toField(rlc + b.rlcSum);
  }
  same(file, "commit.commitExamples", chain, commit.commitExamples, "the last claim batch's chainOut");
  same(file, "total", scoreSum, record.total, "the claim batches' scoreSum");

  // Registration batches.
  let carry: RegistrationCarry = EMPTY_CARRY;
  let registrationProduct = 1n;
  for (const b of record.batches.registration) {
    for (const [name, value] of Object.entries(carry) as [keyof RegistrationCarry, bigint][]) {
      same(file, batchField("registration", b.index, `in.${name}`), value, b.in[name], `the previous batch's out.${name}`);
    }
    const d = registrationDigest(b, regDomain, seed);
    compareSignals(
      record.proofs.registration[b.index]!,
      [b.out.fold, d.digest, seed, d.rho],
      ALL,
      `registration batch ${b.index}'s values under the epoch's seed`,
    );
    same(file, batchField("registration", b.index, "rho"), d.rho, b.rho, "keccak(foldOut, V)");
    same(file, batchField("registration", b.index, "digest"), d.digest, b.digest, "V at rho");
    carry = b.out;
    registrationProduct = toField(registrationProduct * b.prod);
    rlc = toField(rlc + b.rlcSum);
  }
  same(file, "fold", carry.fold, record.fold, "the last registration batch's foldOut");
  same(file, "registrants", carry.nextJ, record.registrants, "the registrants the registration batches started");
  same(file, batchField("registration", record.batches.registration.length - 1, "out.open"), 0n, carry.open, "closed");
  same(
    file,
    "commit.commitExclusion",
    carry.excl,
    commit.commitExclusion,
    "the last registration batch's exclOut (the exclusion flags' chain)",
  );

  // Payout batches.
  chain = 0n;
  let amountSum = 0n;
  let paid = 0n;
  const payoutEpoch = { domain, pool: record.pool, total: record.total, seed };
  const addressBits = BigInt(config.widths.addressBits);
  for (const b of record.batches.payout) {
    same(file, batchField("payout", b.index, "chainIn"), chain, b.chainIn, "the previous batch's chainOut");
    const d = payoutDigest(b, b.index, payoutEpoch, b.words);
    compareSignals(
      record.proofs.payout[b.index]!,
      [b.chainOut, d.digest, seed, d.rho],
      ALL,
      `payout batch ${b.index}'s values and words under the epoch's seed`,
      payoutRowHint(record, b.index),
    );
    same(file, batchField("payout", b.index, "rho"), d.rho, b.rho, "keccak(chainOut, V, keccak(words))");
    same(file, batchField("payout", b.index, "digest"), d.digest, b.digest, "V and the words at rho");
    chain = b.chainOut;
    amountSum += b.amountSum;
    rlc = toField(rlc - b.rlcSum);
    for (const word of b.words) paid += word >> addressBits;
  }
  same(file, "commit.commitPayouts", chain, commit.commitPayouts, "the last payout batch's chainOut");
  same(file, "total", amountSum, record.total, "the payout batches' amountSum");
  if (paid > record.pool)
    mismatch(`the payout words pay ${paid}, more than the pool ${record.pool}`, {
      file,
      field: "pool",
      expected: `<= ${record.pool}`,
      got: String(paid),
    });
  same(file, "dust", record.pool - paid, record.dust, "the pool minus the rewards");

  // The identities finalize checks, on the batch values.
  if (claimProduct !== registrationProduct) {
    mismatch(`identity 1 fails: the claim batches' product ${claimProduct} is not the registration batches' ${registrationProduct}`, {
      file,
      field: "prod",
      expected: String(registrationProduct),
      got: String(claimProduct),
    });
  }
  const difference = toField(rlc - exclusionSum(r, record.exclusion, indexBits));
  if (difference !== 0n)
    mismatch(`identity 2 fails: claims + registrations - payouts - the exclusion set's terms is ${difference}, not 0`, {
      file,
      field: "rlcSum",
      expected: "0",
      got: String(difference),
    });
  return `${record.batches.example.length} claim, ${record.batches.registration.length} registration and ${record.batches.payout.length} payout batches`;
}

/** Among payout rows of batch `index`: the first whose reward or remainder is not the floor split (names the row a digest mismatch comes from). */
function payoutRowHint(record: PublicRecord, index: number): (FailureLocation & { note: string }) | undefined {
  if (!hasTables(record)) return undefined;
  const size = record.batchSizes.payout;
  for (let j = index * size; j < Math.min((index + 1) * size, record.contributors.length); j++) {
    const row = record.contributors[j]!;
    const reward = record.total === 0n ? 0n : (record.pool * row.amount) / record.total;
    if (row.reward !== reward) return { row: j, field: "reward", note: `contributors.json row ${j} reward is not the floor split` };
    if (row.remainder !== record.pool * row.amount - reward * record.total)
      return { row: j, field: "remainder", note: `contributors.json row ${j} remainder is not the floor split` };
  }
  return undefined;
}

/** The registration table's entries as the record gives them: registrations.json and each kept registrant's claims. */
export function recordedEntries(record: EpochRecord): RegistrantEntry[] {
  const lists = record.registrations.map((): bigint[] => []);
  for (const c of record.examples) lists[c.j]?.push(c.hash);
  return record.registrations.map((r, j) => ({
    sender: r.contributor,
    count: r.count,
    salt: r.salt ?? 0n,
    excluded: r.excluded,
    commitment: r.commitment,
    hashes: r.excluded ? [] : lists[j]!.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  }));
}

/** The payout context of a record with tables. */
export function payoutContext(record: EpochRecord, config: ProtocolConfig): PayoutTableContext {
  return {
    domain: record.domain,
    pool: record.pool,
    total: record.total,
    batchSize: record.batchSizes.payout,
    widths: config.widths,
    absorbWidth: config.hash.chainAbsorbWidth,
  };
}

/** Compares every field of `computed` with `recorded` batch values, naming epoch.json's field. */
function sameValues(
  kind: CircuitKind,
  index: number,
  computed: Record<string, unknown>,
  recorded: Record<string, unknown>,
  rows: string,
): void {
  for (const [name, value] of Object.entries(computed)) {
    if (typeof value === "object" && value !== null) {
      sameValues(kind, index, value as Record<string, unknown>, recorded[name] as Record<string, unknown>, rows);
      continue;
    }
    if (typeof value !== "bigint") continue;
    const got = recorded[name];
    if (got !== value)
      mismatch(`epoch.json ${batchField(kind, index, name)} ${String(got)} is not the value of ${rows} re-committed, ${value}`, {
        file: "epoch.json",
        field: batchField(kind, index, name),
        expected: String(value),
        got: String(got),
      });
  }
}

/** The tables (see the header). */
function checkTables(record: EpochRecord, config: ProtocolConfig): void {
  const w = config.widths;
  const { commit } = record;
  const c = challengesOf(record.seed);
  const E = record.batchSizes.example;
  const B = record.batchSizes.payout;
  const K = record.batchSizes.registration;
  const chunk = config.registrationBatch.chunk;
  const chainOnly = ["chainOut"];
  let claims, payouts;
  try {
    claims = commitClaimTable(record.examples, record.domain, E, commit.exampleBatches, w, config.hash.chainAbsorbWidth);
    payouts = commitPayoutTable(record.contributors, payoutContext(record, config), commit.payoutBatches);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    mismatch(`the recorded tables cannot be committed: ${error.message}`, {});
  }
  const rowsOf = (i: number, size: number, file: string) => `${file} rows ${i * size}-${(i + 1) * size - 1} re-committed`;
  // Chain values first: they do not depend on the seed, so a changed row is found in its own batch.
  claims.forEach((b, i) =>
    compareSignals(record.proofs.example[i]!, [b.chainOut, 0n, 0n, 0n], chainOnly, rowsOf(i, E, "examples.json"), {
      file: "examples.json",
      row: i * E,
      note: `examples.json rows ${i * E}-${(i + 1) * E - 1} are not what batch ${i} proved`,
    }),
  );
  payouts.forEach((b, i) =>
    compareSignals(record.proofs.payout[i]!, [b.chainOut, 0n, 0n, 0n], chainOnly, rowsOf(i, B, "contributors.json"), {
      file: "contributors.json",
      row: i * B,
      note: `contributors.json rows ${i * B}-${(i + 1) * B - 1} (address, amount) are not what batch ${i} proved`,
    }),
  );
  // The exclusion set entered the seed: registrations.json must mark exactly its registrations excluded.
  const exclusion = new Set(record.exclusion);
  record.registrations.forEach((r, j) => {
    if (r.excluded === exclusion.has(j)) return;
    mismatch(
      `registrations.json row ${j} is ${r.excluded ? "marked excluded, but the committed exclusion set (epoch.json exclusion, in the seed) does not hold it" : "kept, but the committed exclusion set (epoch.json exclusion, in the seed) holds it"}`,
      { file: "registrations.json", row: j, field: "excluded", expected: String(exclusion.has(j)), got: String(r.excluded) },
    );
  });
  const entries = recordedEntries(record);
  let registrations;
  try {
    registrations = buildRegistrationBatches(entries, record.registrationDomain, c, K, chunk, w);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    mismatch(`the registration table cannot be rebuilt: ${error.message}`, { file: "registrations.json" });
  }
  if (registrations.length !== commit.registrationBatches) {
    mismatch(
      `the registration table (registrations.json and the claims, chunks of ${chunk}) takes ${registrations.length} batches of ${K}, ${commit.registrationBatches} were committed`,
      {
        file: "epoch.json",
        field: "commit.registrationBatches",
        expected: String(registrations.length),
        got: String(commit.registrationBatches),
      },
    );
  }
  registrations.forEach((b, i) => {
    const js = [...new Set(b.rows.map((row) => row.j))];
    compareSignals(
      record.proofs.registration[i]!,
      [b.out.fold, 0n, 0n, 0n],
      chainOnly,
      `registration batch ${i} rebuilt (registrants ${js[0]}-${js.at(-1)})`,
      registrantHint(record, entries, js, chunk, config),
    );
  });
  // Then every value under the seed.
  claims.forEach((b, i) => {
    const { rho, digest, ...values } = claimBatchValues(b, record.domain, c);
    sameValues(
      "example",
      i,
      { ...values, rho, digest },
      record.batches.example[i] as unknown as Record<string, unknown>,
      rowsOf(i, E, "examples.json"),
    );
  });
  registrations.forEach((b, i) => {
    sameValues(
      "registration",
      i,
      { in: b.in, out: b.out, prod: b.prod, rlcSum: b.rlcSum, rho: b.rho, digest: b.digest },
      record.batches.registration[i] as unknown as Record<string, unknown>,
      `registration batch ${i}`,
    );
  });
  const ctx = payoutContext(record, config);
  payouts.forEach((b, i) => {
    const { rho, digest, ...values } = payoutBatchValues(b, ctx, record.seed);
    sameValues(
      "payout",
      i,
      { ...values, rho, digest },
      record.batches.payout[i] as unknown as Record<string, unknown>,
      rowsOf(i, B, "contributors.json"),
    );
  });
}

/** The first registrant among `js` whose recorded list, sender and salt do not re-hash to its C_j (names the row a fold mismatch comes from). */
function registrantHint(
  record: EpochRecord,
  entries: readonly RegistrantEntry[],
  js: readonly number[],
  chunk: number,
  config: ProtocolConfig,
): (FailureLocation & { note: string }) | undefined {
  for (const j of js) {
    const e = entries[j]!;
    if (e.excluded) continue;
    let c: bigint | undefined;
    try {
      c = registrationCommitment(
        { regDomain: record.registrationDomain, sender: e.sender, salt: e.salt, hashes: e.hashes, chunk },
        config.widths,
      );
    } catch {
      c = undefined;
    }
    if (c !== e.commitment || e.hashes.length !== e.count) {
      return {
        file: "registrations.json",
        row: j,
        field: "commitment",
        note: `registration ${j}'s ${e.hashes.length} claimed hashes, sender and salt do not re-hash to its C_j ${e.commitment} (${e.count} registered)`,
      };
    }
  }
  return undefined;
}

/** Check 3 on `record` (see the header). */
export function checkCommitments(record: PublicRecord, config: ProtocolConfig): CheckResult {
  const counts = checkPublic(record, config);
  if (!hasTables(record)) {
    return {
      check: "commitments",
      status: "partial",
      detail: `domains, the seed from the commit, ${counts}: carried values, rho, digests and public signals rebuilt, chains end at the commit and the registry's F, sums = S, both identities hold; ${STATEMENT_NOTE}; rows not re-committed: the chain holds the tables' commitments, not the tables: give the epoch directory`,
    };
  }
  checkTables(record, config);
  return {
    check: "commitments",
    status: "pass",
    detail: `domains, the seed from the commit, ${counts}: the claim and payout tables re-committed and the registration table rebuilt from the salts and claims (the skeptic's own Poseidon on @noble/curves), every chain, fold, digest and rho match, chains end at the commit and the registry's F, sums = S, both identities hold; ${STATEMENT_NOTE}`,
  };
}
