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
    super(`${where}: private keys and RPC credentials come from the environment only (OPEN_DEPLOYER_KEY, OPEN_RPC_URL), never from a flag or a config file`);
    this.name = "SecretSourceError";
  }
}
