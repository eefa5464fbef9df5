/**
 * Typed access to the JSON of the record files the report reads beyond verify/record.ts.
 */
import { ReportInputError } from "./errors.ts";

/**
 * Typed access to one JSON object of `file` (row `row`), so every failure names the file, row and
 * field. Optional getters return undefined for an absent field and throw for a present one of the
 * wrong type: a record that says something in the wrong form is malformed, not silent.
 */
export function objectFields(value: unknown, file: string, row?: number) {
  const fail = (field: string, problem: string): never => {
    throw new ReportInputError(file, field, problem, row);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("(row)", "expected an object");
  const o = value as Record<string, unknown>;
  const optional = <T>(field: string, kind: string, ok: (v: unknown) => v is T): T | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    return ok(v) ? v : fail(field, `expected ${kind}, got ${JSON.stringify(v)}`);
  };
  const isString = (v: unknown): v is string => typeof v === "string";
  const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";
  const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  const required = <T>(field: string, get: (f: string) => T | undefined): T => get(field) ?? fail(field, "missing");
  const self = {
    fail,
    optionalString: (field: string) => optional(field, "a string", isString),
    optionalNumber: (field: string) => optional(field, "a finite number", isNumber),
    optionalBoolean: (field: string) => optional(field, "a boolean", isBoolean),
    optionalList: (field: string) => optional(field, "an array", isArray),
    optionalObject: (field: string) => optional(field, "an object", isObject),
    string: (field: string) => required(field, self.optionalString),
    number: (field: string) => required(field, self.optionalNumber),
    boolean: (field: string) => required(field, self.optionalBoolean),
    /** A non-negative integer as a decimal string, a 0x hex string or a safe integer number. */
    bigint: (field: string): bigint => {
      const v = o[field];
      if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
      if (typeof v === "string" && /^(?:0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(v)) return BigInt(v);
      return fail(field, `expected a non-negative integer (decimal or 0x string), got ${JSON.stringify(v)}`);
    },
  };
  return self;
}
