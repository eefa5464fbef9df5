/**
 * The phase-2 ceremony on PayoutBatch(testSize) with the 2^12 development powers of tau (cached
 * after first use): three participants and a beacon make keys that verify and get pinned; a
 * tampered contribution or transcript is refused with a named error; and keys from another setup
 * (this machine's development keys) are refused by the prover and by deploySettlement.
 * Everything is written to a temporary folder (working state, artifacts, pins file). The
 * mechanics are the same for every circuit, so one ceremony is run here; the committed key set
 * (artifacts/ceremony, config/pinned-keys.json) is checked for all three circuits of the statement.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Signer } from "ethers";
import { exampleCircuitName, payoutCircuitName, registrationCircuitName, setupCircuit, type CircuitKeys } from "../circuits/index.ts";
import * as snarkjs from "snarkjs";
import {
  addContribution,
  assertVerifierMatches,
  importPtau,
  sha256File,
  loadCircuitKeys,
  readCeremonyState,
  readPins,
  runDemoCeremony,
  TrustedSetupError,
  verifyCeremony,
  verifyTranscript,
  verifyZkey,
  type Transcript,
} from "../circuits/ceremony/index.ts";
import { config } from "../config/index.ts";
import { createProverPool, proveBatches, ProverError } from "../prover/index.ts";
import { deploySettlement } from "../verifier-contracts/index.ts";

const circuit = payoutCircuitName(config.payoutBatch.testSize);
const scratch = mkdtempSync(join(tmpdir(), "ceremony-test-"));
const dirs = { workDir: join(scratch, "work"), artifactsDir: join(scratch, "artifacts"), pinsFile: join(scratch, "pinned-keys.json") };
const BEACON = "0000000000000000000a4f6b3d8c2e1f90b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3"; // a block-hash-like value

let result: Awaited<ReturnType<typeof runDemoCeremony>>;
let dev: CircuitKeys;

before(async () => {
  [result, dev] = await Promise.all([
    runDemoCeremony(circuit, { ...dirs, beaconHash: BEACON, iterationsExp: 10, recheck: false }),
    setupCircuit(circuit),
  ]);
});

after(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

const initZkey = (workDir = dirs.workDir): string => join(workDir, readCeremonyState(circuit, { workDir }).zkeys[0]!.file);

function rejectsWith(code: string, pattern?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof TrustedSetupError || error instanceof ProverError, `unexpected ${String(error)}`);
    assert.equal((error as { code: string }).code, code, (error as Error).message);
    if (pattern) assert.match((error as Error).message, pattern);
    return true;
  };
}

describe("a three-party ceremony", () => {
  it("lists three named contributions then the beacon, and verifies from the R1CS-derived initial key", async () => {
    const t: Transcript = result.transcript;
    assert.deepEqual(
      t.contributions.map((c) => [c.index, c.type, c.name]),
      [
        [1, "contribution", "alice"],
        [2, "contribution", "bob"],
        [3, "contribution", "carol"],
        [4, "beacon", "beacon"],
      ],
    );
    assert.equal(t.beacon.hash, BEACON);
    assert.equal(new Set(t.contributions.map((c) => c.hash)).size, 4);
    assert.equal(t.ptau.power, 12);
    await verifyTranscript(result.transcriptPath, { ...dirs, zkeyPath: result.zkeyPath, initZkey: initZkey() });
    const chain = await verifyCeremony(circuit, dirs);
    assert.deepEqual(
      chain.map((c) => c.hash),
      t.contributions.map((c) => c.hash),
    );
  });

  it("pins the verification key hash, and the ceremony key set loads only the pinned keys", async () => {
    const pin = readPins(dirs.pinsFile).keySets.ceremony?.[circuit];
    assert.equal(pin?.vkeyHash, result.transcript.vkeyHash);
    assert.equal(pin?.zkeySha256, result.transcript.finalZkeySha256);
    const keys = await loadCircuitKeys(circuit, { keySet: "ceremony", ...dirs });
    assert.equal(keys.vkeyHash, pin?.vkeyHash);
    assert.equal(keys.zkeyPath, result.zkeyPath);
    assert.notEqual(keys.vkeyHash, dev.vkeyHash, "the ceremony's key is not the development one");
  });
});

describe("loading the ceremony key set", () => {
  it("refuses a pin made for another R1CS (CIRCUIT_CHANGED), a missing zkey (ZKEY_MISSING) and no pin (KEY_NOT_PINNED)", async () => {
    const pins = JSON.parse(readFileSync(dirs.pinsFile, "utf8")) as { keySets: { ceremony: Record<string, { r1csSha256: string }> } };
    const stale = join(scratch, "stale-pins.json");
    pins.keySets.ceremony[circuit]!.r1csSha256 = "0".repeat(64);
    writeFileSync(stale, JSON.stringify(pins));
    await assert.rejects(loadCircuitKeys(circuit, { keySet: "ceremony", ...dirs, pinsFile: stale }), rejectsWith("CIRCUIT_CHANGED"));
    await assert.rejects(
      loadCircuitKeys(circuit, { keySet: "ceremony", ...dirs, workDir: join(scratch, "elsewhere") }),
      rejectsWith("ZKEY_MISSING"),
    );
    await assert.rejects(
      loadCircuitKeys(circuit, { keySet: "ceremony", ...dirs, pinsFile: join(scratch, "no-pins.json") }),
      rejectsWith("KEY_NOT_PINNED"),
    );
  });
});

describe("tampering", () => {
  it("a contribution with a flipped byte fails with CONTRIBUTION_INVALID", async () => {
    const copy = join(scratch, "tampered-work");
    cpSync(dirs.workDir, copy, { recursive: true });
    const state = readCeremonyState(circuit, { workDir: copy });
    const file = join(copy, state.zkeys[2]!.file);
    const bytes = readFileSync(file);
    const at = bytes.length - 40_000; // inside the H section, before the contributions
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    writeFileSync(file, bytes);
    await assert.rejects(verifyZkey(state, file, { workDir: copy }), rejectsWith("CONTRIBUTION_INVALID"));
    await assert.rejects(verifyCeremony(circuit, { workDir: copy }), rejectsWith("CONTRIBUTION_INVALID", /changed after it was added/));
  });

  for (const [what, edit, pattern] of [
    [
      "a participant's name",
      (t: Transcript) => ({ ...t, contributions: t.contributions.map((c) => (c.index === 2 ? { ...c, name: "mallory" } : c)) }),
      /contribution #2 name/,
    ],
    [
      "the order of contributions",
      (t: Transcript) => ({ ...t, contributions: [t.contributions[1]!, t.contributions[0]!, ...t.contributions.slice(2)] }),
      /contribution #1 index/,
    ],
    [
      "a contribution hash",
      (t: Transcript) => ({ ...t, contributions: t.contributions.map((c) => (c.index === 3 ? { ...c, hash: "00".repeat(64) } : c)) }),
      /contribution #3 hash/,
    ],
    ["the beacon", (t: Transcript) => ({ ...t, beacon: { ...t.beacon, hash: "ff".repeat(32) } }), /beacon/],
    ["the key hash", (t: Transcript) => ({ ...t, vkeyHash: "ab".repeat(32) }), /vkeyHash/],
  ] as const) {
    it(`a transcript with another ${what} fails with TRANSCRIPT_MISMATCH`, async () => {
      const dir = mkdtempSync(join(scratch, "transcript-"));
      cpSync(dirs.artifactsDir, dir, { recursive: true });
      const t = JSON.parse(readFileSync(join(dir, "transcript.json"), "utf8")) as Transcript;
      writeFileSync(join(dir, "transcript.json"), JSON.stringify(edit(t)));
      await assert.rejects(
        verifyTranscript(join(dir, "transcript.json"), { ...dirs, zkeyPath: result.zkeyPath, initZkey: initZkey() }),
        rejectsWith("TRANSCRIPT_MISMATCH", pattern),
      );
    });
  }
});

describe("adding a contribution made elsewhere", () => {
  it("accepts one that extends the current key, refuses a fork of an older key with CONTRIBUTION_OUT_OF_ORDER", async () => {
    // An open ceremony at its first contribution: the finished one, cut back (its files are valid).
    const workDir = join(scratch, "open-work");
    cpSync(dirs.workDir, workDir, { recursive: true });
    const { beacon: _closed, ...state } = readCeremonyState(circuit, { workDir });
    writeFileSync(join(workDir, "ceremony.json"), JSON.stringify({ ...state, zkeys: state.zkeys.slice(0, 2) }));
    const fork = join(scratch, "fork.zkey");
    const next = join(scratch, "next.zkey");
    await snarkjs.zKey.contribute(join(workDir, state.zkeys[0]!.file), fork, "mallory", "fork");
    await snarkjs.zKey.contribute(join(workDir, state.zkeys[1]!.file), next, "dave", "next");
    await assert.rejects(
      addContribution(circuit, fork, { workDir }),
      rejectsWith("CONTRIBUTION_OUT_OF_ORDER", /does not extend the current 1/),
    );
    const added = await addContribution(circuit, next, { workDir });
    assert.deepEqual([added.index, added.name], [2, "dave"]);
    assert.equal(readCeremonyState(circuit, { workDir }).zkeys.length, 3);
  });
});

describe("powers of tau import", () => {
  it("refuses a file whose sha256 is not the expected one, and one not prepared for phase 2", async () => {
    const raw = join(scratch, "pot8_raw.ptau");
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, 8, raw);
    await assert.rejects(importPtau(raw, "00".repeat(32)), rejectsWith("PTAU_HASH_MISMATCH", /expected 0{64}/));
    await assert.rejects(importPtau(raw, await sha256File(raw)), rejectsWith("PTAU_INVALID", /not prepared for phase 2/));
  });
});

describe("keys from another setup", () => {
  it("the prover refuses a zkey whose key hash is not the pinned one", async () => {
    const pinned = await loadCircuitKeys(circuit, { keySet: "ceremony", ...dirs });
    const pool = createProverPool({ workers: 1 });
    try {
      const job = { name: "batch-0", input: { x: 1n }, outPath: join(scratch, "never.json") };
      // The development zkey with the ceremony's verification key and pin.
      await assert.rejects(
        proveBatches(pool, { ...pinned, zkeyPath: dev.zkeyPath }, [job]),
        rejectsWith("KEY_NOT_PINNED", /zkey .* has key hash .* keys from another setup/),
      );
      // The development keys, whole, against the ceremony's pin.
      await assert.rejects(
        proveBatches(pool, { ...dev, pinnedVkeyHash: pinned.pinnedVkeyHash }, [job]),
        rejectsWith("KEY_NOT_PINNED", /the pinned key is/),
      );
    } finally {
      await pool.close();
    }
  });

  it("deploySettlement refuses a verifier that is not the pinned key's before sending anything", async () => {
    const example = await setupCircuit(exampleCircuitName(config.exampleBatch.testSize));
    const registration = await setupCircuit(registrationCircuitName(config.registrationBatch.testSize));
    const vkey = JSON.parse(readFileSync(join(dirs.artifactsDir, "verification_key.json"), "utf8")) as Record<string, unknown>;
    const noSigner = {} as Signer; // never reached: the check comes first
    await assert.rejects(
      deploySettlement(noSigner, {
        exampleVerifier: example.verifierArtifact,
        exampleBatchSize: config.exampleBatch.testSize,
        registrationVerifier: registration.verifierArtifact,
        registrationBatchSize: config.registrationBatch.testSize,
        payoutVerifier: dev.verifierArtifact, // the development verifier...
        payoutBatchSize: config.payoutBatch.testSize,
        pins: {
          example: { circuit: example.name, vkey: example.vkey, vkeyHash: example.vkeyHash },
          registration: { circuit: registration.name, vkey: registration.vkey, vkeyHash: registration.vkeyHash },
          payout: { circuit, vkey, vkeyHash: result.transcript.vkeyHash }, // ...against the ceremony's pin
        },
      }),
      rejectsWith("VERIFIER_NOT_PINNED", /PayoutBatch\d+Verifier bytecode is not the verifier of the pinned key/),
    );
  });

  it("deployment's check refuses the development verifier for the pinned key, and accepts the ceremony's", () => {
    const vkey = JSON.parse(readFileSync(join(dirs.artifactsDir, "verification_key.json"), "utf8")) as Record<string, unknown>;
    const ceremonyArtifact = JSON.parse(readFileSync(join(dirs.artifactsDir, "verifier-artifact.json"), "utf8")) as {
      bytecode: string;
      contractName: string;
    };
    assertVerifierMatches(ceremonyArtifact, vkey, result.transcript.vkeyHash, circuit);
    assert.throws(
      () => assertVerifierMatches(dev.verifierArtifact, vkey, result.transcript.vkeyHash, circuit),
      rejectsWith("VERIFIER_NOT_PINNED"),
    );
    assert.throws(
      () => assertVerifierMatches(ceremonyArtifact, dev.vkey, result.transcript.vkeyHash, circuit),
      rejectsWith("KEY_NOT_PINNED"),
    );
  });
});

describe("the committed ceremony key set, as a fresh clone sees it", () => {
  const circuits = [
    exampleCircuitName(config.exampleBatch.testSize),
    registrationCircuitName(config.registrationBatch.testSize),
    payoutCircuitName(config.payoutBatch.testSize),
  ];

  it("pins exactly the three circuits of the statement at their test sizes", () => {
    assert.deepEqual(Object.keys(readPins().keySets.ceremony ?? {}).sort(), [...circuits].sort(), "no stale pin, none missing");
  });

  it("every pinned circuit loads from artifacts/ceremony alone (no coordinator working copy), pinned for its R1CS as it compiles now", async () => {
    const emptyWorkDir = join(scratch, "fresh-clone-work");
    for (const name of circuits) {
      const keys = await loadCircuitKeys(name, { keySet: "ceremony", workDir: emptyWorkDir });
      assert.match(keys.zkeyPath, /artifacts\/ceremony\//, `${name}: the published zkey, not a working copy`);
    }
  });
});
