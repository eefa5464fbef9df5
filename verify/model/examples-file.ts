/**
 * The skeptic's reader of an examples file (attribution/'s examples.csv, the demo's --examples
 * file): one (example, contributor, score) claim per line, to compare with the record's claims.
 * The format as the pipeline writes it: UTF-8, optional BOM, LF or CRLF; blank lines and lines
 * starting with # skipped; a header naming the columns example, contributor, score (any order,
 * any case), then rows with exactly those fields, trimmed, optionally double-quoted ("" inside
 * quotes is a quote); example = 0x + 32 hex digits, not zero; contributor = a non-zero address
 * (all one case, or a valid EIP-55 checksum); score = a decimal (decimal.ts) whose fixed-point
 * value fits in scoreBits signed bits. The same (example, contributor) twice is refused.
 * The first problem throws an Error "<file>:<line>: <what>".
 */
import { getAddress } from "ethers";
import type { ProtocolConfig } from "../../config/index.ts";
import { decimalToFixed } from "./decimal.ts";

/** One claim of an examples file: (example, contributor address, signed fixed-point score), where the file has it and the address as written. */
export interface FileClaim {
  readonly hash: bigint;
  readonly contributor: bigint;
  readonly score: bigint;
  /** 1-based line of the file. */
  readonly row: number;
  /** EIP-55 form of the contributor, for messages. */
  readonly checksumAddress: string;
}

const COLUMNS = ["example", "contributor", "score"] as const;

/** The fields of one CSV line, or undefined when a quote is not closed properly. */
function csvFields(line: string): string[] | undefined {
  const out: string[] = [];
  let rest = line;
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('"')) {
      const m = /^"((?:[^"]|"")*)"\s*(,|$)/.exec(rest);
      if (m === null) return undefined;
      out.push(m[1]!.replaceAll('""', '"'));
      rest = rest.slice(m[0].length);
      if (m[2] === "") return out;
    } else {
      const comma = rest.indexOf(",");
      out.push((comma < 0 ? rest : rest.slice(0, comma)).trim());
      if (comma < 0) return out;
      rest = rest.slice(comma + 1);
    }
  }
}

function contributorOf(text: string, where: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw new Error(`${where}: contributor ${JSON.stringify(text)} is not 0x + 40 hex digits`);
  let checksummed: string;
  try {
    checksummed = getAddress(text); // refuses mixed case with a wrong checksum
  } catch {
    throw new Error(`${where}: contributor ${text} has a bad EIP-55 checksum`);
  }
  if (BigInt(checksummed) === 0n) throw new Error(`${where}: the zero address cannot be a contributor`);
  return checksummed;
}

/** Parses the text of examples file `file`. */
export function parseExamplesText(text: string, file: string, config: Pick<ProtocolConfig, "fixedPoint" | "widths">): FileClaim[] {
  const bound = 1n << BigInt(config.widths.scoreBits - 1);
  let order: number[] | undefined; // order[k]: the field index of COLUMNS[k]
  const claims: FileClaim[] = [];
  const seen = new Set<string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (line.trim() === "" || line.trim().startsWith("#")) return;
    const fields = csvFields(line);
    if (fields === undefined) throw new Error(`${where}: a quoted field is not closed before the next comma or the line's end`);
    if (order === undefined) {
      const names = fields.map((f) => f.toLowerCase());
      if (names.length !== COLUMNS.length || COLUMNS.some((c) => !names.includes(c)))
        throw new Error(`${where}: the header must name the columns example, contributor, score; got ${line}`);
      order = COLUMNS.map((c) => names.indexOf(c));
      return;
    }
    if (fields.length !== COLUMNS.length) throw new Error(`${where}: ${fields.length} fields, expected ${COLUMNS.length}`);
    const [hashText, addressText, scoreText] = order.map((k) => fields[k]!);
    if (!/^0x[0-9a-fA-F]{32}$/.test(hashText!) || BigInt(hashText!) === 0n)
      throw new Error(`${where}: example ${JSON.stringify(hashText)} is not a non-zero 0x + 32 hex digit hash`);
    const checksumAddress = contributorOf(addressText!, where);
    let score: bigint;
    try {
      score = decimalToFixed(scoreText!, config.fixedPoint.decimals);
    } catch (error) {
      throw new Error(`${where}: score: ${(error as Error).message}`);
    }
    if (score >= bound || score < -bound)
      throw new Error(`${where}: score ${scoreText} does not fit in ${config.widths.scoreBits} signed bits`);
    const hash = BigInt(hashText!);
    const key = `${hash}:${checksumAddress}`;
    if (seen.has(key)) throw new Error(`${where}: ${hashText} is claimed by ${checksumAddress} a second time`);
    seen.add(key);
    claims.push({ hash, contributor: BigInt(checksumAddress), checksumAddress, score, row: i + 1 });
  });
  if (claims.length === 0) throw new Error(`${file}: no claims`);
  return claims;
}
