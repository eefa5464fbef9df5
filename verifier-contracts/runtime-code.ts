/**
 * A compiled contract's runtime code as a template that a deployment fills in, and the byte
 * comparison of a deployed contract's code (eth_getCode) with it.
 *
 * What a deployment writes into solc's deployedBytecode: each immutable's value, at every place the
 * code reads it (artifact `immutableReferences`), and for a library its own address after the
 * leading PUSH20 (its guard against being called other than by DELEGATECALL). Nothing else: the
 * rest, the CBOR metadata trailer included, is the artifact's, byte for byte.
 *
 * Immutables are filled in with the values the caller expects rather than masked: masking would
 * accept code that holds one value where a getter reads it and another where the contract uses it
 * (an attacker's constructor can return any runtime code; solc's guarantee that every place holds
 * the same value binds only code solc's constructor wrote), and would leave private immutables
 * (EIP712's cached domain separator) bound by nothing. The caller gives a value for every
 * immutable by name (`Contract.variable`, read from the build-info ASTs), or the comparison throws.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadContractArtifact, type ContractName } from "./artifacts.ts";

const BUILD_INFO_DIR = join(fileURLToPath(new URL("..", import.meta.url)), "build", "artifacts", "build-info");

export interface ByteRange {
  readonly start: number;
  readonly length: number;
}

export interface RuntimeTemplate {
  readonly contractName: string;
  /** solc's deployedBytecode, lowercase hex without 0x: zeros where the deployment writes. */
  readonly code: string;
  /** Each immutable, named `Contract.variable` (`EIP712._cachedThis`), and every range it occupies. */
  readonly immutables: ReadonlyMap<string, readonly ByteRange[]>;
  /** A library: bytes 1..20 (after PUSH20) are its own address, written by its constructor. */
  readonly library: boolean;
}

/** PUSH20 <20 zero bytes> ADDRESS EQ: solc's opening of a library's runtime code. */
const LIBRARY_GUARD = /^73(00){20}3014/;

const templates = new Map<ContractName, Promise<RuntimeTemplate>>();
const astNames = new Map<string, Promise<Map<number, string>>>();

/** The runtime template of `name` (per process: the artifact and its build-info are read once). */
export function runtimeTemplate(name: ContractName): Promise<RuntimeTemplate> {
  let template = templates.get(name);
  if (!template) {
    template = loadTemplate(name);
    templates.set(name, template);
    template.catch(() => templates.delete(name)); // a later call retries rather than caching the failure
  }
  return template;
}

async function loadTemplate(name: ContractName): Promise<RuntimeTemplate> {
  const artifact = await loadContractArtifact(name);
  const code = artifact.deployedBytecode.replace(/^0x/, "").toLowerCase();
  const ids = Object.keys(artifact.immutableReferences);
  const names = ids.length === 0 ? new Map<number, string>() : await immutableNames(artifact.buildInfoId);
  const immutables = new Map<string, readonly ByteRange[]>();
  for (const id of ids) {
    const variable = names.get(Number(id));
    if (variable === undefined)
      throw new Error(
        `${name}: immutable #${id} is not declared in build-info ${artifact.buildInfoId} (a stale build? delete build/ and rebuild)`,
      );
    immutables.set(variable, artifact.immutableReferences[id]!);
  }
  return { contractName: artifact.contractName, code, immutables, library: LIBRARY_GUARD.test(code) };
}

/** AST id -> `Contract.variable` of every immutable declared in the sources of a build-info. */
function immutableNames(buildInfoId: string): Promise<Map<number, string>> {
  let names = astNames.get(buildInfoId);
  if (!names) {
    names = readFile(join(BUILD_INFO_DIR, `${buildInfoId}.output.json`), "utf8").then((text) => {
      const sources = (JSON.parse(text) as { output: { sources: Record<string, { ast: unknown }> } }).output.sources;
      const contracts = new Map<number, string>();
      const variables: Array<{ id: number; name: string; scope: number }> = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) {
          node.forEach(walk);
          return;
        }
        if (typeof node !== "object" || node === null) return;
        const n = node as { nodeType?: string; id?: number; name?: string; scope?: number; mutability?: string };
        if (n.nodeType === "ContractDefinition") contracts.set(n.id!, n.name!);
        if (n.nodeType === "VariableDeclaration" && n.mutability === "immutable")
          variables.push({ id: n.id!, name: n.name!, scope: n.scope! });
        for (const child of Object.values(node)) if (typeof child === "object") walk(child);
      };
      for (const source of Object.values(sources)) walk(source.ast);
      return new Map(variables.map((v) => [v.id, `${contracts.get(v.scope) ?? "?"}.${v.name}`]));
    });
    astNames.set(buildInfoId, names);
  }
  return names;
}

/**
 * The runtime code a deployment of `template` at `address` leaves when its immutables hold
 * `values` (32-byte words, 0x hex, by `Contract.variable`). Throws if `values` does not name
 * exactly the template's immutables: a contract that gained one must not be compared loosely.
 */
export function expectedRuntime(template: RuntimeTemplate, address: string, values: Readonly<Record<string, string>>): string {
  const missing = [...template.immutables.keys()].filter((name) => !(name in values));
  const unknown = Object.keys(values).filter((name) => !template.immutables.has(name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(
      `the expected immutables of ${template.contractName} are out of step with its artifact: missing ${missing.join(", ") || "none"}; unknown ${unknown.join(", ") || "none"}`,
    );
  }
  const code = template.code.split("");
  const write = (start: number, hex: string) => code.splice(2 * start, hex.length, ...hex);
  for (const [name, ranges] of template.immutables) {
    const value = values[name]!;
    if (!/^0x[0-9a-fA-F]{64}$/.test(value))
      throw new TypeError(`values[${JSON.stringify(name)}] must be a 32-byte word (0x and 64 hex digits), got ${value}`);
    for (const range of ranges) write(range.start, value.slice(2 + 2 * (32 - range.length)).toLowerCase());
  }
  if (template.library) write(1, address.replace(/^0x/, "").toLowerCase());
  return `0x${code.join("")}`;
}

/** Length in bytes of the CBOR metadata trailer of runtime code (its last two bytes give it). */
function trailerBytes(code: string): number {
  return code.length < 6 ? 0 : Number.parseInt(code.slice(-4), 16) + 2;
}

/**
 * undefined if `deployed` (eth_getCode, 0x hex) is `expected` (expectedRuntime), else where they
 * first differ, in words for an error message: the immutable, the trailer, or a byte offset.
 */
export function describeDifference(template: RuntimeTemplate, deployed: string, expected: string): string | undefined {
  const got = deployed.toLowerCase();
  if (got === expected) return undefined;
  let at = 2;
  while (at < Math.min(got.length, expected.length) && got[at] === expected[at]) at++;
  const offset = (at - 2) >> 1;
  const sizes = `${(got.length - 2) / 2} bytes deployed, ${(expected.length - 2) / 2} compiled`;
  for (const [name, ranges] of template.immutables) {
    const range = ranges.find((r) => offset >= r.start && offset < r.start + r.length);
    if (range && got.length === expected.length) {
      const word = (hex: string) => `0x${hex.slice(2 + 2 * range.start, 2 + 2 * (range.start + range.length))}`;
      return `immutable ${name} at byte ${range.start} is ${word(got)}, expected ${word(expected)}`;
    }
  }
  const codeEnd = (expected.length - 2) / 2 - trailerBytes(expected);
  if (offset >= codeEnd && got.length === expected.length)
    return `only the metadata trailer differs (from byte ${offset}): same code, another source text or compiler build`;
  return `${sizes}; first difference at byte ${offset}`;
}
