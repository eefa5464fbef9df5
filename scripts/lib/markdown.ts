/** Markdown helpers for generated pages: deterministic (no locale), so a page renders the same everywhere. */

/** A markdown table; cells are printed as given. */
export function markdownTable(head: readonly string[], body: readonly (readonly (string | number)[])[]): string {
  const row = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [row(head), row(head.map(() => "---")), ...body.map(row)].join("\n");
}

/** An integer with thousands separators, rounded: 1234567.8 -> "1,234,568". */
export function grouped(x: number): string {
  return Math.round(x)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A ratio to a bare transfer or a speed-up: "1.86x". */
export function times(x: number): string {
  return `${x.toFixed(2)}x`;
}

/** Gas in thousands or millions, for prose: 286957 -> "287k", 3484377 -> "3.48M". */
export function roughGas(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${Math.round(x / 1000)}k`;
}
