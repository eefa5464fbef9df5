/**
 * The import cycles among a tree's .ts files, found with the TypeScript parser (no type check, so
 * the whole project takes well under a second). Every static `import` and `export ... from` of a
 * relative path counts, type-only ones too: a cycle of types is still two modules that cannot be
 * understood, or moved, one without the other. Dynamic `import()` does not count: it is how a
 * command defers loading a module, and runs after both modules have loaded.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** Folders never searched: installed packages, build output, git's own. */
const SKIPPED = new Set(["node_modules", "build", ".git"]);

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name)) tsFiles(path, out);
    } else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** `file`'s static imports and re-exports of other .ts files, as absolute paths. */
function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const targets: string[] = [];
  for (const statement of source.statements) {
    const specifier = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith(".") && specifier.text.endsWith(".ts")) {
      targets.push(resolve(dirname(file), specifier.text));
    }
  }
  return targets;
}

/**
 * Every import cycle under `root`: each strongly connected component of more than one file (or a
 * file importing itself), as paths relative to `root`, sorted. Tarjan's algorithm, iterative so a
 * deep import chain cannot overflow the stack.
 */
export function importCycles(root: string): string[][] {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(root)) graph.set(file, importsOf(file));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = (graph.get(frame.node) ?? []).filter((t) => graph.has(t));
      if (frame.edge < edges.length) {
        const target = edges[frame.edge++]!;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.node);
      if (component.length > 1 || graph.get(frame.node)!.includes(frame.node)) cycles.push(component.map((f) => relative(root, f)).sort());
    }
  }
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
