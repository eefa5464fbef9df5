/**
 * The Groth16 verifiers a deployment file pins: for each role, the verifier generated from the
 * pinned verification key of the file's key set for the circuit of the file's batch size (as the
 * skeptic's verify/bytecode.ts does), as creation code and runtime code. deployment-code.ts
 * compares the runtime code with the chain's, deployment-creation.ts the creation code with the
 * input of the transaction that created each verifier.
 */
import { loadCircuitKeys } from "../circuits/ceremony/index.ts";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName } from "../circuits/index.ts";
import { verifierContractName } from "../circuits/setup.ts";
import { cachedVerifierCode, type VerifierCode } from "../circuits/verifier-runtime.ts";
import type { DeploymentFile, VerifierRole } from "./deployment-file-format.ts";

export const VERIFIER_ROLES: readonly VerifierRole[] = ["example", "registration", "payout"];

const CIRCUIT_NAME: Readonly<Record<VerifierRole, (batchSize: number) => string>> = {
  example: exampleCircuitName,
  registration: registrationCircuitName,
  payout: payoutCircuitName,
};

export interface PinnedVerifierCode extends VerifierCode {
  /** The circuit instance (payout_batch_31). */
  readonly circuit: string;
  readonly contractName: string;
  /** sha256 of the pinned verification key the code was generated from. */
  readonly pinnedVkeyHash: string;
}

/** The pinned verifier of a role; loaded on first use, then the same promise. */
export type PinnedVerifiers = (role: VerifierRole) => Promise<PinnedVerifierCode>;

/**
 * The pinned verifiers of `d`, each loaded when first asked for (a dev key set's keys are made on
 * first use: minutes for a size this machine never set up, so a file refused before needs none).
 */
export function pinnedVerifiers(d: DeploymentFile): PinnedVerifiers {
  const loaded = new Map<VerifierRole, Promise<PinnedVerifierCode>>();
  return (role) => {
    let code = loaded.get(role);
    if (!code) {
      code = load(d, role);
      loaded.set(role, code);
    }
    return code;
  };
}

async function load(d: DeploymentFile, role: VerifierRole): Promise<PinnedVerifierCode> {
  const circuit = CIRCUIT_NAME[role](d.batchSizes[role]);
  const keys = await loadCircuitKeys(circuit, { keySet: d.keySet });
  const contractName = verifierContractName(circuit);
  return { circuit, contractName, pinnedVkeyHash: keys.pinnedVkeyHash, ...cachedVerifierCode(keys.vkey, contractName) };
}
