/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): one text per JSON value, so that two records that
 * mean the same (keys in another order, other whitespace, 4.50 for 4.5, "\u0041" for "A") give
 * the same bytes and the same example hash.
 *   - objects: members sorted by their keys' UTF-16 code units (JavaScript's `<` on strings, as
 *     RFC 8785 section 3.2.3 requires), no whitespace anywhere;
 *   - numbers: ECMAScript's Number-to-String (RFC 8785 section 3.2.2.3; JSON.stringify of a
 *     finite number is exactly that, and -0 is "0"); NaN and the infinities are refused;
 *   - strings: JSON.stringify's escaping (\" \\ \b \f \n \r \t, other controls as \u00xx in
 *     lowercase hex, everything else as is), which is RFC 8785 section 3.2.2.2's; a lone
 *     surrogate is refused (I-JSON, RFC 7493: it has no UTF-8 form).
 * The caller encodes the text as UTF-8. What a JSON text meant before parsing (duplicate keys,
 * 1e400) is json-parse.ts's concern: here the input is already a value.
 */
import { DatasetError } from "./errors.ts";
import { childPath, loneSurrogateAt } from "./json-parse.ts";

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The RFC 8785 text of `value`, a JSON value (null, boolean, finite number, string, array, plain
 * object). DatasetError JSON_NUMBER for NaN or an infinity, JSON_STRING for a lone surrogate (in
 * a key or a string), naming the JSON path; TypeError for a value JSON has no form for
 * (undefined, bigint, a function, a Date ...), naming the path too.
 */
export function canonicalJson(value: unknown, path = ""): string {
  const where = path === "" ? {} : { field: path };
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new DatasetError("JSON_NUMBER", `${value} has no JSON form (RFC 8785 refuses it)`, where);
      return JSON.stringify(value);
    case "string": {
      const lone = loneSurrogateAt(value);
      if (lone >= 0)
        throw new DatasetError(
          "JSON_STRING",
          `a lone surrogate U+${value.charCodeAt(lone).toString(16).toUpperCase()} at index ${lone} (no UTF-8 form; RFC 8785 refuses it)`,
          where,
        );
      return JSON.stringify(value);
    }
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, childPath(path, i))).join(",")}]`;
      if (!isPlainObject(value))
        throw new TypeError(`canonicalJson: ${path || "value"} is a ${value.constructor?.name ?? "non-plain object"}, not a JSON value`);
      const keys = Object.keys(value).sort(byCodeUnits);
      return `{${keys.map((k) => `${canonicalJson(k, childPath(path, k))}:${canonicalJson(value[k], childPath(path, k))}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${path || "value"} is ${typeof value}, which has no JSON form`);
  }
}
