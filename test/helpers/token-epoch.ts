/**
 * A finalized epoch paying in a test token (verifier-contracts/contracts/test/), with real
 * ExampleBatch, RegistrationBatch and PayoutBatch proofs of the test sizes: what the release tests
 * start from. Poseidon and the three verifiers are deployed and checked as deploySettlement does;
 * the registry and the settlement are then deployed again over the token (both take it at
 * construction: the registry burns its fees in it, the settlement escrows and pays in it).
 * Opening escrows the pool; each contributor registers two examples (paying its fee) and delivers
 * them; every score is positive, so every reward is. Signer 0 owns everything and trains.
 */
import assert from "node:assert/strict";
import { ContractFactory, keccak256, toUtf8Bytes, type InterfaceAbi, type Provider, type Signer } from "ethers";
import * as snarkjs from "snarkjs";
import type { Groth16Proof } from "snarkjs";
import { config } from "../../config/index.ts";
import type { CircuitKeys } from "../../circuits/index.ts";
import {
  applyPolicy,
  buildEpochBatches,
  validationCommitment,
  type Delivery,
  type EpochBatches,
  type EpochTables,
  type ExampleBatch,
  type PayoutBatch,
  type RegistrationBatch,
} from "../../witness/index.ts";
import { epochDomain } from "../../witness/domain.ts";
import {
  commitEpoch,
  deploySettlement,
  finalizeEpoch,
  openEpoch,
  readRegistrations,
  registerExamples,
  revealValidation,
  submitExampleBatch,
  submitPayoutBatch,
  submitRegistrationBatch,
  waitForRegistrationClose,
  type ContributorRegistryContract,
  type OpenTokenContract,
  type PayoutSettlementContract,
} from "../../verifier-contracts/index.ts";
import { loadContractArtifact } from "../../verifier-contracts/artifacts.ts";
import { earliestDeadline } from "../../verifier-contracts/registration.ts";
import { advanceDevelopmentClock } from "../../verifier-contracts/settle.ts";
import { testVerifiers } from "./settlement-fixture.ts";

export interface TokenEpoch<T extends OpenTokenContract> {
  readonly token: T;
  readonly registry: ContributorRegistryContract;
  readonly settlement: PayoutSettlementContract;
  readonly tables: EpochTables;
  readonly w: EpochBatches;
}

export interface TokenEpochOptions {
  /** Signer 0 deploys, owns and trains; the others register. */
  readonly signers: readonly Signer[];
  readonly provider: Provider;
  /** A test token with OpenToken's interface, deployed with signer 0 as its owner. */
  readonly token: TestTokenName;
  /** Names the examples, model and validation set (each test file its own). */
  readonly tag: string;
  readonly epoch: bigint;
  readonly pool: bigint;
  /** Signer indices, registering in this order. */
  readonly contributors: readonly number[];
}

async function prove(keys: CircuitKeys, batch: ExampleBatch | RegistrationBatch | PayoutBatch): Promise<Groth16Proof> {
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(batch.input, keys.wasmPath, keys.zkeyPath);
  assert.deepEqual(publicSignals.map(BigInt), [...batch.publicSignals], "the circuit and the witness model disagree");
  return proof;
}

/** A test token's name (verifier-contracts/contracts/test/), with OpenToken's interface. */
export type TestTokenName = "RevertingToken" | "CostlyToken" | "TaxedToken" | "HookedTaxedToken";

/**
 * Poseidon and the three test-size verifiers as deploySettlement deploys them, then a registry and
 * a settlement over a fresh `tokenName` (owned by `owner`, which owns everything and mints).
 */
export async function deployOverToken<T extends OpenTokenContract>(owner: Signer, tokenName: TestTokenName) {
  const ownerAddress = await owner.getAddress();
  const { keys, verifiers } = await testVerifiers();
  const d = await deploySettlement(owner, verifiers);
  const deploy = async (name: TestTokenName | "ContributorRegistry" | "PayoutSettlement", args: unknown[]) => {
    const artifact = await loadContractArtifact(name);
    const contract = await new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, owner).deploy(...args);
    await contract.waitForDeployment();
    return contract;
  };
  const token = (await deploy(tokenName, [ownerAddress])) as unknown as T;
  const rules = config.registration;
  const registry = (await deploy("ContributorRegistry", [
    await token.getAddress(),
    d.addresses.poseidon,
    rules.feePerExample,
    rules.minWindowSeconds,
    rules.maxRegistrants,
    rules.maxExamplesPerRegistrant,
    rules.maxExamplesPerEpoch,
  ])) as unknown as ContributorRegistryContract;
  const windows = config.settlement;
  const settlement = (await deploy("PayoutSettlement", [
    await token.getAddress(),
    await registry.getAddress(),
    {
      example: d.addresses.exampleVerifier,
      exampleBatchSize: verifiers.exampleBatchSize,
      registration: d.addresses.registrationVerifier,
      registrationBatchSize: verifiers.registrationBatchSize,
      payout: d.addresses.payoutVerifier,
      payoutBatchSize: verifiers.payoutBatchSize,
    },
    { commitWindow: windows.commitWindowSeconds, contestWindow: windows.contestWindowSeconds, proofWindow: windows.proofWindowSeconds },
  ])) as unknown as PayoutSettlementContract;
  // The settlement opens registration when it escrows the pool: it must own the registry.
  await (await registry.transferOwnership(await settlement.getAddress())).wait();
  return { token, registry, settlement, keys, verifiers, chainId: d.chainId };
}

/** Deploys over `options.token`, then opens, registers, commits, proves, reveals and finalizes one epoch (see the header). */
export async function tokenEpoch<T extends OpenTokenContract>(options: TokenEpochOptions): Promise<TokenEpoch<T>> {
  const { signers, epoch, pool, tag } = options;
  const owner = signers[0]!;
  const ownerAddress = await owner.getAddress();
  const { token, registry, settlement, keys, verifiers, chainId } = await deployOverToken<T>(owner, options.token);
  await (await token.mint(ownerAddress, pool)).wait();

  const validation = { validationSetHash: keccak256(toUtf8Bytes(`${tag} validation set`)), salt: keccak256(toUtf8Bytes(`${tag} salt`)) };
  await openEpoch(
    { token, settlement },
    {
      epoch,
      closesAt: await earliestDeadline(registry),
      validationCommitment: validationCommitment(validation.validationSetHash, validation.salt),
      pool,
      trainer: ownerAddress,
      follows: 0n,
    },
  );
  const deliveries = new Map<number, Delivery>();
  const scores = new Map<bigint, bigint>();
  for (const k of options.contributors) {
    const hashes = [0, 1].map((i) => BigInt(keccak256(toUtf8Bytes(`${tag} ${k} ${i}`))) >> 128n);
    for (const [i, hash] of hashes.entries()) scores.set(hash, BigInt(k * 1_000_003 + i * 77));
    const r = await registerExamples({ token, registry }, signers[k]!, epoch, hashes, { mintFee: true });
    deliveries.set(r.order, { salt: r.salt, hashes: r.hashes });
  }
  await waitForRegistrationClose(registry, epoch);
  const registrationDomain = await registry.registrationDomain(epoch);
  const tables = applyPolicy({
    registrations: await readRegistrations(registry, epoch),
    deliveries,
    scores,
    pool,
    registrationDomain,
    config,
  });
  const w = buildEpochBatches(tables, {
    domain: epochDomain(chainId, await settlement.getAddress(), epoch),
    registrationDomain,
    fold: await registry.registrationFold(epoch),
    modelHash: keccak256(toUtf8Bytes(`${tag} model`)),
    pool,
    exampleBatchSize: verifiers.exampleBatchSize,
    registrationBatchSize: verifiers.registrationBatchSize,
    payoutBatchSize: verifiers.payoutBatchSize,
    config,
  });
  assert.ok(
    tables.payoutTable.rows.every((r) => r.reward > 0n),
    "the fixture needs every reward positive",
  );

  await commitEpoch(settlement, epoch, w.commit, w.exclusionBitmap);
  const { committedAt } = await settlement.epochState(epoch);
  assert.ok(await advanceDevelopmentClock(options.provider, committedAt + (await settlement.contestWindow())), "past the contest window");
  for (const b of w.exampleBatches) await submitExampleBatch(settlement, epoch, b, await prove(keys.example, b));
  for (const b of w.registrationBatches) await submitRegistrationBatch(settlement, epoch, b, await prove(keys.registration, b));
  for (const b of w.payoutBatches) await submitPayoutBatch(settlement, epoch, b, await prove(keys.payout, b));
  await revealValidation(settlement, epoch, validation);
  await finalizeEpoch(settlement, epoch);
  return { token, registry, settlement, tables, w };
}
