/** The settlement layer: Solidity contracts, their deployment and the settlement calls. */
export { CONTRACT_NAMES, loadContractArtifact, type ContractArtifact, type ContractName } from "./artifacts.ts";
export {
  EpochStatus,
  type BareTransfersContract,
  type GasMeterContract,
  type BatchVerifierContract,
  type CommitParams,
  type ContributorRegistryContract,
  type EpochState,
  type OpenTokenContract,
  type PayoutSettlementContract,
} from "./contract-types.ts";
export {
  deployBareTransfers,
  deployGasMeter,
  deploySettlement,
  type DeployOptions,
  type SettlementDeployment,
  type SettlementVerifiers,
  type VerifierPin,
} from "./deploy.ts";
export type { VerifierArtifactInput } from "./deploy-checks.ts";
export { DeploymentError, type DeploymentErrorCode } from "./deployment-errors.ts";
export { attachDeployment, type AttachedDeployment } from "./deployment-attach.ts";
export { readDeploymentFile, writeDeploymentFile } from "./deployment-file.ts";
export { DEPLOYMENT_FORMAT, type DeploymentFile, type DeploymentPins, type PinnedVerifier, type VerifierRole } from "./deployment-file-format.ts";
export { FUTURE_IDS, PROTOCOL_MODULE_ID, protocolModule, protocolParameters, type ProtocolArtifacts, type ProtocolContract, type ProtocolParameters } from "./ignition-module.ts";
export { signerProvider, type SignerProvider } from "./signer-provider.ts";
export {
  advanceDevelopmentClock,
  commitEpoch,
  exampleBatchArgs,
  finalizeEpoch,
  forfeitEpoch,
  openEpoch,
  payoutBatchArgs,
  readRegistrations,
  registrationBatchArgs,
  releaseBatch,
  releaseBatchRows,
  releaseProgress,
  revealValidation,
  signDeliveryReceipt,
  submitExampleBatch,
  submitPayoutBatch,
  submitRegistrationBatch,
  type OpenEpochArgs,
  type ValidationReveal,
} from "./settle.ts";
export {
  DEADLINE_MARGIN,
  earliestDeadline,
  SECONDS_PER_REGISTRANT,
  registerExamples,
  waitForRegistrationClose,
  type RegisterExamplesOptions,
  type RegistrationReceipt,
  type WaitForCloseOptions,
} from "./registration.ts";
export {
  ContractRevertError,
  contractRevertOf,
  decodeRevert,
  describeRevertData,
  errorInterface,
  projectErrorInterface,
  revertData,
  revertName,
  revertReason,
  transact,
  type CallContext,
  type RevertReason,
} from "./revert-reason.ts";
export { BASE_FIELD_MODULUS, toSolidityProof, type Pair, type SolidityProof } from "./solidity-proof.ts";
