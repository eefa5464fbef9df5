/** The command line's own errors (the stages' errors come from their modules). */

/**
 * A command used wrongly: a bad flag value, a missing argument. The code is USAGE, or a more
 * precise one where a caller may act on it (QUEUE_URL_INVALID, POOL_INVALID, ...).
 */
export class UsageError extends Error {
  readonly code: string;
  constructor(message: string, code = "USAGE") {
    super(message);
    this.name = "UsageError";
    this.code = code;
  }
}

/**
 * A private key or RPC credentials given as a flag or in a config file: both end up in shell
 * history, process lists or version control. Secrets come from the environment only.
 */
export class SecretSourceError extends Error {
  readonly code = "SECRET_NOT_FROM_ENV";
  constructor(where: string) {
    super(`${where}: private keys and RPC credentials come from the environment only (OPEN_OPERATOR_KEY, OPEN_TRAINER_KEY, OPEN_CONTRIBUTOR_KEY, OPEN_RPC_URL), never from a flag or a config file`);
    this.name = "SecretSourceError";
  }
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
 * Throws SecretSourceError naming `where` (file and field, or the flag) when `value` looks like a
 * private key or a mnemonic: it is refused, and never printed, whatever field it was given as.
 */
export function refuseSecretValue(where: string, value: unknown): void {
  if (looksLikeSecret(value)) throw new SecretSourceError(where);
}
