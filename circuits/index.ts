/**
 * circuits/: the three batch circuits, compiled with circom2 and set up with snarkjs, cached by
 * source. Public: compile and set up a circuit instance by its name (the names carry the batch
 * size), and what each returns. The paths (PROJECT_ROOT, CACHE_DIR), powers of tau, verifier
 * contract generation and the development setup's helpers are imported from their modules; the
 * phase-2 ceremony has its own barrel (ceremony/index.ts).
 */
export { compileCircuit, exampleCircuitName, payoutCircuitName, registrationCircuitName, type CompiledCircuit } from "./compile.ts";
export { setupCircuit, type CircuitKeys } from "./setup.ts";
