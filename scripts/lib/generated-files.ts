/**
 * Files generated from config/protocol.json: circuit main files and Solidity constants.
 * They are committed; test/generated-files.test.ts fails when they differ from what the config
 * gives, and `npm run generate` rewrites them.
 */
import { join } from "node:path";
import { FIELD_MODULUS, type ProtocolConfig } from "../../config/index.ts";
import { PROJECT_ROOT } from "../../circuits/paths.ts";
import { payoutCircuitName } from "../../circuits/compile.ts";

const HEADER = "Generated from config/protocol.json by `npm run generate`. Do not edit.";

export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

function payoutMain(batchSize: number, config: ProtocolConfig): GeneratedFile {
  const { addressBits, totalBits, poolBits } = config.widths;
  return {
    path: join(PROJECT_ROOT, "circuits", "main", `${payoutCircuitName(batchSize)}.circom`),
    content: `// ${HEADER}
pragma circom 2.1.9;

include "../payout_batch.circom";

component main {public [rho]} = PayoutBatch(${batchSize}, ${addressBits}, ${totalBits}, ${poolBits}, ${config.hash.chainAbsorbWidth});
`,
  };
}

function solidityParams(config: ProtocolConfig): GeneratedFile {
  const { addressBits, totalBits, poolBits } = config.widths;
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
}
`,
  };
}

/** Every generated file with the content the config gives. */
export function generatedFiles(config: ProtocolConfig): GeneratedFile[] {
  return [...config.payoutBatch.sizes.map((b) => payoutMain(b, config)), solidityParams(config)];
}
