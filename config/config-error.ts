/**
 * The config's error, in its own module so config/attribution.ts (a section of the config) and
 * config/index.ts (the rest) both throw it without importing each other.
 */
import { CodedError } from "../errors/index.ts";

/** A config value that breaks an invariant the circuits and contracts rely on. */
export class ConfigError extends CodedError<"CONFIG_INVALID"> {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, message: string) {
    super("CONFIG_INVALID", "input", `${file}: ${field}: ${message}`);
    this.file = file;
    this.field = field;
  }
}
