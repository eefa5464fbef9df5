/**
 * The live protocol as its parties run it: one `hardhat node` started here, one deployment, two
 * epochs on it, every party's step a separate process of the command line holding only its own key
 * (from its environment): the operator deploys and opens epochs, contributors register their own
 * data and hand over a delivery folder, the trainer seals, collects, scores (--scores: scores
 * computed elsewhere, so the test stays fast), witnesses, proves and settles, a contributor checks its
 * payout from its receipt, and a skeptic verifies both epochs from the chain alone.
 *
 * Epoch 1: four contributors register from separate processes, one after the deadline (refused by
 * the contract), one never delivers (its zero row; the epoch settles); settle is killed with
 * SIGKILL part way and rerun: it completes from the chain's state and every payment is made once.
 * Epoch 2 follows epoch 1 (lineage); a stray proof file and a truncated proving.json are named, and
 * once settled its record is final. Bad input at each command is named and exits non-zero with
 * nothing sent.
 *
 * The contributors and the trainer pin the settlement the operator published (OPEN_SETTLEMENT, or
 * --settlement): another genuine deployment on the same node (an attacker's, its ownership handed
 * to the honest operator's address) attaches cleanly but is refused by every pinned command, and
 * so is an epoch directory whose epoch.json names it; a trainer key that is not the epoch's is
 * refused by collect and witness. Each refusal sends nothing.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Contract, JsonRpcProvider, keccak256, toUtf8Bytes, Wallet, type InterfaceAbi } from "ethers";
import { PROJECT_ROOT } from "../circuits/paths.ts";
import { config } from "../config/index.ts";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";

const work = mkdtempSync(join(tmpdir(), "live-protocol-"));
const E = config.exampleBatch.testSize;
const K = config.registrationBatch.testSize;
const B = config.payoutBatch.testSize;
/** Hardhat's development accounts 0 and 1: the operator and the trainer. */
const OPERATOR = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const TRAINER = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/** Hardhat's development account 9: an attacker with a genuine deployment of its own. */
const ATTACKER = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
const contributor = (i: number) => new Wallet(keccak256(toUtf8Bytes(`live-protocol contributor ${i}`)));
const CONTRIBUTORS = [0, 1, 2, 3].map(contributor);

let node: HardhatNode;
let provider: JsonRpcProvider;
const deploymentFile = join(work, "deployment", "deployment.json");
const attackerFile = join(work, "attacker", "deployment.json");
/** The settlement address the operator published (deploy's output): every other party's pin. */
let published = "";

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with only the given party keys in its environment; `kill` may end it early. */
function cli(keys: Record<string, string>, args: string[], kill?: (stop: () => void) => void): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPEN_RPC_URL: node.url,
    TRAINER_VALIDATION_SECRET_FILE: join(work, "trainer-secret"),
    ...keys,
  };
  for (const v of ["OPEN_OPERATOR_KEY", "OPEN_DEPLOYER_KEY", "OPEN_TRAINER_KEY", "OPEN_CONTRIBUTOR_KEY", "OPEN_SETTLEMENT"])
    if (!(v in keys)) delete env[v];
  const child = spawn(process.execPath, [join(PROJECT_ROOT, "scripts", "cli.ts"), ...args], { cwd: PROJECT_ROOT, env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  kill?.(() => child.kill("SIGKILL"));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const operator = (args: string[]) => cli({ OPEN_OPERATOR_KEY: OPERATOR }, args);
/** The trainer and the contributors pin the published settlement (OPEN_SETTLEMENT) unless `pin` says otherwise. */
const trainer = (args: string[], kill?: (stop: () => void) => void, pin: Record<string, string> = { OPEN_SETTLEMENT: published }) =>
  cli({ OPEN_TRAINER_KEY: TRAINER, ...pin }, args, kill);
const asContributor = (i: number, args: string[], pin: Record<string, string> = { OPEN_SETTLEMENT: published }) =>
  cli({ OPEN_CONTRIBUTOR_KEY: CONTRIBUTORS[i]!.privateKey, ...pin }, args);
const ok = (run: Run, what: string) => assert.equal(run.code, 0, `${what}: ${run.stderr}`);
const nonces = () =>
  Promise.all(
    [OPERATOR, TRAINER, ATTACKER, ...CONTRIBUTORS.map((c) => c.privateKey)].map((k) => provider.getTransactionCount(new Wallet(k).address)),
  );
/** Starts every run at once after reading the nonces: each exits 2 with its error, and nothing is sent by anyone. */
async function refusedUnsent(cases: readonly [() => Promise<Run>, RegExp][]): Promise<void> {
  const before = await nonces();
  const runs = await Promise.all(cases.map(([run]) => run()));
  for (const [i, r] of runs.entries()) {
    assert.equal(r.code, 2, `${cases[i]![1]}: ${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
  }
  assert.deepEqual(await nonces(), before, "nothing was sent");
}

/** Every file under `dir` with its content, to show that a refused command wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    (readdirSync(dir, { recursive: true }) as string[])
      .sort()
      .filter((f) => statSync(join(dir, f)).isFile())
      .map((f) => [f, readFileSync(join(dir, f), "utf8")]),
  );
}

/** A contributor's JSONL data: `n` records of its own, plus the shared ones. */
function dataFile(i: number, epoch: number, n: number, shared: readonly string[] = []): string {
  const file = join(work, `e${epoch}-c${i}.jsonl`);
  const lines = [
    ...Array.from({ length: n }, (_, k) => JSON.stringify({ text: `epoch ${epoch} contributor ${i} example ${k}` })),
    ...shared.map((s) => JSON.stringify({ text: s })),
  ];
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** The trainer's scores from elsewhere: one per delivered hash (CSV example,score), the last one negative. */
function scoresFile(epoch: number, deliveries: readonly string[]): string {
  const scores = new Map<string, string>();
  for (const d of deliveries) {
    for (const h of JSON.parse(readFileSync(join(d, "receipt.json"), "utf8")).hashes as string[])
      if (!scores.has(h)) scores.set(h, (0.01 * (scores.size + 1)).toFixed(4));
  }
  const rows = [...scores].map(([h, s], i, all) => `${h},${i === all.length - 1 ? "-0.02" : s}`);
  const file = join(work, `scores-${epoch}.csv`);
  writeFileSync(file, `example,score\n${rows.join("\n")}\n`);
  return file;
}

/** Opens epoch `epoch`: the trainer seals, the operator opens with the commitment. */
async function openEpoch(epoch: number, pool: string, follows = 0): Promise<void> {
  // A follower's deadline is the operator's default: the contract's lineage margin after the followed epoch's.
  const window = follows === 0 ? ["--closes-in", "600"] : [];
  const seal = await trainer(["seal", "--deployment", deploymentFile, "--epoch", String(epoch)]);
  ok(seal, "seal");
  const open = await operator([
    "epoch",
    "open",
    "--deployment",
    deploymentFile,
    "--epoch",
    String(epoch),
    "--pool",
    pool,
    "--trainer",
    new Wallet(TRAINER).address,
    "--validation-commitment",
    seal.stdout.trim(),
    ...window,
    "--follows",
    String(follows),
    "--mint-pool",
    "--json",
  ]);
  ok(open, "epoch open");
}

/** collect -> witness -> prove for an epoch whose deliveries are in `deliveries/`. */
async function witnessAndProve(epoch: number, deliveries: string, delivered: readonly string[], model: string): Promise<string> {
  const collected = join(work, `collected-${epoch}.json`);
  ok(await trainer(["collect", deliveries, "--deployment", deploymentFile, "--epoch", String(epoch), "--out", collected]), "collect");
  const modelFile = join(work, `model-${epoch}.onnx`);
  writeFileSync(modelFile, model);
  const dir = join(work, `epoch-${epoch}`);
  const scored = join(work, `scores-${epoch}`);
  ok(await trainer(["score", "--scores", scoresFile(epoch, delivered), "--model", modelFile, "--out", scored]), "score --scores");
  const witness = await trainer([
    "witness",
    "--deployment",
    deploymentFile,
    "--epoch",
    String(epoch),
    "--collected",
    collected,
    "--from-score",
    scored,
    "--out",
    dir,
    "--json",
  ]);
  ok(witness, "witness");
  ok(await trainer(["prove", dir, "--workers", "2"]), "prove");
  return dir;
}

async function settlement(): Promise<Contract> {
  const address = JSON.parse(readFileSync(deploymentFile, "utf8")).contracts.settlement as string;
  return new Contract(address, (await loadContractArtifact("PayoutSettlement")).abi as InterfaceAbi, provider);
}

before(async () => {
  node = await startHardhatNode();
  provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
});

after(() => {
  provider?.destroy();
  node?.stop();
});

test("operator deploy once through Ignition: the deployment file; a rerun resumes the journal and sends nothing", async () => {
  const args = [
    "deploy",
    "--out",
    join(work, "deployment"),
    "--example-batch-size",
    String(E),
    "--registration-batch-size",
    String(K),
    "--batch-size",
    String(B),
    "--json",
  ];
  const first = await operator(args);
  ok(first, "deploy");
  published = JSON.parse(first.stdout).contracts.settlement;
  const before = await nonces();
  const again = await operator(args);
  ok(again, "deploy again");
  assert.deepEqual(JSON.parse(again.stdout).contracts, JSON.parse(first.stdout).contracts);
  assert.deepEqual(await nonces(), before, "a finished deployment rerun sends nothing");
});

test("bad input at each command is named, exits non-zero and sends nothing", async () => {
  const before = await nonces();
  const corrupt = join(work, "corrupt.json");
  writeFileSync(corrupt, "{ not json");
  const otherChain = join(work, "other-chain.json");
  writeFileSync(otherChain, readFileSync(deploymentFile, "utf8").replace(/"chainId": "?31337"?/, '"chainId": "1"'));
  const cases: [Promise<Run>, RegExp][] = [
    [
      cli({ OPEN_SETTLEMENT: published }, [
        "register",
        "--deployment",
        deploymentFile,
        "--epoch",
        "1",
        "--data",
        dataFile(0, 1, 1),
        "--out",
        join(work, "nowhere"),
      ]),
      /KEY_MISSING.*OPEN_CONTRIBUTOR_KEY/,
    ],
    [
      cli({ OPEN_CONTRIBUTOR_KEY: "0x1234", OPEN_SETTLEMENT: published }, [
        "register",
        "--deployment",
        deploymentFile,
        "--epoch",
        "1",
        "--data",
        dataFile(0, 1, 1),
        "--out",
        join(work, "nowhere"),
      ]),
      /KEY_MALFORMED/,
    ],
    [
      operator([
        "epoch",
        "open",
        "--deployment",
        corrupt,
        "--epoch",
        "1",
        "--pool",
        "5",
        "--trainer",
        new Wallet(TRAINER).address,
        "--validation-commitment",
        `0x${"11".repeat(32)}`,
      ]),
      /DEPLOYMENT_FILE/,
    ],
    [
      operator([
        "epoch",
        "open",
        "--deployment",
        otherChain,
        "--epoch",
        "1",
        "--pool",
        "5",
        "--trainer",
        new Wallet(TRAINER).address,
        "--validation-commitment",
        `0x${"11".repeat(32)}`,
      ]),
      /DEPLOYMENT_CHAIN_MISMATCH/,
    ],
    [
      operator([
        "epoch",
        "open",
        "--deployment",
        deploymentFile,
        "--epoch",
        "1",
        "--pool",
        "0",
        "--trainer",
        new Wallet(TRAINER).address,
        "--validation-commitment",
        `0x${"11".repeat(32)}`,
      ]),
      /--pool 0: a pool of 0 pays nobody/,
    ],
    [
      operator([
        "epoch",
        "open",
        "--deployment",
        deploymentFile,
        "--epoch",
        "1",
        "--pool=-5",
        "--trainer",
        new Wallet(TRAINER).address,
        "--validation-commitment",
        `0x${"11".repeat(32)}`,
      ]),
      /--pool "-5"/,
    ],
    [
      operator([
        "epoch",
        "open",
        "--deployment",
        deploymentFile,
        "--epoch",
        "1",
        "--pool",
        "1e40",
        "--trainer",
        new Wallet(TRAINER).address,
        "--validation-commitment",
        `0x${"11".repeat(32)}`,
      ]),
      /--pool "1e40"/,
    ],
    [
      operator([
        "epoch",
        "open",
        "--deployment",
        deploymentFile,
        "--epoch",
        "1",
        "--pool",
        "100000000000000000000000000000",
        "--trainer",
        new Wallet(TRAINER).address,
        "--validation-commitment",
        `0x${"11".repeat(32)}`,
      ]),
      /POOL_OUT_OF_RANGE/,
    ],
    [
      trainer(["collect", join(work, "no-deliveries"), "--deployment", deploymentFile, "--epoch", "1", "--out", join(work, "c.json")]),
      /DELIVERY_MISSING/,
    ],
  ];
  for (const [run, message] of cases) {
    const r = await run;
    assert.notEqual(r.code, 0, `${message}: exited 0`);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(await nonces(), before, "nothing was sent");
});

test("another genuine deployment (an attacker's, owned by the honest operator's address) attaches, but every pinned command refuses it; no pin or a bad one is named; nothing is sent", async () => {
  // The attacker deploys this project's contracts with this project's rules, then hands ownership
  // to the honest operator's address: an --operator pin alone would accept it.
  const attacker = await cli({ OPEN_OPERATOR_KEY: ATTACKER }, [
    "deploy",
    "--out",
    join(work, "attacker"),
    "--example-batch-size",
    String(E),
    "--registration-batch-size",
    String(K),
    "--batch-size",
    String(B),
    "--json",
  ]);
  ok(attacker, "the attacker's deploy");
  const theirs = JSON.parse(attacker.stdout).contracts.settlement as string;
  assert.notEqual(theirs.toLowerCase(), published.toLowerCase());
  const handover = new Contract(theirs, ["function transferOwnership(address)"], new Wallet(ATTACKER, provider));
  await (await handover.getFunction("transferOwnership")(new Wallet(OPERATOR).address)).wait();
  // It is genuine: pinned to itself, the trainer's seal (which sends nothing) attaches it.
  ok(
    await trainer(["seal", "--deployment", attackerFile, "--epoch", "1"], undefined, { OPEN_SETTLEMENT: theirs }),
    "seal on the attacker's deployment pinned to it",
  );

  const data = dataFile(0, 1, 1);
  const register = (file: string, pin: Record<string, string>, extra: string[] = []) =>
    asContributor(0, ["register", "--deployment", file, "--epoch", "1", "--data", data, "--out", join(work, "never"), ...extra], pin);
  const empty = join(work, "no-deliveries-yet");
  mkdirSync(empty, { recursive: true });
  await refusedUnsent([
    [
      () => register(attackerFile, {}, ["--settlement", published, "--operator", new Wallet(OPERATOR).address]),
      /error \[DEPLOYMENT_PIN_MISMATCH\]: .*attacker\/deployment\.json: its settlement is 0x[0-9a-fA-F]{40}, the pinned one/,
    ],
    [() => register(attackerFile, { OPEN_SETTLEMENT: published }), /error \[DEPLOYMENT_PIN_MISMATCH\]/],
    [() => register(deploymentFile, { OPEN_SETTLEMENT: theirs }), /error \[DEPLOYMENT_PIN_MISMATCH\]/],
    [() => register(deploymentFile, {}), /error \[SETTLEMENT_PIN_MISSING\]: --settlement ADDRESS \(or OPEN_SETTLEMENT\) is required/],
    [() => register(deploymentFile, {}, ["--settlement", "0x1234"]), /error \[PIN_INVALID\]: --settlement "0x1234"/],
    [
      () => register(deploymentFile, { OPEN_SETTLEMENT: published }, ["--operator", new Wallet(ATTACKER).address]),
      /error \[OPERATOR_PIN_MISMATCH\]: .*the pinned operator \(--operator\) is 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720/,
    ],
    [() => trainer(["seal", "--deployment", attackerFile, "--epoch", "1"]), /error \[DEPLOYMENT_PIN_MISMATCH\]/],
    [
      () => trainer(["collect", empty, "--deployment", attackerFile, "--epoch", "1", "--out", join(work, "never.json")]),
      /error \[DEPLOYMENT_PIN_MISMATCH\]/,
    ],
    [
      () => trainer(["collect", empty, "--deployment", deploymentFile, "--epoch", "1", "--out", join(work, "never.json")], undefined, {}),
      /error \[SETTLEMENT_PIN_MISSING\]/,
    ],
  ]);
  assert.equal(existsSync(join(work, "never")) || existsSync(join(work, "never.json")), false, "nothing written");
});

test("epoch 1: contributors register from their own processes; one too late is refused by the contract, one never delivers; settle killed part way and rerun pays each once", async () => {
  await openEpoch(1, "1000");
  ok(await operator(["fund", ...CONTRIBUTORS.map((c) => c.address), "--deployment", deploymentFile, "--amount", "10"]), "fund");
  const deliveries = join(work, "deliveries-1");
  const held = join(work, "held-1");
  mkdirSync(deliveries);
  mkdirSync(held);
  // Three register at once, each its own process and key; contributor 1 shares an example with 0 (dedup: 0 registers first).
  ok(
    await asContributor(0, [
      "register",
      "--deployment",
      deploymentFile,
      "--epoch",
      "1",
      "--data",
      dataFile(0, 1, 5, ["shared example"]),
      "--out",
      join(deliveries, "c0"),
    ]),
    "register 0",
  );
  const runs = await Promise.all([
    asContributor(1, [
      "register",
      "--deployment",
      deploymentFile,
      "--epoch",
      "1",
      "--data",
      dataFile(1, 1, 4, ["shared example"]),
      "--out",
      join(deliveries, "c1"),
    ]),
    asContributor(2, ["register", "--deployment", deploymentFile, "--epoch", "1", "--data", dataFile(2, 1, 3), "--out", join(held, "c2")]),
  ]);
  runs.forEach((r, i) => ok(r, `register ${i + 1}`));
  // Contributor 2 never hands its delivery over: collect excludes it (a zero row) and moves the development clock past the deadline.
  const dir = await witnessAndProve(1, deliveries, [join(deliveries, "c0"), join(deliveries, "c1")], "model of epoch 1");
  const late = await asContributor(3, [
    "register",
    "--deployment",
    deploymentFile,
    "--epoch",
    "1",
    "--data",
    dataFile(3, 1, 2),
    "--out",
    join(work, "late"),
  ]);
  assert.notEqual(late.code, 0);
  assert.match(late.stderr, /RegistrationClosed/, "the contract's refusal, decoded by name");

  // Settle, killed with SIGKILL once two batches are verified; then the rerun finishes from the chain's state.
  const s = await settlement();
  const killed = await trainer(["settle", dir, "--deployment", deploymentFile], (stop) => {
    const timer = setInterval(async () => {
      const state = await s
        .getFunction("epochState")(1n)
        .catch(() => undefined);
      if (state && Number(state.nextExample) + Number(state.nextRegistration) >= 2) {
        clearInterval(timer);
        stop();
      }
    }, 50);
  });
  assert.equal(killed.signal, "SIGKILL", `settle ended before it was killed: ${killed.stderr}`);
  const rerun = await trainer(["settle", dir, "--deployment", deploymentFile, "--json"]);
  ok(rerun, "settle rerun");
  const settled = JSON.parse(rerun.stdout);
  const record = JSON.parse(readFileSync(join(dir, "contributors.json"), "utf8")) as { address: string; reward: string }[];
  assert.equal(record.length, 3, "three registrations in time, one row each");
  // Contributors 1 and 2 registered at once: their orders are the chain's, found by address.
  assert.equal(record.find((r) => r.address === CONTRIBUTORS[2]!.address)!.reward, "0", "the one that never delivered: a zero row");
  const token = new Contract(
    JSON.parse(readFileSync(deploymentFile, "utf8")).contracts.token,
    ["event Transfer(address indexed from, address indexed to, uint256 value)"],
    provider,
  );
  const transfers = await token.queryFilter(token.filters.Transfer!(await s.getAddress()));
  for (const row of record.filter((r) => r.reward !== "0")) {
    const paid = transfers.filter((t) => "args" in t && String(t.args[1]).toLowerCase() === row.address.toLowerCase());
    assert.equal(paid.length, 1, `${row.address} paid once`);
    assert.equal(String((paid[0] as unknown as { args: unknown[] }).args[2]), row.reward);
  }
  assert.equal((await s.queryFilter(s.filters.BatchReleased!(1n))).length, Math.ceil(3 / B));
  assert.equal(settled.contributors.length, 3);

  // The contributor's own check from its receipt and the Delivery receipt collect handed back beside it
  // (its signature against the epoch's trainer on chain); a receipt of another epoch is named.
  const verifyReceipt = (folder: string) =>
    cli({}, [
      "verify",
      dir,
      "--rpc",
      node.url,
      "--contributor",
      CONTRIBUTORS[0]!.address,
      "--receipt",
      join(folder, "receipt.json"),
      "--no-snarkjs",
    ]);
  const check = await verifyReceipt(join(deliveries, "c0"));
  ok(check, "verify --receipt");
  assert.match(check.stdout, /receipt: registration 0 registered, not excluded, 6 examples counted/);
  assert.match(
    check.stdout,
    new RegExp(
      `delivery receipt: .*delivery-receipt\\.json names registration 0; signed by the epoch's trainer ${new Wallet(TRAINER).address}`,
    ),
  );
  const forged = join(work, "forged-1");
  mkdirSync(forged);
  cpSync(join(deliveries, "c0", "receipt.json"), join(forged, "receipt.json"));
  const handed = JSON.parse(readFileSync(join(deliveries, "c0", "delivery-receipt.json"), "utf8"));
  const signature = await CONTRIBUTORS[0]!.signTypedData(
    { name: "AttributionSettlement", version: "1", chainId: 31337n, verifyingContract: published },
    {
      Delivery: [
        { name: "epoch", type: "uint64" },
        { name: "order", type: "uint32" },
        { name: "commitment", type: "uint256" },
      ],
    },
    { epoch: 1n, order: 0, commitment: BigInt(handed.commitment) },
  );
  writeFileSync(join(forged, "delivery-receipt.json"), JSON.stringify({ ...handed, signature }));
  const refusedForgery = await verifyReceipt(forged);
  assert.equal(refusedForgery.code, 12, refusedForgery.stderr);
  assert.match(
    refusedForgery.stderr,
    /delivery-receipt\.json: made by 0x[0-9a-fA-F]{40}, not by epoch 1's trainer [\s\S]*"field": "signature"/,
  );
  const excluded = await cli({}, [
    "verify",
    dir,
    "--contributor",
    CONTRIBUTORS[2]!.address,
    "--receipt",
    join(held, "c2", "receipt.json"),
    "--no-snarkjs",
  ]);
  assert.equal(excluded.code, 12, excluded.stderr);
  assert.match(excluded.stderr, /registration \d is excluded by the trainer.s commit.*\(RECEIPT_MISMATCH\)/);
});

test("epoch 2 on the same deployment with a new model follows epoch 1 (lineage); the skeptic verifies both epochs from the chain alone; a receipt of epoch 1 is refused for epoch 2", async () => {
  await openEpoch(2, "500", 1);
  const deliveries = join(work, "deliveries-2");
  mkdirSync(deliveries);
  const runs = await Promise.all(
    [0, 1].map((i) =>
      asContributor(i, [
        "register",
        "--deployment",
        deploymentFile,
        "--epoch",
        "2",
        "--data",
        dataFile(i, 2, 3),
        "--out",
        join(deliveries, `c${i}`),
      ]),
    ),
  );
  runs.forEach((r, i) => ok(r, `register ${i}`));
  const dir = await witnessAndProve(2, deliveries, [join(deliveries, "c0"), join(deliveries, "c1")], "model of epoch 2");

  // A stray copy in proofs/ is named by prove (refused before proving) and verify; the atomic
  // writer's stale temporary file is prove's own, removed. A truncated proving.json is named and replaced.
  const strayCopy = join(dir, "proofs", "example-000.tmp-1.json");
  const staleTemp = join(dir, "proofs", "payout-000.json.tmp-4242-zz");
  writeFileSync(strayCopy, readFileSync(join(dir, "proofs", "example-000.json")));
  writeFileSync(staleTemp, "{ half");
  const [strayProve, strayVerify] = await Promise.all([trainer(["prove", dir]), cli({}, ["verify", dir, "--no-snarkjs"])]);
  assert.equal(strayProve.code, 2, strayProve.stderr);
  assert.match(
    strayProve.stderr,
    /error \[STRAY_PROOF_FILE\]: .*holds 1 file that is no proof of this epoch's jobs: example-000\.tmp-1\.json/,
  );
  assert.equal(strayVerify.code, 2);
  assert.match(strayVerify.stdout + strayVerify.stderr, /proofs\/example-000\.tmp-1\.json \(move it out of proofs\/\)/);
  assert.equal(existsSync(staleTemp), false, "prove removed its own stale temporary file");
  rmSync(strayCopy);
  writeFileSync(join(dir, "proving.json"), '{ "runs": [ { "da');
  const repaired = await trainer(["prove", dir]);
  ok(repaired, "prove after a truncated proving.json");
  assert.match(repaired.stderr, /proving\.json: not JSON/);

  ok(await trainer(["settle", dir, "--deployment", deploymentFile]), "settle epoch 2");
  // The settled record is final: every stage refuses its folder before it writes or sends anything.
  const before = snapshot(dir);
  const sent = await nonces();
  const refusals: [Promise<Run>, RegExp, number][] = [
    [
      trainer([
        "witness",
        "--deployment",
        deploymentFile,
        "--epoch",
        "2",
        "--collected",
        join(work, "collected-2.json"),
        "--from-score",
        join(work, "scores-2"),
        "--out",
        dir,
      ]),
      /error \[EPOCH_SETTLED\]/,
      2,
    ],
    [trainer(["prove", dir]), /error \[EPOCH_SETTLED\]/, 2],
    [trainer(["settle", dir, "--deployment", deploymentFile]), /error \[EPOCH_SETTLED\]/, 2],
    [cli({}, ["report", dir, "--out", join(dir, "epoch.json"), "--no-verify"]), /error \[REPORT_OUT_REFUSED\]/, 1],
  ];
  for (const [run, message, code] of refusals) {
    const r = await run;
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, message);
  }
  assert.deepEqual(snapshot(dir), before, "nothing in the settled record changed");
  assert.deepEqual(await nonces(), sent, "nothing sent");
  const s = await settlement();
  const [first, second] = await Promise.all([1n, 2n].map((e) => s.getFunction("epochState")(e)));
  assert.notEqual(first.modelHash, second.modelHash, "each epoch commits its own model");
  assert.equal(second.follows, 1n);
  assert.equal(second.previousModelHash, first.modelHash, "epoch 2 records epoch 1's model: the lineage");
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "epoch.json"), "utf8")).lineage, { follows: "1", previousModelHash: first.modelHash });
  for (const epoch of ["1", "2"]) {
    const skeptic = await cli({}, [
      "verify",
      "--rpc",
      node.url,
      "--contract",
      await s.getAddress(),
      "--epoch",
      epoch,
      "--keys",
      "dev",
      "--no-snarkjs",
      "--json",
    ]);
    ok(skeptic, `verify epoch ${epoch} from the chain`);
    assert.equal(JSON.parse(skeptic.stdout).ok, true);
  }
  const otherEpoch = await cli({}, [
    "verify",
    dir,
    "--contributor",
    CONTRIBUTORS[0]!.address,
    "--receipt",
    join(work, "deliveries-1", "c0", "receipt.json"),
    "--no-snarkjs",
  ]);
  assert.equal(otherEpoch.code, 12);
  assert.match(otherEpoch.stderr, /a receipt of epoch 1 .*\(RECEIPT_MISMATCH\)/);
});

test("a trainer key that is not the epoch's trainer is refused by collect and witness (NOT_THE_TRAINER) before anything is signed or sent", async () => {
  const other = CONTRIBUTORS[3]!.address;
  ok(
    await operator([
      "epoch",
      "open",
      "--deployment",
      deploymentFile,
      "--epoch",
      "3",
      "--pool",
      "5",
      "--trainer",
      other,
      "--validation-commitment",
      `0x${"11".repeat(32)}`,
      "--closes-in",
      "600",
      "--mint-pool",
    ]),
    "epoch 3 open for another trainer",
  );
  // collect.json of epoch 2 relabelled as epoch 3's: every local check passes, the chain's trainer does not.
  const collected = join(work, "collected-3.json");
  writeFileSync(collected, readFileSync(join(work, "collected-2.json"), "utf8").replace(/"epoch": "?2"?/, '"epoch": "3"'));
  const deliveries = join(work, "deliveries-2");
  const out = join(work, "epoch-3");
  const trainerMessage = new RegExp(
    `error \\[NOT_THE_TRAINER\\]: epoch 3 of settlement ${published} names ${other} as its trainer, this key is ${new Wallet(TRAINER).address}`,
  );
  await refusedUnsent([
    [
      () => trainer(["collect", deliveries, "--deployment", deploymentFile, "--epoch", "3", "--out", join(work, "collected-3-out.json")]),
      trainerMessage,
    ],
    [
      () =>
        trainer([
          "witness",
          "--deployment",
          deploymentFile,
          "--epoch",
          "3",
          "--collected",
          collected,
          "--from-score",
          join(work, "scores-2"),
          "--out",
          out,
        ]),
      trainerMessage,
    ],
  ]);
  assert.equal(existsSync(join(work, "collected-3-out.json")), false, "no receipts signed or written");
  assert.equal(existsSync(out), false, "no epoch directory");
  assert.equal((await (await settlement()).getFunction("epochState")(3n)).trainer, other, "the epoch's trainer is the other key");
});

test("settle attaches the pinned deployment, not epoch.json's addresses: a record naming another genuine deployment's settlement is refused (EPOCH_OTHER_DEPLOYMENT), so is the other deployment's file", async () => {
  const copy = join(work, "epoch-1-swapped");
  cpSync(join(work, "epoch-1"), copy, { recursive: true });
  const epochFile = join(copy, "epoch.json");
  const record = JSON.parse(readFileSync(epochFile, "utf8"));
  const theirs = JSON.parse(readFileSync(attackerFile, "utf8")).contracts.settlement as string;
  writeFileSync(
    epochFile,
    JSON.stringify({ ...record, status: "proving", contracts: { ...record.contracts, settlement: theirs } }, null, 2),
  );
  await refusedUnsent([
    [
      () => trainer(["settle", copy, "--deployment", deploymentFile]),
      new RegExp(
        `error \\[EPOCH_OTHER_DEPLOYMENT\\]: .*epoch\\.json: contracts\\.settlement is ${theirs}, the deployment's is ${published}`,
      ),
    ],
    [() => trainer(["settle", copy, "--deployment", attackerFile]), /error \[DEPLOYMENT_PIN_MISMATCH\]/],
    [() => trainer(["settle", copy, "--deployment", deploymentFile], undefined, {}), /error \[SETTLEMENT_PIN_MISSING\]/],
  ]);
});

test("epochs nobody delivers to: the operator cancels one nobody registered for; one registration never delivered gets the trainer's empty commit, and the operator's cancel refunds the pool once its contest window is over", async () => {
  const token = new Contract(
    JSON.parse(readFileSync(deploymentFile, "utf8")).contracts.token as string,
    ["function balanceOf(address) view returns (uint256)"],
    provider,
  );
  const operatorAddress = new Wallet(OPERATOR).address;
  const cancel = (epoch: number) => operator(["epoch", "cancel", "--deployment", deploymentFile, "--epoch", String(epoch), "--json"]);
  const pool = 50n * 10n ** 18n;

  await openEpoch(5, "50");
  let before = (await token.getFunction("balanceOf")(operatorAddress)) as bigint;
  ok(await cancel(5), "epoch cancel 5");
  assert.equal((await token.getFunction("balanceOf")(operatorAddress)) - before, pool, "nobody registered: refunded");

  await openEpoch(4, "50");
  const held = join(work, "held-4");
  ok(
    await asContributor(0, ["register", "--deployment", deploymentFile, "--epoch", "4", "--data", dataFile(0, 4, 2), "--out", held]),
    "register",
  );
  await refusedUnsent([[() => cancel(4), /error \[EPOCH_HAS_REGISTRANTS\]: epoch 4 .* has 1 registration/]]);
  const nothing = join(work, "deliveries-4");
  mkdirSync(nothing);
  const collected = join(work, "collected-4.json");
  ok(await trainer(["collect", nothing, "--deployment", deploymentFile, "--epoch", "4", "--out", collected]), "collect");
  const witness = await trainer(["witness", "--deployment", deploymentFile, "--epoch", "4", "--collected", collected, "--json"]);
  ok(witness, "witness (empty commit)");
  const empty = JSON.parse(witness.stdout) as { empty: boolean; registrants: number; committed: boolean; contestEndsAt: string };
  assert.deepEqual([empty.empty, empty.registrants, empty.committed], [true, 1, true]);
  await refusedUnsent([[() => cancel(4), /error \[CONTEST_WINDOW_OPEN\]: epoch 4 .* has an empty commit still open to contests/]]);

  const latest = BigInt((await provider.getBlock("latest"))!.timestamp);
  await provider.send("evm_increaseTime", [Number(BigInt(empty.contestEndsAt) - latest)]);
  await provider.send("evm_mine", []);
  before = (await token.getFunction("balanceOf")(operatorAddress)) as bigint;
  ok(await cancel(4), "epoch cancel 4");
  assert.equal(
    (await token.getFunction("balanceOf")(operatorAddress)) - before,
    pool,
    "nobody delivered: refunded after the contest window",
  );
  assert.equal((await (await settlement()).getFunction("epochState")(4n)).status, 4n, "Cancelled");
});

test("a trainer that signed a delivery's receipt and then commits that nobody delivered: the contributor's contest voids the commit from the command line; a second contest and the operator's cancel are refused, nothing sent", async () => {
  await openEpoch(6, "50");
  const deliveries = join(work, "deliveries-6");
  ok(
    await asContributor(1, [
      "register",
      "--deployment",
      deploymentFile,
      "--epoch",
      "6",
      "--data",
      dataFile(1, 6, 2),
      "--out",
      join(deliveries, "c1"),
    ]),
    "register",
  );
  const receipts = join(work, "receipts-6");
  const collect = await trainer([
    "collect",
    deliveries,
    "--deployment",
    deploymentFile,
    "--epoch",
    "6",
    "--out",
    join(work, "collected-6-signed.json"),
    "--receipts",
    receipts,
  ]);
  ok(collect, "collect");
  assert.match(collect.stderr, /hand each contributor back its signed Delivery receipt/);
  const handed = join(deliveries, "c1", "delivery-receipt.json");
  assert.deepEqual(readdirSync(receipts), [`delivery-receipt-0-${CONTRIBUTORS[1]!.address}.json`]);
  // Then it collects as if nothing had arrived, and commits that nobody delivered (an empty commit).
  const nothing = join(work, "deliveries-6-none");
  mkdirSync(nothing);
  const collected = join(work, "collected-6.json");
  ok(await trainer(["collect", nothing, "--deployment", deploymentFile, "--epoch", "6", "--out", collected]), "collect nothing");
  ok(
    await trainer(["witness", "--deployment", deploymentFile, "--epoch", "6", "--collected", collected, "--json"]),
    "witness (empty commit)",
  );

  const contest = () => asContributor(1, ["contest", "--deployment", deploymentFile, "--epoch", "6", "--receipt", handed, "--json"]);
  const voided = await contest();
  ok(voided, "contest");
  const result = JSON.parse(voided.stdout) as { order: number; transaction: string };
  assert.equal(result.order, 0);
  const s = await settlement();
  assert.equal((await s.getFunction("epochState")(6n)).status, 1n, "Registration: the commit is void, the trainer must commit again");
  assert.equal((await s.queryFilter(s.filters.ExclusionContested!(6n)))[0]!.transactionHash, result.transaction);
  await refusedUnsent([
    [contest, /error \[NO_LIVE_COMMIT\]: .*already voided by a contest/],
    [() => operator(["epoch", "cancel", "--deployment", deploymentFile, "--epoch", "6"]), /error \[EPOCH_HAS_REGISTRANTS\]/],
  ]);
});
