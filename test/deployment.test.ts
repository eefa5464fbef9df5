/**
 * The operator's deployment through Hardhat Ignition on in-process chains: journaled in a
 * directory and resumed (a rerun sends nothing; a crash mid-deployment resumes without sending a
 * transaction twice), an existing ERC-20 instead of a development $OPEN, and the deployment file
 * derived from Ignition's directory (each contract's creation transaction included), read back
 * strictly and attached (another chain, a chain without the contracts, a corrupted file and a file
 * of the format before creation transactions each refused by name).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContractFactory, type InterfaceAbi } from "ethers";
import { network } from "hardhat";
import { config } from "../config/index.ts";
import type { CircuitKeys } from "../circuits/index.ts";
import { attachDeployment, deploySettlement, readDeploymentFile, writeDeploymentFile } from "../verifier-contracts/index.ts";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import type { SettlementVerifiers } from "../verifier-contracts/deploy.ts";
import type { DeploymentPins } from "../verifier-contracts/deployment-file-format.ts";

import { testVerifiers } from "./helpers/settlement-fixture.ts";
const [E, K, B] = [config.exampleBatch.testSize, config.registrationBatch.testSize, config.payoutBatch.testSize];
type Connection = Awaited<ReturnType<typeof network.create>>;

/** An error with `code` (and a message matching `pattern`), as assert.rejects/throws take it. */
function withCode(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    const e = error as { code?: string; message?: string };
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (pattern) assert.match(e.message ?? "", pattern);
    return true;
  };
}

describe("deployment through Hardhat Ignition", () => {
  let keys: { example: CircuitKeys; registration: CircuitKeys; payout: CircuitKeys };
  let verifiers: SettlementVerifiers;
  let pins: DeploymentPins;
  let scratch: string;
  const connections: Connection[] = [];
  const chain = async (chainId?: number) => {
    const conn = await network.create(chainId === undefined ? undefined : { override: { chainId } });
    connections.push(conn);
    const signers = await conn.ethers.getSigners();
    return { conn, signers, deployer: signers[0]!, nonce: () => conn.ethers.provider.getTransactionCount(signers[0]!.address) };
  };

  before(async () => {
    ({ keys, verifiers } = await testVerifiers());
    const pin = (k: CircuitKeys) => ({ circuit: k.name, vkey: k.vkey, vkeyHash: k.vkeyHash });
    pins = { keySet: "dev", example: pin(keys.example), registration: pin(keys.registration), payout: pin(keys.payout) };
    scratch = mkdtempSync(join(tmpdir(), "deployment-test-"));
  });
  after(async () => {
    for (const conn of connections) await conn.close();
    rmSync(scratch, { recursive: true, force: true });
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("journals the deployment in its directory, and a rerun resumes it: same addresses, no transaction sent", async () => {
    const { deployer, nonce } = await chain();
    const dir = join(scratch, "rerun", "ignition");
    const first = await deploySettlement(deployer, verifiers, { deploymentDir: dir });
    const sent = await nonce();
    assert.equal(sent, 8, "token, Poseidon, registry, three verifiers, settlement and the registry's handover");
    const again = await deploySettlement(deployer, verifiers, { deploymentDir: dir });
    assert.deepEqual(again.addresses, first.addresses);
    assert.equal(await nonce(), sent, "a finished deployment sends nothing when run again");
    assert.deepEqual(again.deployGas, first.deployGas, "gas comes from the journal's transactions");
    const journaled = JSON.parse(readFileSync(join(dir, "deployed_addresses.json"), "utf8")) as Record<string, string>;
    assert.equal(journaled["AttributionProtocol#PayoutSettlement"], first.addresses.settlement);
    assert.equal(await first.registry.owner(), first.addresses.settlement, "the settlement owns the registry");
    assert.equal(await first.token.owner(), deployer.address, "the development $OPEN is the deployer's");
    assert.equal(await first.settlement.payoutBatchSize(), BigInt(B));
  });

  it("resumes a deployment that crashed while waiting for a confirmation without sending any transaction twice", async () => {
    const { deployer, nonce } = await chain();
    const dir = join(scratch, "crash", "ignition");
    // The node connection dies after the fifth transaction is sent, before its receipt is read:
    // what a killed process or a dropped connection leaves behind.
    const node = deployer.provider as unknown as { send(method: string, params: unknown[]): Promise<unknown> };
    const send = node.send.bind(node);
    let sent = 0;
    node.send = async (method, params) => {
      if (method === "eth_sendTransaction") sent += 1;
      if (sent >= 5 && method === "eth_getTransactionReceipt") throw new Error("connection lost");
      return send(method, params);
    };
    await assert.rejects(deploySettlement(deployer, verifiers, { deploymentDir: dir }), /connection lost/);
    node.send = send;
    const before = await nonce();
    assert.ok(before >= 5 && before < 8, `the crash left the deployment unfinished (${before} of 8 sent)`);
    await assert.rejects(
      writeDeploymentFile(join(scratch, "crash", "deployment.json"), dir, pins),
      withCode("DEPLOYMENT_INCOMPLETE", /run deploy again/),
    );
    const d = await deploySettlement(deployer, verifiers, { deploymentDir: dir });
    assert.equal(await nonce(), 8, "each transaction was sent once");
    assert.equal(await d.registry.owner(), d.addresses.settlement);
  });

  it("derives the deployment file from Ignition's directory, reads it back and attaches to the contracts", async () => {
    const { deployer } = await chain();
    const dir = join(scratch, "file", "ignition");
    const file = join(scratch, "file", "deployment.json");
    const d = await deploySettlement(deployer, verifiers, { deploymentDir: dir });
    const written = await writeDeploymentFile(file, dir, pins);
    const read = readDeploymentFile(file);
    assert.deepEqual(read, written);
    assert.equal(read.chainId, 31337n);
    assert.deepEqual(read.contracts, d.addresses);
    assert.equal(read.deployer, deployer.address);
    assert.equal(read.ignition.dir, "ignition");
    assert.equal(read.tokenDeployed, true);
    assert.deepEqual(read.batchSizes, { example: E, registration: K, payout: B });
    assert.deepEqual(read.verifiers.payout, {
      circuit: keys.payout.name,
      contractName: keys.payout.verifierArtifact.contractName,
      vkeyHash: keys.payout.vkeyHash,
    });
    assert.deepEqual(read.registration, config.registration);
    const { commitWindowSeconds, contestWindowSeconds, proofWindowSeconds } = config.settlement;
    assert.deepEqual(read.windows, { commitWindowSeconds, contestWindowSeconds, proofWindowSeconds });
    assert.equal(read.deploymentBlock, 1, "a fresh chain mines the first deployment transaction in block 1");
    assert.equal(read.format, "attribution-prover/deployment/2");
    assert.deepEqual(
      Object.keys(read.creationTransactions).sort(),
      Object.keys(d.addresses).sort(),
      "a creation transaction for each contract, the token included",
    );
    for (const [key, hash] of Object.entries(read.creationTransactions)) {
      const [tx, receipt] = await Promise.all([deployer.provider!.getTransaction(hash!), deployer.provider!.getTransactionReceipt(hash!)]);
      assert.equal(tx?.to, null, `${key}: a creation`);
      assert.equal(tx?.from, deployer.address, key);
      assert.equal(receipt?.contractAddress, d.addresses[key as keyof typeof d.addresses], `${key}: the transaction created it`);
    }
    const attached = await attachDeployment(file, deployer);
    assert.equal(attached.chainId, 31337n);
    assert.equal(await attached.settlement.registry(), d.addresses.registry);
    assert.equal(await attached.registry.feePerExample(), config.registration.feePerExample);
    assert.equal(await attached.token.owner(), deployer.address);
  });

  it("refuses a deployment file on another chain (DEPLOYMENT_CHAIN_MISMATCH) and on a chain without its contracts (DEPLOYMENT_NO_CODE)", async () => {
    const { deployer } = await chain();
    const dir = join(scratch, "chains", "ignition");
    const file = join(scratch, "chains", "deployment.json");
    await deploySettlement(deployer, verifiers, { deploymentDir: dir });
    await writeDeploymentFile(file, dir, pins);
    const other = await chain(4242);
    await assert.rejects(
      attachDeployment(file, other.deployer),
      withCode("DEPLOYMENT_CHAIN_MISMATCH", /chain 31337, the node is chain 4242/),
    );
    const fresh = await chain(); // a restarted development node: same chain id, nothing deployed
    await assert.rejects(attachDeployment(file, fresh.deployer), withCode("DEPLOYMENT_NO_CODE", /no code on chain 31337 at token 0x/));
  });

  it("refuses a missing, truncated or malformed deployment file, naming the file and the field", async () => {
    const { deployer } = await chain();
    const dir = join(scratch, "corrupt", "ignition");
    const file = join(scratch, "corrupt", "deployment.json");
    await deploySettlement(deployer, verifiers, { deploymentDir: dir });
    await writeDeploymentFile(file, dir, pins);
    const good = readFileSync(file, "utf8");
    const variant = (name: string, edit: (json: Record<string, any>) => void) => {
      const json = JSON.parse(good) as Record<string, any>;
      edit(json);
      const path = join(scratch, "corrupt", `${name}.json`);
      writeFileSync(path, JSON.stringify(json));
      return path;
    };
    const missing = join(scratch, "corrupt", "nowhere.json");
    assert.throws(() => readDeploymentFile(missing), { name: "DeploymentError", code: "DEPLOYMENT_FILE_MISSING", file: missing });
    const truncated = join(scratch, "corrupt", "truncated.json");
    writeFileSync(truncated, good.slice(0, good.length / 2));
    assert.throws(() => readDeploymentFile(truncated), { code: "DEPLOYMENT_FILE_NOT_JSON", file: truncated });
    const cases: Array<[string, (json: Record<string, any>) => void, string]> = [
      ["no-settlement", (j) => delete j.contracts.settlement, "contracts.settlement"],
      ["size-as-string", (j) => (j.batchSizes.payout = String(j.batchSizes.payout)), "batchSizes.payout"],
      [
        "bad-checksum",
        (j) => (j.contracts.registry = j.contracts.registry.replace(/[a-f]/, (c: string) => c.toUpperCase())),
        "contracts.registry",
      ],
      ["chain-as-number", (j) => (j.chainId = 31337), "chainId"],
      ["other-format", (j) => (j.format = "attribution-prover/deployment/0"), "format"],
      ["no-vkey-hash", (j) => delete j.verifiers.example.vkeyHash, "verifiers.example.vkeyHash"],
      ["no-settlement-creation", (j) => delete j.creationTransactions.settlement, "creationTransactions.settlement"],
      [
        "short-creation",
        (j) => (j.creationTransactions.poseidon = j.creationTransactions.poseidon.slice(0, 40)),
        "creationTransactions.poseidon",
      ],
      ["bad-fee", (j) => (j.registration.feePerExample = -1), "registration.feePerExample"],
    ];
    for (const [name, edit, field] of cases) {
      const path = variant(name, edit);
      assert.throws(
        () => readDeploymentFile(path),
        (error: unknown) => {
          const e = error as { code?: string; file?: string; field?: string; message: string };
          assert.equal(e.code, "DEPLOYMENT_FILE_FIELD", `${name}: ${e.message}`);
          assert.equal(e.field, field, name);
          assert.equal(e.file, path, name);
          assert.ok(e.message.startsWith(`${path}: ${field}: expected`), e.message);
          return true;
        },
      );
    }
    // The format before creation transactions: refused by name, with what to do (not read without
    // them: a tampered file would name it to skip their check).
    const old = variant("format-1", (j) => {
      j.format = "attribution-prover/deployment/1";
      delete j.creationTransactions;
    });
    assert.throws(() => readDeploymentFile(old), {
      name: "DeploymentError",
      code: "DEPLOYMENT_FILE_OUTDATED",
      file: old,
      field: "format",
      message: `${old} is a deployment file of format attribution-prover/deployment/1, which does not record the contracts' creation transactions: the operator runs deploy again with the same --out folder (Ignition resumes the finished deployment and sends nothing) to rewrite it as attribution-prover/deployment/2`,
    });
    // Well formed, but the settlement at that address was built for other sizes than the file
    // says: its code holds them (immutables), so the code comparison names the one that differs.
    const lying = variant("lying", (j) => (j.batchSizes.payout = B + 1));
    const word = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
    await assert.rejects(
      attachDeployment(lying, deployer),
      withCode(
        "DEPLOYMENT_CODE_MISMATCH",
        new RegExp(
          `contracts.settlement 0x[0-9a-fA-F]{40} is not this project's PayoutSettlement with the immutables the file gives: immutable PayoutSettlement.payoutBatchSize at byte \\d+ is ${word(B)}, expected ${word(B + 1)}$`,
        ),
      ),
    );
  });

  it("uses an existing ERC-20 given as the token: no $OPEN deployed, the registry and the settlement take that token", async () => {
    const { deployer, nonce } = await chain();
    const artifact = await loadContractArtifact("OpenToken");
    const existing = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, deployer).deploy(deployer.address);
    await existing.waitForDeployment();
    const token = await existing.getAddress();
    const before = await nonce();
    const dir = join(scratch, "token", "ignition");
    const file = join(scratch, "token", "deployment.json");
    const d = await deploySettlement(deployer, verifiers, { deploymentDir: dir, token });
    assert.equal(await nonce(), before + 7, "Poseidon, registry, three verifiers, settlement, handover: no token");
    assert.equal(d.addresses.token, token);
    assert.equal(d.deployGas.token, 0n);
    assert.equal(await d.settlement.token(), token);
    assert.equal(await d.registry.feeToken(), token);
    const written = await writeDeploymentFile(file, dir, pins);
    assert.equal(written.tokenDeployed, false);
    assert.equal(written.contracts.token, token);
    assert.equal(written.creationTransactions.token, undefined, "the deployment did not create the token");
    assert.equal(Object.keys(written.creationTransactions).length, 6);
    assert.equal((await attachDeployment(file, deployer)).deployment.contracts.token, token);
    // The journal holds this token: resuming with another (or with none) would mix deployments.
    await assert.rejects(
      deploySettlement(deployer, verifiers, { deploymentDir: dir }),
      withCode("IGNITION_RECONCILIATION", /AttributionProtocol#Token/),
    );
    const sentBefore = await nonce();
    await assert.rejects(
      deploySettlement(deployer, verifiers, { deploymentDir: dir, token: d.addresses.settlement }),
      withCode("IGNITION_RECONCILIATION"),
    );
    assert.equal(await nonce(), sentBefore, "a refused resume sends nothing");
  });

  it("refuses a token address without code before sending anything (TOKEN_NOT_A_CONTRACT)", async () => {
    const { deployer, signers, nonce } = await chain();
    await assert.rejects(
      deploySettlement(deployer, verifiers, { token: signers[5]!.address }),
      withCode("TOKEN_NOT_A_CONTRACT", new RegExp(`token ${signers[5]!.address} has no code on chain 31337`)),
    );
    assert.equal(await nonce(), 0);
  });

  it("refuses to write a deployment file whose pins are not the keys of the verifiers Ignition deployed", async () => {
    const { deployer } = await chain();
    const dir = join(scratch, "pins", "ignition");
    await deploySettlement(deployer, verifiers, { deploymentDir: dir });
    const swapped = { ...pins, payout: { ...pins.payout, vkey: keys.example.vkey, vkeyHash: keys.example.vkeyHash } };
    await assert.rejects(writeDeploymentFile(join(scratch, "pins", "deployment.json"), dir, swapped), withCode("VERIFIER_NOT_PINNED"));
  });
});
