/**
 * The names a barrel (a folder's index.ts) exports, read with the TypeScript parser (no type
 * check: the whole tree's barrels take milliseconds). Each `export { ... }` (re-exported or local)
 * and each exported declaration counts; a name with no value at run time is listed as
 * "type Name". With `verbatimModuleSyntax` a re-exported type must be written `type`, so the
 * syntax alone tells types from values. `export *` is refused: a barrel names what it exports.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** Sorts by name, case ignored first and "type " prefixes always, so a name keeps its place when it becomes a type. */
export function sortedNames(names: Iterable<string>): string[] {
  const key = (n: string): string => {
    const name = n.replace(/^type /, "");
    return `${name.toLowerCase()} ${name}`;
  };
  return [...names].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

const TYPE_DECLARATIONS = new Set([ts.SyntaxKind.InterfaceDeclaration, ts.SyntaxKind.TypeAliasDeclaration]);

/** `file`'s exported names, sorted; throws naming the file for `export *` or a default export. */
export function barrelExports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement)) {
      if (!statement.exportClause || !ts.isNamedExports(statement.exportClause)) {
        throw new Error(`${file}: \`export *\` hides what the barrel exports; name each export`);
      }
      for (const element of statement.exportClause.elements) {
        names.push(`${statement.isTypeOnly || element.isTypeOnly ? "type " : ""}${element.name.text}`);
      }
    } else if (ts.isExportAssignment(statement)) {
      throw new Error(`${file}: a default export has no name to list`);
    } else if (ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const prefix = TYPE_DECLARATIONS.has(statement.kind) ? "type " : "";
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) names.push(prefix + declaration.name.getText(source));
      } else {
        const name = (statement as ts.DeclarationStatement).name;
        if (!name || !ts.isIdentifier(name)) throw new Error(`${file}: an exported declaration without a name`);
        names.push(prefix + name.text);
      }
    }
  }
  return sortedNames(names);
}

/** The top-level folders of `root` that have a barrel (index.ts), sorted. */
export function barrelFolders(root: string, skipped: ReadonlySet<string>): string[] {
  return readdirSync(root)
    .filter((name) => !name.startsWith(".") && !skipped.has(name) && statSync(join(root, name)).isDirectory())
    .filter((name) => readdirSync(join(root, name)).includes("index.ts"))
    .sort();
}
