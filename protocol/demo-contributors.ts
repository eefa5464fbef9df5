/**
 * The demo's contributors: 40 deterministic development keys. Contributors register in the
 * ContributorRegistry from their own address, so the demo needs their keys; these are derived
 * from public labels and are worthless outside a development chain.
 *   key(label) = keccak256(utf8("attribution-prover/demo-contributor/" + label))
 */
import { computeAddress, keccak256, toUtf8Bytes } from "ethers";

export interface DemoContributor {
  readonly label: string;
  readonly key: string;
  /** EIP-55 address of `key`. */
  readonly address: string;
}

/** The behaviour a demo contributor's data is generated with (scripts/make-demo-examples.ts). */
export type DemoKind = "clean" | "noisy" | "harmful" | "copier";

export const DEMO_KINDS: readonly (readonly [DemoKind, number])[] = [
  ["clean", 16],
  ["noisy", 12],
  ["harmful", 6],
  ["copier", 6],
];

/** The 40 demo contributors, labelled <kind>-NN. */
export function demoContributors(): DemoContributor[] {
  return DEMO_KINDS.flatMap(([kind, n]) =>
    Array.from({ length: n }, (_, i) => {
      const label = `${kind}-${String(i + 1).padStart(2, "0")}`;
      const key = keccak256(toUtf8Bytes(`attribution-prover/demo-contributor/${label}`));
      return { label, key, address: computeAddress(key) };
    }),
  );
}
