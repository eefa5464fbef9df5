/**
 * The Groth16 phase-2 ceremony of one circuit: a chain of zkeys, each made from the previous one
 * by one participant's secret (or, last, by a public beacon). One honest participant who destroys
 * their secret is enough for nobody to be able to forge proofs.
 *
 * Working state lives in `workDir` (default build/ceremony/<circuit>/, outside git: zkeys are
 * large): <circuit>_0000.zkey (from the R1CS and the powers of tau), _0001.zkey, ... and
 * ceremony.json, which records the circuit's R1CS hash, the powers of tau and each zkey's sha256.
 * Every step is checked with snarkjs (zKey.verifyFromInit: each contribution follows from the
 * previous, and the key is the circuit's) and is written atomically.
 *
 * Several machines: a participant receives the latest zkey, checks it (verifyZkey), contributes
 * with contributeFile() and sends the result back with the contribution hash they print; the
 * coordinator checks it extends the chain and appends it with addContribution().
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import * as snarkjs from "snarkjs";
import { toJson, writeFileAtomic } from "../../files/atomic-write.ts";
import { compileCircuit, type CompiledCircuit } from "../compile.ts";
import { PROJECT_ROOT } from "../paths.ts";
import { ptauPowerFor, type SetupLog } from "../setup.ts";
import { TrustedSetupError } from "./errors.ts";
import { devPtau, findCachedPtau, readPtauHeader, sha256File, type PtauInfo } from "./ptau.ts";
import { readZkeyContributions, type ZkeyContribution, type ZkeyMpc } from "./zkey-contributions.ts";

export interface CeremonyOptions {
  /** Working folder of this circuit's ceremony. Default build/ceremony/<circuit>. */
  readonly workDir?: string;
  readonly log?: SetupLog;
}

export interface CeremonyState {
  readonly circuit: string;
  /** sha256 of the compiled R1CS the ceremony is for. */
  readonly r1csSha256: string;
  /** snarkjs's BLAKE2b-512 of the constraint system, as recorded in every zkey. */
  readonly circuitHash: string;
  readonly constraints: number;
  readonly ptau: { readonly power: number; readonly sha256: string; readonly source: "dev" | "imported" };
  /** The chain: index 0 is the initial key, each later one adds one contribution. */
  readonly zkeys: readonly { readonly file: string; readonly sha256: string }[];
  /** Set once the chain is closed by the public beacon; nothing may be added after it. */
  readonly beacon?: { readonly hash: string; readonly iterationsExp: number };
}

export function ceremonyWorkDir(circuit: string, options: CeremonyOptions = {}): string {
  return options.workDir ?? join(PROJECT_ROOT, "build", "ceremony", circuit);
}

const stateFile = (dir: string): string => join(dir, "ceremony.json");
const zkeyName = (circuit: string, i: number): string => `${circuit}_${String(i).padStart(4, "0")}.zkey`;

export function readCeremonyState(circuit: string, options: CeremonyOptions = {}): CeremonyState {
  const file = stateFile(ceremonyWorkDir(circuit, options));
  if (!existsSync(file)) {
    throw new TrustedSetupError(
      "CEREMONY_STATE",
      `no ceremony for ${circuit} at ${file}: start one with npm run setup -- phase2 new ${circuit}`,
    );
  }
  return JSON.parse(readFileSync(file, "utf8")) as CeremonyState;
}

/** Path of the latest zkey of the chain. */
export function latestZkey(state: CeremonyState, options: CeremonyOptions = {}): string {
  return join(ceremonyWorkDir(state.circuit, options), state.zkeys.at(-1)!.file);
}

async function compiledFor(state: CeremonyState): Promise<CompiledCircuit> {
  const circuit = await compileCircuit(state.circuit);
  const r1csSha256 = await sha256File(circuit.r1csPath);
  if (r1csSha256 !== state.r1csSha256) {
    throw new TrustedSetupError(
      "CIRCUIT_CHANGED",
      `${state.circuit} now compiles to R1CS ${r1csSha256.slice(0, 16)}..., the ceremony is for ${state.r1csSha256.slice(0, 16)}...: its keys cannot prove this circuit; start a new ceremony`,
    );
  }
  return circuit;
}

/** The ceremony's powers of tau, found in the cache by its hash. */
export async function ceremonyPtau(state: Pick<CeremonyState, "ptau">): Promise<PtauInfo> {
  const found = await findCachedPtau(state.ptau.sha256, state.ptau.power);
  if (!found) {
    throw new TrustedSetupError(
      "PTAU_INVALID",
      `the powers of tau of this ceremony (2^${state.ptau.power}, sha256 ${state.ptau.sha256}) is not in the cache: npm run setup -- ptau import <file> --sha256 ${state.ptau.sha256}`,
    );
  }
  return found;
}

/**
 * Starts the ceremony of `circuit`: compiles it, takes the powers of tau (`ptauPath`, or the
 * development one of the right size) and writes the initial zkey (no contribution yet).
 */
export async function newCeremony(
  circuitName: string,
  options: CeremonyOptions & { readonly ptau?: PtauInfo } = {},
): Promise<CeremonyState> {
  const log = options.log ?? (() => {});
  const dir = ceremonyWorkDir(circuitName, options);
  if (existsSync(stateFile(dir))) {
    throw new TrustedSetupError(
      "CEREMONY_STATE",
      `a ceremony for ${circuitName} already exists in ${dir}: finish it, or delete that folder to start over`,
    );
  }
  const circuit = await compileCircuit(circuitName);
  const info = await snarkjs.r1cs.info(circuit.r1csPath);
  const need = ptauPowerFor(info.nConstraints, info.nPubInputs + info.nOutputs);
  const ptau = options.ptau ?? (await devPtau(need, log));
  const { power, preparedForPhase2 } = await readPtauHeader(ptau.path);
  if (power < need || !preparedForPhase2) {
    throw new TrustedSetupError(
      "PTAU_INVALID",
      `${circuitName} needs a powers of tau of 2^${need} prepared for phase 2; ${basename(ptau.path)} is 2^${power}${preparedForPhase2 ? "" : ", not prepared"}`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const file = zkeyName(circuitName, 0);
  const tmp = join(dir, `${file}.tmp-${process.pid}`);
  try {
    log(`${circuitName}: initial zkey from the R1CS and the powers of tau (2^${power}, ${ptau.source})`);
    await snarkjs.zKey.newZKey(circuit.r1csPath, ptau.path, tmp);
    writeFileAtomic(join(dir, file), readFileSync(tmp));
  } finally {
    await rm(tmp, { force: true });
  }
  const mpc = await readZkeyContributions(join(dir, file));
  const state: CeremonyState = {
    circuit: circuitName,
    r1csSha256: await sha256File(circuit.r1csPath),
    circuitHash: mpc.circuitHash,
    constraints: circuit.constraints,
    ptau: { power, sha256: ptau.sha256, source: ptau.source },
    zkeys: [{ file, sha256: await sha256File(join(dir, file)) }],
  };
  writeFileAtomic(stateFile(dir), toJson(state));
  return state;
}

/** Collects snarkjs's error lines, so a rejection can say what snarkjs found. */
function collectingLogger(): { logger: snarkjs.Logger; errors: string[] } {
  const errors: string[] = [];
  const logger = {
    info() {},
    debug() {},
    warn: (...a: unknown[]) => errors.push(a.join(" ")),
    error: (...a: unknown[]) => errors.push(a.join(" ")),
  };
  return { logger, errors };
}

/**
 * Checks a zkey of this ceremony with snarkjs against the initial key (same circuit, same powers
 * of tau; each contribution follows from the previous one) and returns its contributions. Throws
 * CONTRIBUTION_INVALID when snarkjs rejects it.
 */
export async function verifyZkey(state: CeremonyState, zkeyPath: string, options: CeremonyOptions = {}): Promise<ZkeyMpc> {
  const ptau = await ceremonyPtau(state);
  const init = join(ceremonyWorkDir(state.circuit, options), state.zkeys[0]!.file);
  const { logger, errors } = collectingLogger();
  let ok: boolean;
  try {
    ok = existsSync(init)
      ? await snarkjs.zKey.verifyFromInit(init, ptau.path, zkeyPath, logger)
      : await snarkjs.zKey.verifyFromR1cs((await compiledFor(state)).r1csPath, ptau.path, zkeyPath, logger);
  } catch (error) {
    throw new TrustedSetupError(
      "CONTRIBUTION_INVALID",
      `${basename(zkeyPath)} cannot be read as a zkey of this ceremony: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!ok) {
    throw new TrustedSetupError(
      "CONTRIBUTION_INVALID",
      `${basename(zkeyPath)} is not a valid phase-2 key of ${state.circuit}${errors.length ? `: ${errors.join("; ")}` : ""}`,
    );
  }
  const mpc = await readZkeyContributions(zkeyPath);
  if (mpc.circuitHash !== state.circuitHash) {
    throw new TrustedSetupError(
      "CONTRIBUTION_INVALID",
      `${basename(zkeyPath)} is for another circuit (hash ${mpc.circuitHash.slice(0, 16)}...)`,
    );
  }
  return mpc;
}

/**
 * Verifies the whole chain in the working folder: the latest zkey with snarkjs, and that every
 * file on disk is the one recorded (sha256) and extends the one before by exactly one
 * contribution. On a rejection, names the first file that fails. Returns the contributions.
 */
export async function verifyCeremony(circuitName: string, options: CeremonyOptions = {}): Promise<readonly ZkeyContribution[]> {
  const state = readCeremonyState(circuitName, options);
  await compiledFor(state);
  const dir = ceremonyWorkDir(circuitName, options);
  let previous: readonly ZkeyContribution[] = [];
  for (const [i, entry] of state.zkeys.entries()) {
    const path = join(dir, entry.file);
    if (!existsSync(path)) throw new TrustedSetupError("CEREMONY_STATE", `${entry.file} is missing from ${dir}`);
    const actual = await sha256File(path);
    if (actual !== entry.sha256) {
      throw new TrustedSetupError(
        "CONTRIBUTION_INVALID",
        `${entry.file} changed after it was added (sha256 ${actual}, recorded ${entry.sha256})`,
      );
    }
    const mpc = await readZkeyContributions(path);
    if (mpc.contributions.length !== i || (i > 0 && !extendsChain(previous, mpc.contributions))) {
      throw new TrustedSetupError(
        "CONTRIBUTION_OUT_OF_ORDER",
        `${entry.file} does not extend ${i === 0 ? "nothing" : state.zkeys[i - 1]!.file} by one contribution`,
      );
    }
    previous = mpc.contributions;
  }
  try {
    await verifyZkey(state, latestZkey(state, options), options);
  } catch (error) {
    // Name the first bad link: every earlier key verifies on its own.
    if (error instanceof TrustedSetupError && error.code === "CONTRIBUTION_INVALID") {
      for (const entry of state.zkeys.slice(1, -1)) await verifyZkey(state, join(dir, entry.file), options);
    }
    throw error;
  }
  return previous;
}

function extendsChain(before: readonly ZkeyContribution[], after: readonly ZkeyContribution[]): boolean {
  return after.length === before.length + 1 && before.every((c, i) => c.hash === after[i]!.hash);
}

async function recordNext(
  state: CeremonyState,
  options: CeremonyOptions,
  make: (input: string, output: string) => Promise<unknown>,
  extra: Partial<CeremonyState> = {},
): Promise<ZkeyContribution> {
  const dir = ceremonyWorkDir(state.circuit, options);
  const input = latestZkey(state, options);
  const file = zkeyName(state.circuit, state.zkeys.length);
  const tmp = join(dir, `${file}.tmp-${process.pid}`);
  try {
    await make(input, tmp);
    if (!existsSync(tmp)) throw new TrustedSetupError("CEREMONY_STATE", `snarkjs wrote no ${file}`);
    writeFileAtomic(join(dir, file), readFileSync(tmp));
  } finally {
    await rm(tmp, { force: true });
  }
  const next: CeremonyState = { ...state, ...extra, zkeys: [...state.zkeys, { file, sha256: await sha256File(join(dir, file)) }] };
  writeFileAtomic(stateFile(dir), toJson(next));
  return (await readZkeyContributions(join(dir, file))).contributions.at(-1)!;
}

function checkName(name: string): string {
  if (typeof name !== "string" || name.trim() === "") throw new TypeError("name must be a non-empty string (who contributes)");
  if (Buffer.byteLength(name) > 64)
    throw new RangeError(`name must be at most 64 bytes (snarkjs keeps no more), got ${Buffer.byteLength(name)}`);
  return name.trim();
}

function assertOpen(state: CeremonyState): void {
  if (state.beacon)
    throw new TrustedSetupError(
      "CEREMONY_STATE",
      `the ceremony of ${state.circuit} ended with its beacon: finalize it, or start a new one`,
    );
}

/**
 * One participant's contribution on this machine: entropy from the OS random source only
 * (crypto.randomBytes; snarkjs mixes in its own), never from an argument a shell would record.
 * The secret lives only in this process's memory. Returns the contribution (publish its hash).
 */
export async function contribute(circuitName: string, name: string, options: CeremonyOptions = {}): Promise<ZkeyContribution> {
  const who = checkName(name);
  const state = readCeremonyState(circuitName, options);
  assertOpen(state);
  await compiledFor(state);
  return recordNext(state, options, (input, output) => snarkjs.zKey.contribute(input, output, who, randomBytes(64).toString("hex")));
}

/**
 * A participant on another machine: checks `inPath` (a key of this ceremony, so this machine needs
 * the same circuit and powers of tau: `ptau`, default the development one of the right size),
 * contributes and writes `outPath`. Returns the contribution, whose hash the participant publishes.
 */
export async function contributeFile(
  circuitName: string,
  inPath: string,
  outPath: string,
  name: string,
  options: CeremonyOptions & { readonly ptau?: PtauInfo; readonly initZkey?: string } = {},
): Promise<ZkeyContribution> {
  const who = checkName(name);
  const circuit = await compileCircuit(circuitName);
  const before = await readZkeyContributions(inPath);
  if (before.contributions.at(-1)?.type === "beacon")
    throw new TrustedSetupError("CEREMONY_STATE", `${basename(inPath)} already ends with a beacon`);
  const ptau = options.ptau ?? (await devPtauFor(circuit));
  const { logger, errors } = collectingLogger();
  // From the R1CS: the participant trusts nothing received. initZkey (a key this machine made from
  // the same R1CS and powers of tau) skips remaking it, which is most of the time.
  const valid = options.initZkey
    ? await snarkjs.zKey.verifyFromInit(options.initZkey, ptau.path, inPath, logger)
    : await snarkjs.zKey.verifyFromR1cs(circuit.r1csPath, ptau.path, inPath, logger);
  if (!valid) {
    throw new TrustedSetupError(
      "CONTRIBUTION_INVALID",
      `${basename(inPath)} is not a valid phase-2 key of ${circuitName}: do not contribute to it${errors.length ? ` (${errors.join("; ")})` : ""}`,
    );
  }
  const tmp = `${outPath}.tmp-${process.pid}`;
  try {
    await snarkjs.zKey.contribute(inPath, tmp, who, randomBytes(64).toString("hex"));
    writeFileAtomic(outPath, readFileSync(tmp));
  } finally {
    await rm(tmp, { force: true });
  }
  return (await readZkeyContributions(outPath)).contributions.at(-1)!;
}

async function devPtauFor(circuit: CompiledCircuit): Promise<PtauInfo> {
  const info = await snarkjs.r1cs.info(circuit.r1csPath);
  return devPtau(ptauPowerFor(info.nConstraints, info.nPubInputs + info.nOutputs));
}

/**
 * The coordinator takes a contribution made elsewhere: it must verify and extend the current
 * chain by exactly one contribution. Appends it and returns it.
 */
export async function addContribution(circuitName: string, zkeyPath: string, options: CeremonyOptions = {}): Promise<ZkeyContribution> {
  const state = readCeremonyState(circuitName, options);
  assertOpen(state);
  await compiledFor(state);
  const current = await readZkeyContributions(latestZkey(state, options));
  const mpc = await verifyZkey(state, zkeyPath, options);
  if (!extendsChain(current.contributions, mpc.contributions)) {
    throw new TrustedSetupError(
      "CONTRIBUTION_OUT_OF_ORDER",
      `${basename(zkeyPath)} has ${mpc.contributions.length} contributions and does not extend the current ${current.contributions.length}: the participant must contribute to ${state.zkeys.at(-1)!.file}`,
    );
  }
  return recordNext(state, options, async (_input, output) => copyFileSync(zkeyPath, output));
}

/**
 * Closes the chain with a public random beacon (e.g. a future block hash announced in advance):
 * reproducible by anyone, so nobody can have chosen the last contribution adaptively.
 */
export async function applyBeacon(
  circuitName: string,
  beaconHashHex: string,
  iterationsExp: number,
  options: CeremonyOptions = {},
): Promise<ZkeyContribution> {
  if (typeof beaconHashHex !== "string" || !/^(?:[0-9a-fA-F]{2}){1,255}$/.test(beaconHashHex)) {
    throw new RangeError(`beaconHash must be 1 to 255 bytes of hex (an even number of hex digits), got ${JSON.stringify(beaconHashHex)}`);
  }
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) {
    throw new RangeError(`iterationsExp must be an integer in [10, 63] (2^iterationsExp hash rounds), got ${iterationsExp}`);
  }
  const state = readCeremonyState(circuitName, options);
  assertOpen(state);
  if (state.zkeys.length < 2)
    throw new TrustedSetupError(
      "CEREMONY_STATE",
      `the ceremony of ${circuitName} has no contribution yet: a beacon alone protects nothing`,
    );
  await compiledFor(state);
  const hash = beaconHashHex.toLowerCase();
  return recordNext(
    state,
    options,
    async (input, output) => {
      const result = await snarkjs.zKey.beacon(input, output, "beacon", hash, iterationsExp);
      if (result === false) throw new RangeError("snarkjs rejected the beacon parameters");
    },
    { beacon: { hash, iterationsExp } },
  );
}
