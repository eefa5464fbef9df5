/**
 * The hash of a set of examples, in order: what a trainer seals for an epoch's held-out validation
 * set (its commitment is keccak256(abi.encode(hash, salt))), what the reveal puts on chain and
 * what anyone recomputes from the revealed file. It is defined on the examples' canonical bytes
 * (canonical-bytes.ts, the rule registration hashes by), not on the file's bytes, for two reasons:
 *   - what is committed is what is scored: the scorer feeds the model each row's values and
 *     label, which the canonical bytes are; two files that hold the same examples (an .npz of
 *     float32 and a JSONL of the same digits) are the same set, and a file whose bytes differ in
 *     what the scorer ignores (an .npz's zip timestamps, JSON key order) cannot be two sets;
 *   - a skeptic checks it with the readers every party already uses (readContributorData), in
 *     whatever form the trainer revealed, with no second hashing of files to keep in step.
 *
 *   every example an image: sha256(bytes_0 || bytes_1 || ...), each an image's 785 canonical
 *       bytes. This is the sha256 of the set's dataset file (encodeDataset), so an MNIST set
 *       hashes as the MNIST path has always sealed it (attribution/ datasetHash), whether it
 *       comes as .bin, .npz, .npy or JSONL. Fixed-length records: the concatenation is
 *       unambiguous.
 *   any other set: sha256(TAG || sha256(len_0 || bytes_0 || len_1 || bytes_1 || ...)), each len
 *       the example's canonical byte count as 4 bytes big-endian (an example is far below 4 GiB:
 *       read-file.ts). The lengths make the sequence unambiguous; the outer hash's input is
 *       TAG and one digest, 32 + 32 = 64 bytes, shorter than any dataset file (a positive
 *       multiple of 785 bytes), so no set of the first kind hashes like one of the second
 *       without a sha256 collision. (Without the outer hash a trainer could grind rows until a
 *       framed sequence read as a few images, and open one seal to two sets.)
 */
import { createHash } from "node:crypto";
import type { ExampleBytes } from "./canonical-bytes.ts";

/** The outer hash's domain tag (32 bytes): a set that is not all images. */
const TAG = Buffer.from("attribution-prover example set 1".padEnd(32, " "));

/** The set hash of `examples` in order (see the header), as 64 lower-case hex digits. RangeError for no example. */
export function exampleSetHash(examples: readonly ExampleBytes[]): string {
  if (examples.length === 0) throw new RangeError("exampleSetHash: examples must hold at least one example");
  if (examples.every((e) => e.kind === "image")) {
    const h = createHash("sha256");
    for (const e of examples) h.update(e.bytes);
    return h.digest("hex");
  }
  const inner = createHash("sha256");
  const len = Buffer.alloc(4);
  for (const e of examples) {
    len.writeUInt32BE(e.bytes.length);
    inner.update(len).update(e.bytes);
  }
  return createHash("sha256").update(TAG).update(inner.digest()).digest("hex");
}
