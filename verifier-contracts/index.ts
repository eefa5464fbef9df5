/** The settlement layer: Solidity contracts, their deployment and the settlement calls. */
export { loadContractArtifact, type ContractArtifact, type ContractName } from "./artifacts.ts";
export type {
  BareTransfersContract,
  EpochState,
  OpenTokenContract,
  PayoutSettlementContract,
  PayoutVerifierContract,
} from "./contract-types.ts";
export {
  deployBareTransfers,
  deploySettlement,
  type SettlementDeployment,
  type VerifierArtifactInput,
} from "./deploy.ts";
export { decodeRevert, openEpoch, submitBatch, submitBatchArgs, type EpochParams } from "./settle.ts";
export { BASE_FIELD_MODULUS, toSolidityProof, type Pair, type SolidityProof } from "./solidity-proof.ts";
