import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CONFIG_PATH, ConfigError, parseConfig } from "../config/index.ts";

describe("config/protocol.json", () => {
  const raw = () => JSON.parse(readFileSync(CONFIG_PATH, "utf8")) as { payoutBatch: { sizes: number[]; maxPayeesPerRelease: number } };

  it("the committed file parses", () => {
    assert.equal(parseConfig(raw(), "protocol.json").payoutBatch.maxPayeesPerRelease, raw().payoutBatch.maxPayeesPerRelease);
  });

  it("refuses a payout batch larger than one release may pay, naming the field", () => {
    const c = raw();
    c.payoutBatch.sizes.push(c.payoutBatch.maxPayeesPerRelease + 1);
    assert.throws(
      () => parseConfig(c, "protocol.json"),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.field === `payoutBatch.sizes[${c.payoutBatch.sizes.length - 1}]` &&
        /at most payoutBatch\.maxPayeesPerRelease/.test(e.message),
    );
    const missing = raw() as { payoutBatch: Record<string, unknown> };
    delete missing.payoutBatch.maxPayeesPerRelease;
    assert.throws(
      () => parseConfig(missing, "protocol.json"),
      (e: unknown) => e instanceof ConfigError && e.field === "payoutBatch.maxPayeesPerRelease",
    );
  });
});
