/**
 * One deployment, as every party's command sees it: the chain, the contracts (connected to the
 * party's signer), the batch sizes its verifiers were generated for and the key set they pin.
 * Epoch after epoch run on it.
 */
import { Contract, type InterfaceAbi, type Signer } from "ethers";
import type { KeySetName } from "../circuits/ceremony/index.ts";
import {
  attachDeployment,
  type ContributorRegistryContract,
  type OpenTokenContract,
  type PayoutSettlementContract,
  type SettlementDeployment,
} from "../verifier-contracts/index.ts";
import { loadContractArtifact, type ContractName } from "../verifier-contracts/artifacts.ts";

export type DeployedName = "token" | "poseidon" | "registry" | "exampleVerifier" | "registrationVerifier" | "payoutVerifier" | "settlement";

export interface BatchSizes {
  readonly example: number;
  readonly registration: number;
  readonly payout: number;
}

export interface ProtocolDeployment {
  readonly chainId: bigint;
  readonly addresses: Readonly<Record<DeployedName, string>>;
  readonly token: OpenTokenContract;
  readonly registry: ContributorRegistryContract;
  readonly settlement: PayoutSettlementContract;
  readonly batchSizes: BatchSizes;
  readonly keySet: KeySetName;
  /**
   * The operator: the settlement's owner now (read when attached; the deployer unless the operator
   * rotated its key with transferOwnership). Only its key opens epochs (protocol/operator.ts).
   */
  readonly operator: string;
  /**
   * The key that created the deployment (the file's deployer, its creation transactions checked
   * when attached). Not a trust root for the other parties; for the operator, a deployment it
   * created itself is its own without a pin (deployment-pin.ts assertOperatorsOwn).
   */
  readonly deployer: string;
  /** A development $OPEN this deployment made (mintable by the operator), not an existing ERC-20. */
  readonly tokenDeployed: boolean;
}

async function attach<T>(name: ContractName, address: string, signer: Signer): Promise<T> {
  return new Contract(address, (await loadContractArtifact(name)).abi as InterfaceAbi, signer) as unknown as T;
}

/** The deployment's contracts connected to another party's `signer`. */
export async function connectDeployment(d: ProtocolDeployment, signer: Signer): Promise<ProtocolDeployment> {
  return {
    ...d,
    token: await attach<OpenTokenContract>("OpenToken", d.addresses.token, signer),
    registry: await attach<ContributorRegistryContract>("ContributorRegistry", d.addresses.registry, signer),
    settlement: await attach<PayoutSettlementContract>("PayoutSettlement", d.addresses.settlement, signer),
  };
}

/** A SettlementDeployment (verifier-contracts/deploy.ts) as a ProtocolDeployment. */
export function protocolDeployment(d: SettlementDeployment, keySet: KeySetName, tokenDeployed = true): ProtocolDeployment {
  return {
    chainId: d.chainId,
    addresses: d.addresses,
    token: d.token,
    registry: d.registry,
    settlement: d.settlement,
    batchSizes: { example: d.exampleBatchSize, registration: d.registrationBatchSize, payout: d.payoutBatchSize },
    keySet,
    operator: d.owner,
    deployer: d.owner,
    tokenDeployed,
  };
}

/** The deployment `file` names (the operator's deploy wrote it), checked against the chain `signer` is on, connected to `signer`. */
export async function loadDeployment(file: string, signer: Signer): Promise<ProtocolDeployment> {
  const attached = await attachDeployment(file, signer);
  const d = attached.deployment;
  return {
    chainId: attached.chainId,
    addresses: d.contracts,
    token: attached.token,
    registry: attached.registry,
    settlement: attached.settlement,
    batchSizes: d.batchSizes,
    keySet: d.keySet,
    operator: await attached.settlement.owner(),
    deployer: d.deployer,
    tokenDeployed: d.tokenDeployed,
  };
}
