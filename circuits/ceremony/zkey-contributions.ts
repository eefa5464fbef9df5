/**
 * Reads the phase-2 contributions recorded inside a Groth16 zkey (section 10, "MPC params") and
 * computes each one's contribution hash exactly as snarkjs prints it: BLAKE2b-512 over the
 * contribution's public key (deltaAfter, g1_s, g1_sx, g2_spx, uncompressed) and its transcript
 * hash. These hashes are what participants publish and what the ceremony transcript lists.
 *
 * snarkjs exports no reader for these, so this file uses snarkjs's own zkey_utils module
 * (snarkjs-internals.ts: the same module instances snarkjs uses). Only reading is done here; whether the
 * contributions are valid is snarkjs's zKey.verifyFromInit (phase2.ts).
 */
import { createHash, type Hash } from "node:crypto";
import { binFileUtils as loadBinFileUtils, snarkjsSource, type BinFd, type Sections } from "./snarkjs-internals.ts";

interface Contribution {
  readonly type: number;
  readonly name?: string;
  readonly numIterationsExp?: number;
  readonly beaconHash?: Uint8Array;
}
interface ZkeyUtils {
  readHeader(fd: BinFd, sections: Sections, toObject?: boolean): Promise<{ curve: unknown; protocol: string }>;
  readMPCParams(fd: BinFd, curve: unknown, sections: Sections): Promise<{ csHash: Uint8Array; contributions: Contribution[] }>;
  hashPubKey(hasher: { update(data: Uint8Array): unknown }, curve: unknown, c: Contribution): void;
}

/** One phase-2 contribution as recorded in a zkey. */
export interface ZkeyContribution {
  /** 1-based position in the chain. */
  readonly index: number;
  readonly type: "contribution" | "beacon";
  /** The name the participant gave (snarkjs keeps at most 64 bytes); "" when none. */
  readonly name: string;
  /** BLAKE2b-512 of the contribution's public key, hex (128 characters). */
  readonly hash: string;
  /** Beacon only: the public random value (hex) and log2 of the hash iterations. */
  readonly beaconHash?: string;
  readonly iterationsExp?: number;
}

export interface ZkeyMpc {
  /** BLAKE2b-512 of the circuit's constraint system as snarkjs computes it (hex). */
  readonly circuitHash: string;
  readonly contributions: readonly ZkeyContribution[];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** The circuit hash and the ordered contributions of a zkey file. */
export async function readZkeyContributions(zkeyPath: string): Promise<ZkeyMpc> {
  if (typeof zkeyPath !== "string" || zkeyPath === "") throw new TypeError("zkeyPath must be a non-empty string");
  const zkeyUtils = await snarkjsSource<ZkeyUtils>("zkey_utils.js");
  const { fd, sections } = await (await loadBinFileUtils()).readBinFile(zkeyPath, "zkey", 2);
  try {
    const header = await zkeyUtils.readHeader(fd, sections, false);
    if (header.protocol !== "groth16") throw new Error(`${zkeyPath} is a ${header.protocol} zkey, not groth16`);
    const mpc = await zkeyUtils.readMPCParams(fd, header.curve, sections);
    return {
      circuitHash: hex(mpc.csHash),
      contributions: mpc.contributions.map((c, i): ZkeyContribution => {
        const hasher: Hash = createHash("blake2b512");
        zkeyUtils.hashPubKey(hasher, header.curve, c);
        const beacon = c.type === 1;
        return {
          index: i + 1,
          type: beacon ? "beacon" : "contribution",
          name: c.name ?? "",
          hash: hasher.digest("hex"),
          ...(beacon ? { beaconHash: hex(c.beaconHash!), iterationsExp: c.numIterationsExp! } : {}),
        };
      }),
    };
  } finally {
    await fd.close();
  }
}
