/**
 * The attack-suite results the demo may leave in the epoch directory (attacks.json), in the form
 * `npm run eval:attacks` writes (scripts/eval-attacks.ts): either an array of rows or an object
 * whose `rows` is that array. A row names the attack, its target and whether it passed; its figure
 * is `payoutRatio` (attacker payout / honest baseline) when the suite gives one, else `figure`.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { ReportInputError } from "./errors.ts";
import { objectFields } from "./json-fields.ts";

export interface AttackRow {
  readonly id?: string;
  readonly attack: string;
  readonly target: string;
  /** Payout ratio or the row's own figure (its unit is in `display`/`target`); undefined if none. */
  readonly figure?: number;
  readonly display: string;
  readonly pass: boolean;
  readonly note: string;
}

/** The rows of `file`, or undefined when the file does not exist (the suite was not run). */
export function readAttacks(file: string): readonly AttackRow[] | undefined {
  if (!existsSync(file)) return undefined;
  const name = basename(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ReportInputError(name, "(file)", `not JSON: ${(error as Error).message}`);
  }
  const rows = Array.isArray(json) ? json : objectFields(json, name).optionalList("rows");
  if (rows === undefined) throw new ReportInputError(name, "rows", "expected an array of attack rows (or the file to be one)");
  return rows.map((raw, i) => {
    const f = objectFields(raw, name, i);
    const figure = f.optionalNumber("payoutRatio") ?? f.optionalNumber("figure");
    const id = f.optionalString("id");
    return {
      ...(id === undefined ? {} : { id }),
      attack: f.optionalString("attack") ?? id ?? f.fail("attack", "missing (and no id)"),
      target: f.optionalString("target") ?? "",
      ...(figure === undefined ? {} : { figure }),
      display: f.optionalString("display") ?? (figure === undefined ? "" : String(figure)),
      pass: f.boolean("pass"),
      note: f.optionalString("note") ?? "",
    };
  });
}
