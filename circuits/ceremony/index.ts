/**
 * The trusted setup you can check: powers of tau (development or imported by hash), the phase-2
 * ceremony (new, contribute, add, beacon, verify, finalize), its transcript, pinned keys and key
 * sets. Other folders import the ceremony only through this file.
 */
export { TrustedSetupError, type TrustedSetupErrorCode } from "./errors.ts";
export { devPtau, findCachedPtau, importPtau, parseSha256, readPtauHeader, sha256File, type PtauInfo } from "./ptau.ts";
export { readZkeyContributions, type ZkeyContribution, type ZkeyMpc } from "./zkey-contributions.ts";
export {
  addContribution,
  applyBeacon,
  ceremonyPtau,
  ceremonyWorkDir,
  contribute,
  contributeFile,
  latestZkey,
  newCeremony,
  readCeremonyState,
  verifyCeremony,
  verifyZkey,
  type CeremonyOptions,
  type CeremonyState,
} from "./phase2.ts";
export {
  assertVerifierMatches,
  ceremonyArtifactsDir,
  finalizeCeremony,
  finalZkeyPath,
  readTranscript,
  verifyTranscript,
  type FinalizeOptions,
  type Transcript,
  type VerifyTranscriptOptions,
} from "./transcript.ts";
export { KEY_SETS, PINS_PATH, pinnedPtauSha256, pinOf, readPins, writePin, type KeyPin, type KeySetName, type PinsFile } from "./pins.ts";
export { loadCircuitKeys, type KeySetKeys, type LoadKeysOptions } from "./key-sets.ts";
export { runDemoCeremony, type DemoCeremonyOptions } from "./demo.ts";
