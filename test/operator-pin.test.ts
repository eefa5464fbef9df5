/**
 * The operator's commands on a deployment someone else created and handed over (red-team review):
 * attach accepts it (genuine code, creation and rules; test/deployment-handover.test.ts) and its
 * settlement's owner is the operator, so before this fix `epoch open` escrowed the operator's pool
 * there. No pinned trainer or contributor ever uses that settlement; the attacker registers as
 * soon as the epoch opens, so cancelEpoch reverts and the pool is burned at the settle deadline.
 * Now an operator command runs on a deployment its own key created, or on the settlement it pins
 * (--settlement / OPEN_SETTLEMENT): OPERATOR_PIN_MISSING, DEPLOYMENT_PIN_MISMATCH, nothing sent.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NonceManager, parseEther, Wallet, ZeroHash } from "ethers";
import { config } from "../config/index.ts";
import { connectChain, type ChainConnection } from "../protocol/chain.ts";
import { connectDeployment, loadDeployment, type ProtocolDeployment } from "../protocol/deployment.ts";
import { deployProtocol, deploymentFileIn, openDeploymentEpoch } from "../protocol/operator.ts";
import { registerExamples } from "../verifier-contracts/index.ts";
import { runCliWithEnv } from "./helpers/cli.ts";
import { handedOverDeployment } from "./helpers/handed-over-deployment.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";

const sizes = {
  example: config.exampleBatch.testSize,
  registration: config.registrationBatch.testSize,
  payout: config.payoutBatch.testSize,
};
/** Hardhat's development accounts 0 (the operator), 1 (its trainer) and 9 (the attacker). */
const OPERATOR_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TRAINER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const ATTACKER_KEY = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
const POOL = parseEther("5");

describe("the operator's commands on a deployment another key created", () => {
  let node: HardhatNode;
  let chain: ChainConnection;
  let dir: string;
  let genuine: ProtocolDeployment;
  let handedFile: string;
  let operator: string;
  /** One nonce manager for all its transactions (the provider caches nonces for a moment). */
  let attacker: NonceManager;

  before(async () => {
    node = await startHardhatNode();
    chain = await connectChain(node.url, "operator");
    operator = await chain.signer.getAddress();
    dir = mkdtempSync(join(tmpdir(), "operator-pin-"));
    genuine = await deployProtocol(chain.signer, sizes, "dev", { dir });
    attacker = new NonceManager(new Wallet(ATTACKER_KEY, chain.provider));
    const json = JSON.parse(readFileSync(deploymentFileIn(dir), "utf8")) as Record<string, any>;
    handedFile = await handedOverDeployment(
      { genuine: json, attacker, operator, dir },
      "handed",
      json.windows,
      json.registration,
      await attacker.getAddress(),
    );
    // The operator holds real $OPEN for two pools; the attacker its registration fee.
    await (await genuine.token.mint(operator, 2n * POOL)).wait();
    await (await genuine.token.mint(await attacker.getAddress(), parseEther("1"))).wait();
  });
  after(async () => {
    await chain?.close();
    node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const openOn = (file: string, epoch: number, env: Record<string, string>) =>
    runCliWithEnv(
      { OPEN_RPC_URL: node.url, OPEN_OPERATOR_KEY: OPERATOR_KEY, OPEN_SETTLEMENT: "", ...env },
      "epoch",
      "open",
      "--deployment",
      file,
      "--epoch",
      String(epoch),
      "--pool",
      "5",
      "--trainer",
      TRAINER,
      "--validation-commitment",
      `0x${"11".repeat(32)}`,
      "--closes-in",
      "600",
    );

  it("what a pool escrowed there becomes: the attacker registers at once and the operator cannot cancel", async () => {
    const handed = await loadDeployment(handedFile, chain.signer);
    assert.equal(handed.operator, operator, "the settlement's owner is the operator: assertOperator passes");
    await openDeploymentEpoch(handed, { epoch: 1n, pool: POOL, trainer: TRAINER, validationCommitment: ZeroHash });
    const asAttacker = await connectDeployment(handed, attacker);
    await registerExamples({ token: asAttacker.token, registry: asAttacker.registry }, attacker, 1n, [12345n], { salt: 1n });
    await assert.rejects(
      async () => (await handed.settlement.cancelEpoch(1n)).wait(),
      "the pool can no longer be refunded: only a finalize the pinned trainer never makes, or the burn",
    );
    assert.equal(await genuine.token.balanceOf(handed.addresses.settlement), POOL);
  });

  it("epoch open pinned to the published settlement refuses it: DEPLOYMENT_PIN_MISMATCH, nothing sent", async () => {
    const [balance, nonce] = await Promise.all([genuine.token.balanceOf(operator), chain.provider.getTransactionCount(operator)]);
    const run = await openOn(handedFile, 2, { OPEN_SETTLEMENT: genuine.addresses.settlement });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /DEPLOYMENT_PIN_MISMATCH/);
    assert.equal(await genuine.token.balanceOf(operator), balance);
    assert.equal(await chain.provider.getTransactionCount(operator), nonce);
  });

  it("epoch open without a pin refuses a deployment its key did not create: OPERATOR_PIN_MISSING, nothing sent", async () => {
    const [balance, nonce] = await Promise.all([genuine.token.balanceOf(operator), chain.provider.getTransactionCount(operator)]);
    const run = await openOn(handedFile, 2, {});
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /OPERATOR_PIN_MISSING/);
    assert.equal(await genuine.token.balanceOf(operator), balance);
    assert.equal(await chain.provider.getTransactionCount(operator), nonce);
  });

  it("epoch open on the operator's own deployment runs without a pin, and with its own pin", async () => {
    const plain = await openOn(deploymentFileIn(dir), 2, {});
    assert.equal(plain.code, 0, plain.stderr);
    const pinned = await openOn(deploymentFileIn(dir), 3, { OPEN_SETTLEMENT: genuine.addresses.settlement });
    assert.equal(pinned.code, 2, "the pool of a third epoch is not held");
    assert.match(pinned.stderr, /POOL_NOT_HELD/, "past the pin: the deployment was accepted");
  });
});
