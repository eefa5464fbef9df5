/**
 * npm run setup -- <command>: the trusted setup, as thin commands over circuits/ceremony.
 *
 *   ptau dev <power>                              development powers of tau (one party: this machine)
 *   ptau import <file> [--sha256 HEX]             a public powers of tau, hash from the flag or config/pinned-keys.json
 *   phase2 new <circuit> [--ptau SHA256]          start a ceremony (default: the development ptau of the right size)
 *   phase2 contribute <circuit> --name NAME       contribute to the latest key here (entropy: the OS random source)
 *   phase2 contribute <circuit> --name NAME --in FILE --out FILE [--ptau SHA256]
 *                                                 participant on another machine: check FILE against the circuit and
 *                                                 the ceremony's powers of tau (imported here first), contribute, write --out
 *   phase2 add <circuit> <zkeyFile>               coordinator: check a received contribution and append it
 *   phase2 verify <circuit> [--transcript] [--zkey FILE]
 *                                                 the working chain, or (--transcript) the committed transcript + final zkey
 *   phase2 beacon <circuit> <beaconHashHex> <iterationsExp>
 *   phase2 finalize <circuit>                     zkey (build/), verification key, verifier, transcript (artifacts/), pin
 *   ceremony demo [<circuit>...]                  a 3-party ceremony on this machine for each circuit
 *                                                 (default: ExampleBatch and PayoutBatch at their test sizes)
 *
 * Exit codes: 0 done; 2 bad arguments; 3 a check failed (TrustedSetupError: the code is printed); 1 anything else.
 * No secret is ever read from the command line or the environment: contributions draw their entropy
 * from crypto.randomBytes.
 */
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { exampleCircuitName, payoutCircuitName } from "../circuits/index.ts";
import {
  addContribution,
  applyBeacon,
  contribute,
  contributeFile,
  devPtau,
  finalizeCeremony,
  findCachedPtau,
  importPtau,
  newCeremony,
  parseSha256,
  pinnedPtauSha256,
  readPtauHeader,
  runDemoCeremony,
  TrustedSetupError,
  verifyCeremony,
  verifyTranscript,
  ceremonyArtifactsDir,
  type ZkeyContribution,
} from "../circuits/ceremony/index.ts";
import { config } from "../config/index.ts";

class UsageError extends Error {}

const log = (m: string): void => console.error(m);
const rel = (p: string): string => relative(process.cwd(), p) || ".";

function printContributions(list: readonly ZkeyContribution[]): void {
  for (const c of list) {
    const extra = c.type === "beacon" ? ` (beacon ${c.beaconHash}, 2^${c.iterationsExp} iterations)` : "";
    console.log(`#${c.index} ${c.type} ${JSON.stringify(c.name)}${extra}\n    ${c.hash}`);
  }
}

function circuitArg(positionals: string[], i: number): string {
  const name = positionals[i];
  if (!name || !/^[a-z][a-z0-9_]*$/.test(name)) throw new UsageError(`expected a circuit instance name (e.g. ${payoutCircuitName(config.payoutBatch.testSize)}), got ${JSON.stringify(name ?? "")}`);
  return name;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      sha256: { type: "string" },
      ptau: { type: "string" },
      name: { type: "string" },
      in: { type: "string" },
      out: { type: "string" },
      zkey: { type: "string" },
      transcript: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  const [group, command] = positionals;
  if (values.help || !group) {
    console.log("usage: npm run setup -- ptau dev|import ... | phase2 new|contribute|add|verify|beacon|finalize <circuit> ... | ceremony demo (see scripts/setup.ts)");
    return;
  }
  const key = `${group} ${command ?? ""}`.trim();
  switch (key) {
    case "ptau dev": {
      const power = Number(positionals[2]);
      if (!Number.isInteger(power) || power < 8 || power > 28) throw new UsageError(`ptau dev <power>: power must be an integer in [8, 28], got ${positionals[2]}`);
      const ptau = await devPtau(power, log);
      console.log(`${rel(ptau.path)}\nsha256 ${ptau.sha256} (development: made by this machine alone)`);
      return;
    }
    case "ptau import": {
      const file = positionals[2];
      if (!file) throw new UsageError("ptau import <file> [--sha256 HEX]");
      let expected = values.sha256 === undefined ? undefined : parseSha256(values.sha256, "--sha256");
      if (expected === undefined) {
        const { power } = await readPtauHeader(file);
        expected = pinnedPtauSha256(power);
        if (!expected) throw new UsageError(`no --sha256 given and config/pinned-keys.json pins no ptau of 2^${power}: give the published sha256 with --sha256`);
      }
      const ptau = await importPtau(file, expected, log);
      console.log(`imported 2^${ptau.power} into ${rel(ptau.path)}\nsha256 ${ptau.sha256}`);
      return;
    }
    case "phase2 new": {
      const circuit = circuitArg(positionals, 2);
      let ptau;
      if (values.ptau !== undefined) {
        const sha = parseSha256(values.ptau, "--ptau");
        ptau = await findCachedPtau(sha);
        if (!ptau) throw new UsageError(`--ptau: no cached powers of tau with sha256 ${sha}: npm run setup -- ptau import <file> --sha256 ${sha}`);
      }
      const state = await newCeremony(circuit, { log, ...(ptau ? { ptau } : {}) });
      console.log(`ceremony of ${circuit} started: ${state.constraints} constraints, ptau 2^${state.ptau.power} (${state.ptau.source}, sha256 ${state.ptau.sha256})\nnext: npm run setup -- phase2 contribute ${circuit} --name <you>`);
      return;
    }
    case "phase2 contribute": {
      const circuit = circuitArg(positionals, 2);
      if (values.name === undefined) throw new UsageError("phase2 contribute needs --name NAME (public: it goes into the transcript)");
      if ((values.in === undefined) !== (values.out === undefined)) throw new UsageError("give both --in and --out, or neither");
      let ptau;
      if (values.ptau !== undefined) {
        const sha = parseSha256(values.ptau, "--ptau");
        ptau = await findCachedPtau(sha);
        if (!ptau) throw new UsageError(`--ptau: no cached powers of tau with sha256 ${sha}: npm run setup -- ptau import <file> --sha256 ${sha}`);
      }
      const c =
        values.in !== undefined
          ? await contributeFile(circuit, values.in, values.out!, values.name, { log, ...(ptau ? { ptau } : {}) })
          : await contribute(circuit, values.name, { log });
      console.log(`contribution #${c.index} by ${JSON.stringify(c.name)}; publish this hash:\n${c.hash}`);
      if (values.out !== undefined) console.log(`send ${values.out} back to the coordinator, then delete your copy of anything else`);
      return;
    }
    case "phase2 add": {
      const circuit = circuitArg(positionals, 2);
      const file = positionals[3];
      if (!file) throw new UsageError("phase2 add <circuit> <zkeyFile>");
      const c = await addContribution(circuit, file, { log });
      console.log(`added contribution #${c.index} by ${JSON.stringify(c.name)}:\n${c.hash}`);
      return;
    }
    case "phase2 verify": {
      const circuit = circuitArg(positionals, 2);
      if (values.transcript) {
        const path = `${ceremonyArtifactsDir(circuit)}/transcript.json`;
        const t = await verifyTranscript(path, { log, ...(values.zkey ? { zkeyPath: values.zkey } : {}) });
        printContributions(t.contributions);
        console.log(`transcript ${rel(path)} OK: vkeyHash ${t.vkeyHash} (pinned)`);
      } else {
        printContributions(await verifyCeremony(circuit, { log }));
        console.log(`the chain of ${circuit} verifies`);
      }
      return;
    }
    case "phase2 beacon": {
      const circuit = circuitArg(positionals, 2);
      const [hash, exp] = [positionals[3], Number(positionals[4])];
      if (!hash || !Number.isInteger(exp)) throw new UsageError("phase2 beacon <circuit> <beaconHashHex> <iterationsExp>");
      const c = await applyBeacon(circuit, hash, exp, { log });
      console.log(`beacon applied as contribution #${c.index}:\n${c.hash}\nnext: npm run setup -- phase2 finalize ${circuit}`);
      return;
    }
    case "phase2 finalize": {
      const circuit = circuitArg(positionals, 2);
      const { transcript, transcriptPath, zkeyPath } = await finalizeCeremony(circuit, { log });
      printContributions(transcript.contributions);
      console.log(`final zkey ${rel(zkeyPath)} (sha256 ${transcript.finalZkeySha256}; publish it, it is not in git)
transcript ${rel(transcriptPath)}; vkeyHash ${transcript.vkeyHash} pinned in config/pinned-keys.json (commit both)`);
      return;
    }
    case "ceremony demo": {
      const circuits = positionals.length > 2
        ? positionals.slice(2).map((_, i) => circuitArg(positionals, i + 2))
        : [exampleCircuitName(config.exampleBatch.testSize), payoutCircuitName(config.payoutBatch.testSize)];
      for (const circuit of circuits) {
        const { transcript, transcriptPath } = await runDemoCeremony(circuit, { log });
        printContributions(transcript.contributions);
        console.log(`transcript ${rel(transcriptPath)}; vkeyHash ${transcript.vkeyHash} pinned as key set "ceremony"`);
      }
      console.log(`run the demo on these keys: npm run demo -- --keys ceremony --example-batch-size ${config.exampleBatch.testSize} --batch-size ${config.payoutBatch.testSize}`);
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(key)}; see npm run setup -- --help`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  const e = error as Error & { code?: string };
  console.error(`error${error instanceof TrustedSetupError ? ` [${e.code}]` : ""}: ${e.message}`);
  process.exitCode =
    error instanceof UsageError || error instanceof RangeError || error instanceof TypeError || e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" || e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
      ? 2
      : error instanceof TrustedSetupError
        ? 3
        : 1;
} finally {
  // snarkjs keeps curve worker threads alive in the thread that used it.
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
}
