/** Progress lines: no rate until there is a second of work to measure it on. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rateMeter, startProgress } from "../protocol/progress.ts";

test("the rate counts from the first update and shows only after a second: no first-tick '13,247,260 examples/s'", () => {
  let now = 0;
  const rate = rateMeter(() => now);
  assert.equal(rate(5_000), undefined, "the first update (a resumed job's 5,000 done) has no rate");
  now = 400;
  assert.equal(rate(5_100), undefined, "0.4 s of work: too short to measure");
  now = 2_000;
  assert.equal(rate(5_400), 200, "400 units in 2 s since the first update, not 5,400 / 2 s");
});

test("plain lines (CI, pipes) leave the rate and ETA out until they are measured", () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  const progress = startProgress("proving", 10, "proofs", stream);
  progress.update(3);
  progress.update(10);
  assert.deepEqual(lines, ["proving: 3/10 proofs\n", "proving: 10/10 proofs\n"]);
});
