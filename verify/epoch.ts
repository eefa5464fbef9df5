/**
 * Re-verifies a settled epoch from its public record (docs/soundness-ii.md), trusting neither the
 * trainer nor the prover's code nor snarkjs alone. The record comes from one of two sources, and
 * the same checks run on either: an epoch directory (record.ts), or the chain alone (chain-read.ts
 * and chain-record.ts rebuild every proof, every batch's public values and signals and the payout
 * words from the settlement's events and calldata). Checks, in order; the first failure throws an
 * EpochVerifyError naming the check, file, table row and field (epoch-errors.ts):
 *   1. vkeys: each of the three verification key files' sha256 (claim, registration and payout
 *      batches) equals epoch.json's, every proof file's, and for the ceremony key set the pin in
 *      config/pinned-keys.json (dev keys are pinned nowhere); with a chain, each deployed verifier
 *      equals, byte for byte, the verifier compiled from its key (bytecode.ts): only then do the
 *      proofs below say anything about what the chain checked;
 *   2. proofs: every proof checked by the noble verifier (groth16.ts) AND by snarkjs; a noble
 *      rejection (malformed or failing pairing) is decisive; different verdicts are a failure;
 *   3. commitments (check-commitments.ts): both domains; the seed drawn again from the commit
 *      (chains, S, batch counts, model hash), F, m, the exclusion set and the pool; every batch's
 *      carried values, rho, digest and public signals [chainOut, digest, seed, rho]; the chains
 *      end at the commit, the registration fold at the registry's F; sums = S; both identities on
 *      the batch values. With the tables: the claim and payout tables re-committed and the
 *      registration table rebuilt batch by batch, every value compared. From the chain: partial;
 *   4. policy (check-policy.ts): each kept registration's claims re-hash to its C_j with its
 *      sender and salt, F re-folds, the exclusion set is the registrations marked excluded (no
 *      claims, zero rows), and the reward policy (earliest registrant credited, clip, sum per
 *      registration, floor split) re-run gives the three tables and the evidence as recorded;
 *      both identities on the tables. From the chain: partial (payout word j pays registration
 *      j's sender, excluded ones 0, F re-folded from the Registered events);
 * Checks 3 and 4 and the chain's signals run on verify/model/, the skeptic's own model written
 * apart from the prover's witness/ (no import of witness/ or prover/ under verify/): a bug there
 * is caught, not reproduced;
 *   5. payouts: what this epoch's releases paid each address (settlement.json paid: the token's
 *      Transfers from the settlement and PayoutDeferred credits in the releases) equals the sum of
 *      its rows' rewards (an address that registered twice has two rows), and the epoch's pool
 *      kept exactly the dust. Payments, not balances: they hold on a deployment shared by many
 *      epochs. The chain check compares them with the chain itself;
 *   6. validation: the revealed validation set is the committed one and no paid example copies
 *      it (validation.ts; near copies with the data, the chain's reveal with --rpc);
 *   7. scores: with scoresFile, every claim and fixed-point score equals the given examples file
 *      exactly (scores.ts); with data and model, the scores are recomputed (recompute.ts);
 *   8. chain (with a chain): EpochOpened, the live EpochCommitted (after any ExclusionContested),
 *      no EpochForfeited or EpochCancelled, calldata proofs and values of the three batch kinds, the Registered
 *      events, payout words and transfers (chain.ts).
 */
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config as defaultConfig, type ProtocolConfig } from "../config/index.ts";
import { pinOf } from "../circuits/ceremony/index.ts";
import { checkVerifierBytecode } from "./bytecode.ts";
import { compareWithChain, checkChainIdentity } from "./chain.ts";
import { checkCommitments } from "./check-commitments.ts";
import { checkPolicy } from "./check-policy.ts";
import { contributorView, type ContributorView } from "./contributor.ts";
import { checkDeliveryReceipt, type DeliveryReceiptCheck } from "./delivery-receipt.ts";
import { checkReceipt, type ReceiptCheck } from "./receipt.ts";
import { readChainEpoch, type ChainEpoch } from "./chain-read.ts";
import { loadKeyTexts, recordFromChain, type KeySource } from "./chain-record.ts";
import type { CheckResult } from "./check-result.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import { VerifyError } from "./errors.ts";
import { checkPairing, parseProof, parsePublicSignals, prepareVerifyingKey } from "./groth16.ts";
import { CIRCUIT_KINDS, hasTables, readEpochRecord, type PublicRecord, type RecordedProof } from "./record.ts";
import { recomputeScores, type RecomputeInputs } from "./recompute.ts";
import { compareScores } from "./scores.ts";
import { checkValidation } from "./validation.ts";
import { vkeyHash } from "./vkey-hash.ts";

/** The record source "chain": an epoch of a settlement contract, read from a JSON-RPC node. */
export interface ChainSource {
  readonly rpcUrl: string;
  readonly settlement: string;
  readonly epoch: bigint;
  /** Where the verification keys come from (not on chain); default: this project's dev keys on chain 31337, the ceremony keys elsewhere. */
  readonly keys?: KeySource;
}

export interface VerifyEpochOptions {
  readonly config?: ProtocolConfig;
  /** Also check every proof with snarkjs (default true); the caller terminates its curve. */
  readonly snarkjs?: boolean;
  /** config/pinned-keys.json by default. */
  readonly pinsFile?: string;
  /** An examples file (attribution/'s examples.csv) whose claims and scores must equal the record's. */
  readonly scoresFile?: string;
  /** The data file and model file to recompute the scores from (recompute.ts). */
  readonly recompute?: RecomputeInputs;
  /** A JSON-RPC node of the directory's chain: also compare the deployed contracts and events (chain.ts). */
  readonly rpcUrl?: string;
  /** An address: add its view (contributor.ts) to the report, once every check passed. */
  readonly contributor?: string;
  /** With contributor: its registration receipt, checked against the record (receipt.ts). */
  readonly receipt?: string;
  /** With receipt: the trainer's Delivery receipt for it, checked against the record and the chain (delivery-receipt.ts). */
  readonly deliveryReceipt?: string;
}

export interface EpochReport {
  /** The epoch directory, or the chain, settlement and epoch. */
  readonly source: string;
  readonly epoch: bigint;
  readonly ok: true;
  readonly checks: readonly CheckResult[];
  /** The view of options.contributor. */
  readonly contributor?: ContributorView;
  /** The check of options.receipt. */
  readonly receipt?: ReceiptCheck;
  /** The check of options.deliveryReceipt. */
  readonly deliveryReceipt?: DeliveryReceiptCheck;
  readonly ms: number;
}

const hex = (v: bigint, digits: number) => `0x${v.toString(16).padStart(digits, "0")}`;
const NO_TABLES = "the chain holds the tables' commitments, not the tables: give the epoch directory";

/** The record and, when there is one, the chain, from `source`. */
async function load(source: string | ChainSource, options: VerifyEpochOptions): Promise<{ record: PublicRecord; chain?: ChainEpoch }> {
  if (typeof source === "string") {
    const record = readEpochRecord(source);
    return {
      record,
      ...(options.rpcUrl === undefined ? {} : { chain: await readChainEpoch(options.rpcUrl, record.settlement, record.epoch) }),
    };
  }
  const chain = await readChainEpoch(source.rpcUrl, source.settlement, source.epoch);
  const keys = source.keys ?? { keySet: chain.chainId === 31337n ? "dev" : "ceremony" };
  return { record: recordFromChain(chain, await loadKeyTexts(keys, chain), options.config ?? defaultConfig), chain };
}

/**
 * Verifies an epoch from an epoch directory (`source` a path) or from the chain alone (a
 * ChainSource); returns the report or throws the first EpochVerifyError.
 */
export async function verifyEpoch(source: string | ChainSource, options: VerifyEpochOptions = {}): Promise<EpochReport> {
  const start = performance.now();
  const { record, chain } = await load(source, options);
  const config = recordConfig(record, options.config ?? defaultConfig);
  const checks: CheckResult[] = [
    checkKeys(record, options.pinsFile, chain),
    await checkProofs(record, options.snarkjs ?? true),
    checkCommitments(record, config),
    checkPolicy(record, config),
    checkPayouts(record),
    await checkValidation(record, {
      ...(options.recompute ? { dataFile: options.recompute.dataFile } : {}),
      ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}),
    }),
    await checkScores(record, options, config),
    chain === undefined
      ? { check: "chain", status: "skipped", detail: "deployed verifiers and events not compared (give --rpc URL)" }
      : compareWithChain(record, chain, config),
  ];
  // The exclusion set from the chain when it was read: the live commit's, what was verified.
  const view =
    options.contributor === undefined
      ? undefined
      : contributorView(record, options.contributor, config, chain?.commit ? { chainExclusion: chain.commit.exclusion } : {});
  const receipt =
    options.receipt === undefined || options.contributor === undefined
      ? undefined
      : checkReceipt(record, options.receipt, options.contributor, options.deliveryReceipt);
  const deliveryReceipt =
    receipt === undefined || options.deliveryReceipt === undefined
      ? undefined
      : await checkDeliveryReceipt(record, options.deliveryReceipt, options.contributor!, receipt.order, chain);
  return {
    source: record.source,
    epoch: record.epoch,
    ok: true,
    checks,
    ...(view ? { contributor: view } : {}),
    ...(receipt ? { receipt } : {}),
    ...(deliveryReceipt ? { deliveryReceipt } : {}),
    ms: performance.now() - start,
  };
}

async function checkScores(record: PublicRecord, options: VerifyEpochOptions, config: ProtocolConfig): Promise<CheckResult> {
  if (options.scoresFile === undefined && options.recompute === undefined) {
    return {
      check: "scores",
      status: "skipped",
      detail: "scores neither compared (--scores FILE) nor recomputed (--data FILE --model FILE)",
    };
  }
  if (!hasTables(record))
    throw new EpochVerifyError("RECORD_MALFORMED", "scores", `scores cannot be compared: ${NO_TABLES}`, {
      file: "chain",
      field: "examples",
    });
  const compared = options.scoresFile === undefined ? undefined : compareScores(record, options.scoresFile, config);
  const recomputed = options.recompute === undefined ? undefined : await recomputeScores(record, options.recompute);
  return { check: "scores", status: "pass", detail: [compared?.detail, recomputed?.detail].filter(Boolean).join("; ") };
}

/** The protocol config with the widths the record was made with. */
export function recordConfig(record: PublicRecord, base: ProtocolConfig): ProtocolConfig {
  return {
    ...base,
    widths: { ...base.widths, ...(record.widths ?? {}) },
    hash: { chainAbsorbWidth: record.chainAbsorbWidth ?? base.hash.chainAbsorbWidth },
    registrationBatch: { ...base.registrationBatch, chunk: record.registrationChunk ?? base.registrationBatch.chunk },
  };
}

function checkKeys(record: PublicRecord, pinsFile?: string, chain?: ChainEpoch): CheckResult {
  const details: string[] = [];
  // The verifiers compared below must be the ones the settlement calls, at the record's addresses.
  if (chain) checkChainIdentity(record, chain);
  for (const kind of CIRCUIT_KINDS) {
    const file = `${kind}_verification_key.json`;
    const text = record.keyTexts[kind];
    const circuit = record.circuits[kind];
    const actual = vkeyHash(text);
    const fail = (what: string, expected: string, f = file, field = "vkeyHash"): never => {
      throw new EpochVerifyError("VKEY_MISMATCH", "vkeys", `${f}: ${what}`, { file: f, field, expected, got: actual });
    };
    if (actual !== circuit.vkeyHash)
      fail(`sha256 ${actual} is not epoch.json circuits.${kind}.vkeyHash ${circuit.vkeyHash}`, circuit.vkeyHash);
    // Proof files name their key; proofs rebuilt from calldata do not (the bytecode binds them).
    for (const p of hasTables(record) ? record.proofs[kind] : []) {
      if (p.json.vkeyHash !== actual)
        fail(`was proved under key ${String(p.json.vkeyHash)}, the record's key is ${actual}`, actual, p.file);
      if (p.json.circuit !== circuit.name) {
        throw new EpochVerifyError(
          "VKEY_MISMATCH",
          "vkeys",
          `${p.file}: circuit ${String(p.json.circuit)}, epoch.json says ${circuit.name}`,
          { file: p.file, field: "circuit" },
        );
      }
    }
    const bound = hasTables(record) ? "= epoch.json = proofs" : `(keys: ${circuit.keySet})`;
    if (circuit.keySet === "ceremony") {
      const pinned = pinOf("ceremony", circuit.name, ...(pinsFile ? [pinsFile] : [])).vkeyHash;
      if (actual !== pinned) fail(`sha256 ${actual} is not the ceremony pin ${pinned} of ${circuit.name}`, pinned);
      details.push(`${circuit.name}: ${actual.slice(0, 12)}… ${bound} = ceremony pin`);
    } else {
      details.push(`${circuit.name}: ${actual.slice(0, 12)}… ${bound}, pinned nowhere`);
    }
    if (chain) {
      checkVerifierBytecode(kind, chain.contracts[`${kind}Verifier`], chain.verifierCode[kind], text, circuit.name, file);
      details.push(`the deployed ${kind} verifier is the one compiled from it, byte for byte`);
    }
  }
  return { check: "vkeys", status: "pass", detail: details.join("; ") };
}

async function checkProofs(record: PublicRecord, withSnarkjs: boolean): Promise<CheckResult> {
  let count = 0;
  for (const kind of CIRCUIT_KINDS) {
    const keyFile = `${kind}_verification_key.json`;
    const keyJson: unknown = JSON.parse(record.keyTexts[kind]);
    let key;
    try {
      key = prepareVerifyingKey(keyJson);
    } catch (error) {
      if (!(error instanceof VerifyError)) throw error;
      throw new EpochVerifyError("PROOF_MALFORMED", "proofs", `${keyFile}: ${error.message}`, {
        file: keyFile,
        field: error.field,
        cause: error.code,
      });
    }
    for (const p of record.proofs[kind]) {
      const noble = nobleVerdict(p, key);
      const snark = withSnarkjs ? await snarkjsVerdict(keyJson, p) : noble;
      if (noble !== snark) {
        throw new EpochVerifyError("VERIFIERS_DISAGREE", "proofs", `${p.file}: noble says ${noble}, snarkjs says ${snark}`, {
          file: p.file,
        });
      }
      if (!noble)
        throw new EpochVerifyError("PROOF_INVALID", "proofs", `${p.file}: the pairing check fails (noble and snarkjs agree)`, {
          file: p.file,
          field: "proof",
        });
      count++;
    }
  }
  return {
    check: "proofs",
    status: "pass",
    detail: `${count} proofs verified by noble${withSnarkjs ? " and snarkjs" : " (snarkjs not run)"}`,
  };
}

function nobleVerdict(p: RecordedProof, key: ReturnType<typeof prepareVerifyingKey>): boolean {
  try {
    return checkPairing(key, parseProof(p.json.proof), parsePublicSignals(p.json.publicSignals, key.nPublic));
  } catch (error) {
    if (!(error instanceof VerifyError)) throw error;
    // Decisive whatever snarkjs says (it accepts a coordinate + q, for instance).
    throw new EpochVerifyError("PROOF_MALFORMED", "proofs", `${p.file}: ${error.message}`, {
      file: p.file,
      field: error.field,
      cause: error.code,
    });
  }
}

async function snarkjsVerdict(vk: unknown, p: RecordedProof): Promise<boolean> {
  try {
    return await snarkjs.groth16.verify(vk as object, p.json.publicSignals as string[], p.json.proof as Groth16Proof);
  } catch {
    return false;
  }
}

function checkPayouts(record: PublicRecord): CheckResult {
  if (!hasTables(record))
    return {
      check: "payouts",
      status: "skipped",
      detail: "no recorded balances from the chain: the paid amounts are the chain check's Transfer comparison",
    };
  if (!record.paid) return { check: "payouts", status: "skipped", detail: "settlement.json has no payments: the epoch was not released" };
  // An address that registered more than once is paid once per row.
  const due = new Map<bigint, { reward: bigint; rows: number[] }>();
  record.contributors.forEach((c, j) => {
    const d = due.get(c.address) ?? { reward: 0n, rows: [] };
    due.set(c.address, { reward: d.reward + c.reward, rows: [...d.rows, j] });
  });
  for (const [address, { reward, rows }] of due) {
    const paid = record.paid.get(address);
    if (paid !== reward) {
      const which = rows.length === 1 ? `contributors.json row ${rows[0]}` : `contributors.json rows ${rows.join(", ")}`;
      throw new EpochVerifyError(
        "PAYOUT_MISMATCH",
        "payouts",
        `settlement.json: ${hex(address, 40)} (${which}) was paid ${paid}, its reward is ${reward}`,
        { file: "settlement.json", row: rows[0]!, field: "paid", expected: String(reward), got: String(paid) },
      );
    }
  }
  if (record.kept !== record.dust) {
    throw new EpochVerifyError(
      "PAYOUT_MISMATCH",
      "payouts",
      `settlement.json: the epoch kept ${record.kept} of its pool, the dust is ${record.dust}`,
      { file: "settlement.json", field: "kept" },
    );
  }
  return {
    check: "payouts",
    status: "pass",
    detail: `${due.size} payments equal the rewards of their ${record.contributors.length} rows; the epoch keeps the dust ${record.dust}`,
  };
}
