/**
 * A three-party ceremony run on one machine, as a demonstration and for tests: a coordinator
 * starts it, each participant receives the latest zkey, checks it, contributes with entropy from
 * the OS and hands the result back; the coordinator checks each one extends the chain, closes it
 * with a beacon, verifies everything and finalizes (keys, verifier, transcript, pin).
 *
 * What this does NOT give: independence. The three "participants" are one process on one
 * machine, so whoever runs it knows every secret; and its powers of tau is the development one.
 * Real ceremonies run the same steps on separate machines (docs/ceremony.md, "Running a ceremony with several people").
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { SetupLog } from "../setup.ts";
import {
  addContribution,
  applyBeacon,
  ceremonyPtau,
  ceremonyWorkDir,
  contributeFile,
  latestZkey,
  newCeremony,
  readCeremonyState,
  type CeremonyOptions,
} from "./phase2.ts";
import { finalizeCeremony, verifyTranscript, type FinalizeOptions, type Transcript } from "./transcript.ts";
import { mainThreadCurve } from "../curve.ts";

export interface DemoCeremonyOptions extends FinalizeOptions {
  readonly participants?: readonly string[];
  /** The beacon value (hex). Default: 32 random bytes, said so in the log: a real one is announced in advance. */
  readonly beaconHash?: string;
  readonly iterationsExp?: number;
  /** Also recheck the finished transcript and keys with verifyTranscript (default true). */
  readonly recheck?: boolean;
}

export async function runDemoCeremony(
  circuitName: string,
  options: DemoCeremonyOptions = {},
): Promise<{ transcript: Transcript; transcriptPath: string; zkeyPath: string }> {
  await mainThreadCurve();
  const log: SetupLog = options.log ?? (() => {});
  const participants = options.participants ?? ["alice", "bob", "carol"];
  const dir = ceremonyWorkDir(circuitName, options);
  rmSync(dir, { recursive: true, force: true }); // a demo always starts over
  const opts: CeremonyOptions = { ...options, workDir: dir };
  await newCeremony(circuitName, opts);
  log(`${circuitName}: ceremony started in ${dir}`);
  for (const name of participants) {
    // What a participant does on their own machine: check what they received, contribute, send back.
    const received = latestZkey(readCeremonyState(circuitName, opts), opts);
    const sent = join(dir, `from-${name}.zkey`);
    const state = readCeremonyState(circuitName, opts);
    const c = await contributeFile(circuitName, received, sent, name, {
      ...opts,
      ptau: await ceremonyPtau(state),
      initZkey: join(dir, state.zkeys[0]!.file),
    });
    log(`${name}: contribution #${c.index} hash ${c.hash}`);
    // What the coordinator does with the file received.
    await addContribution(circuitName, sent, opts);
    rmSync(sent, { force: true });
  }
  const beaconHash = options.beaconHash ?? randomBytes(32).toString("hex");
  if (!options.beaconHash)
    log(`beacon: ${beaconHash} (random for this demo; a real ceremony announces e.g. a future block hash in advance)`);
  const beacon = await applyBeacon(circuitName, beaconHash, options.iterationsExp ?? 10, opts);
  log(`beacon: contribution #${beacon.index} hash ${beacon.hash}`);
  const result = await finalizeCeremony(circuitName, opts);
  log(`${circuitName}: finalized, vkeyHash ${result.transcript.vkeyHash}`);
  if (options.recheck ?? true) {
    const initZkey = join(dir, readCeremonyState(circuitName, opts).zkeys[0]!.file);
    await verifyTranscript(result.transcriptPath, { ...opts, zkeyPath: result.zkeyPath, initZkey });
    log(`${circuitName}: transcript rechecked from the R1CS and the powers of tau`);
  }
  return result;
}
