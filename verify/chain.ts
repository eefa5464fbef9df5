/**
 * The on-chain side of an epoch (--rpc URL), read with minimal hand-written ABIs (no project
 * artifacts), at the contract addresses of epoch.json, compared with the record:
 *   - each deployed verifier's runtime code holds every constant of its verification key (the
 *     snarkjs Solidity template inlines α, β, γ, δ and IC as PUSH constants; values of 200 bits
 *     or more are looked for, i.e. all but a ~2^-50 fraction), else VKEY_MISMATCH;
 *   - the settlement's EpochOpened event: domain, r, pool, S, both commitments and batch counts;
 *     every ExampleBatchVerified / PayoutBatchVerified chainOut equals its proof's; else CHAIN_MISMATCH;
 *   - the registry's Registered events equal registrations.json (order, address, commitment, count);
 *   - the token's Transfer events from the settlement contract in this epoch's BatchReleased
 *     transactions pay each contributor exactly its reward and nobody else (the paid amounts, not
 *     balances), else PAYOUT_MISMATCH.
 * A wrong chain id is CHAIN_MISMATCH. Run after the record checks (verifyEpoch).
 */
import { Contract, JsonRpcProvider, type EventLog } from "ethers";
import { EpochVerifyError } from "./epoch-errors.ts";
import type { CheckResult } from "./epoch.ts";
import type { EpochRecord } from "./record.ts";

const SETTLEMENT_ABI = [
  "event EpochOpened(uint64 indexed epoch, tuple(uint256 pool, uint256 total, uint32 exampleBatches, uint32 payoutBatches, uint256 commitExamples, uint256 commitContributors, bytes32 modelHash) params, uint256 domain, uint256 r)",
  "event ExampleBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut)",
  "event PayoutBatchVerified(uint64 indexed epoch, uint32 batchIndex, uint256 chainOut, bytes32 wordsHash)",
  "event BatchReleased(uint64 indexed epoch, uint32 batchIndex, uint256 paid)",
];
const REGISTRY_ABI = ["event Registered(uint64 indexed epoch, address indexed contributor, uint32 order, bytes32 examplesCommitment, uint32 exampleCount)"];
const TOKEN_ABI = ["event Transfer(address indexed from, address indexed to, uint256 value)"];

const mismatch = (message: string, field: string): never => {
  throw new EpochVerifyError("CHAIN_MISMATCH", "chain", message, { file: "chain", field });
};

/** Every number of a snarkjs verification key that is large enough to be a PUSH32 constant. */
function keyConstants(vk: unknown, path = "vk"): { path: string; value: bigint }[] {
  if (typeof vk === "string" && /^[0-9]+$/.test(vk)) return BigInt(vk) >= 1n << 200n ? [{ path, value: BigInt(vk) }] : [];
  if (Array.isArray(vk)) return vk.flatMap((v, i) => keyConstants(v, `${path}[${i}]`));
  if (typeof vk === "object" && vk !== null) {
    return Object.entries(vk).filter(([k]) => k !== "vk_alphabeta_12").flatMap(([k, v]) => keyConstants(v, `${path}.${k}`));
  }
  return [];
}

/** Compares the chain at `rpcUrl` with `record`; throws the first EpochVerifyError. */
export async function verifyOnChain(record: EpochRecord, rpcUrl: string): Promise<CheckResult> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  try {
    const chainId = (await provider.getNetwork()).chainId;
    if (chainId !== record.chainId) mismatch(`${rpcUrl} is chain ${chainId}, the record is of chain ${record.chainId}`, "chainId");
    const c = record.contracts;
    for (const [kind, address, text] of [["example", c.exampleVerifier, record.exampleKeyText], ["payout", c.payoutVerifier, record.payoutKeyText]] as const) {
      const code = (await provider.getCode(address)).toLowerCase();
      for (const { path, value } of keyConstants(JSON.parse(text))) {
        // solc pushes a constant with as few bytes as it needs (PUSH31 when the top byte is 0).
        const hex = value.toString(16);
        if (!code.includes(hex.length % 2 ? `0${hex}` : hex)) {
          throw new EpochVerifyError("VKEY_MISMATCH", "chain", `the ${kind} verifier at ${address} does not hold ${path} of ${kind}_verification_key.json`, { file: `${kind}_verification_key.json`, field: path });
        }
      }
    }
    const settlement = new Contract(c.settlement, SETTLEMENT_ABI, provider);
    const opened = (await settlement.queryFilter(settlement.filters.EpochOpened!(record.epoch), 0)) as EventLog[];
    if (opened.length !== 1) mismatch(`${opened.length} EpochOpened events for epoch ${record.epoch} at ${c.settlement}`, "EpochOpened");
    const { params, domain, r } = opened[0]!.args;
    const expected: [string, bigint, bigint][] = [
      ["domain", domain, record.domain], ["r", r, record.r], ["pool", params.pool, record.pool], ["total", params.total, record.total],
      ["commitExamples", params.commitExamples, record.commitExamples], ["commitContributors", params.commitContributors, record.commitContributors],
      ["exampleBatches", BigInt(params.exampleBatches), BigInt(record.exampleProofs.length)], ["payoutBatches", BigInt(params.payoutBatches), BigInt(record.payoutProofs.length)],
    ];
    for (const [field, onChain, recorded] of expected) if (onChain !== recorded) mismatch(`EpochOpened ${field} is ${onChain}, the record has ${recorded}`, `EpochOpened.${field}`);
    for (const [name, proofs] of [["ExampleBatchVerified", record.exampleProofs], ["PayoutBatchVerified", record.payoutProofs]] as const) {
      const events = ((await settlement.queryFilter(settlement.filters[name]!(record.epoch), 0)) as EventLog[]);
      const byIndex = new Map(events.map((e) => [Number(e.args.batchIndex), (e.args.chainOut as bigint).toString()]));
      for (const p of proofs) {
        const signal = String((p.json.publicSignals as unknown[])[0]);
        if (byIndex.get(p.index) !== signal) mismatch(`${name} of batch ${p.index}: chainOut ${byIndex.get(p.index)} on chain, ${signal} in ${p.file}`, `${name}[${p.index}]`);
      }
    }
    const registry = new Contract(c.registry, REGISTRY_ABI, provider);
    const registered = ((await registry.queryFilter(registry.filters.Registered!(record.epoch), 0)) as EventLog[])
      .map((e) => ({ contributor: BigInt(e.args.contributor as string), order: Number(e.args.order), commitment: e.args.examplesCommitment as string, count: Number(e.args.exampleCount) }))
      .sort((a, b) => a.order - b.order);
    const recordedRegs = [...record.registrations].sort((a, b) => a.order - b.order);
    if (registered.length !== recordedRegs.length) mismatch(`${registered.length} Registered events, registrations.json has ${recordedRegs.length}`, "Registered");
    registered.forEach((e, i) => {
      const x = recordedRegs[i]!;
      if (e.contributor !== x.contributor || e.order !== x.order || e.commitment !== x.commitment || e.count !== x.count) {
        throw new EpochVerifyError("CHAIN_MISMATCH", "chain", `Registered event of order ${e.order} differs from registrations.json`, { file: "registrations.json", row: i, field: "contributor" });
      }
    });
    // Only the transfers of this epoch's releases (one settlement contract serves many epochs).
    const releases = new Set(((await settlement.queryFilter(settlement.filters.BatchReleased!(record.epoch), 0)) as EventLog[]).map((e) => e.transactionHash));
    const token = new Contract(c.token, TOKEN_ABI, provider);
    const paid = new Map<bigint, bigint>();
    for (const e of (await token.queryFilter(token.filters.Transfer!(c.settlement), 0)) as EventLog[]) {
      if (!releases.has(e.transactionHash)) continue;
      const to = BigInt(e.args.to as string);
      paid.set(to, (paid.get(to) ?? 0n) + (e.args.value as bigint));
    }
    record.contributors.forEach((row, i) => {
      const amount = paid.get(row.address) ?? 0n;
      if (amount !== row.reward) {
        throw new EpochVerifyError("PAYOUT_MISMATCH", "chain", `the settlement paid ${amount} to contributors.json row ${i}, its reward is ${row.reward}`, { file: "contributors.json", row: i, field: "reward", expected: String(row.reward), got: String(amount) });
      }
      paid.delete(row.address);
    });
    if (paid.size > 0) mismatch(`the settlement paid ${paid.size} address(es) outside the contributor table`, "Transfer");
    return { check: "chain", status: "pass", detail: `chain ${chainId}: verifiers hold the keys' constants; EpochOpened, ${record.exampleProofs.length + record.payoutProofs.length} batch events, ${registered.length} registrations and every Transfer from the settlement match the record` };
  } finally {
    provider.destroy();
  }
}
