/**
 * A tampered deployment file (the file every party's command reads with --deployment) is refused
 * by its contracts' code before anything is sent (regression of a red-team finding: a file naming
 * an attacker's settlement and registry, which answer every getter as the file says, had `epoch
 * open` approve and send the whole pool to the attacker). Each attack below passes the wiring
 * check (the contracts' own getters agree with the file); only the code comparison refuses it:
 *   - the red team's fakes (verifier-contracts/contracts/test/FakeSettlement.sol, FakeRegistry.sol);
 *   - PayoutSettlement's own runtime code with one immutable changed where no getter reads it (an
 *     attacker's constructor can return any runtime code): the payout verifier at the site that
 *     verifies proofs, and EIP712's cached domain separator (no getter at all);
 *   - a genuine PayoutSettlement, built by its own constructor, over a verifier of another circuit.
 * What code cannot show, the registry's owner (storage), the wiring check still refuses. Storage an
 * attacker's constructor wrote is not bound yet: a `todo` case below shows the pool drained.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AbiCoder, Contract, ContractFactory, getCreateAddress, hexlify, keccak256, randomBytes, toBeHex, TypedDataEncoder, zeroPadValue, ZeroHash, type InterfaceAbi, type Signer,
} from "ethers";
import { config } from "../config/index.ts";
import { connectChain, type ChainConnection } from "../protocol/chain.ts";
import { loadDeployment } from "../protocol/deployment.ts";
import { deployProtocol, deploymentFileIn, openDeploymentEpoch } from "../protocol/operator.ts";
import { loadContractArtifact } from "../verifier-contracts/index.ts";
import { expectedRuntime, runtimeTemplate } from "../verifier-contracts/runtime-code.ts";

const sizes = { example: config.exampleBatch.testSize, registration: config.registrationBatch.testSize, payout: config.payoutBatch.testSize };
type Contracts = Record<"token" | "poseidon" | "registry" | "exampleVerifier" | "registrationVerifier" | "payoutVerifier" | "settlement", string>;

/** An error DEPLOYMENT_CODE_MISMATCH about `field` of `file`, its message matching `pattern`. */
function codeMismatch(file: string, field: string, pattern: RegExp) {
  return (error: unknown) => {
    const e = error as { code?: string; file?: string; field?: string; message?: string };
    assert.equal(e.code, "DEPLOYMENT_CODE_MISMATCH", `expected DEPLOYMENT_CODE_MISMATCH, got ${e.code}: ${e.message}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.ok(e.message?.startsWith(`${file}: ${field} 0x`), e.message);
    assert.match(e.message ?? "", pattern);
    return true;
  };
}

/** Creation code that runs `prelude` (bytecode, no 0x) and returns `runtime` as the new contract's code, whatever it is. */
function initcodeReturning(runtime: string, prelude = ""): string {
  const hex2 = (n: number) => n.toString(16).padStart(4, "0");
  // PUSH2 len, DUP1, PUSH2 offset, PUSH1 0, CODECOPY, PUSH1 0, RETURN: 13 bytes, then the runtime.
  return `0x${prelude}61${hex2((runtime.length - 2) / 2)}8061${hex2(prelude.length / 2 + 13)}6000396000f3${runtime.slice(2)}`;
}

async function deployRaw(signer: Signer, runtime: string, prelude = ""): Promise<string> {
  const contract = await new ContractFactory([], initcodeReturning(runtime, prelude), signer).deploy();
  await contract.waitForDeployment();
  return contract.getAddress();
}

describe("a tampered deployment file", () => {
  let chain: ChainConnection;
  let dir: string;
  let genuine: Record<string, any>;
  let c: Contracts;
  let operator: string;
  let attacker: Signer;
  let thief: string;

  before(async () => {
    chain = await connectChain(undefined);
    dir = mkdtempSync(join(tmpdir(), "deployment-tamper-"));
    await deployProtocol(chain.signer, sizes, "dev", { dir });
    genuine = JSON.parse(readFileSync(deploymentFileIn(dir), "utf8"));
    c = genuine.contracts;
    operator = await chain.signer.getAddress();
    attacker = chain.signerOf("contributor");
    thief = await attacker.getAddress();
    assert.notEqual(thief.toLowerCase(), operator.toLowerCase());
  });
  after(async () => {
    await chain?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  /** The genuine file with `contracts` changed, written beside it. */
  function tampered(name: string, contracts: Partial<Contracts>): string {
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ ...genuine, contracts: { ...c, ...contracts } }, null, 2));
    return file;
  }

  /** A genuine ContributorRegistry with the file's rules, handed to `owner` (the attacker's settlement). */
  async function registryOwnedBy(owner: string): Promise<string> {
    const artifact = await loadContractArtifact("ContributorRegistry");
    const r = genuine.registration;
    const registry = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, attacker).deploy(
      c.token, c.poseidon, BigInt(r.feePerExample), r.minWindowSeconds, r.maxRegistrants, r.maxExamplesPerRegistrant, r.maxExamplesPerEpoch);
    await registry.waitForDeployment();
    await (await (registry as unknown as { transferOwnership(a: string): Promise<{ wait(): Promise<unknown> }> }).transferOwnership(owner)).wait();
    return registry.getAddress();
  }

  /**
   * The immutables of a settlement at `settlement` over `registry` that the tampered file gives:
   * the genuine settlement's own (read from its code), re-pointed to the registry and the address.
   */
  async function fileValues(registry: string, settlement: string): Promise<Record<string, string>> {
    const template = await runtimeTemplate("PayoutSettlement");
    const code = await chain.provider.getCode(c.settlement);
    const values: Record<string, string> = {};
    for (const [name, ranges] of template.immutables) {
      const { start } = ranges[0]!;
      values[name] = `0x${code.slice(2 + 2 * start, 2 + 2 * (start + 32))}`;
    }
    const chainId = (await chain.provider.getNetwork()).chainId;
    values["PayoutSettlement.registry"] = zeroPadValue(registry, 32);
    values["EIP712._cachedThis"] = zeroPadValue(settlement, 32);
    values["EIP712._cachedDomainSeparator"] = TypedDataEncoder.hashDomain({ name: "AttributionSettlement", version: "1", chainId, verifyingContract: settlement });
    return values;
  }

  /** A genuine PayoutSettlement (its own constructor) from the attacker, over `registry`, with the file's sizes and windows. */
  async function genuineSettlement(registry: string, payoutVerifier: string): Promise<string> {
    const artifact = await loadContractArtifact("PayoutSettlement");
    const w = genuine.windows;
    const built = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, attacker).deploy(c.token, registry,
      { example: c.exampleVerifier, exampleBatchSize: sizes.example, registration: c.registrationVerifier, registrationBatchSize: sizes.registration, payout: payoutVerifier, payoutBatchSize: sizes.payout },
      { commitWindow: w.commitWindowSeconds, contestWindow: w.contestWindowSeconds, proofWindow: w.proofWindowSeconds });
    await built.waitForDeployment();
    return built.getAddress();
  }

  /** Refused by `loadDeployment` (`check` judges the error) with nothing sent by the operator. */
  async function refusedWithNothingSent(file: string, check: (error: unknown) => boolean): Promise<void> {
    const nonce = await chain.provider.getTransactionCount(operator);
    await assert.rejects(loadDeployment(file, chain.signer), check);
    assert.equal(await chain.provider.getTransactionCount(operator), nonce, "the operator sent nothing");
  }

  it("attaches to the genuine deployment file", async () => {
    const deployment = await loadDeployment(deploymentFileIn(dir), chain.signer);
    assert.equal(deployment.addresses.settlement, c.settlement);
  });

  it("refuses the red team's fake settlement and registry before `epoch open` can approve the pool to them", async () => {
    const [fakeSettlementArtifact, fakeRegistryArtifact] = await Promise.all([loadContractArtifact("FakeSettlement"), loadContractArtifact("FakeRegistry")]);
    const fakeSettlement = await new ContractFactory(fakeSettlementArtifact.abi as InterfaceAbi, fakeSettlementArtifact.bytecode, attacker).deploy(
      [c.token, c.registry, c.exampleVerifier, c.registrationVerifier, c.payoutVerifier], [sizes.example, sizes.registration, sizes.payout], operator, thief);
    await fakeSettlement.waitForDeployment();
    const settlement = await fakeSettlement.getAddress();
    const fakeRegistry = await new ContractFactory(fakeRegistryArtifact.abi as InterfaceAbi, fakeRegistryArtifact.bytecode, attacker).deploy(settlement, c.token, c.poseidon);
    await fakeRegistry.waitForDeployment();
    const registry = await fakeRegistry.getAddress();
    const fake = fakeSettlement as unknown as { setRegistry(a: string): Promise<{ wait(): Promise<unknown> }>; registry(): Promise<string>; payoutBatchSize(): Promise<bigint> };
    await (await fake.setRegistry(registry)).wait();
    assert.equal(await fake.registry(), registry, "the fake answers the wiring check as the file says");
    assert.equal(await fake.payoutBatchSize(), BigInt(sizes.payout));
    const file = tampered("fakes", { settlement, registry });
    const before = await (await loadDeployment(deploymentFileIn(dir), chain.signer)).token.balanceOf(thief);
    await refusedWithNothingSent(file, codeMismatch(file, "contracts.settlement", /is not this project's PayoutSettlement with the immutables the file gives: \d+ bytes deployed, \d+ compiled; first difference at byte \d+/));
    // The genuine deployment still opens an epoch: what the tampered file would have been used for.
    const deployment = await loadDeployment(deploymentFileIn(dir), chain.signer);
    const { receipt } = await openDeploymentEpoch(deployment, { epoch: 1n, pool: 1000n, trainer: operator, validationCommitment: ZeroHash, mintPool: true });
    assert.equal(receipt?.status, 1);
    assert.equal(await deployment.token.balanceOf(thief), before, "nothing reached the thief");
    assert.equal(await deployment.token.balanceOf(c.settlement), 1000n);
  });

  it("refuses PayoutSettlement's own code with one immutable changed where no getter reads it", async () => {
    const template = await runtimeTemplate("PayoutSettlement");
    const genuineCode = await chain.provider.getCode(c.settlement);
    const variants: Array<[string, (code: string[], ranges: readonly { start: number; length: number }[]) => void]> = [
      // The last site of payoutVerifier: where submitPayoutBatch calls it (the getter reads the first).
      ["PayoutSettlement.payoutVerifier", (code, ranges) => write(code, ranges.at(-1)!.start, c.exampleVerifier)],
      ["EIP712._cachedDomainSeparator", (code, ranges) => { for (const r of ranges) write(code, r.start, hexlify(randomBytes(32))); }],
    ];
    function write(code: string[], start: number, value: string) {
      const hex = value.slice(2).padStart(64, "0").toLowerCase();
      code.splice(2 + 2 * start, 64, ...hex);
    }
    for (const [immutable, edit] of variants) {
      // The attacker's settlement: this project's code with the file's values at every other
      // site (its own address in the EIP712 ones), over a genuine registry it owns.
      const settlement = getCreateAddress({ from: thief, nonce: (await chain.provider.getTransactionCount(thief)) + 2 });
      const registry = await registryOwnedBy(settlement);
      const runtime = expectedRuntime(template, settlement, await fileValues(registry, settlement));
      assert.equal(runtime.length, genuineCode.length);
      const code = runtime.split("");
      edit(code, template.immutables.get(immutable)!);
      assert.equal(await deployRaw(attacker, code.join("")), settlement);
      const abi = (await loadContractArtifact("PayoutSettlement")).abi as InterfaceAbi;
      const answers = new Contract(settlement, abi, chain.provider) as unknown as { payoutVerifier(): Promise<string>; registry(): Promise<string> };
      assert.equal(await answers.payoutVerifier(), c.payoutVerifier, "its getter answers as the file says");
      assert.equal(await answers.registry(), registry);
      const file = tampered(immutable, { settlement, registry });
      await refusedWithNothingSent(file, codeMismatch(file, "contracts.settlement", new RegExp(`: immutable ${immutable.replace(".", "\\.")} at byte \\d+ is 0x[0-9a-f]{64}, expected 0x[0-9a-f]{64}$`)));
    }
  });

  // Open (found while fixing the above): code and immutables say nothing of storage, and an
  // attacker's constructor can write any before returning this project's code. Here it credits
  // the thief a claimable balance: the file attaches, and once `epoch open` escrows the pool the
  // thief withdraws it. Binding storage takes the creation transaction (its input must be the
  // artifact's creation code and the file's constructor arguments): the deployment file does not
  // record it yet (the Ignition journal does).
  it("refuses PayoutSettlement's code over storage its constructor never wrote", { todo: "storage is not bound: compare each contract's creation transaction" }, async () => {
    const template = await runtimeTemplate("PayoutSettlement");
    const settlement = getCreateAddress({ from: thief, nonce: (await chain.provider.getTransactionCount(thief)) + 2 });
    const registry = await registryOwnedBy(settlement);
    const pool = 1000n;
    // Storage slots of Ownable._owner (0), claimable (5) and totalClaimable (6); checked below by the getters.
    const sstore = (slot: string, value: string) => `7f${value.slice(2)}7f${slot.slice(2)}55`;
    const claimableSlot = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [thief, 5]));
    const prelude = sstore(toBeHex(0, 32), zeroPadValue(operator, 32)) + sstore(claimableSlot, toBeHex(pool, 32)) + sstore(toBeHex(6, 32), toBeHex(pool, 32));
    assert.equal(await deployRaw(attacker, expectedRuntime(template, settlement, await fileValues(registry, settlement)), prelude), settlement);
    const s = new Contract(settlement, (await loadContractArtifact("PayoutSettlement")).abi as InterfaceAbi, attacker) as unknown as {
      claimable(a: string): Promise<bigint>; owner(): Promise<string>; withdraw(): Promise<{ wait(): Promise<unknown> }>;
    };
    assert.equal(await s.claimable(thief), pool);
    assert.equal(await s.owner(), operator);
    const file = tampered("crafted-storage", { settlement, registry });
    let deployment;
    try {
      deployment = await loadDeployment(file, chain.signer);
    } catch (error) {
      assert.equal((error as Error).name, "DeploymentError", String(error));
      return;
    }
    const before = await deployment.token.balanceOf(thief);
    await openDeploymentEpoch(deployment, { epoch: 1n, pool, trainer: operator, validationCommitment: ZeroHash, mintPool: true });
    await (await s.withdraw()).wait();
    assert.fail(`attached; after epoch open the thief withdrew ${(await deployment.token.balanceOf(thief)) - before} of the ${pool} pool`);
  });

  it("refuses genuine code over a registry the settlement does not own: storage, bound by the wiring check", async () => {
    const settlement = getCreateAddress({ from: thief, nonce: (await chain.provider.getTransactionCount(thief)) + 2 });
    const registry = await registryOwnedBy(thief); // the attacker keeps it
    assert.equal(await genuineSettlement(registry, c.payoutVerifier), settlement);
    const file = tampered("registry-not-owned", { settlement, registry });
    await refusedWithNothingSent(file, (error: unknown) => {
      const e = error as { code?: string; message?: string };
      assert.equal(e.code, "DEPLOYMENT_CONTRACT_MISMATCH", e.message);
      assert.match(e.message ?? "", new RegExp(`registry.owner\\(\\) is ${thief}, the file says ${settlement}`));
      return true;
    });
  });

  it("refuses a genuine PayoutSettlement whose payout verifier is another circuit's", async () => {
    const settlement = getCreateAddress({ from: thief, nonce: (await chain.provider.getTransactionCount(thief)) + 2 });
    const registry = await registryOwnedBy(settlement);
    assert.equal(await genuineSettlement(registry, c.exampleVerifier), settlement);
    const file = tampered("foreign-verifier", { settlement, registry, payoutVerifier: c.exampleVerifier });
    await refusedWithNothingSent(file, codeMismatch(file, "contracts.payoutVerifier", /is not PayoutBatch\d+Verifier generated from the dev key set's payout_batch_\d+ key \(vkey sha256 [0-9a-f]{16}\.\.\.\): \d+ bytes deployed, \d+ generated; first difference at byte \d+/));
  });
});
