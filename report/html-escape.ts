/**
 * Escaping for the report page. Contributor labels, attack names and every other string of the
 * record come from users, so the page is built only with the `html` tag: each interpolated value
 * is escaped unless it is itself the result of `html` (or `trustedScript`, for the code the report
 * ships). Data for the charts goes in a JSON script block that cannot close its own tag.
 */

/** Markup that is safe to insert as is. */
export interface SafeHtml {
  readonly safeHtml: string;
}

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text -> HTML text or attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const isSafe = (v: unknown): v is SafeHtml => typeof v === "object" && v !== null && typeof (v as SafeHtml).safeHtml === "string";

function render(value: unknown): string {
  if (Array.isArray(value)) return value.map(render).join("");
  if (isSafe(value)) return value.safeHtml;
  if (value === undefined || value === null || value === false) return "";
  return escapeHtml(String(value));
}

/** Template tag: literal parts as written, interpolations escaped (arrays joined, SafeHtml kept). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return { safeHtml: out };
}

/**
 * JavaScript the report itself ships (Chart.js, charts.js) as the body of a script element. "</"
 * becomes "<\/": the same string or regular expression to JavaScript, but it cannot end the element.
 */
export function trustedScript(code: string): SafeHtml {
  return { safeHtml: code.replace(/<\//g, "<\\/") };
}

/**
 * A value as JSON for <script type="application/json">: "<", ">", "&" and the JS line separators
 * as \u escapes, so no string inside can close the element or open a comment.
 */
export function jsonForScript(value: unknown): SafeHtml {
  const json = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return { safeHtml: json };
}
