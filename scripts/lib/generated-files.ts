/**
 * Files generated from config/protocol.json: circuit main files and Solidity constants.
 * They are committed; test/generated-files.test.ts fails when they differ from what the config
 * gives, and `npm run generate` rewrites them.
 */
import { join } from "node:path";
import { FIELD_MODULUS, type ProtocolConfig } from "../../config/index.ts";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName } from "../../circuits/compile.ts";

const HEADER = "Generated from config/protocol.json by `npm run generate`. Do not edit.";

export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

function exampleMain(batchSize: number, config: ProtocolConfig): GeneratedFile {
  const { exampleHashBits, contributorIndexBits, scoreBits } = config.widths;
  return {
    path: join(PROJECT_ROOT, "circuits", "main", `${exampleCircuitName(batchSize)}.circom`),
    content: `// ${HEADER}
pragma circom 2.1.9;

include "../example_batch.circom";

component main {public [seed, rho]} = ExampleBatch(${batchSize}, ${exampleHashBits}, ${contributorIndexBits}, ${scoreBits}, ${config.hash.chainAbsorbWidth});
`,
  };
}

function registrationMain(batchSize: number, config: ProtocolConfig): GeneratedFile {
  const { addressBits, countBits, contributorIndexBits } = config.widths;
  return {
    path: join(PROJECT_ROOT, "circuits", "main", `${registrationCircuitName(batchSize)}.circom`),
    content: `// ${HEADER}
pragma circom 2.1.9;

include "../registration_batch.circom";

component main {public [seed, rho]} = RegistrationBatch(${batchSize}, ${config.registrationBatch.chunk}, ${addressBits}, ${countBits}, ${contributorIndexBits});
`,
  };
}

function payoutMain(batchSize: number, config: ProtocolConfig): GeneratedFile {
  const { addressBits, totalBits, poolBits, batchIndexBits, contributorIndexBits } = config.widths;
  return {
    path: join(PROJECT_ROOT, "circuits", "main", `${payoutCircuitName(batchSize)}.circom`),
    content: `// ${HEADER}
pragma circom 2.1.9;

include "../payout_batch.circom";

component main {public [seed, rho]} = PayoutBatch(${batchSize}, ${addressBits}, ${totalBits}, ${poolBits}, ${batchIndexBits}, ${contributorIndexBits}, ${config.hash.chainAbsorbWidth});
`,
  };
}

function solidityParams(config: ProtocolConfig): GeneratedFile {
  const { addressBits, totalBits, poolBits, exampleHashBits, batchIndexBits, contributorIndexBits } = config.widths;
  return {
    path: join(PROJECT_ROOT, "verifier-contracts", "contracts", "generated", "ProtocolParams.sol"),
    content: `// SPDX-License-Identifier: MIT
// ${HEADER}
pragma solidity ^0.8.24;

/// @notice Protocol widths shared with the circuits and the witness builder.
library ProtocolParams {
    /// Order of the BN254 scalar field: public inputs and payout words must be below it.
    uint256 internal constant FIELD_MODULUS = ${FIELD_MODULUS};
    /// The low ADDRESS_BITS bits of a payout word are the payee.
    uint256 internal constant ADDRESS_BITS = ${addressBits};
    /// Width of each contributor total T_c and of their sum S.
    uint256 internal constant TOTAL_BITS = ${totalBits};
    /// Width of the reward pool R and of each reward.
    uint256 internal constant POOL_BITS = ${poolBits};
    /// Width of an example hash: hashOut of an example batch is below 2^EXAMPLE_HASH_BITS.
    uint256 internal constant EXAMPLE_HASH_BITS = ${exampleHashBits};
    /// Width of a batch index: each table has at most 2^BATCH_INDEX_BITS - 1 batches.
    uint256 internal constant BATCH_INDEX_BITS = ${batchIndexBits};
    /// Width of a contributor index: an epoch has fewer than 2^CONTRIBUTOR_INDEX_BITS registrants.
    uint256 internal constant CONTRIBUTOR_INDEX_BITS = ${contributorIndexBits};
    /// The most payees one release pays (a payout batch's rows): EIP-7825 caps a transaction at 2^24 gas.
    uint256 internal constant MAX_PAYEES_PER_RELEASE = ${config.payoutBatch.maxPayeesPerRelease};
    /// Hashes per registration row: a registrant of n examples takes ceil(n / REGISTRATION_CHUNK) rows.
    uint256 internal constant REGISTRATION_CHUNK = ${config.registrationBatch.chunk};
}
`,
  };
}

/** Every generated file with the content the config gives. */
export function generatedFiles(config: ProtocolConfig): GeneratedFile[] {
  return [
    ...config.exampleBatch.sizes.map((e) => exampleMain(e, config)),
    ...config.registrationBatch.sizes.map((k) => registrationMain(k, config)),
    ...config.payoutBatch.sizes.map((b) => payoutMain(b, config)),
    solidityParams(config),
  ];
}
