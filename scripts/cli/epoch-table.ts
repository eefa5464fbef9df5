/**
 * The human form of a settled epoch (demo, settle): each contributor's examples, score, reward and
 * on-chain balance side by side, then the epoch's totals, proofs, keys and gas.
 */
import { formatUnits } from "ethers";
import { config } from "../../config/index.ts";
import type { SettledEpoch } from "../../protocol/settle.ts";
import { formatFixedPoint } from "../../config/fixed-point.ts";
import { shown } from "./common.ts";

export function printSettledEpoch(result: SettledEpoch & { readonly proveMs?: number }): void {
  const open = (v: bigint) => formatUnits(v, config.token.decimals);
  // An address that registered twice is paid by two rows: its balance is their sum.
  const owed = new Map<string, bigint>();
  for (const c of result.contributors) owed.set(c.address, (owed.get(c.address) ?? 0n) + c.reward);
  const rows = result.contributors.map((c) => [
    String(c.j),
    c.label ?? "",
    c.address,
    c.excluded ? "excluded" : `${c.credited}/${c.claimed}`,
    formatFixedPoint(c.rawScore, config.fixedPoint.decimals),
    formatFixedPoint(c.amount, config.fixedPoint.decimals),
    open(c.reward),
    open(c.paid),
    c.paid === owed.get(c.address) ? "ok" : "MISMATCH",
  ]);
  const header = ["j", "contributor", "address", "credited/claimed", "score", "clipped T_j", "reward (OPEN)", "paid on chain", "check"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || (i >= 3 && i <= 7) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
  const gas = result.transactions.reduce((s, t) => s + t.gasUsed, 0n);
  const n = BigInt(result.contributors.length);
  const { example, registration, payout } = result.circuits;
  const proved = result.proveMs === undefined ? "" : `: proved in ${(result.proveMs / 1000).toFixed(1)} s`;
  console.log(
    `\nepoch ${result.epoch} on ${result.chain} (chain ${result.chainId}), settlement ${result.addresses.settlement}
${result.examples} claims (${result.duplicates} examples claimed more than once, each credited to its earliest registrant); ${result.exclusion.length} registrations excluded (data never delivered)${result.exclusion.length ? `: ${result.exclusion.join(", ")}` : ""}
pool ${open(result.pool)} OPEN, paid ${open(result.pool - result.dust)}, dust left in the contract ${open(result.dust)} (${result.dust} base units)
circuits ${example.name} (${example.constraints} constraints) x ${result.exampleBatches}, ${registration.name} (${registration.constraints}) x ${result.registrationBatches}, ${payout.name} (${payout.constraints}) x ${result.payoutBatches}${proved}
keys: ${payout.keySet} (pinned ${[example, registration, payout].map((k) => `${k.name} ${k.vkeyHash.slice(0, 16)}...`).join(", ")})
gas: ${gas} for ${result.transactions.length} transactions (claim, registration and payout batches, validation reveal, finalize, releases), ${n > 0n ? gas / n : 0n} per registration
epoch record: ${shown(result.dir)}`,
  );
}
