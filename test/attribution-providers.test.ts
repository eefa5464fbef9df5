import { test, describe, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { AttributionError } from "../attribution/index.ts";
import { exportModel } from "../attribution/model.ts";
import { clearProviderCache, createSession } from "../attribution/providers.ts";
import { initialParams } from "../attribution/train.ts";

const model = exportModel({ inputs: 4, hidden: 3, classes: 2 }, initialParams({ inputs: 4, hidden: 3, classes: 2 }, 1)).bytes;

/** Whether this machine has a loadable CUDA provider (then the fallback cannot be observed). */
async function cudaLoads(): Promise<boolean> {
  clearProviderCache();
  try {
    await createSession(model, { providers: ["cuda"], strict: true, threads: 1, log: () => {} });
    return true;
  } catch {
    return false;
  } finally {
    clearProviderCache();
  }
}
const hasCuda = await cudaLoads();

describe("execution providers", () => {
  beforeEach(() => clearProviderCache());

  test("cuda then cpu: falls back to cpu and logs why", { skip: hasCuda && "CUDA is installed here" }, async () => {
    const lines: string[] = [];
    const { provider } = await createSession(model, { providers: ["cuda", "cpu"], strict: false, threads: 1, log: (m) => lines.push(m) });
    assert.equal(provider, "cpu");
    assert.match(lines.join("\n"), /execution provider cuda unavailable \(.+\); trying cpu/);
    assert.match(lines.join("\n"), /execution provider cpu \(fallback from cuda\)/);
  });

  test("strict cuda: a clear EP_UNAVAILABLE error instead of a fallback", { skip: hasCuda && "CUDA is installed here" }, async () => {
    await assert.rejects(
      createSession(model, { providers: ["cuda", "cpu"], strict: true, threads: 1, log: () => {} }),
      (e: unknown) =>
        e instanceof AttributionError &&
        e.code === "EP_UNAVAILABLE" &&
        /execution provider cuda is required .* did not load/.test(e.message),
    );
  });

  test("with a GPU, cuda is the provider that runs", { skip: !hasCuda && "no CUDA provider on this machine" }, async () => {
    const { provider } = await createSession(model, { providers: ["cuda", "cpu"], strict: true, threads: 1, log: () => {} });
    assert.equal(provider, "cuda");
  });

  test("no provider loads: EP_NONE_LOADED names each failure", async () => {
    await assert.rejects(
      createSession(model, { providers: ["nosuchprovider"], strict: false, threads: 1, log: () => {} }),
      (e: unknown) => e instanceof AttributionError && e.code === "EP_NONE_LOADED" && e.message.includes("nosuchprovider"),
    );
  });
});
