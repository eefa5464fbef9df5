/**
 * The operator's deployment against a standalone `hardhat node` with a key the node does not hold
 * (as on any real network): Ignition's transactions are signed locally by signer-provider.ts and
 * sent raw, a rerun sends nothing, the operator's NonceManager keeps working after Ignition chose
 * the nonces, and the deployment file attaches over JSON-RPC.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonRpcProvider, NonceManager, parseEther, Wallet } from "ethers";
import type { CircuitKeys } from "../circuits/index.ts";
import { attachDeployment, deploySettlement, writeDeploymentFile } from "../verifier-contracts/index.ts";
import type { SettlementVerifiers } from "../verifier-contracts/deploy.ts";
import { testVerifiers } from "./helpers/settlement-fixture.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";

describe("deployment through Hardhat Ignition on a hardhat node, with the operator's own key", () => {
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let scratch: string;
  let keys: { example: CircuitKeys; registration: CircuitKeys; payout: CircuitKeys };
  let verifiers: SettlementVerifiers;

  before(async () => {
    ({ keys, verifiers } = await testVerifiers());
    node = await startHardhatNode();
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
    scratch = mkdtempSync(join(tmpdir(), "deployment-node-test-"));
  });
  after(async () => {
    provider?.destroy();
    node?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("deploys with a key the node does not hold, resumes to nothing on a rerun, and the file attaches over JSON-RPC", async () => {
    const operator = Wallet.createRandom();
    const unlocked = (await provider.send("eth_accounts", [])) as string[];
    assert.ok(!unlocked.map((a) => a.toLowerCase()).includes(operator.address.toLowerCase()), "the node must not hold the operator's key");
    const funder = await provider.getSigner(0);
    await (await funder.sendTransaction({ to: operator.address, value: parseEther("10") })).wait();

    // As scripts/lib/chain.ts connects with OPEN_DEPLOYER_KEY: a Wallet behind a NonceManager.
    // It has sent before (it caches nonce 0 and counts from there).
    const signer = new NonceManager(new Wallet(operator.privateKey, provider));
    await (await signer.sendTransaction({ to: operator.address, value: 0n })).wait();
    const dir = join(scratch, "ignition");
    const d = await deploySettlement(signer, verifiers, { deploymentDir: dir });
    assert.equal(await provider.getTransactionCount(operator.address), 9, "one transfer, then Ignition's eight");
    assert.equal(await d.token.owner(), operator.address, "the development $OPEN belongs to the operator");
    assert.equal(await d.settlement.owner(), operator.address);
    assert.equal(await d.registry.owner(), d.addresses.settlement);

    const again = await deploySettlement(signer, verifiers, { deploymentDir: dir });
    assert.deepEqual(again.addresses, d.addresses);
    assert.equal(await provider.getTransactionCount(operator.address), 9, "a finished deployment sends nothing when run again");

    // Ignition took nonces 1-8 past the NonceManager: it must not reuse one now.
    await (await d.token.mint(operator.address, 5n)).wait();
    assert.equal(await d.token.balanceOf(operator.address), 5n);

    const file = join(scratch, "deployment.json");
    const pin = (k: CircuitKeys) => ({ circuit: k.name, vkey: k.vkey, vkeyHash: k.vkeyHash });
    const written = await writeDeploymentFile(file, dir, {
      keySet: "dev",
      example: pin(keys.example),
      registration: pin(keys.registration),
      payout: pin(keys.payout),
    });
    assert.equal(written.deployer, operator.address);
    const attached = await attachDeployment(file, provider);
    assert.equal(await attached.settlement.token(), d.addresses.token);
    assert.equal(await attached.token.balanceOf(operator.address), 5n);
  });
});
