export { compileCircuit, circuitSourceKey, exampleCircuitName, payoutCircuitName, registrationCircuitName, type CompiledCircuit } from "./compile.ts";
export { ensureDevPtau, ptauPowerFor, setupCircuit, verifierContractName, verifierRuntimeFor, type CircuitKeys, type SetupLog, type VerifierArtifact } from "./setup.ts";
export { cachedVerifierCode, cachedVerifierRuntime, type VerifierCode } from "./verifier-runtime.ts";
export { CACHE_DIR, PROJECT_ROOT } from "./paths.ts";
