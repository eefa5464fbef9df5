/**
 * A registration's commitment C_j and the registry's running hash F, rewritten for the skeptic
 * from docs/soundness-ii.md ("Registration") and ContributorRegistry.register:
 *   senderN = sender + n * 2^addressBits (n the registered count, below 2^countBits)
 *   s_0 = regDomain; s_{k+1} = Poseidon(s_k, k == 0 ? senderN : 0, k == 0 ? salt : 0,
 *                                       h[k w .. k w + w - 1]) (w = chunk, the last chunk zero-padded)
 *   C = s_K over the list's K = ceil(n / w) chunks;
 *   F = 0 before the epoch's first registrant, then F = Poseidon(F, C, senderN) per registration.
 * The list is the registrant's example hashes, sorted ascending, distinct, each in [1, 2^hashBits).
 */
import type { ProtocolConfig } from "../../config/index.ts";
import { P } from "./field.ts";
import { MAX_POSEIDON_INPUTS, poseidonHash } from "./poseidon.ts";

type Widths = Pick<ProtocolConfig["widths"], "addressBits" | "countBits" | "exampleHashBits">;

/** sender + n * 2^addressBits: what the registry folds next to C (msg.sender + n 2^160). */
export function senderWord(sender: bigint, count: number | bigint, w: Pick<Widths, "addressBits" | "countBits">): bigint {
  const n = BigInt(count);
  if (sender <= 0n || sender >= 1n << BigInt(w.addressBits)) throw new RangeError(`sender ${sender} is not in [1, 2^${w.addressBits})`);
  if (n < 1n || n >= 1n << BigInt(w.countBits)) throw new RangeError(`count ${n} is not in [1, 2^${w.countBits})`);
  return sender + (n << BigInt(w.addressBits));
}

/** The low addressBits of a senderN: the registrant's address. */
export function senderOf(senderN: bigint, addressBits: number): bigint {
  return senderN & ((1n << BigInt(addressBits)) - 1n);
}

/** Throws a RangeError naming the first hash that breaks "sorted ascending, distinct, in [1, 2^hashBits)". */
export function checkList(hashes: readonly bigint[], hashBits: number): void {
  if (hashes.length === 0) throw new RangeError("the list is empty");
  hashes.forEach((h, i) => {
    if (h < 1n || h >= 1n << BigInt(hashBits)) throw new RangeError(`hash ${i} (${h}) is not in [1, 2^${hashBits})`);
    if (i > 0 && h <= hashes[i - 1]!)
      throw new RangeError(
        `hash ${i} (0x${h.toString(16)}) is not above hash ${i - 1} (0x${hashes[i - 1]!.toString(16)}): the list must be sorted ascending and distinct`,
      );
  });
}

/** `hashes` cut into chunks of `chunk`, the last padded with zeros. */
export function chunksOf(hashes: readonly bigint[], chunk: number): bigint[][] {
  if (!Number.isSafeInteger(chunk) || chunk < 1 || chunk + 3 > MAX_POSEIDON_INPUTS)
    throw new RangeError(`chunk must be an integer in [1, ${MAX_POSEIDON_INPUTS - 3}], got ${chunk}`);
  const out: bigint[][] = [];
  for (let at = 0; at < hashes.length; at += chunk) {
    const part = hashes.slice(at, at + chunk);
    out.push([...part, ...Array<bigint>(chunk - part.length).fill(0n)]);
  }
  return out;
}

export interface CommitmentInput {
  /** regDomain of the epoch (challenge.ts registrationDomain). */
  readonly regDomain: bigint;
  readonly sender: bigint;
  readonly salt: bigint;
  /** The list: sorted ascending, distinct, in [1, 2^hashBits); its length is n. */
  readonly hashes: readonly bigint[];
  readonly chunk: number;
}

/** C of a list (see the header); throws a RangeError for a list or salt that has none. */
export function registrationCommitment(input: CommitmentInput, w: Widths): bigint {
  const { regDomain, sender, salt, hashes, chunk } = input;
  if (salt < 0n || salt >= P) throw new RangeError(`salt ${salt} is not a reduced field element`);
  if (regDomain < 0n || regDomain >= P) throw new RangeError(`regDomain ${regDomain} is not a reduced field element`);
  checkList(hashes, w.exampleHashBits);
  const senderN = senderWord(sender, hashes.length, w);
  return chunksOf(hashes, chunk).reduce((s, part, k) => poseidonHash([s, k === 0 ? senderN : 0n, k === 0 ? salt : 0n, ...part]), regDomain);
}

/** One registration as the registry folds it. */
export interface FoldedRegistration {
  readonly commitment: bigint;
  readonly senderN: bigint;
}

/** F after each registration in order, starting from 0 (the last is the epoch's F). */
export function registryFolds(registrations: readonly FoldedRegistration[]): bigint[] {
  const out: bigint[] = [];
  let fold = 0n;
  registrations.forEach((r, i) => {
    if (r.commitment < 0n || r.commitment >= P)
      throw new RangeError(`registration ${i}: commitment ${r.commitment} is not a reduced field element`);
    fold = poseidonHash([fold, r.commitment, r.senderN]);
    out.push(fold);
  });
  return out;
}

/** The registry's F after `registrations` (0 for none). */
export function registryFold(registrations: readonly FoldedRegistration[]): bigint {
  return registryFolds(registrations).at(-1) ?? 0n;
}
