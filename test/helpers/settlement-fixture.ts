/**
 * The contracts at the test sizes on a fresh in-process chain, with real verifiers of the three
 * circuits: what every settlement test starts from. Keys come from the development setup (cached
 * by circuit source); the deployer (signer 0) owns the settlement and is minted `mint` tokens.
 */
import { network } from "hardhat";
import { config } from "../../config/index.ts";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName, setupCircuit, type CircuitKeys } from "../../circuits/index.ts";
import { deploySettlement, type SettlementDeployment } from "../../verifier-contracts/index.ts";
import type { SettlementVerifiers } from "../../verifier-contracts/deploy.ts";

export interface SettlementFixture {
  readonly conn: Awaited<ReturnType<typeof network.create>>;
  readonly d: SettlementDeployment;
  readonly signers: Awaited<ReturnType<Awaited<ReturnType<typeof network.create>>["ethers"]["getSigners"]>>;
  readonly keys: { readonly example: CircuitKeys; readonly registration: CircuitKeys; readonly payout: CircuitKeys };
  /** Closes the chain and ends snarkjs's curve threads. */
  close(): Promise<void>;
}

/** The three circuits' development keys at the test sizes, and the verifiers deploySettlement takes. */
export async function testVerifiers(): Promise<{ keys: SettlementFixture["keys"]; verifiers: SettlementVerifiers }> {
  const [E, K, B] = [config.exampleBatch.testSize, config.registrationBatch.testSize, config.payoutBatch.testSize];
  const keys = {
    example: await setupCircuit(exampleCircuitName(E)),
    registration: await setupCircuit(registrationCircuitName(K)),
    payout: await setupCircuit(payoutCircuitName(B)),
  };
  const verifiers = {
    exampleVerifier: keys.example.verifierArtifact,
    exampleBatchSize: E,
    registrationVerifier: keys.registration.verifierArtifact,
    registrationBatchSize: K,
    payoutVerifier: keys.payout.verifierArtifact,
    payoutBatchSize: B,
  };
  return { keys, verifiers };
}

export async function settlementFixture(mint: bigint): Promise<SettlementFixture> {
  const { keys, verifiers } = await testVerifiers();
  const conn = await network.create();
  const signers = await conn.ethers.getSigners();
  const d = await deploySettlement(signers[0]!, verifiers);
  await (await d.token.mint(signers[0]!.address, mint)).wait();
  return {
    conn,
    d,
    signers,
    keys,
    async close() {
      await conn.close();
      await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
    },
  };
}
