/**
 * A genuine deployment someone else created and handed to the operator (review round 2, HIGH):
 * every contract this project's creation code and constructor, sent by the attacker (the file's
 * deployer), over the real token (tokenDeployed false), the settlement then given to the operator
 * with Ownable.transferOwnership. With its own rules (1-second windows, one registrant) the pool
 * the operator escrowed was burned or taken. Now attach refuses rules and windows other than
 * config/protocol.json's (DEPLOYMENT_PARAMS_MISMATCH), and a file naming the operator as deployer
 * of transactions it never sent (DEPLOYMENT_CREATION_MISMATCH); with the protocol's rules such a
 * deployment is genuine (its owner, the operator, opens epochs); and the operator's commands refuse
 * a key that is not the settlement's owner (NOT_THE_OPERATOR). The owner is read live: an operator
 * that rotated its key with transferOwnership keeps working (review round 3: checking the file's
 * deployer locked every party out after a rotation).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ZeroHash, type Signer } from "ethers";
import { config } from "../config/index.ts";
import { connectChain, type ChainConnection } from "../protocol/chain.ts";
import { connectDeployment, loadDeployment } from "../protocol/deployment.ts";
import { deployProtocol, deploymentFileIn, openDeploymentEpoch } from "../protocol/operator.ts";
import { handedOverDeployment } from "./helpers/handed-over-deployment.ts";

const sizes = {
  example: config.exampleBatch.testSize,
  registration: config.registrationBatch.testSize,
  payout: config.payoutBatch.testSize,
};
const largestCap = 65_535 * sizes.example;
const withCode = (code: string) => (e: unknown) => {
  assert.equal((e as { code?: unknown }).code, code, String(e));
  return true;
};

describe("a deployment created by someone else and handed to the operator", () => {
  let chain: ChainConnection;
  let dir: string;
  let genuine: Record<string, any>;
  let operator: string;
  let attacker: Signer;

  before(async () => {
    chain = await connectChain(undefined);
    dir = mkdtempSync(join(tmpdir(), "deployment-handover-"));
    // The operator's choice of a larger examples cap (deploy --max-examples-per-epoch): the most
    // example batches of the test size a settlement takes.
    await deployProtocol(chain.signer, sizes, "dev", { dir, registration: { ...config.registration, maxExamplesPerEpoch: largestCap } });
    genuine = JSON.parse(readFileSync(deploymentFileIn(dir), "utf8"));
    operator = await chain.signer.getAddress();
    attacker = chain.signerOf("contributor");
  });
  after(async () => {
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const handedOver = (name: string, windows: Record<string, number>, registration: Record<string, unknown>, deployer: string) =>
    handedOverDeployment({ genuine, attacker, operator, dir }, name, windows, registration, deployer);

  it("its own rules and windows: DEPLOYMENT_PARAMS_MISMATCH, before anything is sent", async () => {
    const file = await handedOver(
      "rules",
      { commitWindowSeconds: 1, contestWindowSeconds: 1, proofWindowSeconds: 1 },
      { ...genuine.registration, feePerExample: "0", maxRegistrants: 1 },
      await attacker.getAddress(),
    );
    await assert.rejects(loadDeployment(file, chain.signer), withCode("DEPLOYMENT_PARAMS_MISMATCH"));
  });

  it("an examples cap below config's: contributors shut out, DEPLOYMENT_PARAMS_MISMATCH naming the field; the operator's larger cap is on chain and accepted", async () => {
    const below = config.registration.maxExamplesPerEpoch - 1;
    const file = await handedOver(
      "small-cap",
      genuine.windows,
      { ...genuine.registration, maxExamplesPerEpoch: below },
      await attacker.getAddress(),
    );
    await assert.rejects(
      loadDeployment(file, chain.signer),
      (e: unknown) => withCode("DEPLOYMENT_PARAMS_MISMATCH")(e) && /registration\.maxExamplesPerEpoch is \d+, below/.test(String(e)),
    );
    const deployment = await loadDeployment(deploymentFileIn(dir), chain.signer);
    assert.equal(genuine.registration.maxExamplesPerEpoch, largestCap);
    assert.equal(await deployment.registry.maxExamplesPerEpoch(), BigInt(largestCap));
  });

  it("config's rules, created by another key and owned by the operator now: genuine code under the protocol's rules, the operator is its owner", async () => {
    // Attach accepts it: the code, the creation and the rules are the protocol's. Not harmless to
    // open epochs on, though: the operator's commands refuse it unless pinned
    // (test/operator-pin.test.ts, OPERATOR_PIN_MISSING).
    const file = await handedOver("owner", genuine.windows, genuine.registration, await attacker.getAddress());
    const deployment = await loadDeployment(file, chain.signer);
    assert.equal(deployment.operator, operator);
  });

  it("the file naming the operator as deployer: transactions the operator never sent, DEPLOYMENT_CREATION_MISMATCH", async () => {
    const file = await handedOver("deployer", genuine.windows, genuine.registration, operator);
    await assert.rejects(loadDeployment(file, chain.signer), withCode("DEPLOYMENT_CREATION_MISMATCH"));
  });

  it("the genuine deployment with another key than its operator's: epoch open refuses (NOT_THE_OPERATOR), nothing sent", async () => {
    const deployment = await connectDeployment(await loadDeployment(deploymentFileIn(dir), chain.signer), attacker);
    const nonce = await chain.provider.getTransactionCount(await attacker.getAddress());
    await assert.rejects(
      openDeploymentEpoch(deployment, { epoch: 1n, pool: 10n ** 18n, trainer: operator, validationCommitment: ZeroHash }),
      withCode("NOT_THE_OPERATOR"),
    );
    assert.equal(await chain.provider.getTransactionCount(await attacker.getAddress()), nonce);
  });
});
