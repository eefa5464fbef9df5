/**
 * A plain-BigInt reader and evaluator of circom's R1CS files, and a writer of snarkjs `.wtns`
 * files: the tests edit a witness vector directly and need to know whether the constraint system
 * still accepts it. Independent of snarkjs on purpose (its `wtns.check` is used as a second
 * opinion), and small enough to read: format from iden3's r1csfile / binfileutils specs.
 *
 * File layout: magic (4 bytes), version (u32), section count (u32), then sections of
 * (type u32, byte length u64, data). Section 1 (header): n8 u32, prime (n8 bytes LE), wires u32,
 * public outputs u32, public inputs u32, private inputs u32, labels u64, constraints u32.
 * Section 2 (constraints): for each constraint the linear combinations A, B, C, each a term count
 * u32 then (wire u32, coefficient n8 bytes LE) pairs; the constraint is A * B - C == 0 mod prime.
 * Coefficients are stored in standard form (not Montgomery).
 */
import { readFileSync, writeFileSync } from "node:fs";

/** Terms of a linear combination: [wire, coefficient]. */
export type LinearCombination = ReadonlyArray<readonly [number, bigint]>;

export interface Constraint {
  readonly a: LinearCombination;
  readonly b: LinearCombination;
  readonly c: LinearCombination;
}

export interface R1cs {
  readonly prime: bigint;
  readonly nWires: number;
  readonly nOutputs: number;
  readonly nPubInputs: number;
  readonly nPrvInputs: number;
  readonly constraints: readonly Constraint[];
  /** For each wire, the indices of the constraints that mention it. */
  readonly constraintsOfWire: readonly (readonly number[])[];
}

function readLittleEndian(bytes: Uint8Array, offset: number, length: number): bigint {
  let value = 0n;
  for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[offset + i]!);
  return value;
}

/** Reads an R1CS file (circom's `--r1cs` output). */
export function readR1cs(path: string): R1cs {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.subarray(0, 4).toString("latin1") !== "r1cs") throw new Error(`${path} is not an r1cs file`);
  const sectionCount = view.getUint32(8, true);
  const sections = new Map<number, { start: number; length: number }>();
  let position = 12;
  for (let s = 0; s < sectionCount; s++) {
    const type = view.getUint32(position, true);
    const length = Number(view.getBigUint64(position + 4, true));
    sections.set(type, { start: position + 12, length });
    position += 12 + length;
  }
  const header = sections.get(1);
  const body = sections.get(2);
  if (!header || !body) throw new Error(`${path} has no header or constraint section`);
  let p = header.start;
  const n8 = view.getUint32(p, true);
  const prime = readLittleEndian(bytes, p + 4, n8);
  p += 4 + n8;
  const nWires = view.getUint32(p, true);
  const nOutputs = view.getUint32(p + 4, true);
  const nPubInputs = view.getUint32(p + 8, true);
  const nPrvInputs = view.getUint32(p + 12, true);
  const nConstraints = view.getUint32(p + 24, true);

  p = body.start;
  const readCombination = (): LinearCombination => {
    const terms = view.getUint32(p, true);
    p += 4;
    const combination: [number, bigint][] = [];
    for (let t = 0; t < terms; t++) {
      combination.push([view.getUint32(p, true), readLittleEndian(bytes, p + 4, n8)]);
      p += 4 + n8;
    }
    return combination;
  };
  const constraints: Constraint[] = [];
  const constraintsOfWire: number[][] = Array.from({ length: nWires }, () => []);
  for (let i = 0; i < nConstraints; i++) {
    const constraint = { a: readCombination(), b: readCombination(), c: readCombination() };
    constraints.push(constraint);
    const wires = new Set([...constraint.a, ...constraint.b, ...constraint.c].map(([wire]) => wire));
    for (const wire of wires) constraintsOfWire[wire]!.push(i);
  }
  if (p !== body.start + body.length) throw new Error(`${path}: constraint section length mismatch`);
  return { prime, nWires, nOutputs, nPubInputs, nPrvInputs, constraints, constraintsOfWire };
}

function evaluate(combination: LinearCombination, witness: readonly bigint[], prime: bigint): bigint {
  let sum = 0n;
  for (const [wire, coefficient] of combination) sum += coefficient * witness[wire]!;
  return sum % prime;
}

/** Whether constraint `index` holds for `witness`. */
export function holds(r1cs: R1cs, index: number, witness: readonly bigint[]): boolean {
  const { a, b, c } = r1cs.constraints[index]!;
  const { prime } = r1cs;
  return (evaluate(a, witness, prime) * evaluate(b, witness, prime) - evaluate(c, witness, prime)) % prime === 0n;
}

/** Indices of the constraints that `witness` violates (all of them, or only those in `among`). */
export function violatedConstraints(r1cs: R1cs, witness: readonly bigint[], among?: readonly number[]): number[] {
  if (witness.length !== r1cs.nWires) throw new RangeError(`witness has ${witness.length} wires, the r1cs ${r1cs.nWires}`);
  if (witness[0] !== 1n) throw new RangeError("wire 0 of a witness must be 1");
  const indices = among ?? r1cs.constraints.map((_, i) => i);
  return indices.filter((i) => !holds(r1cs, i, witness));
}

/** Writes `witness` as a snarkjs `.wtns` file (version 2), for `snarkjs.wtns.check`. */
export function writeWtns(path: string, witness: readonly bigint[], prime: bigint): void {
  const n8 = 32;
  const headerLength = 4 + n8 + 4;
  const bytes = Buffer.alloc(12 + 12 + headerLength + 12 + n8 * witness.length);
  const writeLittleEndian = (value: bigint, offset: number) => {
    let v = value;
    for (let i = 0; i < n8; i++, v >>= 8n) bytes[offset + i] = Number(v & 0xffn);
  };
  bytes.write("wtns", 0, "latin1");
  bytes.writeUInt32LE(2, 4);
  bytes.writeUInt32LE(2, 8);
  let p = 12;
  bytes.writeUInt32LE(1, p);
  bytes.writeBigUInt64LE(BigInt(headerLength), p + 4);
  bytes.writeUInt32LE(n8, p + 12);
  writeLittleEndian(prime, p + 16);
  bytes.writeUInt32LE(witness.length, p + 16 + n8);
  p += 12 + headerLength;
  bytes.writeUInt32LE(2, p);
  bytes.writeBigUInt64LE(BigInt(n8 * witness.length), p + 4);
  p += 12;
  for (const value of witness) {
    writeLittleEndian(((value % prime) + prime) % prime, p);
    p += n8;
  }
  writeFileSync(path, bytes);
}
