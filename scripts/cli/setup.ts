/**
 * `setup`: the circuits' keys and the trusted setup, as thin commands over circuits/ and
 * circuits/ceremony (docs/ceremony.md). No secret is ever read from the command line or the
 * environment: contributions draw their entropy from crypto.randomBytes.
 */
import type { Command } from "commander";
import type { ZkeyContribution } from "../../circuits/ceremony/index.ts";
import { config } from "../../config/index.ts";
import { CodedError } from "../../errors/index.ts";
import { addRunOptions, jsonOption, log, printResult, runFlagsOf, shown, withExamples } from "./common.ts";
import { runParameters } from "./run-config.ts";

function printContributions(list: readonly ZkeyContribution[]): void {
  for (const c of list) {
    const extra = c.type === "beacon" ? ` (beacon ${c.beaconHash}, 2^${c.iterationsExp} iterations)` : "";
    console.log(`#${c.index} ${c.type} ${JSON.stringify(c.name)}${extra}\n    ${c.hash}`);
  }
}

function circuitName(name: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(name))
    throw new CodedError(
      "USAGE",
      "usage",
      `expected a circuit instance name (e.g. payout_batch_${config.payoutBatch.testSize}), got ${JSON.stringify(name)}`,
    );
  return name;
}

async function cachedPtau(sha256: string | undefined) {
  if (sha256 === undefined) return undefined;
  const { findCachedPtau, parseSha256 } = await ceremonyLib();
  const sha = parseSha256(sha256, "--ptau");
  const ptau = await findCachedPtau(sha);
  if (!ptau)
    throw new CodedError(
      "USAGE",
      "usage",
      `--ptau: no cached powers of tau with sha256 ${sha}: attribution-prover setup ptau import <file> --sha256 ${sha}`,
    );
  return ptau;
}

type Opts = Record<string, string | boolean | undefined>;
// Loaded when a command runs, so --help does not compile-load the ceremony code.
const ceremonyLib = () => import("../../circuits/ceremony/index.ts");
const circuitsLib = () => import("../../circuits/index.ts");
const json = (c: Command) => (c.optsWithGlobals() as Opts).json === true;

export function registerSetup(program: Command): void {
  const setup = withExamples(program.command("setup").description("circuit keys and the trusted setup: powers of tau, phase-2 ceremony"), [
    "attribution-prover setup keys --example-batch-size 8 --registration-batch-size 2 --batch-size 4",
    "attribution-prover setup ptau dev 12",
    "attribution-prover setup phase2 contribute payout_batch_31 --name alice",
    "attribution-prover setup ceremony demo",
  ]);

  withExamples(
    addRunOptions(
      setup
        .command("keys")
        .description("compile the three circuits and load (or make) their keys of a key set; prints the pinned key hashes"),
      ["sizes", "keys"],
    ),
    [
      "attribution-prover setup keys",
      "attribution-prover setup keys --keys ceremony --example-batch-size 8 --registration-batch-size 2 --batch-size 4 --json",
    ],
  ).action(async (_: Opts, cmd: Command) => {
    const p = await runParameters(runFlagsOf(cmd));
    const [{ loadCircuitKeys }, { exampleCircuitName, payoutCircuitName, registrationCircuitName }] = await Promise.all([
      ceremonyLib(),
      circuitsLib(),
    ]);
    const keys: { circuit: string; keySet: string; constraints: number; vkeyHash: string; zkeyPath: string; vkeyPath: string }[] = [];
    for (const name of [
      exampleCircuitName(p.exampleBatchSize),
      registrationCircuitName(p.registrationBatchSize),
      payoutCircuitName(p.payoutBatchSize),
    ]) {
      const k = await loadCircuitKeys(name, { keySet: p.keySet, log });
      keys.push({
        circuit: k.name,
        keySet: k.keySet,
        constraints: k.constraints,
        vkeyHash: k.pinnedVkeyHash,
        zkeyPath: k.zkeyPath,
        vkeyPath: k.vkeyPath,
      });
    }
    printResult(json(cmd), { keys }, () => {
      for (const k of keys)
        console.log(`${k.circuit}: ${k.constraints} constraints, ${k.keySet} keys, vkeyHash ${k.vkeyHash}\n    ${shown(k.zkeyPath)}`);
    });
  });

  const ptau = setup.command("ptau").description("powers of tau (phase 1)");
  withExamples(
    ptau
      .command("dev <power>")
      .description("a development powers of tau of 2^power (one party: this machine; cached)")
      .addOption(jsonOption()),
    ["attribution-prover setup ptau dev 14"],
  ).action(async (power: string, _: Opts, cmd: Command) => {
    const n = Number(power);
    if (!Number.isInteger(n) || n < 8 || n > 28)
      throw new CodedError("USAGE", "usage", `ptau dev <power>: power must be an integer in [8, 28], got ${power}`);
    const made = await (await ceremonyLib()).devPtau(n, log);
    printResult(json(cmd), { path: made.path, sha256: made.sha256, power: n }, () =>
      console.log(`${shown(made.path)}\nsha256 ${made.sha256} (development: made by this machine alone)`),
    );
  });
  withExamples(
    ptau
      .command("import <file>")
      .description("import a public powers of tau, checked against --sha256 or the pin in config/pinned-keys.json")
      .option("--sha256 <hex>", "the published sha256 of the file")
      .addOption(jsonOption()),
    ["attribution-prover setup ptau import powersOfTau28_hez_final_14.ptau --sha256 <published sha256>"],
  ).action(async (file: string, opts: Opts, cmd: Command) => {
    const { importPtau, parseSha256, pinnedPtauSha256, readPtauHeader } = await ceremonyLib();
    let expected = opts.sha256 === undefined ? undefined : parseSha256(String(opts.sha256), "--sha256");
    if (expected === undefined) {
      const { power } = await readPtauHeader(file);
      expected = pinnedPtauSha256(power);
      if (!expected)
        throw new CodedError(
          "USAGE",
          "usage",
          `no --sha256 given and config/pinned-keys.json pins no ptau of 2^${power}: give the published sha256 with --sha256`,
        );
    }
    const imported = await importPtau(file, expected, log);
    printResult(json(cmd), imported, () =>
      console.log(`imported 2^${imported.power} into ${shown(imported.path)}\nsha256 ${imported.sha256}`),
    );
  });

  const phase2 = setup.command("phase2").description("the phase-2 ceremony of one circuit (coordinator and participants)");
  withExamples(
    phase2
      .command("new <circuit>")
      .description("start a ceremony (default: the development ptau of the right size)")
      .option("--ptau <sha256>", "a cached (imported) powers of tau")
      .addOption(jsonOption()),
    ["attribution-prover setup phase2 new payout_batch_31 --ptau <sha256>"],
  ).action(async (circuit: string, opts: Opts, cmd: Command) => {
    const p = await cachedPtau(opts.ptau as string | undefined);
    const state = await (await ceremonyLib()).newCeremony(circuitName(circuit), { log, ...(p ? { ptau: p } : {}) });
    printResult(json(cmd), state, () =>
      console.log(
        `ceremony of ${circuit} started: ${state.constraints} constraints, ptau 2^${state.ptau.power} (${state.ptau.source}, sha256 ${state.ptau.sha256})\nnext: attribution-prover setup phase2 contribute ${circuit} --name <you>`,
      ),
    );
  });
  withExamples(
    phase2
      .command("contribute <circuit>")
      .description("contribute to the latest key here, or (--in/--out) to a received key on another machine; entropy from the OS")
      .requiredOption("--name <name>", "your public name (it goes into the transcript)")
      .option("--in <file>", "the received zkey")
      .option("--out <file>", "where your contribution goes")
      .option("--ptau <sha256>", "the ceremony's powers of tau (imported here first)")
      .addOption(jsonOption()),
    [
      "attribution-prover setup phase2 contribute payout_batch_31 --name alice",
      "attribution-prover setup phase2 contribute payout_batch_31 --name bob --in received.zkey --out mine.zkey --ptau <sha256>",
    ],
  ).action(async (circuit: string, opts: Opts, cmd: Command) => {
    if ((opts.in === undefined) !== (opts.out === undefined))
      throw new CodedError("USAGE", "usage", "give both --in and --out, or neither");
    const p = await cachedPtau(opts.ptau as string | undefined);
    const name = String(opts.name);
    const { contribute, contributeFile } = await ceremonyLib();
    const c =
      opts.in !== undefined
        ? await contributeFile(circuitName(circuit), String(opts.in), String(opts.out), name, { log, ...(p ? { ptau: p } : {}) })
        : await contribute(circuitName(circuit), name, { log });
    printResult(json(cmd), c, () => {
      console.log(`contribution #${c.index} by ${JSON.stringify(c.name)}; publish this hash:\n${c.hash}`);
      if (opts.out !== undefined) console.log(`send ${opts.out} back to the coordinator, then delete your copy of anything else`);
    });
  });
  withExamples(
    phase2
      .command("add <circuit> <zkeyFile>")
      .description("coordinator: check a received contribution and append it")
      .addOption(jsonOption()),
    ["attribution-prover setup phase2 add payout_batch_31 mine.zkey"],
  ).action(async (circuit: string, file: string, _: Opts, cmd: Command) => {
    const c = await (await ceremonyLib()).addContribution(circuitName(circuit), file, { log });
    printResult(json(cmd), c, () => console.log(`added contribution #${c.index} by ${JSON.stringify(c.name)}:\n${c.hash}`));
  });
  withExamples(
    phase2
      .command("verify <circuit>")
      .description("check the working chain, or (--transcript) the committed transcript and final zkey")
      .option("--transcript", "check artifacts/ceremony/<circuit>/transcript.json")
      .option("--zkey <file>", "the final zkey to check (with --transcript)")
      .addOption(jsonOption()),
    ["attribution-prover setup phase2 verify payout_batch_31 --transcript"],
  ).action(async (circuit: string, opts: Opts, cmd: Command) => {
    const name = circuitName(circuit);
    const { ceremonyArtifactsDir, verifyCeremony, verifyTranscript } = await ceremonyLib();
    if (opts.transcript) {
      const path = `${ceremonyArtifactsDir(name)}/transcript.json`;
      const t = await verifyTranscript(path, { log, ...(opts.zkey ? { zkeyPath: String(opts.zkey) } : {}) });
      printResult(json(cmd), t, () => {
        printContributions(t.contributions);
        console.log(`transcript ${shown(path)} OK: vkeyHash ${t.vkeyHash} (pinned)`);
      });
    } else {
      const list = await verifyCeremony(name, { log });
      printResult(json(cmd), { contributions: list }, () => {
        printContributions(list);
        console.log(`the chain of ${name} verifies`);
      });
    }
  });
  withExamples(
    phase2
      .command("beacon <circuit> <beaconHashHex> <iterationsExp>")
      .description("apply the announced random beacon")
      .addOption(jsonOption()),
    ["attribution-prover setup phase2 beacon payout_batch_31 0123...cdef 10"],
  ).action(async (circuit: string, hash: string, exp: string, _: Opts, cmd: Command) => {
    if (!Number.isInteger(Number(exp))) throw new CodedError("USAGE", "usage", `<iterationsExp> must be an integer, got ${exp}`);
    const c = await (await ceremonyLib()).applyBeacon(circuitName(circuit), hash, Number(exp), { log });
    printResult(json(cmd), c, () =>
      console.log(`beacon applied as contribution #${c.index}:\n${c.hash}\nnext: attribution-prover setup phase2 finalize ${circuit}`),
    );
  });
  withExamples(
    phase2
      .command("finalize <circuit>")
      .description("final zkey (build/), verification key, verifier, transcript (artifacts/), pin")
      .addOption(jsonOption()),
    ["attribution-prover setup phase2 finalize payout_batch_31"],
  ).action(async (circuit: string, _: Opts, cmd: Command) => {
    const { transcript, transcriptPath, zkeyPath } = await (await ceremonyLib()).finalizeCeremony(circuitName(circuit), { log });
    printResult(json(cmd), { transcript, transcriptPath, zkeyPath }, () => {
      printContributions(transcript.contributions);
      console.log(`final zkey ${shown(zkeyPath)} (sha256 ${transcript.finalZkeySha256}; publish it, it is not in git)
transcript ${shown(transcriptPath)}; vkeyHash ${transcript.vkeyHash} pinned in config/pinned-keys.json (commit both)`);
    });
  });

  const ceremony = setup.command("ceremony").description("ceremonies on this machine (mechanics, not security)");
  withExamples(
    ceremony
      .command("demo [circuits...]")
      .description(
        'a 3-party ceremony + beacon for each circuit (default: ExampleBatch, RegistrationBatch and PayoutBatch at their test sizes), pinned as key set "ceremony"',
      )
      .addOption(jsonOption()),
    ["attribution-prover setup ceremony demo", "attribution-prover setup ceremony demo payout_batch_4"],
  ).action(async (circuits: string[], _: Opts, cmd: Command) => {
    const [{ runDemoCeremony }, { exampleCircuitName, payoutCircuitName, registrationCircuitName }] = await Promise.all([
      ceremonyLib(),
      circuitsLib(),
    ]);
    const names =
      circuits.length > 0
        ? circuits.map(circuitName)
        : [
            exampleCircuitName(config.exampleBatch.testSize),
            registrationCircuitName(config.registrationBatch.testSize),
            payoutCircuitName(config.payoutBatch.testSize),
          ];
    const done = [];
    for (const name of names) {
      const { transcript, transcriptPath } = await runDemoCeremony(name, { log });
      done.push({ circuit: name, transcriptPath, vkeyHash: transcript.vkeyHash });
      if (!json(cmd)) {
        printContributions(transcript.contributions);
        console.log(`transcript ${shown(transcriptPath)}; vkeyHash ${transcript.vkeyHash} pinned as key set "ceremony"`);
      }
    }
    printResult(json(cmd), { ceremonies: done }, () =>
      console.log(
        `run the demo on these keys: attribution-prover demo --keys ceremony --example-batch-size ${config.exampleBatch.testSize} --registration-batch-size ${config.registrationBatch.testSize} --batch-size ${config.payoutBatch.testSize}`,
      ),
    );
  });
}
