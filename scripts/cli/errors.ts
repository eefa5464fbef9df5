/**
 * The command line's refusal of secrets outside the environment. Its other errors are CodedErrors
 * of the usage category thrown where the flag is read (USAGE, or a more precise code where a
 * caller may act on it: QUEUE_URL_INVALID, SETTLEMENT_PIN_MISSING, ...); the stages' errors come
 * from their modules.
 */
import { CodedError } from "../../errors/index.ts";

/**
 * A private key or RPC credentials given as a flag or in a config file (`where`: the file and
 * field, or the flag): both end up in shell history, process lists or version control. Secrets
 * come from the environment only.
 */
export function secretNotFromEnv(where: string): CodedError {
  return new CodedError(
    "SECRET_NOT_FROM_ENV",
    "input",
    `${where}: private keys and RPC credentials come from the environment only (OPEN_OPERATOR_KEY, OPEN_TRAINER_KEY, OPEN_CONTRIBUTOR_KEY, OPEN_RPC_URL), never from a flag or a config file`,
  );
}

/** A private key (32 bytes in hex, with or without 0x) or a BIP-39 mnemonic (12 to 24 lower-case words). */
const SECRET_VALUE = [/^(0x)?[0-9a-fA-F]{64}$/, /^[a-z]+( [a-z]+){11,23}$/];

/**
 * Whether `value`, or a string inside it (an array, an object), looks like a private key or a
 * mnemonic. A 64-digit decimal string is not taken for a key (it has no hex letter and no 0x).
 */
export function looksLikeSecret(value: unknown): boolean {
  if (typeof value === "string") {
    const v = value.trim();
    if (/^[0-9]{64}$/.test(v)) return false;
    return SECRET_VALUE.some((re) => re.test(v));
  }
  if (Array.isArray(value)) return value.some(looksLikeSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(looksLikeSecret);
  return false;
}

/**
 * Throws SECRET_NOT_FROM_ENV naming `where` (file and field, or the flag) when `value` looks like a
 * private key or a mnemonic: it is refused, and never printed, whatever field it was given as.
 */
export function refuseSecretValue(where: string, value: unknown): void {
  if (looksLikeSecret(value)) throw secretNotFromEnv(where);
}
