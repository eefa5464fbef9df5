/**
 * Anyone may call PayoutSettlement.finalize and release, directly or through a contract. An honest
 * epoch (registered, committed, the contest window waited out, every claim, registration and
 * payout batch submitted by the owner directly) whose finalize and releases an outsider made
 * through a forwarder contract must verify from the chain: finalize and release 0 in one
 * `forwardAll` transaction (the settlement's EpochFinalized and ModelLineage logged before the
 * release's payments), release 1 by `forward`, releases 2 and 3 in one `forwardAll`. The skeptic
 * reads EpochFinalized and each release from its events and the payments logged with it, not from
 * the calldata (before, such an epoch failed forever with CHAIN_MISMATCH, "not a direct release
 * call"). A forged payment still fails, named by its batch.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  ContractFactory,
  Interface,
  JsonRpcProvider,
  keccak256,
  toUtf8Bytes,
  type InterfaceAbi,
  type Signer,
  type TransactionRequest,
} from "ethers";
import { config } from "../config/index.ts";
import { createProverPool } from "../prover/index.ts";
import { connectChain } from "../protocol/chain.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { proveEpochDir } from "../protocol/trainer/prove.ts";
import { settleEpoch } from "../protocol/settle.ts";
import { prepareEpoch } from "../protocol/run-epoch.ts";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { EpochVerifyError, verifyEpoch, type ChainSource } from "../verify/index.ts";
import { readChainEpoch } from "../verify/chain-read.ts";
import { compareWithChain } from "../verify/chain.ts";
import { readEpochRecord } from "../verify/record.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";
import { runCli } from "./helpers/cli.ts";

const B = config.payoutBatch.testSize;
const work = mkdtempSync(join(tmpdir(), "verify-forwarder-"));
const dir = join(work, "epoch");
const demo = demoContributors();
const contributors = 3 * B + 1; // 4 payout batches
const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;

let node: HardhatNode | undefined;
let chain: ChainSource;
/** Transactions the outsider sent to the forwarder, by what they released. */
const forwarded: { batches: number[]; hash: string; finalize: boolean }[] = [];

function examplesFile(): string {
  const lines = ["example,contributor,score"];
  for (let k = 0; k < contributors; k++)
    for (let j = 0; j < 2; j++)
      lines.push(`${hashOf(`forwarder ${k} ${j}`)},${demo[k]!.address},${((k + 1) * 0.01 + j * 0.003).toFixed(6)}`);
  const file = join(work, "examples.csv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

before(async () => {
  node = await startHardhatNode();
  const options = {
    examplesFile: examplesFile(),
    pool: 10n ** 24n + 5n,
    exampleBatchSize: config.exampleBatch.testSize,
    registrationBatchSize: config.registrationBatch.testSize,
    payoutBatchSize: B,
    outDir: dir,
    rpcUrl: node.url,
    workers: 2,
    progress: false,
  };
  const connection = await connectChain(node.url);
  const outsiderProvider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 250 });
  try {
    const { dir: epochDir, validationSet, deployment } = await prepareEpoch(connection, options);
    const prover = createProverPool({ workers: 2 }, config);
    try {
      await proveEpochDir(prover, epochDir, { progress: false });
    } finally {
      await prover.close();
    }
    // An outsider (the node's second account, not the owner) deploys a forwarder and makes the
    // finalize and every release through it: finalize with release 0, release 1 alone, 2 and 3 together.
    const outsider = await outsiderProvider.getSigner(1);
    const artifact = await loadContractArtifact("Forwarder");
    const forwarder = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, outsider).deploy();
    await forwarder.waitForDeployment();
    const settlementAbi = new Interface([
      "function release(uint64 epoch, uint32 batchIndex, uint256[] words)",
      "function finalize(uint64 epoch)",
    ]);
    const release = settlementAbi.getFunction("release")!.selector;
    const finalize = settlementAbi.getFunction("finalize")!.selector;
    const send = async (data: string, batches: number[], withFinalize = false) => {
      const tx = await outsider.sendTransaction({ to: await forwarder.getAddress(), data });
      forwarded.push({ batches, hash: tx.hash, finalize: withFinalize });
      return tx;
    };
    const owner = connection.signer;
    let held = "";
    /** The owner's call is held for a later forwarded transaction: the owner's is a no-op transaction. */
    const hold = (data: string) => {
      held = data;
      return outsider.sendTransaction({ to: outsider.getAddress(), value: 0n });
    };
    const routed = new Proxy(owner, {
      get(target, prop) {
        if (prop === "sendTransaction") {
          return async (tx: TransactionRequest) => {
            const data = typeof tx.data === "string" ? tx.data : "";
            const to = String(tx.to);
            if (data.startsWith(finalize)) return hold(data);
            if (!data.startsWith(release)) return target.sendTransaction(tx);
            const [, batchIndex] = settlementAbi.decodeFunctionData("release", data);
            if (batchIndex === 0n) return send(forwarder.interface.encodeFunctionData("forwardAll", [to, [held, data]]), [0], true);
            if (batchIndex === 1n) return send(forwarder.interface.encodeFunctionData("forward", [to, data]), [1]);
            if (batchIndex === 2n) return hold(data);
            if (batchIndex === 3n) return send(forwarder.interface.encodeFunctionData("forwardAll", [to, [held, data]]), [2, 3]);
            return target.sendTransaction(tx);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Signer;
    const settled = await settleEpoch({ ...connection, signer: routed }, deployment, epochDir, { progress: false, validationSet });
    chain = { rpcUrl: node.url, settlement: settled.addresses.settlement, epoch: settled.epoch };
  } finally {
    outsiderProvider.destroy();
    await connection.close();
  }
});

after(async () => {
  node?.stop();
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

test("a finalize and releases an outsider made through a forwarder (finalize with a release, one release alone, two in one transaction) verify from the chain alone, and from the directory with --rpc", async () => {
  assert.deepEqual(
    forwarded.map((f) => [f.finalize, f.batches]),
    [
      [true, [0]],
      [false, [1]],
      [false, [2, 3]],
    ],
  );
  const onChain = await readChainEpoch(chain.rpcUrl, chain.settlement, chain.epoch);
  assert.deepEqual(
    onChain.releases.map((r) => r.batchIndex),
    [0, 1, 2, 3],
  );
  for (const f of forwarded) for (const k of f.batches) assert.equal(onChain.releases.find((r) => r.batchIndex === k)!.txHash, f.hash);
  const provider = new JsonRpcProvider(chain.rpcUrl);
  try {
    const tx = await provider.getTransaction(forwarded[0]!.hash);
    assert.notEqual(tx!.to!.toLowerCase(), chain.settlement.toLowerCase(), "the release was not a direct settlement call");
    const finalized = new Interface(["event EpochFinalized(uint64 indexed epoch, uint256 paid, uint256 dust)"]);
    const logs = (await provider.getTransactionReceipt(forwarded[0]!.hash))!.logs.filter(
      (l) => l.address.toLowerCase() === chain.settlement.toLowerCase(),
    );
    assert.ok(
      logs.some((l) => finalized.parseLog(l)?.name === "EpochFinalized"),
      "the epoch was finalized in the forwarded transaction of release 0",
    );
  } finally {
    provider.destroy();
  }
  for (const r of onChain.releases)
    assert.equal(r.payments.length, onChain.payoutBatches[r.batchIndex]!.words.filter((w) => w !== 0n).length);
  const fromChain = await verifyEpoch(chain, { snarkjs: false });
  assert.equal(fromChain.checks.find((c) => c.check === "chain")!.status, "pass");
  const fromDir = await verifyEpoch(dir, { snarkjs: false, rpcUrl: chain.rpcUrl });
  assert.equal(fromDir.checks.find((c) => c.check === "chain")!.status, "pass");
});

test("npm run verify -- --rpc URL --contract ADDR --epoch N on the forwarded releases: exit 0", async () => {
  const run = await runCli(
    "verify",
    "--rpc",
    chain.rpcUrl,
    "--contract",
    chain.settlement,
    "--epoch",
    String(chain.epoch),
    "--json",
    "--no-snarkjs",
  );
  assert.equal(run.code, 0, run.stdout);
  assert.equal(JSON.parse(run.stdout).ok, true);
});

test("a forged payment in a forwarded release (more to one payee, or a payee left out of the shared transaction) still fails: PAYOUT_MISMATCH naming the batch", async () => {
  const record = readEpochRecord(dir);
  const onChain = await readChainEpoch(chain.rpcUrl, chain.settlement, chain.epoch);
  assert.equal(compareWithChain(record, onChain, config).status, "pass");
  const forge = (
    k: number,
    edit: (payments: (typeof onChain.releases)[number]["payments"]) => (typeof onChain.releases)[number]["payments"],
  ) => ({ ...onChain, releases: onChain.releases.map((r) => (r.batchIndex === k ? { ...r, payments: edit(r.payments) } : r)) });
  const named = (k: number) => (e: unknown) =>
    e instanceof EpochVerifyError && e.code === "PAYOUT_MISMATCH" && e.where.row === k && e.where.field === `release[${k}].payments`;
  assert.throws(
    () =>
      compareWithChain(
        record,
        forge(1, (ps) => ps.map((p, i) => (i === 0 ? { ...p, amount: p.amount + 1n } : p))),
        config,
      ),
    named(1),
  );
  // Batch 3's first payment counted as batch 2's (the two shared a transaction): both are wrong.
  const moved = onChain.releases.find((r) => r.batchIndex === 3)!.payments[0]!;
  const shifted = forge(3, (ps) => ps.slice(1));
  const both = {
    ...shifted,
    releases: shifted.releases.map((r) => (r.batchIndex === 2 ? { ...r, payments: [...r.payments, { ...moved, batchIndex: 2 }] } : r)),
  };
  assert.throws(() => compareWithChain(record, both, config), named(2));
  assert.throws(() => compareWithChain(record, shifted, config), named(3));
});
