/**
 * The parties of a live epoch and the key each signs with. A key comes from the environment only
 * (never a flag or a file): each party's process holds its own and no other.
 *
 *   operator     OPEN_OPERATOR_KEY (or OPEN_DEPLOYER_KEY)   deploys, opens epochs, escrows pools
 *   trainer      OPEN_TRAINER_KEY                           collects, commits, proves, reveals
 *   contributor  OPEN_CONTRIBUTOR_KEY                       registers its data, checks its payout
 *
 * Finalize and release are anyone's: the settler may be any key (the trainer's by default).
 */
import { Wallet } from "ethers";
import { CodedError } from "../errors/index.ts";

export type Party = "operator" | "trainer" | "contributor";

/** The environment variables a party's key may come from, in order. */
export const KEY_VARIABLES: Readonly<Record<Party, readonly string[]>> = {
  operator: ["OPEN_OPERATOR_KEY", "OPEN_DEPLOYER_KEY"],
  trainer: ["OPEN_TRAINER_KEY"],
  contributor: ["OPEN_CONTRIBUTOR_KEY"],
};

/**
 * `party`'s private key from the environment; undefined when none is set and `optional`.
 * A malformed key is refused without echoing it.
 */
export function partyKey(party: Party, env: NodeJS.ProcessEnv = process.env, optional = false): string | undefined {
  const variables = KEY_VARIABLES[party];
  const name = variables.find((v) => env[v] !== undefined && env[v] !== "");
  if (name === undefined) {
    if (optional) return undefined;
    throw new CodedError(
      "KEY_MISSING",
      "input",
      `the ${party}'s key is not set: export ${variables[0]} (a 0x-prefixed 32-byte private key); nothing was sent`,
    );
  }
  const key = env[name]!.trim();
  try {
    new Wallet(key);
  } catch {
    throw new CodedError(
      "KEY_MALFORMED",
      "input",
      `${name} is not a private key (expected 0x and 64 hex digits; the value is not shown); nothing was sent`,
    );
  }
  return key;
}
