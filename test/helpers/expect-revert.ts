/**
 * The contract tests' revert check: the call must fail with the custom error `name` (and `args`,
 * when given), decoded with the first of `interfaces` that knows it.
 */
import assert from "node:assert/strict";
import type { Interface } from "ethers";
import { decodeRevert } from "../../verifier-contracts/revert-reason.ts";

export type ExpectRevert = (call: Promise<unknown>, name: string, args?: unknown[]) => Promise<void>;

export function expectRevertWith(interfaces: () => readonly Interface[]): ExpectRevert {
  return async (call, name, args) => {
    let error: unknown;
    try {
      await call;
    } catch (e) {
      error = e;
    }
    assert.ok(error !== undefined, `expected a revert with ${name}, but the call succeeded`);
    const decoded = interfaces()
      .map((i) => decodeRevert(error, i))
      .find((x) => x !== undefined);
    assert.equal(decoded?.name, name, `expected ${name}, got ${decoded?.name ?? (error as Error).message}`);
    if (args) assert.deepEqual([...decoded!.args], args);
  };
}
