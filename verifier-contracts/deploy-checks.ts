/**
 * What deployment checks before anything is sent: each verifier is of the circuit and size it is
 * deployed for, and the registration rules fit what a settlement can take. The contracts' constructors
 * refuse most of these too, but only after the gas of the contracts before them is spent.
 */
import { config, type RegistrationConfig } from "../config/index.ts";

/** The compiled verifier, as circuits/ setupCircuit() returns it (verifierArtifact). */
export interface VerifierArtifactInput {
  readonly contractName?: string;
  readonly abi: readonly unknown[];
  readonly bytecode: string;
}

/** Throws RangeError/TypeError naming `${name}Verifier` or `${name}BatchSize`. */
export function checkVerifier(
  artifact: VerifierArtifactInput,
  batchSize: number,
  circuit: "ExampleBatch" | "RegistrationBatch" | "PayoutBatch",
  name: string,
): void {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1024) {
    throw new RangeError(`${name}BatchSize must be an integer in [1, 1024], got ${batchSize}`);
  }
  if (typeof artifact?.bytecode !== "string" || !/^0x[0-9a-fA-F]+$/.test(artifact.bytecode)) {
    throw new TypeError(`${name}Verifier.bytecode must be a 0x-prefixed hex string`);
  }
  if (!Array.isArray(artifact.abi)) throw new TypeError(`${name}Verifier.abi must be an array`);
  // circuits/ names each verifier after its instance (PayoutBatch31Verifier): a verifier of
  // another circuit or size would reject every proof on chain, so refuse the mismatch here.
  const named = /^(ExampleBatch|RegistrationBatch|PayoutBatch)(\d+)Verifier$/.exec(artifact.contractName ?? "");
  if (named && (named[1] !== circuit || Number(named[2]) !== batchSize)) {
    throw new RangeError(`${name}BatchSize ${batchSize} does not match the verifier ${artifact.contractName}`);
  }
}

/** The most batches of one table an epoch takes (PayoutSettlement counts them in 16 bits). */
const MAX_BATCHES = 2 ** 16 - 1;

/**
 * The registry's and the settlement's constructors refuse these too; checked here so nothing is
 * sent first. The caps must fit the batches an epoch can take, or Sybils could fill an epoch past
 * what any settlement can open.
 */
export function checkRegistration(
  rules: RegistrationConfig,
  exampleBatchSize: number,
  registrationBatchSize: number,
  payoutBatchSize: number,
): void {
  const maxIndex = 2 ** config.widths.contributorIndexBits - 1;
  if (!Number.isInteger(rules.maxRegistrants) || rules.maxRegistrants < 1 || rules.maxRegistrants > maxIndex) {
    throw new RangeError(
      `registration.maxRegistrants must be an integer in [1, ${maxIndex}] (below 2^contributorIndexBits), got ${rules.maxRegistrants}`,
    );
  }
  for (const key of ["minWindowSeconds", "maxExamplesPerRegistrant"] as const) {
    if (!Number.isInteger(rules[key]) || rules[key] < 1 || rules[key] > 2 ** 32 - 1)
      throw new RangeError(`registration.${key} must be an integer in [1, 2^32 - 1], got ${rules[key]}`);
  }
  if (typeof rules.feePerExample !== "bigint" || rules.feePerExample < 0n)
    throw new RangeError(`registration.feePerExample must be a non-negative bigint, got ${rules.feePerExample}`);
  const maxExamples = MAX_BATCHES * exampleBatchSize;
  if (
    !Number.isInteger(rules.maxExamplesPerEpoch) ||
    rules.maxExamplesPerEpoch < rules.maxExamplesPerRegistrant ||
    rules.maxExamplesPerEpoch > maxExamples
  ) {
    throw new RangeError(
      `registration.maxExamplesPerEpoch must be an integer in [maxExamplesPerRegistrant, ${maxExamples}] (65,535 example batches of ${exampleBatchSize}), got ${rules.maxExamplesPerEpoch}`,
    );
  }
  const registrationRows = rules.maxRegistrants + Math.ceil(rules.maxExamplesPerEpoch / config.registrationBatch.chunk);
  if (registrationRows > MAX_BATCHES * registrationBatchSize) {
    throw new RangeError(
      `registration.maxRegistrants + maxExamplesPerEpoch / ${config.registrationBatch.chunk} must be at most ${MAX_BATCHES * registrationBatchSize} registration rows (65,535 batches of ${registrationBatchSize}), got ${registrationRows}`,
    );
  }
  if (rules.maxRegistrants > MAX_BATCHES * payoutBatchSize) {
    throw new RangeError(
      `registration.maxRegistrants must be at most ${MAX_BATCHES * payoutBatchSize} (65,535 payout batches of ${payoutBatchSize}), got ${rules.maxRegistrants}`,
    );
  }
}
