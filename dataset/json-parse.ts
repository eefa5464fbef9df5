/**
 * A strict JSON parser (RFC 8259) for contributors' JSONL records. JSON.parse is not enough for
 * the canonical-bytes rule: it keeps the last of two equal keys without a word (so two different
 * lines could hash the same, or one line differently from another reader's view of it), turns
 * 1e400 into Infinity, and accepts "\ud800", a string with no UTF-8 form. Here each of those is a
 * DatasetError naming the field (a JSON path) and the column. Numbers are IEEE doubles, as
 * RFC 8785 takes them. Objects are built with Object.fromEntries, so a key "__proto__" is an
 * ordinary own property.
 */
import { DatasetError } from "./errors.ts";

/** A JSON value as parsed: objects are plain objects with their keys as own properties. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Deeper nesting is refused (JSON_DEPTH) rather than left to the call stack. */
export const MAX_JSON_DEPTH = 512;

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const WS = /[ \t\n\r]*/y;

/** The index of the first lone surrogate of `s`, or -1. */
export function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/** Appends a key to a JSON path: `a.b`, or `a["x y"]` for a key that is not an identifier. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * Parses `text` as exactly one JSON value (surrounding whitespace allowed). DatasetError
 * JSON_SYNTAX (with the column: 1-based, in UTF-16 code units), JSON_DUPLICATE_KEY, JSON_NUMBER, JSON_STRING or
 * JSON_DEPTH, its `field` the JSON path of the offending value.
 */
export function parseJsonStrict(text: string): JsonValue {
  let at = 0;
  const fail = (
    code: "JSON_SYNTAX" | "JSON_DUPLICATE_KEY" | "JSON_NUMBER" | "JSON_STRING" | "JSON_DEPTH",
    detail: string,
    path: string,
  ): never => {
    throw new DatasetError(code, `column ${at + 1}: ${detail}`, path === "" ? {} : { field: path });
  };
  const ws = () => {
    WS.lastIndex = at;
    WS.exec(text);
    at = WS.lastIndex;
  };
  const found = () => (at < text.length ? JSON.stringify(text.slice(at, at + 12)) : "the end of the text");
  const string = (path: string): string => {
    if (text[at] !== '"') return fail("JSON_SYNTAX", `expected a string, found ${found()}`, path);
    // Scanned by hand (a regular expression overflows the stack on a string of megabytes).
    const start = at;
    let end = at + 1;
    for (;;) {
      const c = text.charCodeAt(end);
      if (end >= text.length) {
        at = end;
        return fail("JSON_SYNTAX", "a string without its closing quote", path);
      }
      if (c === 0x22) break;
      if (c < 0x20) {
        at = end;
        return fail(
          "JSON_SYNTAX",
          `a control character U+${c.toString(16).padStart(4, "0").toUpperCase()} in a string (it must be escaped)`,
          path,
        );
      }
      if (c === 0x5c) {
        const e = text[end + 1];
        if (e === "u" && HEX4.test(text.slice(end + 2, end + 6))) end += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) end += 2;
        else {
          at = end;
          return fail("JSON_SYNTAX", `a bad escape ${JSON.stringify(text.slice(end, end + 6))} in a string`, path);
        }
      } else end++;
    }
    // The token is valid JSON string syntax: JSON.parse only decodes its escapes.
    const s = JSON.parse(text.slice(start, end + 1)) as string;
    const lone = loneSurrogateAt(s);
    if (lone >= 0)
      fail("JSON_STRING", `a lone surrogate U+${s.charCodeAt(lone).toString(16).toUpperCase()} (no UTF-8 form; RFC 8785 refuses it)`, path);
    at = end + 1;
    return s;
  };
  const value = (path: string, depth: number): JsonValue => {
    if (depth > MAX_JSON_DEPTH) fail("JSON_DEPTH", `nested deeper than ${MAX_JSON_DEPTH} arrays and objects`, "");
    ws();
    const c = text[at];
    if (c === "{") {
      at++;
      const entries: [string, JsonValue][] = [];
      const keys = new Set<string>();
      ws();
      if (text[at] === "}") {
        at++;
        return {};
      }
      for (;;) {
        ws();
        const keyAt = at;
        const key = string(path);
        const child = childPath(path, key);
        if (keys.has(key)) {
          at = keyAt;
          fail("JSON_DUPLICATE_KEY", `the key ${JSON.stringify(key)} appears twice in one object`, child);
        }
        keys.add(key);
        ws();
        if (text[at] !== ":") fail("JSON_SYNTAX", `expected ":" after a key, found ${found()}`, child);
        at++;
        entries.push([key, value(child, depth + 1)]);
        ws();
        if (text[at] === ",") at++;
        else if (text[at] === "}") {
          at++;
          return Object.fromEntries(entries) as { [key: string]: JsonValue };
        } else fail("JSON_SYNTAX", `expected "," or "}" in an object, found ${found()}`, path);
      }
    }
    if (c === "[") {
      at++;
      const items: JsonValue[] = [];
      ws();
      if (text[at] === "]") {
        at++;
        return items;
      }
      for (;;) {
        items.push(value(childPath(path, items.length), depth + 1));
        ws();
        if (text[at] === ",") at++;
        else if (text[at] === "]") {
          at++;
          return items;
        } else fail("JSON_SYNTAX", `expected "," or "]" in an array, found ${found()}`, path);
      }
    }
    if (c === '"') return string(path);
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (m === null) return fail("JSON_SYNTAX", `expected a JSON value, found ${found()}`, path);
    const n = Number(m[0]);
    if (!Number.isFinite(n)) fail("JSON_NUMBER", `${m[0].length > 40 ? `${m[0].slice(0, 40)}...` : m[0]} is not a finite double`, path);
    at = NUMBER.lastIndex;
    return n;
  };
  const result = value("", 0);
  ws();
  if (at !== text.length) fail("JSON_SYNTAX", `expected the end of the value, found ${found()}`, "");
  return result;
}
