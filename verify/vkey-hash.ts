/**
 * The hash that pins a verification key: sha256 (hex) of the verification_key.json file's text,
 * byte for byte, as circuits/setup.ts computes CircuitKeys.vkeyHash and proof files record it.
 * It is a hash of the file, not of the key: reformatting the JSON changes it.
 */
import { createHash } from "node:crypto";

/** sha256 (lowercase hex) of a verification key file's text. */
export function vkeyHash(vkeyText: string): string {
  if (typeof vkeyText !== "string") throw new TypeError(`vkeyText must be the key file's text (a string), got ${typeof vkeyText}`);
  return createHash("sha256").update(vkeyText).digest("hex");
}
