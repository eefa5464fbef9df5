/**
 * A small epoch directory in the record format of Soundness II (protocol/epoch-dir.ts), built
 * without a chain or a prover, for the skeptic's tests: the tables come from the prover's policy
 * (witness/ applyPolicy: deliveries checked against C_j, claims by (hash, j), the earliest
 * registrant credited, one payout row per registration), then an optional edit of the tables (a
 * dishonest trainer), then the commit, the seed and every batch's public values as the contracts
 * would compute them from those tables, and proof files carrying those public signals (the
 * proofs themselves are stubs: checks 3 and 4 read only the signals). The batch values are made by
 * the skeptic's model so that an edited table stays self-consistent; `witnessBatches` builds the
 * honest batches with witness/ for comparison.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getAddress, keccak256, toUtf8Bytes } from "ethers";
import { config, type ProtocolConfig } from "../../config/index.ts";
import {
  buildRegistrationBatches,
  challengesOf,
  claimBatchValues,
  commitClaimTable,
  commitPayoutTable,
  epochDomain,
  epochSeed,
  exclusionChain,
  payoutBatchValues,
  registrationDomain,
  registryFold,
  senderWord,
  type EpochCommit,
  type RegistrantEntry,
} from "../../verify/model/index.ts";
import { applyPolicy, buildEpochBatches, type Registration } from "../../witness/epoch-witness.ts";
import { registrationCommitment } from "../../witness/registration-commitment.ts";

export interface HandRegistrant {
  readonly sender: string;
  readonly salt: bigint;
  /** Its list (sorted here). */
  readonly hashes: readonly bigint[];
  /** Registered but never delivered: excluded by the trainer. */
  readonly undelivered?: boolean;
}

export interface HandTables {
  claims: { hash: bigint; j: number; score: bigint }[];
  payouts: { address: bigint; amount: bigint; reward: bigint; remainder: bigint }[];
  total: bigint;
  dust: bigint;
  registrations: {
    order: number;
    contributor: bigint;
    commitment: bigint;
    count: number;
    excluded: boolean;
    salt?: bigint;
    reason?: string;
  }[];
  exclusion: number[];
  duplicates: { hash: bigint; creditedOrder: number; alsoClaimedBy: number[] }[];
}

export interface HandEpochOptions {
  readonly registrants: readonly HandRegistrant[];
  /** Score of every hash (fixed point). */
  readonly scores: ReadonlyMap<bigint, bigint>;
  readonly pool: bigint;
  readonly batchSizes: { readonly example: number; readonly registration: number; readonly payout: number };
  /** Edits the honest tables before anything is committed. */
  readonly tamper?: (tables: HandTables) => void;
}

export const HAND_CHAIN_ID = 31337n;
export const HAND_EPOCH = 3n;
export const HAND_CONTRACTS = {
  token: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  poseidon: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  registry: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  exampleVerifier: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
  registrationVerifier: "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
  payoutVerifier: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
  settlement: "0x0165878A594ca255338adfa4d48449f69242Eb8F",
} as const;
export const HAND_MODEL_HASH = keccak256(toUtf8Bytes("hand model"));

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const json = (value: unknown) => `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** The registry's side: registrations in order with their C_j (an undelivered one registers a C over its list too). */
export function handRegistrations(registrants: readonly HandRegistrant[], cfg: ProtocolConfig = config): Registration[] {
  const regDomain = registrationDomain(HAND_CHAIN_ID, HAND_CONTRACTS.registry, HAND_EPOCH);
  return registrants.map((r, order) => {
    const hashes = [...r.hashes].sort(compare);
    return {
      order,
      contributor: BigInt(r.sender),
      commitment: registrationCommitment({ domain: regDomain, sender: r.sender, salt: r.salt, hashes, chunk: cfg.registrationBatch.chunk }),
      count: hashes.length,
    };
  });
}

/** The honest tables of the prover's policy (witness/ applyPolicy). */
export function honestTables(options: HandEpochOptions, cfg: ProtocolConfig = config) {
  const registrations = handRegistrations(options.registrants, cfg);
  const deliveries = new Map(
    options.registrants.flatMap((r, order) =>
      r.undelivered ? [] : [[order, { salt: r.salt, hashes: [...r.hashes].sort(compare) }] as const],
    ),
  );
  const regDomain = registrationDomain(HAND_CHAIN_ID, HAND_CONTRACTS.registry, HAND_EPOCH);
  return {
    registrations,
    deliveries,
    tables: applyPolicy({
      registrations,
      deliveries,
      scores: options.scores,
      pool: options.pool,
      registrationDomain: regDomain,
      config: cfg,
    }),
  };
}

/** What the record holds, for a test to compare with. */
export interface HandEpoch {
  readonly dir: string;
  readonly tables: HandTables;
  readonly commit: EpochCommit;
  readonly seed: bigint;
  readonly fold: bigint;
}

/** Writes the epoch directory `dir` (see the header). */
export function writeHandEpoch(dir: string, options: HandEpochOptions, cfg: ProtocolConfig = config): HandEpoch {
  const w = cfg.widths;
  const { registrations, tables: t } = honestTables(options, cfg);
  const reasons = new Map(t.exclusion.map((x) => [x.order, x.reason]));
  const tables: HandTables = {
    claims: t.claimTable.map((c) => ({ ...c })),
    payouts: t.payoutTable.rows.map((r) => ({ address: r.address, amount: r.amount, reward: r.reward, remainder: r.remainder })),
    total: t.payoutTable.total,
    dust: t.payoutTable.dust,
    registrations: registrations.map((r) => ({
      ...r,
      excluded: reasons.has(r.order),
      ...(reasons.has(r.order) ? { reason: reasons.get(r.order)! } : { salt: options.registrants[r.order]!.salt }),
    })),
    exclusion: t.exclusion.map((x) => x.order),
    duplicates: t.duplicates.map((d) => ({ hash: d.hash, creditedOrder: d.creditedOrder, alsoClaimedBy: [...d.alsoClaimedBy] })),
  };
  options.tamper?.(tables);

  const domain = epochDomain(HAND_CHAIN_ID, HAND_CONTRACTS.settlement, HAND_EPOCH);
  const regDomain = registrationDomain(HAND_CHAIN_ID, HAND_CONTRACTS.registry, HAND_EPOCH);
  const { example: E, registration: K, payout: B } = options.batchSizes;
  const absorb = cfg.hash.chainAbsorbWidth;
  const chunk = cfg.registrationBatch.chunk;
  const fold = registryFold(
    tables.registrations.map((r) => ({ commitment: r.commitment, senderN: senderWord(r.contributor, r.count, w) })),
  );
  const lists = tables.registrations.map((): bigint[] => []);
  for (const c of tables.claims) lists[c.j]?.push(c.hash);
  const entries: RegistrantEntry[] = tables.registrations.map((r, j) => ({
    sender: r.contributor,
    count: r.count,
    salt: r.salt ?? 0n,
    excluded: r.excluded,
    commitment: r.commitment,
    hashes: r.excluded ? [] : lists[j]!.sort(compare),
  }));
  const exampleBatches = Math.max(1, Math.ceil(tables.claims.length / E));
  const payoutBatches = Math.max(1, Math.ceil(tables.payouts.length / B));
  const claimBatches = commitClaimTable(tables.claims, domain, E, exampleBatches, w, absorb);
  const ctx = { domain, pool: options.pool, total: tables.total, batchSize: B, widths: w, absorbWidth: absorb };
  const payBatches = commitPayoutTable(tables.payouts, ctx, payoutBatches);
  // The registration batch count does not depend on the seed: count the rows first.
  const rows = entries.reduce((n, e) => n + (e.excluded ? 1 : Math.max(1, Math.ceil(e.hashes.length / chunk))), 0);
  const commit: EpochCommit = {
    commitExamples: claimBatches.at(-1)!.chainOut,
    commitPayouts: payBatches.at(-1)!.chainOut,
    commitExclusion: exclusionChain(tables.exclusion, chunk, registrationDomain(HAND_CHAIN_ID, HAND_CONTRACTS.registry, HAND_EPOCH)),
    total: tables.total,
    exampleBatches,
    registrationBatches: Math.ceil(rows / K),
    payoutBatches,
    modelHash: HAND_MODEL_HASH,
  };
  const seed = epochSeed({
    domain,
    commit,
    fold,
    registrants: tables.registrations.length,
    exclusion: tables.exclusion,
    pool: options.pool,
  });
  const c = challengesOf(seed);
  const claimValues = claimBatches.map((b) => claimBatchValues(b, domain, c));
  const regValues = buildRegistrationBatches(entries, regDomain, c, K, chunk, w);
  const payValues = payBatches.map((b) => payoutBatchValues(b, ctx, seed));

  const keyText = (kind: string) => json({ protocol: "groth16", curve: "bn128", nPublic: 4, note: `stub ${kind} key` });
  const circuits = Object.fromEntries(
    (["example", "registration", "payout"] as const).map((kind) => {
      const text = keyText(kind);
      return [
        kind,
        {
          name: `${kind}_batch_${options.batchSizes[kind]}`,
          vkeyHash: createHash("sha256").update(text).digest("hex"),
          keySet: "dev",
          text,
        },
      ];
    }),
  );
  mkdirSync(join(dir, "proofs"), { recursive: true });
  for (const [kind, circuit] of Object.entries(circuits)) writeFileSync(join(dir, `${kind}_verification_key.json`), circuit.text);
  const proof = (kind: string, index: number, signals: readonly bigint[]) =>
    writeFileSync(
      join(dir, "proofs", `${kind}-${String(index).padStart(3, "0")}.json`),
      json({
        circuit: circuits[kind]!.name,
        vkeyHash: circuits[kind]!.vkeyHash,
        proof: {
          pi_a: ["1", "2", "1"],
          pi_b: [
            ["0", "0"],
            ["0", "0"],
            ["1", "0"],
          ],
          pi_c: ["1", "2", "1"],
          protocol: "groth16",
          curve: "bn128",
        },
        publicSignals: signals.map(String),
      }),
    );
  claimValues.forEach((b, i) => proof("example", i, [b.chainOut, b.digest, seed, b.rho]));
  regValues.forEach((b, i) => proof("registration", i, [b.out.fold, b.digest, seed, b.rho]));
  payValues.forEach((b, i) => proof("payout", i, [b.chainOut, b.digest, seed, b.rho]));

  writeFileSync(
    join(dir, "epoch.json"),
    json({
      epoch: HAND_EPOCH,
      chainId: HAND_CHAIN_ID,
      contracts: HAND_CONTRACTS,
      domain,
      registrationDomain: regDomain,
      pool: options.pool,
      total: tables.total,
      dust: tables.dust,
      model: { modelHash: HAND_MODEL_HASH, validationCommitment: `0x${"00".repeat(32)}` },
      commit,
      fold,
      registrants: tables.registrations.length,
      exclusion: tables.exclusion,
      seed,
      exampleBatchSize: E,
      registrationBatchSize: K,
      payoutBatchSize: B,
      circuits: Object.fromEntries(Object.entries(circuits).map(([k, { text: _t, ...v }]) => [k, v])),
      parameters: { widths: w, fixedPointDecimals: cfg.fixedPoint.decimals, chainAbsorbWidth: absorb, registrationChunk: chunk },
      exampleBatches: claimValues.map((b, index) => ({
        index,
        chainIn: b.chainIn,
        chainOut: b.chainOut,
        hashIn: b.hashIn,
        jIn: b.jIn,
        hashOut: b.hashOut,
        jOut: b.jOut,
        scoreSum: b.scoreSum,
        rlcSum: b.rlcSum,
        prod: b.prod,
        rho: b.rho,
        digest: b.digest,
      })),
      registrationBatches: regValues.map((b, index) => ({
        index,
        in: b.in,
        out: b.out,
        prod: b.prod,
        rlcSum: b.rlcSum,
        rho: b.rho,
        digest: b.digest,
      })),
      payoutBatches: payValues.map((b, index) => ({
        index,
        chainIn: b.chainIn,
        chainOut: b.chainOut,
        amountSum: b.amountSum,
        rlcSum: b.rlcSum,
        rho: b.rho,
        digest: b.digest,
      })),
      status: "settled",
    }),
  );
  writeFileSync(
    join(dir, "registrations.json"),
    json(
      tables.registrations.map((r) => ({
        order: r.order,
        contributor: getAddress(hex(r.contributor, 40)),
        commitment: r.commitment,
        count: r.count,
        excluded: r.excluded,
        ...(r.excluded ? { reason: r.reason ?? "NOT_DELIVERED", detail: "no data was delivered" } : { salt: r.salt }),
      })),
    ),
  );
  writeFileSync(join(dir, "examples.json"), json(tables.claims.map((e) => ({ hash: hex(e.hash, 32), j: e.j, score: e.score }))));
  writeFileSync(
    join(dir, "duplicates.json"),
    json(tables.duplicates.map((d) => ({ hash: hex(d.hash, 32), creditedOrder: d.creditedOrder, alsoClaimedBy: d.alsoClaimedBy }))),
  );
  writeFileSync(
    join(dir, "contributors.json"),
    json(
      tables.payouts.map((r, j) => ({
        j,
        address: getAddress(hex(r.address, 40)),
        amount: r.amount,
        reward: r.reward,
        remainder: r.remainder,
        label: `registrant ${j}`,
      })),
    ),
  );
  const balances = new Map<bigint, bigint>();
  for (const r of tables.payouts) balances.set(r.address, (balances.get(r.address) ?? 0n) + r.reward);
  writeFileSync(
    join(dir, "settlement.json"),
    json({
      transactions: [],
      paid: [...balances].map(([address, amount]) => ({ address: getAddress(hex(address, 40)), amount })),
      kept: tables.dust,
    }),
  );
  return { dir, tables, commit, seed, fold };
}

/** The honest epoch's batches as witness/ builds them (for comparison with the record's). */
export function witnessBatches(options: HandEpochOptions, cfg: ProtocolConfig = config) {
  const { tables } = honestTables(options, cfg);
  const registrations = handRegistrations(options.registrants, cfg);
  const regDomain = registrationDomain(HAND_CHAIN_ID, HAND_CONTRACTS.registry, HAND_EPOCH);
  const fold = registryFold(
    registrations.map((r) => ({ commitment: r.commitment, senderN: senderWord(r.contributor, r.count, cfg.widths) })),
  );
  return buildEpochBatches(tables, {
    domain: epochDomain(HAND_CHAIN_ID, HAND_CONTRACTS.settlement, HAND_EPOCH),
    registrationDomain: regDomain,
    fold,
    modelHash: HAND_MODEL_HASH,
    pool: options.pool,
    exampleBatchSize: options.batchSizes.example,
    registrationBatchSize: options.batchSizes.registration,
    payoutBatchSize: options.batchSizes.payout,
    config: cfg,
  });
}
