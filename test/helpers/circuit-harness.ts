/**
 * Test harness for compiled circuits: witnesses from circom's witness_calculator.js, witness
 * signal names from the `.sym` file, and the source line of a constraint, so that a test can
 * assert WHICH check rejected a tampered witness (not merely that something failed).
 * circuits/compile.ts emits the `.sym` file beside the cached r1cs, so wire indices are the
 * cached circuit's.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import type { CompiledCircuit } from "../../circuits/compile.ts";
import { violatedConstraints, type R1cs } from "./r1cs.ts";

const require = createRequire(import.meta.url);

interface CircomWitnessCalculator {
  calculateWitness(input: object, sanityCheck: boolean): Promise<bigint[]>;
}
type CircomBuilder = (code: Uint8Array) => Promise<CircomWitnessCalculator>;

const wasmCache = new Map<string, Uint8Array>();
function wasmOf(circuit: CompiledCircuit): Uint8Array {
  let wasm = wasmCache.get(circuit.wasmPath);
  if (!wasm) wasmCache.set(circuit.wasmPath, (wasm = readFileSync(circuit.wasmPath)));
  return wasm;
}

/**
 * Computes the witness of `input`. A fresh WebAssembly instance per call: circom's calculator
 * keeps the messages of earlier failed asserts and appends them to the next error.
 */
export async function calculateWitness(circuit: CompiledCircuit, input: object): Promise<bigint[]> {
  const builder = require(join(circuit.dir, `${circuit.name}_js`, "witness_calculator.js")) as CircomBuilder;
  const calculator = await builder(wasmOf(circuit));
  return calculator.calculateWitness(input, true);
}

/** Signal name -> witness wire, for every signal the optimizer kept (names sharing a wire all map). */
export interface Symbols {
  readonly wireOf: ReadonlyMap<string, number>;
  readonly namesOf: ReadonlyMap<number, readonly string[]>;
}

function parseSymbols(text: string): Symbols {
  const wireOf = new Map<string, number>();
  const namesOf = new Map<number, string[]>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    // labelIndex,wireIndex,componentIndex,name; wireIndex -1: eliminated by the optimizer.
    const [, wireText, , name] = line.split(",");
    const wire = Number(wireText);
    if (name === undefined || !Number.isInteger(wire)) throw new Error(`unexpected .sym line: ${line}`);
    if (wire < 0) continue;
    wireOf.set(name, wire);
    namesOf.set(wire, [...(namesOf.get(wire) ?? []), name]);
  }
  return { wireOf, namesOf };
}

/** Reads the `.sym` that circuits/compile.ts writes beside the r1cs of `circuit`. */
export function symbolsOf(circuit: CompiledCircuit): Symbols {
  return parseSymbols(readFileSync(join(circuit.dir, `${circuit.name}.sym`), "utf8"));
}

/** The wire of signal `name` (e.g. "main.totalInverse"); throws if the optimizer removed it. */
export function wireOf(symbols: Symbols, name: string): number {
  const wire = symbols.wireOf.get(name);
  if (wire === undefined) throw new Error(`signal ${name} has no witness wire (renamed, or eliminated by --O2)`);
  return wire;
}

/**
 * Line (1-based) of the one line of code of `file` that contains `statement` verbatim (comments
 * stripped, so a commented-out check is not found). A test that names the check it expects to
 * fire fails loudly here if the check was removed or reworded.
 */
export function sourceLine(file: string, statement: string): number {
  const lines = readFileSync(file, "utf8").split("\n");
  const found = lines.flatMap((line, i) => (line.replace(/\/\/.*$/, "").includes(statement) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`expected one line of ${file} with "${statement}", found ${found.length}`);
  return found[0]!;
}

/**
 * Bit wires of the anonymous `Num2Bits` component instantiated at `line` (circom names it
 * `Num2Bits_<line>_<offset>`, with `[row]` inside a loop): bit index -> wire. --O2 removes one
 * bit, implied by the others through the sum constraint.
 */
export function num2BitsWires(symbols: Symbols, line: number, row?: number): Map<number, number> {
  const index = row === undefined ? "" : `\\[${row}\\]`;
  const pattern = new RegExp(`^main\\.Num2Bits_${line}_\\d+${index}\\.out\\[(\\d+)\\]$`);
  const bits = new Map<number, number>();
  for (const [name, wire] of symbols.wireOf) {
    const match = pattern.exec(name);
    if (match) bits.set(Number(match[1]), wire);
  }
  if (bits.size === 0) throw new Error(`no Num2Bits component at line ${line}${row === undefined ? "" : ` row ${row}`}`);
  return bits;
}

/** Writes the binary digits of `value` into the bit wires of a Num2Bits component. */
export function setBits(witness: bigint[], bits: ReadonlyMap<number, number>, value: bigint): void {
  for (const [k, wire] of bits) witness[wire] = (value >> BigInt(k)) & 1n;
}

/** The line of template `template` at which circom's witness calculator reported a failed assert. */
export function failedAssertLine(error: unknown, template: string): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.includes("Assert Failed")) return undefined;
  const match = new RegExp(`Error in template ${template}_\\d+ line: (\\d+)`).exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * Asserts that the witness calculator rejects `input` at the one line of `file` holding
 * `statement` (a check of template `template`), not merely somewhere.
 */
export async function assertRejectedAt(
  circuit: CompiledCircuit,
  input: object,
  file: string,
  template: string,
  statement: string,
): Promise<void> {
  const line = sourceLine(file, statement);
  await assert.rejects(calculateWitness(circuit, input), (error) => {
    const got = failedAssertLine(error, template);
    assert.equal(got, line, `expected "${statement}" (line ${line}) to reject; got: ${(error as Error).message}`);
    return true;
  });
}

/** What every batch circuit's honest fixtures carry: the input and the four public signals. */
export interface HonestBatch {
  readonly input: object;
  readonly publicSignals: readonly bigint[];
}

/**
 * The tests every batch circuit shares: its four public signals in snarkjs order (outputs chainOut
 * and digest, then the public inputs seed and rho), and each honest batch reproducing the native
 * public signals with every constraint of the R1CS holding.
 */
export function sharedBatchCircuitTests(
  circuit: CompiledCircuit,
  r1cs: R1cs,
  symbols: Symbols,
  honest: ReadonlyArray<readonly [string, HonestBatch]>,
): void {
  test("the R1CS has 4 public signals: chainOut, digest (outputs), then seed and rho (public inputs)", () => {
    assert.equal(r1cs.nOutputs, 2);
    assert.equal(r1cs.nPubInputs, 2);
    assert.deepEqual(
      ["main.chainOut", "main.digest", "main.seed", "main.rho"].map((n) => wireOf(symbols, n)),
      [1, 2, 3, 4],
    );
  });
  for (const [name, batch] of honest) {
    test(`${name}: chainOut, digest and rho equal the native values; the R1CS holds`, async () => {
      const witness = await calculateWitness(circuit, batch.input);
      assert.deepEqual(witness.slice(1, 5), [...batch.publicSignals]);
      assert.deepEqual(violatedConstraints(r1cs, witness), []);
    });
  }
}
