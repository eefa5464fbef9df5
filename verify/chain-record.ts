/**
 * The record source "chain": an epoch rebuilt from what the chain holds (chain-read.ts), so that
 * verify/epoch.ts runs the same checks on it as on an epoch directory. Rebuilt exactly as
 * PayoutSettlement did when it verified each batch:
 *   - each proof from its transaction's calldata, back in snarkjs's form;
 *   - each proof's public signals [chainOut, digest, r, rho] from the claim in the calldata and
 *     the contract's running state (the previous batch's chainOut and hashOut, the last payee so
 *     far, EpochOpened's domain, r, pool and S), with the skeptic's own digest model
 *     (model/digest.ts);
 *   - a payout batch's digest from its submitted words: the words the contract stored the hash of
 *     and pays at release (WordsMismatch otherwise), whoever calls release; the chain check
 *     compares each release's payments with them (chain.ts), never the release calldata;
 *   - the payees (address, reward) from those words, the registrations from the registry.
 * The tables are not on chain, only their commitments: the rows cannot be re-committed or the
 * policy re-run from here (epoch.ts says so in its report). Verification keys are not on chain
 * either: they come from a key source (`keys`), and the chain check compares each deployed
 * verifier byte for byte with the one compiled from its key (bytecode.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { exampleCircuitName, payoutCircuitName } from "../circuits/index.ts";
import { loadCircuitKeys, type KeySetName } from "../circuits/ceremony/index.ts";
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import { exampleDigest, payoutDigest, publicSignalsOf } from "./model/index.ts";
import type { CalldataProof, ChainEpoch } from "./chain-read.ts";
import type { PublicRecord, RecordedPayee, RecordedProof } from "./record.ts";
import { checkStatementKeys } from "./statement-keys.ts";
import { vkeyHash } from "./vkey-hash.ts";

/** Verification keys: a directory holding example_ and payout_verification_key.json, or a key set of this project. */
export type KeySource = { readonly dir: string } | { readonly keySet: KeySetName };

export interface KeyTexts {
  readonly example: string;
  readonly payout: string;
  /** For the report and the pin check: "ceremony", "dev" or the directory. */
  readonly origin: string;
}

/** The key texts of both circuits of `chain` from `source`. */
export async function loadKeyTexts(source: KeySource, chain: Pick<ChainEpoch, "exampleBatchSize" | "payoutBatchSize">): Promise<KeyTexts> {
  if ("dir" in source) {
    const read = (kind: string) => {
      const file = join(source.dir, `${kind}_verification_key.json`);
      if (!existsSync(file)) throw new EpochVerifyError("RECORD_MALFORMED", "record", `${file}: missing (--keys DIR must hold example_verification_key.json and payout_verification_key.json)`, { file, field: "(file)" });
      return readFileSync(file, "utf8");
    };
    return { example: read("example"), payout: read("payout"), origin: source.dir };
  }
  const text = async (name: string) => readFileSync((await loadCircuitKeys(name, { keySet: source.keySet })).vkeyPath, "utf8");
  return { example: await text(exampleCircuitName(chain.exampleBatchSize)), payout: await text(payoutCircuitName(chain.payoutBatchSize)), origin: source.keySet };
}

/** Back to snarkjs's form: affine points with z = 1, G2 coefficients in (c0, c1) order. */
function snarkjsProof(p: CalldataProof) {
  const s = (v: bigint) => v.toString();
  return {
    pi_a: [s(p.a[0]), s(p.a[1]), "1"],
    pi_b: [[s(p.b[0][1]), s(p.b[0][0])], [s(p.b[1][1]), s(p.b[1][0])], ["1", "0"]],
    pi_c: [s(p.c[0]), s(p.c[1]), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

const proofName = (kind: string, index: number, txHash: string) => `chain ${kind} batch ${index} (tx ${txHash})`;

/**
 * Every proof of `chain` with the public signals the contract verified it against,
 * and the payees of the payout words, in batch order.
 */
export function chainProofs(chain: ChainEpoch, config: Pick<ProtocolConfig, "widths">): { exampleProofs: RecordedProof[]; payoutProofs: RecordedProof[]; payees: RecordedPayee[] } {
  const { domain, r, pool, total } = chain.opened;
  const signals = (chainOut: bigint, d: { digest: bigint; rho: bigint }) => publicSignalsOf({ chainOut, digest: d.digest, r, rho: d.rho }).map(String);
  const exampleProofs: RecordedProof[] = [];
  let chainIn = 0n;
  let hashIn = 0n;
  for (const b of chain.exampleBatches) {
    const d = exampleDigest(b.chainOut, { chainIn, domain, r, hashIn, hashOut: b.hashOut, scoreSum: b.scoreSum, rlcSum: b.rlcSum });
    exampleProofs.push({ file: proofName("example", b.index, b.txHash), index: b.index, json: { proof: snarkjsProof(b.proof), publicSignals: signals(b.chainOut, d) } });
    chainIn = b.chainOut;
    hashIn = b.hashOut;
  }
  const addressBits = BigInt(config.widths.addressBits);
  const addressMask = (1n << addressBits) - 1n;
  const payoutProofs: RecordedProof[] = [];
  const payees: RecordedPayee[] = [];
  chainIn = 0n;
  let addressIn = 0n;
  for (const b of chain.payoutBatches) {
    const d = payoutDigest(b.chainOut, { chainIn, domain, pool, total, addressIn, amountSum: b.amountSum, r, batchIndex: BigInt(b.index), rlcSum: b.rlcSum }, b.words);
    payoutProofs.push({ file: proofName("payout", b.index, b.txHash), index: b.index, json: { proof: snarkjsProof(b.proof), publicSignals: signals(b.chainOut, d) } });
    // The contract's addressIn of the next batch is the last payee of the words it verified.
    for (const word of b.words) {
      const address = word & addressMask;
      if (address !== 0n) {
        addressIn = address;
        payees.push({ address, reward: word >> addressBits });
      }
    }
    chainIn = b.chainOut;
  }
  return { exampleProofs, payoutProofs, payees };
}

/** The epoch of `chain` as a PublicRecord, with the keys of `keys`. */
export function recordFromChain(chain: ChainEpoch, keys: KeyTexts, config: Pick<ProtocolConfig, "widths">): PublicRecord {
  checkStatementKeys({ exampleKeyText: keys.example, payoutKeyText: keys.payout });
  const { opened } = chain;
  for (const [kind, verified, count] of [["example", chain.exampleBatches.length, opened.exampleBatches], ["payout", chain.payoutBatches.length, opened.payoutBatches]] as const) {
    if (verified !== count) {
      throw new EpochVerifyError("RECORD_MALFORMED", "record", `epoch ${chain.epoch} has ${verified} of ${count} ${kind} batches verified on chain: it is not settled`, { file: "chain", field: `${kind}Batches` });
    }
  }
  const { exampleProofs, payoutProofs, payees } = chainProofs(chain, config);
  const paid = payees.reduce((sum, p) => sum + p.reward, 0n);
  const circuit = (name: string, text: string) => ({ name, vkeyHash: vkeyHash(text), keySet: keys.origin });
  return {
    source: `chain ${chain.chainId} (${chain.rpcUrl}), settlement ${chain.contracts.settlement}, epoch ${chain.epoch}`,
    epoch: chain.epoch, chainId: chain.chainId, settlement: chain.contracts.settlement, contracts: chain.contracts,
    domain: opened.domain, pool: opened.pool, total: opened.total, dust: opened.pool - paid,
    commitExamples: opened.commitExamples, commitContributors: opened.commitContributors, r: opened.r, modelHash: opened.modelHash,
    exampleBatchSize: chain.exampleBatchSize, payoutBatchSize: chain.payoutBatchSize,
    circuits: { example: circuit(exampleCircuitName(chain.exampleBatchSize), keys.example), payout: circuit(payoutCircuitName(chain.payoutBatchSize), keys.payout) },
    registrations: chain.registrations,
    exampleKeyText: keys.example, payoutKeyText: keys.payout,
    exampleProofs, payoutProofs, payees,
  };
}
