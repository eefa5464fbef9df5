/**
 * Relative links of markdown pages and whether they resolve: the file must exist and, for a
 * `#fragment` into a markdown page, a heading must have that anchor (GitHub's rule: lower case,
 * punctuation dropped, spaces to hyphens, repeats numbered -1, -2...).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** `[text](target)` outside fenced code blocks; web and mail links are not relative and are left out. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
  return [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** The anchors GitHub gives the headings of `markdown`. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "");
  for (const [, text] of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = text!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    let anchor = base;
    for (let k = 1; anchors.has(anchor); k++) anchor = `${base}-${k}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** The links of the page `file` that do not resolve, each with the reason. */
export function brokenLinks(file: string): string[] {
  const markdown = readFileSync(file, "utf8");
  const broken: string[] = [];
  for (const link of relativeLinks(markdown)) {
    const [path, fragment] = link.split("#", 2) as [string, string | undefined];
    const target = path === "" ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(target)) {
      broken.push(`${link}: no file ${target}`);
    } else if (fragment !== undefined && target.endsWith(".md") && !headingAnchors(readFileSync(target, "utf8")).has(fragment)) {
      broken.push(`${link}: no heading with anchor #${fragment} in ${target}`);
    }
  }
  return broken;
}
