/**
 * Whole-bytecode comparison of a deployed Groth16 verifier with the one this project's pipeline
 * generates from a verification key (circuits/ verifierRuntimeFor: snarkjs's Solidity template
 * rendered from the key, compiled by the solc package (soljson) with the project's settings).
 *
 * What is compared: eth_getCode (the runtime code the deployment left) against solc's
 * deployedBytecode, every byte, the CBOR metadata trailer included. There is nothing to mask:
 * the template has no immutables (verifierRuntimeFor counts them, and a verifier that had some
 * is refused rather than compared loosely) and no constructor arguments reach the runtime code.
 * The trailer holds the IPFS hash of the compiler metadata (compiler version, settings, and the
 * hash of the source text), so byte equality means: the same key, through the same template,
 * compiled by the same solc with the same settings. A difference confined to the trailer is
 * reported as such (same code, other source text or compiler build).
 */
import { verifierContractName, verifierRuntimeFor } from "../circuits/setup.ts";
import { EpochVerifyError } from "./epoch-errors.ts";

/** Length in bytes of the CBOR metadata trailer of runtime code (its last two bytes give it). */
function trailerBytes(code: string): number {
  const n = code.length;
  return n < 6 ? 0 : Number.parseInt(code.slice(n - 4), 16) + 2;
}

/**
 * Throws BYTECODE_MISMATCH unless `deployedCode` (0x hex, eth_getCode of `address`) is exactly the
 * runtime code generated from `keyText` for circuit instance `circuit`; `keyFile` names the key.
 */
export function checkVerifierBytecode(
  kind: "example" | "registration" | "payout",
  address: string,
  deployedCode: string,
  keyText: string,
  circuit: string,
  keyFile: string,
): void {
  const { runtime, immutables } = verifierRuntimeFor(JSON.parse(keyText) as Record<string, unknown>, verifierContractName(circuit));
  if (immutables > 0)
    throw new Error(`${verifierContractName(circuit)} has ${immutables} immutables: the whole-bytecode comparison would need them masked`);
  const deployed = deployedCode.toLowerCase();
  const expected = runtime.toLowerCase();
  if (deployed === expected) return;
  let at = 2;
  while (at < Math.min(deployed.length, expected.length) && deployed[at] === expected[at]) at++;
  const offset = (at - 2) >> 1;
  const codeEnd = (expected.length - 2) / 2 - trailerBytes(expected);
  const where =
    deployed === "0x"
      ? "no code is deployed there"
      : offset >= codeEnd && deployed.length === expected.length
        ? `only the metadata trailer differs (from byte ${offset}): same code, another source text or compiler build`
        : `${(deployed.length - 2) / 2} bytes deployed, ${(expected.length - 2) / 2} compiled; first difference at byte ${offset}`;
  throw new EpochVerifyError(
    "BYTECODE_MISMATCH",
    "vkeys",
    `the ${kind} verifier at ${address} is not the ${verifierContractName(circuit)} compiled from ${keyFile}: ${where}`,
    {
      file: keyFile,
      field: `${kind}Verifier`,
      expected: `${verifierContractName(circuit)} runtime, ${(expected.length - 2) / 2} bytes`,
      got: `${(deployed.length - 2) / 2} bytes at ${address}`,
    },
  );
}
