/**
 * Refuses a deployment file whose addresses hold code other than this project's (found by review:
 * a tampered file naming an attacker's settlement and registry, which answer every getter as the
 * file says, had `epoch open` send them the pool). A contract's answers about itself prove
 * nothing; its code does. Each contract's runtime code (eth_getCode) must be, byte for byte:
 *
 *   settlement, registry   the compiled artifact (build/artifacts) with every immutable holding the
 *                          value the file gives: the contracts it is wired to, batch sizes, windows,
 *                          the registration rules, and the settlement's EIP712 domain for its chain
 *                          and address (runtime-code.ts: filled in, not masked, and why);
 *   poseidon               PoseidonT4 as compiled from poseidon-solidity (a library: its own
 *                          address in its call guard, no immutables);
 *   token                  OpenToken, when the file says the deployment made it (an existing ERC-20
 *                          is not this project's code: nothing to compare it with);
 *   the three verifiers    the Groth16 verifier generated from the pinned verification key of the
 *                          file's key set for the circuit of the file's batch size (as the skeptic's
 *                          verify/bytecode.ts does), so the sizes and key set are bound as well.
 *
 * The metadata trailer is compared too: the same source text and compiler, not just the same
 * instructions. Cost: ~0.2 s per process once the verifiers' code is cached (circuits/
 * cachedVerifierCode); the artifacts and ASTs are read once per process.
 *
 * Not bound here: storage. A constructor other than this project's can write any storage before
 * returning this code (a claimable balance for a thief in the settlement: found by review); only
 * the creation transaction shows the state a contract started from, and deployment-creation.ts
 * compares it. The registry's owner, storage written after creation, is read by
 * deployment-attach.ts checkWiring.
 */
import { keccak256, toBeHex, toUtf8Bytes, TypedDataEncoder, zeroPadValue, hexlify } from "ethers";
import type { ContractName } from "./artifacts.ts";
import { DeploymentError } from "./deployment-errors.ts";
import type { DeploymentFile } from "./deployment-file-format.ts";
import type { ProtocolContract } from "./ignition-module.ts";
import { pinnedVerifiers, VERIFIER_ROLES, type PinnedVerifiers } from "./pinned-verifiers.ts";
import { describeDifference, expectedRuntime, runtimeTemplate } from "./runtime-code.ts";
import { SETTLEMENT_EIP712 } from "./settle.ts";

/** A value as the 32-byte word an immutable holds: addresses and integers right-aligned. */
const word = (value: string | bigint | number) => (typeof value === "string" ? zeroPadValue(value, 32) : toBeHex(BigInt(value), 32));

/** OpenZeppelin's ShortString: the UTF-8 bytes left-aligned, their length in the last byte. */
function shortString(text: string): string {
  const bytes = toUtf8Bytes(text);
  // Longer ones live in storage behind a sentinel: the settlement's name and version are short.
  if (bytes.length > 31) throw new RangeError(`EIP-712 ${JSON.stringify(text)} is longer than a ShortString (31 bytes)`);
  const out = new Uint8Array(32);
  out.set(bytes);
  out[31] = bytes.length;
  return hexlify(out);
}

/** The immutables OpenZeppelin's EIP712 constructor writes for `name`/`version` at `address` on `chainId`. */
function eip712Immutables(chainId: bigint, address: string): Record<string, string> {
  const { name, version } = SETTLEMENT_EIP712;
  return {
    "EIP712._cachedDomainSeparator": TypedDataEncoder.hashDomain({ name, version, chainId, verifyingContract: address }),
    "EIP712._cachedChainId": word(chainId),
    "EIP712._cachedThis": word(address),
    "EIP712._hashedName": keccak256(toUtf8Bytes(name)),
    "EIP712._hashedVersion": keccak256(toUtf8Bytes(version)),
    "EIP712._name": shortString(name),
    "EIP712._version": shortString(version),
  };
}

/** What each of the project's own contracts in `d` is, and the immutables the file gives it. */
function ownContracts(d: DeploymentFile): Array<{ key: ProtocolContract; artifact: ContractName; immutables: Record<string, string> }> {
  const c = d.contracts;
  const r = d.registration;
  const w = d.windows;
  const settlement = {
    "PayoutSettlement.token": word(c.token),
    "PayoutSettlement.registry": word(c.registry),
    "PayoutSettlement.exampleVerifier": word(c.exampleVerifier),
    "PayoutSettlement.registrationVerifier": word(c.registrationVerifier),
    "PayoutSettlement.payoutVerifier": word(c.payoutVerifier),
    "PayoutSettlement.exampleBatchSize": word(d.batchSizes.example),
    "PayoutSettlement.registrationBatchSize": word(d.batchSizes.registration),
    "PayoutSettlement.payoutBatchSize": word(d.batchSizes.payout),
    "PayoutSettlement.commitWindow": word(w.commitWindowSeconds),
    "PayoutSettlement.contestWindow": word(w.contestWindowSeconds),
    "PayoutSettlement.proofWindow": word(w.proofWindowSeconds),
    ...eip712Immutables(d.chainId, c.settlement),
  };
  const registry = {
    "ContributorRegistry.feeToken": word(c.token),
    "ContributorRegistry.poseidon": word(c.poseidon),
    "ContributorRegistry.feePerExample": word(r.feePerExample),
    "ContributorRegistry.minRegistrationWindow": word(r.minWindowSeconds),
    "ContributorRegistry.maxRegistrants": word(r.maxRegistrants),
    "ContributorRegistry.maxExamplesPerRegistrant": word(r.maxExamplesPerRegistrant),
    "ContributorRegistry.maxExamplesPerEpoch": word(r.maxExamplesPerEpoch),
  };
  return [
    { key: "settlement", artifact: "PayoutSettlement", immutables: settlement },
    { key: "registry", artifact: "ContributorRegistry", immutables: registry },
    ...(d.tokenDeployed ? [{ key: "token" as const, artifact: "OpenToken" as const, immutables: {} }] : []),
    { key: "poseidon", artifact: "PoseidonT4", immutables: {} },
  ];
}

/**
 * Throws DeploymentError DEPLOYMENT_CODE_MISMATCH (naming `file`, the field `contracts.<name>` and
 * where the code first differs) unless every contract of `d` has this project's code; `codes` is
 * eth_getCode of each address, `verifiers` the pinned verifiers of `d` (shared with the creation
 * check, so each key is loaded once). Reads the chain no further and sends nothing.
 */
export async function checkDeploymentCode(
  file: string,
  d: DeploymentFile,
  codes: Readonly<Record<ProtocolContract, string>>,
  verifiers: PinnedVerifiers = pinnedVerifiers(d),
): Promise<void> {
  const refuse = (key: ProtocolContract, what: string, where: string): never => {
    throw new DeploymentError("DEPLOYMENT_CODE_MISMATCH", `${file}: contracts.${key} ${d.contracts[key]} is not ${what}: ${where}`, {
      file,
      field: `contracts.${key}`,
    });
  };
  // Project contracts first: cheap (artifacts only), so a file they refuse loads no verification
  // key (a dev key set's keys are made on first use: minutes for a size this machine never set up).
  for (const { key, artifact, immutables } of ownContracts(d)) {
    const template = await runtimeTemplate(artifact);
    const where = describeDifference(template, codes[key], expectedRuntime(template, d.contracts[key], immutables));
    if (where !== undefined)
      refuse(
        key,
        `this project's ${template.contractName}${template.immutables.size > 0 ? " with the immutables the file gives" : ""}`,
        where,
      );
  }
  for (const role of VERIFIER_ROLES) {
    const key = `${role}Verifier` as const;
    const { circuit, contractName, pinnedVkeyHash, runtime: expected } = await verifiers(role);
    const got = codes[key].toLowerCase();
    if (got === expected) continue;
    let at = 2;
    while (at < Math.min(got.length, expected.length) && got[at] === expected[at]) at++;
    refuse(
      key,
      `${contractName} generated from the ${d.keySet} key set's ${circuit} key (vkey sha256 ${pinnedVkeyHash.slice(0, 16)}...)`,
      `${(got.length - 2) / 2} bytes deployed, ${(expected.length - 2) / 2} generated; first difference at byte ${(at - 2) >> 1}`,
    );
  }
}
