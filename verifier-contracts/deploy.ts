/**
 * Deploys $OPEN, the generated Groth16 verifier of PayoutBatch(B) and PayoutSettlement, with any
 * ethers Signer: a hardhat-ethers signer of an in-process chain (`(await network.create()).ethers`)
 * or a Wallet on a JsonRpcProvider (scripts/lib/chain.ts makes either). Deployments are sent one
 * after the other and each is awaited, so a plain Wallet needs no nonce manager.
 */
import { ContractFactory, type ContractTransactionReceipt, type InterfaceAbi, type Signer, type TransactionReceipt } from "ethers";
import { loadContractArtifact, type ContractArtifact } from "./artifacts.ts";
import type {
  BareTransfersContract,
  OpenTokenContract,
  PayoutSettlementContract,
  PayoutVerifierContract,
} from "./contract-types.ts";

/** The compiled verifier, as circuits/ setupCircuit() returns it (verifierArtifact). */
export interface VerifierArtifactInput {
  readonly contractName?: string;
  readonly abi: readonly unknown[];
  readonly bytecode: string;
}

export interface SettlementDeployment {
  readonly token: OpenTokenContract;
  readonly verifier: PayoutVerifierContract;
  readonly settlement: PayoutSettlementContract;
  readonly addresses: { readonly token: string; readonly verifier: string; readonly settlement: string };
  /** The deployer: owner of the token (minter) and of the settlement (opens epochs). */
  readonly owner: string;
  readonly chainId: bigint;
  readonly batchSize: number;
  /** Gas used by each deployment transaction. */
  readonly deployGas: { readonly token: bigint; readonly verifier: bigint; readonly settlement: bigint };
}

interface Deployed<T> {
  readonly contract: T;
  readonly address: string;
  readonly gasUsed: bigint;
}

async function deploy<T>(artifact: ContractArtifact | VerifierArtifactInput, signer: Signer, args: unknown[]): Promise<Deployed<T>> {
  const factory = new ContractFactory(artifact.abi as InterfaceAbi, artifact.bytecode, signer);
  const contract = await factory.deploy(...args);
  const tx = contract.deploymentTransaction();
  const receipt: TransactionReceipt | ContractTransactionReceipt | null = tx ? await tx.wait() : null;
  if (!receipt) throw new Error(`deployment of ${artifact.contractName ?? "contract"} has no receipt`);
  await contract.waitForDeployment();
  return { contract: contract as unknown as T, address: await contract.getAddress(), gasUsed: receipt.gasUsed };
}

/**
 * Deploys OpenToken (owned by the signer), the verifier and PayoutSettlement(token, verifier,
 * batchSize). `batchSize` must be the B of the circuit the verifier was generated for.
 */
export async function deploySettlement(
  signer: Signer,
  verifierArtifact: VerifierArtifactInput,
  batchSize: number,
): Promise<SettlementDeployment> {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1024) {
    throw new RangeError(`batchSize must be an integer in [1, 1024], got ${batchSize}`);
  }
  if (typeof verifierArtifact?.bytecode !== "string" || !/^0x[0-9a-fA-F]+$/.test(verifierArtifact.bytecode)) {
    throw new TypeError("verifierArtifact.bytecode must be a 0x-prefixed hex string");
  }
  if (!Array.isArray(verifierArtifact.abi)) throw new TypeError("verifierArtifact.abi must be an array");
  // circuits/ names each verifier after its instance (PayoutBatch31Verifier): a verifier of another
  // B would reject every proof on chain, so refuse the mismatch here.
  const named = /^PayoutBatch(\d+)Verifier$/.exec(verifierArtifact.contractName ?? "");
  if (named && Number(named[1]) !== batchSize) {
    throw new RangeError(`batchSize ${batchSize} does not match the verifier ${verifierArtifact.contractName}`);
  }
  const owner = await signer.getAddress();
  if (!signer.provider) throw new TypeError("signer must be connected to a provider");
  const chainId = (await signer.provider.getNetwork()).chainId;
  const [tokenArtifact, settlementArtifact] = await Promise.all([
    loadContractArtifact("OpenToken"),
    loadContractArtifact("PayoutSettlement"),
  ]);
  const token = await deploy<OpenTokenContract>(tokenArtifact, signer, [owner]);
  const verifier = await deploy<PayoutVerifierContract>(verifierArtifact, signer, []);
  const settlement = await deploy<PayoutSettlementContract>(settlementArtifact, signer, [token.address, verifier.address, batchSize]);
  return {
    token: token.contract,
    verifier: verifier.contract,
    settlement: settlement.contract,
    addresses: { token: token.address, verifier: verifier.address, settlement: settlement.address },
    owner,
    chainId,
    batchSize,
    deployGas: { token: token.gasUsed, verifier: verifier.gasUsed, settlement: settlement.gasUsed },
  };
}

/** Deploys the benchmark baseline: a bare loop of ERC-20 transfers from its own balance. */
export async function deployBareTransfers(signer: Signer): Promise<BareTransfersContract> {
  return (await deploy<BareTransfersContract>(await loadContractArtifact("BareTransfers"), signer, [])).contract;
}
