/**
 * The record source "chain": an epoch rebuilt from what the chain holds (chain-read.ts), so that
 * verify/epoch.ts runs the same checks on it as on an epoch directory. Rebuilt exactly as
 * PayoutSettlement did when it verified each batch:
 *   - the live commit (the last EpochCommitted, no ExclusionContested after it): the commit, the
 *     exclusion set, the seed, F and m;
 *   - each proof from its transaction's calldata, back in snarkjs's form;
 *   - each batch's public values from the claim in its calldata and the contract's running state
 *     (the previous claim's outputs: claim chain and last key; registration fold, registrants
 *     started, open flag, list state, count and senderN; payout chain), and its public signals
 *     [chainOut, digest, seed, rho] from them with the skeptic's own digest model (model/digest.ts),
 *     the contract's domain and regDomain, EpochOpened's pool, the commit's S and seed;
 *   - a payout batch's digest from its submitted words: the words the contract stored the hash of
 *     and pays at release (WordsMismatch otherwise), whoever calls release; the chain check
 *     compares each release's payments with them (chain.ts), never the release calldata;
 *   - the payout words (row j = k B + i) from those words, the registrations from the registry.
 * The tables are not on chain, only their commitments: the rows cannot be re-committed or the
 * policy re-run from here (epoch.ts says so in its report). Verification keys are not on chain
 * either: they come from a key source (`keys`), and the chain check compares each deployed
 * verifier byte for byte with the one compiled from its key (bytecode.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName } from "../circuits/index.ts";
import { loadCircuitKeys, type KeySetName } from "../circuits/ceremony/index.ts";
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import {
  claimDigest,
  EMPTY_CARRY,
  payoutDigest,
  publicSignalsOf,
  registrationDigest,
  type Digest,
  type RegistrationCarry,
} from "./model/index.ts";
import { unpaidEnding, type CalldataProof, type ChainEpoch } from "./chain-read.ts";
import {
  CIRCUIT_KINDS,
  type ByKind,
  type CircuitKind,
  type ClaimBatchRecord,
  type PayoutBatchRecord,
  type PublicRecord,
  type RecordedBatches,
  type RecordedPayee,
  type RecordedProof,
  type RegistrationBatchRecord,
} from "./record.ts";
import { checkStatementKeys } from "./statement-keys.ts";
import { vkeyHash } from "./vkey-hash.ts";

/** Verification keys: a directory holding the three *_verification_key.json, or a key set of this project. */
export type KeySource = { readonly dir: string } | { readonly keySet: KeySetName };

export interface KeyTexts extends ByKind<string> {
  /** For the report and the pin check: "ceremony", "dev" or the directory. */
  readonly origin: string;
}

const circuitName = (kind: CircuitKind, size: number) =>
  ({ example: exampleCircuitName, registration: registrationCircuitName, payout: payoutCircuitName })[kind](size);

/** The key texts of the three circuits of `chain` from `source`. */
export async function loadKeyTexts(source: KeySource, chain: Pick<ChainEpoch, "batchSizes">): Promise<KeyTexts> {
  if ("dir" in source) {
    const read = (kind: CircuitKind) => {
      const file = join(source.dir, `${kind}_verification_key.json`);
      if (!existsSync(file))
        throw new EpochVerifyError(
          "RECORD_MALFORMED",
          "record",
          `${file}: missing (--keys DIR must hold example_, registration_ and payout_verification_key.json)`,
          { file, field: "(file)" },
        );
      return readFileSync(file, "utf8");
    };
    return { example: read("example"), registration: read("registration"), payout: read("payout"), origin: source.dir };
  }
  const text = async (kind: CircuitKind) =>
    readFileSync((await loadCircuitKeys(circuitName(kind, chain.batchSizes[kind]), { keySet: source.keySet })).vkeyPath, "utf8");
  return { example: await text("example"), registration: await text("registration"), payout: await text("payout"), origin: source.keySet };
}

/** Back to snarkjs's form: affine points with z = 1, G2 coefficients in (c0, c1) order. */
function snarkjsProof(p: CalldataProof) {
  const s = (v: bigint) => v.toString();
  return {
    pi_a: [s(p.a[0]), s(p.a[1]), "1"],
    pi_b: [
      [s(p.b[0][1]), s(p.b[0][0])],
      [s(p.b[1][1]), s(p.b[1][0])],
      ["1", "0"],
    ],
    pi_c: [s(p.c[0]), s(p.c[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

const proofName = (kind: CircuitKind, index: number, txHash: string) => `chain ${kind} batch ${index} (tx ${txHash})`;

/** What the chain's batches rebuild to. */
export interface ChainProofs {
  readonly proofs: ByKind<RecordedProof[]>;
  readonly batches: RecordedBatches;
  /** Every non-zero payout word, row j = k B + i. */
  readonly payees: RecordedPayee[];
}

/** The live commit of `chain`, or RECORD_MALFORMED saying why there is none. */
export function liveCommit(chain: ChainEpoch): NonNullable<ChainEpoch["commit"]> {
  if (chain.commit) return chain.commit;
  const why =
    chain.commits.length === 0
      ? "was never committed"
      : `has no live commit (its last of ${chain.commits.length} commits was voided by ExclusionContested of registration ${chain.contests.at(-1)?.order})`;
  throw new EpochVerifyError("RECORD_MALFORMED", "record", `epoch ${chain.epoch} ${why}: nothing was proven`, {
    file: "chain",
    field: "EpochCommitted",
  });
}

/**
 * Every proof of `chain` with the public values and signals the contract verified it against,
 * and the payout words, in batch order.
 */
export function chainProofs(chain: ChainEpoch, config: Pick<ProtocolConfig, "widths">): ChainProofs {
  const { commit: c, seed } = liveCommit(chain);
  const { domain, registrationDomain } = chain;
  const signals = (out: bigint, d: Digest) => publicSignalsOf({ chainOut: out, digest: d.digest, seed, rho: d.rho }).map(String);
  const proofs: ByKind<RecordedProof[]> = { example: [], registration: [], payout: [] };
  const push = (kind: CircuitKind, index: number, txHash: string, proof: CalldataProof, out: bigint, d: Digest) => {
    proofs[kind].push({
      file: proofName(kind, index, txHash),
      index,
      json: { proof: snarkjsProof(proof), publicSignals: signals(out, d) },
    });
  };

  const example: ClaimBatchRecord[] = [];
  let chainIn = 0n;
  let hashIn = 0n;
  let jIn = 0n;
  for (const b of chain.exampleBatches) {
    const values = {
      chainIn,
      chainOut: b.chainOut,
      hashIn,
      jIn,
      hashOut: b.hashOut,
      jOut: b.jOut,
      scoreSum: b.scoreSum,
      rlcSum: b.rlcSum,
      prod: b.product,
    };
    const d = claimDigest(values, domain, seed);
    example.push({ index: b.index, ...values, ...d });
    push("example", b.index, b.txHash, b.proof, b.chainOut, d);
    [chainIn, hashIn, jIn] = [b.chainOut, b.hashOut, b.jOut];
  }

  const registration: RegistrationBatchRecord[] = [];
  let carry: RegistrationCarry = EMPTY_CARRY;
  for (const b of chain.registrationBatches) {
    const out: RegistrationCarry = {
      fold: b.foldOut,
      nextJ: b.nextJOut,
      open: b.openOut,
      state: b.stateOut,
      count: b.countOut,
      senderN: b.senderWordOut,
      excl: b.exclOut,
    };
    const values = { in: carry, out, prod: b.product, rlcSum: b.rlcSum };
    const d = registrationDigest(values, registrationDomain, seed);
    registration.push({ index: b.index, ...values, ...d });
    push("registration", b.index, b.txHash, b.proof, b.foldOut, d);
    carry = out;
  }

  const addressBits = BigInt(config.widths.addressBits);
  const addressMask = (1n << addressBits) - 1n;
  const payout: PayoutBatchRecord[] = [];
  const payees: RecordedPayee[] = [];
  const epochValues = { domain, pool: chain.opened.pool, total: c.total, seed };
  chainIn = 0n;
  for (const b of chain.payoutBatches) {
    const values = { chainIn, chainOut: b.chainOut, amountSum: b.amountSum, rlcSum: b.rlcSum };
    const d = payoutDigest(values, b.index, epochValues, b.words);
    payout.push({ index: b.index, ...values, ...d, words: b.words });
    push("payout", b.index, b.txHash, b.proof, b.chainOut, d);
    b.words.forEach((word, i) => {
      if (word !== 0n) payees.push({ j: b.index * chain.batchSizes.payout + i, address: word & addressMask, reward: word >> addressBits });
    });
    chainIn = b.chainOut;
  }
  return { proofs, batches: { example, registration, payout }, payees };
}

/** The epoch of `chain` as a PublicRecord, with the keys of `keys`. */
export function recordFromChain(chain: ChainEpoch, keys: KeyTexts, config: Pick<ProtocolConfig, "widths">): PublicRecord {
  checkStatementKeys(keys);
  const ended = unpaidEnding(chain);
  if (ended) throw new EpochVerifyError("RECORD_MALFORMED", "record", ended.what, { file: "chain", field: ended.field });
  const live = liveCommit(chain);
  const counts: ByKind<number> = {
    example: live.commit.exampleBatches,
    registration: live.commit.registrationBatches,
    payout: live.commit.payoutBatches,
  };
  const verified: ByKind<number> = {
    example: chain.exampleBatches.length,
    registration: chain.registrationBatches.length,
    payout: chain.payoutBatches.length,
  };
  for (const kind of CIRCUIT_KINDS) {
    if (verified[kind] !== counts[kind]) {
      throw new EpochVerifyError(
        "RECORD_MALFORMED",
        "record",
        `epoch ${chain.epoch} has ${verified[kind]} of ${counts[kind]} ${kind} batches verified on chain: it is not settled`,
        { file: "chain", field: `${kind}Batches` },
      );
    }
  }
  const { proofs, batches, payees } = chainProofs(chain, config);
  const paid = payees.reduce((sum, p) => sum + p.reward, 0n);
  const circuit = (kind: CircuitKind) => ({
    name: circuitName(kind, chain.batchSizes[kind]),
    vkeyHash: vkeyHash(keys[kind]),
    keySet: keys.origin,
  });
  return {
    source: `chain ${chain.chainId} (${chain.rpcUrl}), settlement ${chain.contracts.settlement}, epoch ${chain.epoch}`,
    epoch: chain.epoch,
    chainId: chain.chainId,
    settlement: chain.contracts.settlement,
    contracts: chain.contracts,
    domain: chain.domain,
    registrationDomain: chain.registrationDomain,
    pool: chain.opened.pool,
    total: live.commit.total,
    dust: chain.finalized?.dust ?? chain.opened.pool - paid,
    commit: live.commit,
    fold: live.fold,
    registrants: live.registrants,
    exclusion: live.exclusion,
    seed: live.seed,
    modelHash: live.commit.modelHash,
    batchSizes: chain.batchSizes,
    circuits: { example: circuit("example"), registration: circuit("registration"), payout: circuit("payout") },
    registrations: chain.registrations,
    keyTexts: { example: keys.example, registration: keys.registration, payout: keys.payout },
    proofs,
    batches,
    payees,
  };
}
