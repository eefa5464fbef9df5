/**
 * The run parameters of the epoch commands (score, witness, prove, settle, demo): from flags, a
 * config file (`--config FILE`, JSON) and defaults, in that order of precedence. Protocol
 * parameters stay in config/protocol.json (config/index.ts parseConfig): a run picks among the
 * batch sizes it allows. Every bad value is a ConfigError naming the file (or "command line"), the
 * field (or flag) and the allowed values. Secrets are refused here: they come from the environment.
 *
 *   { "examples": "data/demo-examples.csv", "pool": "1000000", "epoch": 1,
 *     "exampleBatchSize": 8, "registrationBatchSize": 4, "payoutBatchSize": 4, "workers": 2, "keys": "dev",
 *     "rpc": "http://127.0.0.1:8545", "out": "epochs/run-1", "method": "trak" }
 *
 * Relative paths in the file are relative to the file's folder.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { formatUnits, parseUnits } from "ethers";
import type { KeySetName } from "../../circuits/ceremony/index.ts";
import { ATTRIBUTION_METHODS, type AttributionMethod } from "../../config/attribution.ts";
import { ConfigError, config as defaultConfig, type ProtocolConfig, type RegistrationConfig } from "../../config/index.ts";
import { checkRegistration } from "../../verifier-contracts/deploy-checks.ts";
import { refuseSecretValue, secretNotFromEnv } from "./errors.ts";

/** Run parameters as flags give them (commander's camel case) or a config file does (strings or numbers). */
export interface RunFlags {
  readonly config?: string;
  readonly examples?: string;
  readonly pool?: string;
  readonly epoch?: string;
  readonly exampleBatchSize?: string;
  readonly registrationBatchSize?: string;
  readonly batchSize?: string;
  readonly workers?: string;
  readonly rpc?: string;
  readonly keys?: string;
  readonly out?: string;
  readonly method?: string;
  readonly maxExamplesPerEpoch?: string;
}

export interface RunParameters {
  readonly examplesFile?: string;
  /** R in token base units. */
  readonly pool: bigint;
  readonly epoch: bigint;
  readonly exampleBatchSize: number;
  readonly registrationBatchSize: number;
  readonly payoutBatchSize: number;
  readonly workers?: number;
  readonly rpcUrl?: string;
  readonly keySet: KeySetName;
  readonly outDir?: string;
  readonly method: AttributionMethod;
  /**
   * The registry's rules for a deployment: config/protocol.json `registration`, with the examples
   * cap the run raises (a bigger example batch admits a bigger epoch), checked against the sizes.
   */
  readonly registration: RegistrationConfig;
}

/** Config file field -> the flag that overrides it. */
const FIELDS = {
  examples: "--examples",
  pool: "--pool",
  epoch: "--epoch",
  exampleBatchSize: "--example-batch-size",
  registrationBatchSize: "--registration-batch-size",
  payoutBatchSize: "--batch-size",
  workers: "--workers",
  rpc: "--rpc",
  keys: "--keys",
  out: "--out",
  method: "--method",
  maxExamplesPerEpoch: "--max-examples-per-epoch",
} as const;
type Field = keyof typeof FIELDS;
const SECRET_FIELD = /key$|secret|password|mnemonic|credential|token/i;

const COMMAND_LINE = "command line";

/** A value and where it came from, so its error names the file and field or the flag. */
interface Sourced {
  readonly value: unknown;
  readonly file: string;
  readonly field: string;
}

function readConfigFile(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    // JSON.parse quotes the text around an unexpected token: it may be a secret, so it is cut out.
    const why = (error as Error).message.replace(/, ".*"(\.\.\.)? is not valid JSON$/s, " (not valid JSON)");
    throw new ConfigError(file, "(file)", missing ? "missing" : `cannot read JSON: ${why}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new ConfigError(file, "(file)", "expected a JSON object of run parameters");
  for (const [field, value] of Object.entries(raw)) {
    // A key given as any field's value is refused by its field's name; its value is never shown.
    refuseSecretValue(`${file}: ${field}`, value);
    if (field in FIELDS) continue;
    if (SECRET_FIELD.test(field)) throw secretNotFromEnv(`${file}: ${field}`);
    throw new ConfigError(file, field, `unknown field; allowed: ${Object.keys(FIELDS).join(", ")}`);
  }
  return raw as Record<string, unknown>;
}

function integer(s: Sourced, min: number): number {
  const n = typeof s.value === "string" && /^\d+$/.test(s.value) ? Number(s.value) : s.value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < min)
    throw new ConfigError(s.file, s.field, `expected an integer >= ${min}, got ${JSON.stringify(s.value)}`);
  return n;
}

function oneOf<T extends string | number>(s: Sourced, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw new ConfigError(s.file, s.field, `${JSON.stringify(s.value)} is not allowed; allowed: ${allowed.join(", ")}`);
  return value as T;
}

function text(s: Sourced): string {
  if (typeof s.value !== "string" || s.value === "")
    throw new ConfigError(s.file, s.field, `expected a non-empty string, got ${JSON.stringify(s.value)}`);
  return s.value;
}

/** A JSON value's kind for messages ("an array", "a boolean", ...). */
const kindOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;

/**
 * The pool R in token base units: a decimal string (a flag, or a config file) or a number (a config
 * file) of $OPEN, more than 0 (a pool of 0 settles and pays nothing) and below 2^poolBits (the
 * settlement contract's PoolOutOfRange, and the circuits' width). Checked here, before anything is
 * read, deployed or sent; any other JSON type is refused (an array [5] is not 5).
 */
function poolAmount(s: Sourced, protocol: ProtocolConfig): bigint {
  if (typeof s.value !== "string" && !(typeof s.value === "number" && Number.isFinite(s.value))) {
    throw new ConfigError(s.file, s.field, `expected a decimal string or a number of $OPEN, got ${kindOf(s.value)}`);
  }
  const shown = JSON.stringify(String(s.value));
  let pool: bigint;
  try {
    pool = parseUnits(String(s.value), protocol.token.decimals);
  } catch {
    throw new ConfigError(
      s.file,
      s.field,
      `${shown} is not an amount of whole $OPEN (a decimal number, at most ${protocol.token.decimals} decimals)`,
    );
  }
  if (pool <= 0n)
    throw new ConfigError(
      s.file,
      s.field,
      `${shown} is not a positive amount: the pool must be more than 0 $OPEN (a pool of 0 pays nothing)`,
    );
  const limit = 1n << BigInt(protocol.widths.poolBits);
  if (pool >= limit) {
    throw new ConfigError(
      s.file,
      s.field,
      `${shown} is above the contract's range: at most ${formatUnits(limit - 1n, protocol.token.decimals)} $OPEN (2^${protocol.widths.poolBits} - 1 base units)`,
    );
  }
  return pool;
}

/** An RPC URL with a user or password in it carries credentials: refused outside the environment. */
function rpcUrl(s: Sourced): string {
  const url = text(s);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(s.file, s.field, `${JSON.stringify(url)} is not a URL (http://HOST:PORT)`);
  }
  if (parsed.username || parsed.password) throw secretNotFromEnv(`${s.file}: ${s.field}`);
  return url;
}

/** Flags whose value is a public 32-byte hash (64 hex digits: a sha256, a commitment), not a key. */
const HASH_FLAGS = new Set(["--ptau", "--validation-commitment"]);

/**
 * Refuses, before commander sees them, a flag that would carry a secret (`--private-key` and the
 * like) and any value on the command line that looks like a private key, a mnemonic, or an --rpc URL
 * with credentials, naming the flag (or the argument's position) and never the value.
 */
export function refuseSecretFlags(argv: readonly string[]): void {
  const flag = argv.find((a) => /^--(private-key|deployer-key|key|mnemonic|password|secret)(=|$)/.test(a));
  if (flag) throw secretNotFromEnv(`${COMMAND_LINE}: ${flag.split("=")[0]}`);
  argv.forEach((arg, i) => {
    const [name, inline] =
      arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [undefined, arg];
    const previous = argv[i - 1];
    const owner = name ?? (previous?.startsWith("--") && !previous.includes("=") ? previous : undefined);
    if (owner !== undefined && HASH_FLAGS.has(owner)) return;
    const where = `${COMMAND_LINE}: ${owner ?? `argument ${i + 1}`}`;
    refuseSecretValue(where, inline);
    // A node URL with a user or password carries credentials: every command's --rpc, not only
    // those runParameters reads (found: the party commands passed --rpc through unchecked).
    if (owner === "--rpc" && carriesCredentials(inline)) throw secretNotFromEnv(where);
  });
}

function carriesCredentials(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return url.username !== "" || url.password !== "";
  } catch {
    return false;
  }
}

/** Resolves flags over the config file over defaults, validating each value against `protocol`. */
export async function runParameters(flags: RunFlags, protocol: ProtocolConfig = defaultConfig): Promise<RunParameters> {
  const { KEY_SETS } = await import("../../circuits/ceremony/index.ts"); // loaded when a command runs, not for --help
  const configFile = flags.config === undefined ? undefined : resolve(flags.config);
  const fileValues = configFile === undefined ? {} : readConfigFile(configFile);
  const flagOf: Record<Field, string | undefined> = {
    examples: flags.examples,
    pool: flags.pool,
    epoch: flags.epoch,
    exampleBatchSize: flags.exampleBatchSize,
    registrationBatchSize: flags.registrationBatchSize,
    payoutBatchSize: flags.batchSize,
    workers: flags.workers,
    rpc: flags.rpc,
    keys: flags.keys,
    out: flags.out,
    method: flags.method,
    maxExamplesPerEpoch: flags.maxExamplesPerEpoch,
  };
  const pick = (field: Field): Sourced | undefined => {
    if (flagOf[field] !== undefined) return { value: flagOf[field], file: COMMAND_LINE, field: FIELDS[field] };
    if (configFile !== undefined && fileValues[field] !== undefined) return { value: fileValues[field], file: configFile, field };
    return undefined;
  };
  // Paths in a config file are relative to it; on the command line, to the working directory.
  const path = (s: Sourced) => resolve(s.file === COMMAND_LINE ? "." : dirname(s.file), text(s));
  const withDefault = (field: Field, value: unknown): Sourced => pick(field) ?? { value, file: "default", field };

  const pool = poolAmount(withDefault("pool", "1000000"), protocol);
  const ex = withDefault("exampleBatchSize", protocol.exampleBatch.demoSize);
  const reg = withDefault("registrationBatchSize", protocol.registrationBatch.demoSize);
  const pay = withDefault("payoutBatchSize", protocol.payoutBatch.demoSize);
  const keys = withDefault("keys", "dev");
  const method = withDefault("method", protocol.attribution.method);
  const examples = pick("examples");
  const workers = pick("workers");
  const rpc = pick("rpc");
  const out = pick("out");
  const envRpc = process.env.OPEN_RPC_URL;
  const sizes = {
    example: oneOf(ex, integer(ex, 1), protocol.exampleBatch.sizes),
    registration: oneOf(reg, integer(reg, 1), protocol.registrationBatch.sizes),
    payout: oneOf(pay, integer(pay, 1), protocol.payoutBatch.sizes),
  };
  return {
    ...(examples === undefined ? {} : { examplesFile: path(examples) }),
    pool,
    epoch: BigInt(integer(withDefault("epoch", 1), 0)),
    exampleBatchSize: sizes.example,
    registrationBatchSize: sizes.registration,
    payoutBatchSize: sizes.payout,
    ...(workers === undefined ? {} : { workers: integer(workers, 0) }),
    // OPEN_RPC_URL may carry credentials (it is the environment); a flag or a file may not.
    ...(rpc !== undefined ? { rpcUrl: rpcUrl(rpc) } : envRpc ? { rpcUrl: envRpc } : {}),
    keySet: oneOf(keys, keys.value, KEY_SETS),
    ...(out === undefined ? {} : { outDir: path(out) }),
    method: oneOf(method, method.value, ATTRIBUTION_METHODS),
    registration: registryCaps(protocol, sizes, pick("maxExamplesPerEpoch")),
  };
}

/**
 * config/protocol.json's registration rules, with maxExamplesPerEpoch raised when the run asks. The
 * config value is the floor every party accepts (deployment-attach.ts): a smaller cap would shut
 * contributors out. A larger one must fit the 2^16 - 1 example batches a settlement of these sizes
 * takes, checked here naming the flag or the field, before anything is deployed. maxRegistrants is
 * not a run choice: commitEpoch's exclusion bitmap bounds it (config/protocol.json's comment).
 */
function registryCaps(
  protocol: ProtocolConfig,
  sizes: { example: number; registration: number; payout: number },
  examples: Sourced | undefined,
): RegistrationConfig {
  if (examples === undefined) return protocol.registration;
  const floor = protocol.registration.maxExamplesPerEpoch;
  const rules = { ...protocol.registration, maxExamplesPerEpoch: integer(examples, floor) };
  try {
    checkRegistration(rules, sizes.example, sizes.registration, sizes.payout);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new ConfigError(examples.file, examples.field, error.message);
  }
  return rules;
}
