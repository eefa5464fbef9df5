/**
 * The training data file: every contributor's examples as registered, in registration order, so
 * that anyone holding it can rerun the scoring (verify --data FILE --model FILE). JSON:
 *   { "format": "attribution-prover/training-data/1",
 *     "contributors": [ { "address": EIP-55, "label": ..., "kind": ..., "examples": base64 } ] }
 * where `examples` is the dataset file of that contributor's examples (data.ts encodeDataset:
 * 784 pixel bytes then the label byte, per example, in the order they were registered).
 * Which labels were changed on purpose (Partition.flipped) is demo bookkeeping, not data: it is
 * not written, and reads back as none.
 */
import type { PartitionConfig } from "../config/attribution.ts";
import { decodeDataset, encodeDataset } from "./data.ts";
import { AttributionError } from "./errors.ts";
import type { Partition } from "./partitions.ts";

const FORMAT = "attribution-prover/training-data/1";
const KINDS: readonly PartitionConfig["kind"][] = ["clean", "noisy", "duplicate"];

/** The training data file of `partitions` (UTF-8 JSON). */
export function encodeTrainingData(partitions: readonly Partition[]): string {
  const contributors = partitions.map((p) => ({
    address: p.address,
    label: p.label,
    kind: p.kind,
    examples: Buffer.from(encodeDataset(p.data)).toString("base64"),
  }));
  return `${JSON.stringify({ format: FORMAT, contributors })}\n`;
}

/** Reads encodeTrainingData's text back; AttributionError DATA_INVALID naming what is wrong. */
export function decodeTrainingData(text: string): Partition[] {
  const bad = (what: string): never => {
    throw new AttributionError("DATA_INVALID", `training data file: ${what}`);
  };
  let json: { format?: unknown; contributors?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch (error) {
    return bad(`not JSON (${(error as Error).message})`);
  }
  if (json.format !== FORMAT) bad(`format is ${JSON.stringify(json.format)}, expected ${FORMAT}`);
  if (!Array.isArray(json.contributors)) return bad("contributors is not an array");
  return json.contributors.map((c: { address?: unknown; label?: unknown; kind?: unknown; examples?: unknown }, i) => {
    if (typeof c?.address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(c.address)) bad(`contributors[${i}].address is not an address`);
    if (typeof c.label !== "string") bad(`contributors[${i}].label is not a string`);
    if (!KINDS.includes(c.kind as PartitionConfig["kind"])) bad(`contributors[${i}].kind is not one of ${KINDS.join(", ")}`);
    if (typeof c.examples !== "string") bad(`contributors[${i}].examples is not base64`);
    let data;
    try {
      data = decodeDataset(Buffer.from(c.examples as string, "base64"));
    } catch (error) {
      return bad(`contributors[${i}].examples: ${(error as Error).message}`);
    }
    return {
      address: c.address as string,
      label: c.label as string,
      kind: c.kind as PartitionConfig["kind"],
      data,
      flipped: new Uint8Array(data.size),
    };
  });
}
