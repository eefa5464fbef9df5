/**
 * settle against a watcher who sees the honest settler's release first and front-runs it with one
 * transaction through a forwarder that also forfeits an abandoned epoch on the same deployment
 * (anyone may burn it after its deadline). Every payee is paid right on chain; the settler's own
 * release reverts AlreadyReleased (a race, skipped with a line); and settle must still count only
 * this epoch's payments: the burn in the same transaction is no payment of it (found by review:
 * settle counted every Transfer of the transaction and failed on every rerun).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  ContractFactory,
  Interface,
  JsonRpcProvider,
  keccak256,
  toUtf8Bytes,
  ZeroHash,
  type InterfaceAbi,
  type Signer,
  type TransactionRequest,
} from "ethers";
import { config } from "../config/index.ts";
import { createProverPool } from "../prover/index.ts";
import { connectChain } from "../protocol/chain.ts";
import { demoContributors } from "../protocol/demo-contributors.ts";
import { deployProtocol, openDeploymentEpoch } from "../protocol/operator.ts";
import { prepareEpoch } from "../protocol/run-epoch.ts";
import { settleEpoch } from "../protocol/settle.ts";
import { proveEpochDir } from "../protocol/trainer/prove.ts";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { registerExamples } from "../verifier-contracts/index.ts";
import { advanceDevelopmentClock } from "../verifier-contracts/settle.ts";
import { verifyEpoch } from "../verify/index.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";

const work = mkdtempSync(join(tmpdir(), "settle-race-"));
const demo = demoContributors();
const hashOf = (label: string) => `0x${keccak256(toUtf8Bytes(label)).slice(2, 34)}`;
let node: HardhatNode | undefined;

after(() => node?.stop());

test("a watcher bundling another epoch's forfeit with this epoch's release: settle completes and counts only this epoch's payments", async () => {
  const lines = ["example,contributor,score"];
  for (let k = 0; k < 2; k++)
    for (let j = 0; j < 2; j++) lines.push(`${hashOf(`race ${k} ${j}`)},${demo[k]!.address},${((k + 1) * 0.01 + j * 0.003).toFixed(6)}`);
  const examplesFile = join(work, "examples.csv");
  writeFileSync(examplesFile, `${lines.join("\n")}\n`);
  const sizes = {
    example: config.exampleBatch.testSize,
    registration: config.registrationBatch.testSize,
    payout: config.payoutBatch.testSize,
  };
  node = await startHardhatNode();
  const chain = await connectChain(node.url);
  const watcherProvider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 250 });
  try {
    const deployment = await deployProtocol(chain.signer, sizes, "dev");
    // Epoch 7: opened and abandoned (one registration never delivered, never committed): burnable after its deadline.
    await openDeploymentEpoch(deployment, {
      epoch: 7n,
      pool: 5n,
      trainer: await chain.signer.getAddress(),
      validationCommitment: ZeroHash,
      mintPool: true,
    });
    await registerExamples(deployment, await watcherProvider.getSigner(6), 7n, [BigInt(hashOf("abandoned"))], { mintFee: true });
    const { dir, validationSet, trainer } = await prepareEpoch(chain, {
      examplesFile,
      pool: 10n ** 21n,
      epoch: 1n,
      outDir: join(work, "epoch"),
      on: { chain, deployment },
      progress: false,
    });
    const prover = createProverPool({ workers: 2 }, config);
    try {
      await proveEpochDir(prover, dir, { progress: false });
    } finally {
      await prover.close();
    }
    const watcher = await watcherProvider.getSigner(5);
    const artifact = await loadContractArtifact("Forwarder");
    const forwarder = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, watcher).deploy();
    await forwarder.waitForDeployment();
    const settlementAbi = new Interface([
      "function release(uint64 epoch, uint32 batchIndex, uint256[] words)",
      "function forfeit(uint64 epoch)",
    ]);
    const release = settlementAbi.getFunction("release")!.selector;
    let frontRun = false;
    const watched = new Proxy(trainer, {
      get(target, prop) {
        if (prop === "sendTransaction") {
          return async (tx: TransactionRequest) => {
            const data = typeof tx.data === "string" ? tx.data : "";
            if (data.startsWith(release) && !frontRun) {
              frontRun = true;
              const [, settleBy] = await deployment.settlement.deadlines(7n);
              await advanceDevelopmentClock(chain.provider, settleBy);
              const bundle = forwarder.interface.encodeFunctionData("forwardAll", [
                String(tx.to),
                [settlementAbi.encodeFunctionData("forfeit", [7n]), data],
              ]);
              await (await watcher.sendTransaction({ to: await forwarder.getAddress(), data: bundle })).wait();
            }
            return target.sendTransaction(tx);
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Signer;
    const logs: string[] = [];
    const settled = await settleEpoch({ ...chain, signer: watched }, deployment, dir, {
      progress: false,
      validationSet,
      log: (m) => logs.push(m),
    });
    assert.ok(frontRun, "the watcher front-ran the release");
    assert.ok(
      logs.some((m) => /release 0: already made by another settler \(AlreadyReleased\)/.test(m)),
      logs.join("\n"),
    );
    for (const c of settled.contributors) assert.equal(c.paid, c.reward, c.address);
    const written = JSON.parse(readFileSync(join(dir, "settlement.json"), "utf8")) as { kept: string };
    assert.equal(BigInt(written.kept), settled.dust);
    assert.equal(JSON.parse(readFileSync(join(dir, "epoch.json"), "utf8")).status, "settled");
    const report = await verifyEpoch(dir, { snarkjs: false });
    assert.equal(report.ok, true);
  } finally {
    watcherProvider.destroy();
    await chain.close();
  }
});
