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
 * What code cannot show, the storage a contract started from, the creation check refuses
 * (DEPLOYMENT_CREATION_MISMATCH: each contract's creation transaction, recorded in the file):
 *   - our exact runtime code returned by an attacker's constructor that first credited the thief a
 *     claimable balance (found by review: it attached, and the thief withdrew the escrowed pool);
 *   - genuine contracts, made by their own constructors with the file's arguments, by the attacker
 *     (who then owns the settlement);
 *   - a creation transaction of another contract, a call (what a factory's contract has), none,
 *     and another deployer (the token's owner: a constructor argument, storage, not code).
 * Storage written after creation, the registry's handover, the wiring check still refuses. A file of
 * the format before creation transactions is refused by name, and deploy again rewrites it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AbiCoder,
  Contract,
  ContractFactory,
  getCreateAddress,
  hexlify,
  keccak256,
  randomBytes,
  toBeHex,
  TypedDataEncoder,
  zeroPadValue,
  ZeroHash,
  type InterfaceAbi,
  type Signer,
} from "ethers";
import { config } from "../config/index.ts";
import { connectChain, type ChainConnection } from "../protocol/chain.ts";
import { loadDeployment } from "../protocol/deployment.ts";
import { deployProtocol, deploymentFileIn, openDeploymentEpoch } from "../protocol/operator.ts";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { readIgnitionJournal } from "../verifier-contracts/ignition-journal.ts";
import { expectedRuntime, runtimeTemplate } from "../verifier-contracts/runtime-code.ts";

const sizes = {
  example: config.exampleBatch.testSize,
  registration: config.registrationBatch.testSize,
  payout: config.payoutBatch.testSize,
};
type Contracts = Record<
  "token" | "poseidon" | "registry" | "exampleVerifier" | "registrationVerifier" | "payoutVerifier" | "settlement",
  string
>;

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

/** An error DEPLOYMENT_CREATION_MISMATCH about `field` of `file`, its message matching `pattern`. */
function creationMismatch(file: string, field: string, pattern: RegExp) {
  return (error: unknown) => {
    const e = error as { code?: string; file?: string; field?: string; message?: string };
    assert.equal(e.code, "DEPLOYMENT_CREATION_MISMATCH", `expected DEPLOYMENT_CREATION_MISMATCH, got ${e.code}: ${e.message}`);
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

/** Deploys initcodeReturning(runtime, prelude) from `signer`: the new contract's address and the creation transaction's hash. */
async function deployRaw(signer: Signer, runtime: string, prelude = ""): Promise<{ address: string; hash: string }> {
  const contract = await new ContractFactory([], initcodeReturning(runtime, prelude), signer).deploy();
  await contract.waitForDeployment();
  return { address: await contract.getAddress(), hash: contract.deploymentTransaction()!.hash };
}

/** A contract `factory` deployed from `signer` with `args`: its address and its creation transaction's hash. */
async function deployed(factory: ContractFactory, args: unknown[]): Promise<{ address: string; hash: string }> {
  const contract = await factory.deploy(...args);
  await contract.waitForDeployment();
  return { address: await contract.getAddress(), hash: contract.deploymentTransaction()!.hash };
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

  /** The genuine file with `contracts`, `creation` (its creationTransactions) and the fields of `other` changed, written beside it. */
  function tampered(
    name: string,
    contracts: Partial<Contracts>,
    creation: Partial<Contracts> = {},
    other: Record<string, unknown> = {},
  ): string {
    const file = join(dir, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        { ...genuine, ...other, contracts: { ...c, ...contracts }, creationTransactions: { ...genuine.creationTransactions, ...creation } },
        null,
        2,
      ),
    );
    return file;
  }

  /**
   * A genuine ContributorRegistry with the file's rules, created by `from` (the attacker unless
   * given) and handed to `owner` (the attacker's settlement) unless that is `from` itself.
   */
  async function registryOwnedBy(owner: string, from: Signer = attacker): Promise<{ address: string; hash: string }> {
    const artifact = await loadContractArtifact("ContributorRegistry");
    const r = genuine.registration;
    const registry = await deployed(new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, from), [
      c.token,
      c.poseidon,
      BigInt(r.feePerExample),
      r.minWindowSeconds,
      r.maxRegistrants,
      r.maxExamplesPerRegistrant,
      r.maxExamplesPerEpoch,
    ]);
    if (owner.toLowerCase() !== (await from.getAddress()).toLowerCase()) {
      const handover = new Contract(registry.address, artifact.abi as InterfaceAbi, from) as unknown as {
        transferOwnership(a: string): Promise<{ wait(): Promise<unknown> }>;
      };
      await (await handover.transferOwnership(owner)).wait();
    }
    return registry;
  }

  /** The address `signer` creates its contract at `ahead` transactions from now. */
  async function nextAddress(signer: Signer, ahead: number): Promise<string> {
    const from = await signer.getAddress();
    return getCreateAddress({ from, nonce: (await chain.provider.getTransactionCount(from)) + ahead });
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
    values["EIP712._cachedDomainSeparator"] = TypedDataEncoder.hashDomain({
      name: "AttributionSettlement",
      version: "1",
      chainId,
      verifyingContract: settlement,
    });
    return values;
  }

  /** A genuine PayoutSettlement (its own constructor) from `from` (the attacker unless given), over `registry`, with the file's sizes and windows. */
  async function genuineSettlement(
    registry: string,
    payoutVerifier: string,
    from: Signer = attacker,
  ): Promise<{ address: string; hash: string }> {
    const artifact = await loadContractArtifact("PayoutSettlement");
    const w = genuine.windows;
    return deployed(new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, from), [
      c.token,
      registry,
      {
        example: c.exampleVerifier,
        exampleBatchSize: sizes.example,
        registration: c.registrationVerifier,
        registrationBatchSize: sizes.registration,
        payout: payoutVerifier,
        payoutBatchSize: sizes.payout,
      },
      { commitWindow: w.commitWindowSeconds, contestWindow: w.contestWindowSeconds, proofWindow: w.proofWindowSeconds },
    ]);
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
    const [fakeSettlementArtifact, fakeRegistryArtifact] = await Promise.all([
      loadContractArtifact("FakeSettlement"),
      loadContractArtifact("FakeRegistry"),
    ]);
    const fakeSettlement = await new ContractFactory(
      fakeSettlementArtifact.abi as InterfaceAbi,
      fakeSettlementArtifact.bytecode,
      attacker,
    ).deploy(
      [c.token, c.registry, c.exampleVerifier, c.registrationVerifier, c.payoutVerifier],
      [sizes.example, sizes.registration, sizes.payout],
      operator,
      thief,
    );
    await fakeSettlement.waitForDeployment();
    const settlement = await fakeSettlement.getAddress();
    const fakeRegistry = await new ContractFactory(
      fakeRegistryArtifact.abi as InterfaceAbi,
      fakeRegistryArtifact.bytecode,
      attacker,
    ).deploy(settlement, c.token, c.poseidon);
    await fakeRegistry.waitForDeployment();
    const registry = await fakeRegistry.getAddress();
    const fake = fakeSettlement as unknown as {
      setRegistry(a: string): Promise<{ wait(): Promise<unknown> }>;
      registry(): Promise<string>;
      payoutBatchSize(): Promise<bigint>;
    };
    await (await fake.setRegistry(registry)).wait();
    assert.equal(await fake.registry(), registry, "the fake answers the wiring check as the file says");
    assert.equal(await fake.payoutBatchSize(), BigInt(sizes.payout));
    const file = tampered("fakes", { settlement, registry });
    const before = await (await loadDeployment(deploymentFileIn(dir), chain.signer)).token.balanceOf(thief);
    await refusedWithNothingSent(
      file,
      codeMismatch(
        file,
        "contracts.settlement",
        /is not this project's PayoutSettlement with the immutables the file gives: \d+ bytes deployed, \d+ compiled; first difference at byte \d+/,
      ),
    );
    // The genuine deployment still opens an epoch: what the tampered file would have been used for.
    const deployment = await loadDeployment(deploymentFileIn(dir), chain.signer);
    const { receipt } = await openDeploymentEpoch(deployment, {
      epoch: 1n,
      pool: 1000n,
      trainer: operator,
      validationCommitment: ZeroHash,
      mintPool: true,
    });
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
      [
        "EIP712._cachedDomainSeparator",
        (code, ranges) => {
          for (const r of ranges) write(code, r.start, hexlify(randomBytes(32)));
        },
      ],
    ];
    function write(code: string[], start: number, value: string) {
      const hex = value.slice(2).padStart(64, "0").toLowerCase();
      code.splice(2 + 2 * start, 64, ...hex);
    }
    for (const [immutable, edit] of variants) {
      // The attacker's settlement: this project's code with the file's values at every other
      // site (its own address in the EIP712 ones), over a genuine registry it owns.
      const settlement = await nextAddress(attacker, 2);
      const registry = (await registryOwnedBy(settlement)).address;
      const runtime = expectedRuntime(template, settlement, await fileValues(registry, settlement));
      assert.equal(runtime.length, genuineCode.length);
      const code = runtime.split("");
      edit(code, template.immutables.get(immutable)!);
      assert.equal((await deployRaw(attacker, code.join(""))).address, settlement);
      const abi = (await loadContractArtifact("PayoutSettlement")).abi as InterfaceAbi;
      const answers = new Contract(settlement, abi, chain.provider) as unknown as {
        payoutVerifier(): Promise<string>;
        registry(): Promise<string>;
      };
      assert.equal(await answers.payoutVerifier(), c.payoutVerifier, "its getter answers as the file says");
      assert.equal(await answers.registry(), registry);
      const file = tampered(immutable, { settlement, registry });
      await refusedWithNothingSent(
        file,
        codeMismatch(
          file,
          "contracts.settlement",
          new RegExp(`: immutable ${immutable.replace(".", "\\.")} at byte \\d+ is 0x[0-9a-f]{64}, expected 0x[0-9a-f]{64}$`),
        ),
      );
    }
  });

  // Found by review: code and immutables say nothing of storage, and an attacker's constructor can
  // write any before returning this project's exact code. Here it credits the thief a claimable
  // balance, over a genuine registry handed to it: code and wiring checks pass, and before the
  // creation check the file attached, `epoch open` escrowed the pool and the thief withdrew it.
  // The attacker's file names its own creation transactions (the genuine ones created other
  // contracts): their input is not PayoutSettlement's creation code.
  it("refuses PayoutSettlement's code over storage its constructor never wrote: the creation transaction's input is not our creation code", async () => {
    const template = await runtimeTemplate("PayoutSettlement");
    const settlement = await nextAddress(attacker, 2);
    const registry = await registryOwnedBy(settlement);
    const pool = 1000n;
    // Storage slots of Ownable._owner (0), claimable (6) and totalClaimable (7); checked below by the getters.
    const sstore = (slot: string, value: string) => `7f${value.slice(2)}7f${slot.slice(2)}55`;
    const claimableSlot = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [thief, 6]));
    const prelude =
      sstore(toBeHex(0, 32), zeroPadValue(operator, 32)) +
      sstore(claimableSlot, toBeHex(pool, 32)) +
      sstore(toBeHex(7, 32), toBeHex(pool, 32));
    const runtime = expectedRuntime(template, settlement, await fileValues(registry.address, settlement));
    const crafted = await deployRaw(attacker, runtime, prelude);
    assert.equal(crafted.address, settlement);
    assert.equal(
      await chain.provider.getCode(settlement),
      runtime,
      "our code with the file's immutables, byte for byte: the code check passes",
    );
    const s = new Contract(settlement, (await loadContractArtifact("PayoutSettlement")).abi as InterfaceAbi, attacker) as unknown as {
      claimable(a: string): Promise<bigint>;
      owner(): Promise<string>;
      withdraw(): Promise<{ wait(): Promise<unknown> }>;
    };
    assert.equal(await s.claimable(thief), pool);
    assert.equal(await s.owner(), operator);
    const file = tampered(
      "crafted-storage",
      { settlement, registry: registry.address },
      { settlement: crafted.hash, registry: registry.hash },
    );
    await refusedWithNothingSent(
      file,
      creationMismatch(
        file,
        "contracts.settlement",
        new RegExp(
          `creationTransactions\\.settlement ${crafted.hash} has an input other than the creation code of this project's PayoutSettlement with the constructor arguments the file implies: the creation code differs from byte 0 \\(\\d+ bytes sent, \\d+ expected\\)$`,
        ),
      ),
    );
    // The same file naming the genuine creation transactions: they created other contracts.
    const genuineCreations = tampered("crafted-storage-genuine-creations", { settlement, registry: registry.address });
    await refusedWithNothingSent(
      genuineCreations,
      creationMismatch(genuineCreations, "contracts.registry", new RegExp(`created ${c.registry}, not ${registry.address}$`)),
    );
    const before = await (await loadDeployment(deploymentFileIn(dir), chain.signer)).token.balanceOf(thief);
    await assert.rejects(s.withdraw(), "the crafted settlement holds nothing to withdraw: no pool was escrowed in it");
    assert.equal(await (await loadDeployment(deploymentFileIn(dir), chain.signer)).token.balanceOf(thief), before);
  });

  it("refuses genuine contracts, their own constructors with the file's arguments, created by another account than the file's deployer", async () => {
    // The attacker's registry and settlement are this project's in code and creation: only their
    // sender differs, and the settlement is the attacker's (Ownable(msg.sender)).
    const settlement = await nextAddress(attacker, 2);
    const registry = await registryOwnedBy(settlement);
    const built = await genuineSettlement(registry.address, c.payoutVerifier);
    assert.equal(built.address, settlement);
    const owned = new Contract(
      settlement,
      (await loadContractArtifact("PayoutSettlement")).abi as InterfaceAbi,
      chain.provider,
    ) as unknown as { owner(): Promise<string> };
    assert.equal(await owned.owner(), thief);
    const file = tampered(
      "attacker-created",
      { settlement, registry: registry.address },
      { settlement: built.hash, registry: registry.hash },
    );
    await refusedWithNothingSent(
      file,
      creationMismatch(
        file,
        "contracts.registry",
        new RegExp(`creationTransactions\\.registry ${registry.hash} was sent by ${thief}, the file's deployer is ${operator} \\(`),
      ),
    );
  });

  it("refuses a creation transaction of another contract, a call (what a factory's product has), a hash that is no transaction, and other constructor arguments", async () => {
    const handover = readIgnitionJournal(join(dir, "ignition")).confirmed.find(
      (t) => t.futureId === "AttributionProtocol#RegistryToSettlement",
    )!.hash;
    const missing = hexlify(randomBytes(32));
    const cases: Array<[string, string, RegExp]> = [
      [
        "registry-creation",
        genuine.creationTransactions.registry,
        new RegExp(`creationTransactions\\.settlement 0x[0-9a-f]{64} created ${c.registry}, not ${c.settlement}$`),
      ],
      [
        "handover-call",
        handover,
        new RegExp(
          `creationTransactions\\.settlement ${handover} is a call to ${c.registry}, not a contract creation \\(a contract created by another contract, a factory, has no creation transaction of its own`,
        ),
      ],
      ["no-transaction", missing, new RegExp(`creationTransactions\\.settlement ${missing} is not a transaction on chain 31337$`)],
    ];
    for (const [name, hash, pattern] of cases) {
      const file = tampered(name, {}, { settlement: hash });
      await refusedWithNothingSent(file, creationMismatch(file, "contracts.settlement", pattern));
    }
    // Another deployer: the token's runtime code holds no owner (storage), its constructor argument does.
    const word = (address: string) => zeroPadValue(address, 32).toLowerCase();
    const file = tampered("other-deployer", {}, {}, { deployer: thief });
    await refusedWithNothingSent(
      file,
      creationMismatch(
        file,
        "contracts.token",
        new RegExp(
          `the creation code is the same; constructor argument initialOwner is ${word(operator)}, the file implies ${word(thief)}$`,
        ),
      ),
    );
  });

  it("refuses a registry the settlement does not own, deployer and creation genuine: storage after creation, bound by the wiring check", async () => {
    // As a deployment stopped before its handover: the deployer created both, and kept the registry.
    const deployer = chain.signer;
    const settlement = await nextAddress(deployer, 1);
    const registry = await registryOwnedBy(operator, deployer);
    const built = await genuineSettlement(registry.address, c.payoutVerifier, deployer);
    assert.equal(built.address, settlement);
    const file = tampered(
      "registry-not-owned",
      { settlement, registry: registry.address },
      { settlement: built.hash, registry: registry.hash },
    );
    await refusedWithNothingSent(file, (error: unknown) => {
      const e = error as { code?: string; message?: string };
      assert.equal(e.code, "DEPLOYMENT_CONTRACT_MISMATCH", e.message);
      assert.match(e.message ?? "", new RegExp(`registry.owner\\(\\) is ${operator}, the file says ${settlement}`));
      return true;
    });
  });

  it("refuses a genuine PayoutSettlement whose payout verifier is another circuit's", async () => {
    const settlement = await nextAddress(attacker, 2);
    const registry = (await registryOwnedBy(settlement)).address;
    assert.equal((await genuineSettlement(registry, c.exampleVerifier)).address, settlement);
    const file = tampered("foreign-verifier", { settlement, registry, payoutVerifier: c.exampleVerifier });
    await refusedWithNothingSent(
      file,
      codeMismatch(
        file,
        "contracts.payoutVerifier",
        /is not PayoutBatch\d+Verifier generated from the dev key set's payout_batch_\d+ key \(vkey sha256 [0-9a-f]{16}\.\.\.\): \d+ bytes deployed, \d+ generated; first difference at byte \d+/,
      ),
    );
  });

  it("refuses a deployment file of the format before creation transactions by name; deploy again rewrites it, sending nothing", async () => {
    const file = deploymentFileIn(dir);
    const { creationTransactions: _dropped, ...older } = genuine;
    writeFileSync(file, JSON.stringify({ ...older, format: "attribution-prover/deployment/1" }, null, 2));
    await refusedWithNothingSent(file, (error: unknown) => {
      const e = error as { code?: string; field?: string; message?: string };
      assert.equal(e.code, "DEPLOYMENT_FILE_OUTDATED", e.message);
      assert.equal(e.field, "format");
      assert.match(
        e.message ?? "",
        /runs deploy again with the same --out folder \(Ignition resumes the finished deployment and sends nothing\)/,
      );
      return true;
    });
    const nonce = await chain.provider.getTransactionCount(operator);
    await deployProtocol(chain.signer, sizes, "dev", { dir });
    assert.equal(await chain.provider.getTransactionCount(operator), nonce, "the resumed deployment sent nothing");
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), genuine);
    assert.equal((await loadDeployment(file, chain.signer)).addresses.settlement, c.settlement);
  });
});
