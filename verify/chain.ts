/**
 * The chain check: a record (an epoch directory, or the chain itself) compared with the chain as
 * chain-read.ts read it. The deployed verifiers are compared byte for byte in the vkeys check
 * (bytecode.ts), before any proof is trusted; this compares the rest:
 *   - chain id, and the token, registry and verifiers the settlement contract actually calls
 *     (its immutables) with the record's contract addresses, else CHAIN_MISMATCH;
 *   - EpochOpened: domain, r, pool, S, both commitments, batch counts, model hash;
 *   - every verified batch: the proof in its transaction's calldata and the public signals the
 *     contract verified it against (rebuilt by chain-record.ts) equal the record's proof file;
 *   - the payout words equal the contributor table's (address, reward) rows, else PAYOUT_MISMATCH;
 *   - the registry's Registered events equal the registrations the policy was run on;
 *   - every release, whoever sent it (an EOA, a forwarder, a multisig): its payments (the token's
 *     Transfers from the settlement and the PayoutDeferred credits of that release, chain-read.ts)
 *     are exactly the non-zero (payee, reward) of its batch's verified words, each once, and its
 *     BatchReleased paid is their sum, else PAYOUT_MISMATCH naming the batch (the contract pays
 *     only the words whose hash it stored at submitPayoutBatch: the release calldata is not read);
 *   - EpochFinalized's dust; the payments of this epoch's releases pay each payee with a positive
 *     reward exactly once, exactly its reward, by a token Transfer or a PayoutDeferred credit
 *     (the pull fallback: a payee whose transfer reverts withdraws later), and nobody else (paid
 *     amounts, not balances), else PAYOUT_MISMATCH.
 * For a record read from the chain the event comparisons hold by construction; the transfers and
 * the dust still check the payouts against the proven words.
 */
import type { ProtocolConfig } from "../config/index.ts";
import { EpochVerifyError } from "./epoch-errors.ts";
import type { CheckResult } from "./epoch.ts";
import type { ChainEpoch, ChainPayment } from "./chain-read.ts";
import { chainProofs } from "./chain-record.ts";
import type { PublicRecord } from "./record.ts";

const mismatch = (message: string, field: string, file = "chain"): never => {
  throw new EpochVerifyError("CHAIN_MISMATCH", "chain", message, { file, field });
};
const same = (a: readonly unknown[], b: readonly unknown[]) => JSON.stringify(a) === JSON.stringify(b);

/** Throws CHAIN_MISMATCH unless the record names the contracts the settlement calls, on the same chain. */
export function checkChainIdentity(record: PublicRecord, chain: ChainEpoch): void {
  if (chain.chainId !== record.chainId) mismatch(`${chain.rpcUrl} is chain ${chain.chainId}, the record is of chain ${record.chainId}`, "chainId");
  for (const name of ["token", "registry", "exampleVerifier", "payoutVerifier", "settlement"] as const) {
    if (chain.contracts[name].toLowerCase() !== record.contracts[name].toLowerCase()) {
      mismatch(`the settlement's ${name} is ${chain.contracts[name]}, the record names ${record.contracts[name]}`, `contracts.${name}`, "epoch.json");
    }
  }
}

/** Compares `record` with `chain`; throws the first EpochVerifyError. */
export function compareWithChain(record: PublicRecord, chain: ChainEpoch, config: Pick<ProtocolConfig, "widths">): CheckResult {
  checkChainIdentity(record, chain);
  const o = chain.opened;
  const expected: [string, unknown, unknown][] = [
    ["domain", o.domain, record.domain], ["r", o.r, record.r], ["pool", o.pool, record.pool], ["total", o.total, record.total],
    ["commitExamples", o.commitExamples, record.commitExamples], ["commitContributors", o.commitContributors, record.commitContributors],
    ["exampleBatches", o.exampleBatches, record.exampleProofs.length], ["payoutBatches", o.payoutBatches, record.payoutProofs.length],
    ["modelHash", o.modelHash, record.modelHash.toLowerCase()],
  ];
  for (const [field, onChain, recorded] of expected) if (onChain !== recorded) mismatch(`EpochOpened ${field} is ${onChain}, the record has ${recorded}`, `EpochOpened.${field}`);

  const rebuilt = chainProofs(chain, config);
  for (const [name, recorded, onChain] of [["ExampleBatchVerified", record.exampleProofs, rebuilt.exampleProofs], ["PayoutBatchVerified", record.payoutProofs, rebuilt.payoutProofs]] as const) {
    for (const p of recorded) {
      const c = onChain.find((x) => x.index === p.index);
      if (!c) mismatch(`${name}: batch ${p.index} (${p.file}) was never verified on chain`, `${name}[${p.index}]`, p.file);
      const signals = (p.json.publicSignals as unknown[]).map(String);
      if (!same(signals, c!.json.publicSignals as string[])) {
        mismatch(`${c!.file} verified public signals ${JSON.stringify(c!.json.publicSignals)}, ${p.file} has ${JSON.stringify(signals)}`, "publicSignals", p.file);
      }
      const proof = p.json.proof as Record<string, unknown>;
      const chainProof = c!.json.proof as Record<string, unknown>;
      if (!["pi_a", "pi_b", "pi_c"].every((k) => same(proof?.[k] as unknown[], chainProof[k] as unknown[]))) mismatch(`${c!.file} carries another proof than ${p.file}`, "proof", p.file);
    }
  }
  rebuilt.payees.forEach((w, i) => {
    const row = record.payees[i];
    if (row?.address !== w.address || row.reward !== w.reward) {
      throw new EpochVerifyError("PAYOUT_MISMATCH", "chain", `payout word ${i} pays ${w.reward} to 0x${w.address.toString(16).padStart(40, "0")}, contributors.json row ${i} says ${row?.reward} to ${row ? `0x${row.address.toString(16).padStart(40, "0")}` : "nobody"}`, { file: "contributors.json", row: i, field: "reward", expected: String(w.reward), got: String(row?.reward) });
    }
  });
  if (rebuilt.payees.length !== record.payees.length) mismatch(`the payout words name ${rebuilt.payees.length} payees, the record ${record.payees.length}`, "words", "contributors.json");

  const regs = [...record.registrations].sort((a, b) => a.order - b.order);
  if (chain.registrations.length !== regs.length) mismatch(`${chain.registrations.length} Registered events, the record has ${regs.length} registrations`, "Registered", "registrations.json");
  chain.registrations.forEach((e, i) => {
    const x = regs[i]!;
    if (e.contributor !== x.contributor || e.order !== x.order || e.commitment !== x.commitment || e.count !== x.count) {
      throw new EpochVerifyError("CHAIN_MISMATCH", "chain", `Registered event of order ${e.order} differs from registrations.json`, { file: "registrations.json", row: i, field: "contributor" });
    }
  });

  if (chain.finalized && chain.finalized.dust !== record.dust) mismatch(`EpochFinalized dust is ${chain.finalized.dust}, the record's is ${record.dust}`, "EpochFinalized.dust");
  checkReleases(chain, config);
  checkPayments(record, chain);
  return {
    check: "chain", status: "pass",
    detail: `chain ${chain.chainId}: EpochOpened, ${chain.exampleBatches.length + chain.payoutBatches.length} verified batches (calldata proofs and signals), ${rebuilt.payees.length} payout words, ${chain.registrations.length} registrations, every payment (Transfer or PayoutDeferred) of ${chain.releases.length} releases pays its batch's words and matches the record`,
  };
}

const hex40 = (v: bigint) => `0x${v.toString(16).padStart(40, "0")}`;

/**
 * Each release paid exactly its batch's verified words: every word with a payee and a non-zero
 * reward once, by a Transfer or a PayoutDeferred credit, nothing else, and BatchReleased's paid is
 * their sum. Each batch is released at most once.
 */
function checkReleases(chain: ChainEpoch, config: Pick<ProtocolConfig, "widths">): void {
  const addressBits = BigInt(config.widths.addressBits);
  const addressMask = (1n << addressBits) - 1n;
  const released = new Set<number>();
  for (const release of chain.releases) {
    const k = release.batchIndex;
    const fail = (message: string, field: string, got?: string, expected?: string): never => {
      throw new EpochVerifyError("PAYOUT_MISMATCH", "chain", `the release of payout batch ${k} (tx ${release.txHash}) ${message}`, { file: "chain", row: k, field, ...(expected === undefined ? {} : { expected }), ...(got === undefined ? {} : { got }) });
    };
    const batch = chain.payoutBatches.find((b) => b.index === k);
    if (!batch) mismatch(`BatchReleased of batch ${k} (tx ${release.txHash}): no payout batch ${k} was verified`, `BatchReleased[${k}]`);
    if (released.has(k)) mismatch(`payout batch ${k} was released twice (again in tx ${release.txHash})`, `BatchReleased[${k}]`);
    released.add(k);
    const due = new Map<bigint, bigint>();
    for (const word of batch!.words) {
      const payee = word & addressMask;
      const reward = word >> addressBits;
      if (payee !== 0n && reward !== 0n) due.set(payee, reward);
    }
    const sum = [...due.values()].reduce((a, b) => a + b, 0n);
    const paidTo = new Set<bigint>();
    for (const p of release.payments) {
      if (paidTo.has(p.payee)) fail(`paid ${hex40(p.payee)} twice (again ${p.kind} ${p.amount}), once is its due`, `release[${k}].payments`, String(p.amount));
      const reward = due.get(p.payee);
      if (reward === undefined) fail(`paid ${p.amount} to ${hex40(p.payee)} (${p.kind}), whom its words do not pay`, `release[${k}].payments`, String(p.amount), "0");
      if (p.amount !== reward) fail(`paid ${p.amount} to ${hex40(p.payee)} (${p.kind}), its word pays ${reward}`, `release[${k}].payments`, String(p.amount), String(reward));
      paidTo.add(p.payee);
      due.delete(p.payee);
    }
    if (due.size > 0) {
      const [payee, reward] = [...due.entries()][0]!;
      fail(`paid nothing to ${hex40(payee)}, its word pays ${reward}${due.size > 1 ? ` (and ${due.size - 1} more unpaid)` : ""}`, `release[${k}].payments`, "0", String(reward));
    }
    if (release.paid !== sum) fail(`emitted BatchReleased paid ${release.paid}, its words pay ${sum}`, `release[${k}].paid`, String(release.paid), String(sum));
  }
}

/**
 * Every payee with a positive reward got exactly one payment of exactly its reward, a Transfer or
 * a PayoutDeferred credit (never both: that would pay it twice), and nobody else was paid.
 */
function checkPayments(record: PublicRecord, chain: ChainEpoch): void {
  const byPayee = new Map<bigint, ChainPayment[]>();
  for (const p of chain.releases.flatMap((r) => r.payments)) byPayee.set(p.payee, [...(byPayee.get(p.payee) ?? []), p]);
  record.payees.forEach((row, i) => {
    const got = byPayee.get(row.address) ?? [];
    byPayee.delete(row.address);
    const where = { file: "contributors.json", row: i, field: "reward", expected: String(row.reward) };
    if (got.length > (row.reward > 0n ? 1 : 0)) {
      throw new EpochVerifyError("PAYOUT_MISMATCH", "chain", `${hex40(row.address)} (contributors.json row ${i}) was paid ${got.length} times (${got.map((p) => `${p.kind} ${p.amount}`).join(", ")}), once is its due`, { ...where, got: got.map((p) => String(p.amount)).join("+") });
    }
    const amount = got[0]?.amount ?? 0n;
    if (amount !== row.reward) {
      throw new EpochVerifyError("PAYOUT_MISMATCH", "chain", `the settlement paid ${amount} to contributors.json row ${i}${got[0] ? ` (${got[0].kind})` : ""}, its reward is ${row.reward}`, { ...where, got: String(amount) });
    }
  });
  if (byPayee.size > 0) mismatch(`the settlement paid ${byPayee.size} address(es) outside the contributor table, first ${hex40([...byPayee.keys()][0]!)}`, "Transfer");
}
