/**
 * The settlement layer: Solidity contracts, their deployment and the settlement calls. Public:
 * what a party sends (deploy or attach a deployment and its file; open, commit, submit the three
 * batch kinds, reveal, release a batch whole or in row ranges, finalize or forfeit an epoch;
 * register examples and wait for the window to close), the typed contracts those take, and the
 * errors a caller catches. The artifacts, the Ignition module, the deployment checks, the revert
 * decoding, the call encodings and the development clock are imported from their modules.
 */
export { EpochStatus, type ContributorRegistryContract, type OpenTokenContract, type PayoutSettlementContract } from "./contract-types.ts";
export { deploySettlement, type SettlementDeployment } from "./deploy.ts";
export { DeploymentError } from "./deployment-errors.ts";
export { attachDeployment, type AttachedDeployment } from "./deployment-attach.ts";
export { readDeploymentFile, writeDeploymentFile } from "./deployment-file.ts";
export type { DeploymentFile } from "./deployment-file-format.ts";
export {
  commitEpoch,
  finalizeEpoch,
  forfeitEpoch,
  openEpoch,
  readRegistrations,
  releaseBatch,
  releaseBatchRows,
  releaseProgress,
  revealValidation,
  submitExampleBatch,
  submitPayoutBatch,
  submitRegistrationBatch,
} from "./settle.ts";
export { registerExamples, waitForRegistrationClose, type RegistrationReceipt } from "./registration.ts";
export { ContractRevertError } from "./revert-reason.ts";
