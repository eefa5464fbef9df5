/** A plain-text table for benchmark output: the first `leftColumns` columns left-aligned, numbers right-aligned. */
export function formatTable(head: readonly string[], body: readonly (readonly (string | number)[])[], leftColumns = 1): string {
  const cells = body.map((r) => r.map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [head.map((h, i) => h.padEnd(widths[i]!)).join("  "), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}
