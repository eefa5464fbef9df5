/**
 * verify/ reads the chain with ABIs written by hand (chain-read.ts), so a skeptic needs no
 * artifact of the trainer's build. Each of its functions and events must be the compiled
 * contract's: same name, same parameter types (the selector or topic), the same indexed
 * parameters and the same outputs, else verify would decode the wrong words or find no events.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type EventFragment, type FunctionFragment, Interface } from "ethers";
import { loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { CHAIN_ABIS } from "../verify/chain-read.ts";

for (const [name, abi] of Object.entries(CHAIN_ABIS)) {
  test(`verify's ${name} ABI is the compiled contract's`, async () => {
    const compiled = new Interface((await loadContractArtifact(name as keyof typeof CHAIN_ABIS)).abi as never);
    const ours = new Interface(abi as unknown as string[]);
    ours.forEachFunction((f: FunctionFragment) => {
      const theirs = compiled.getFunction(f.selector);
      assert.ok(theirs, `${name}.${f.format("full")}: no such function in the compiled contract`);
      assert.equal(theirs.format("full"), f.format("full"), `${name}.${f.name}`);
    });
    ours.forEachEvent((e: EventFragment) => {
      const theirs = compiled.getEvent(e.topicHash);
      assert.ok(theirs, `${name}.${e.format("full")}: no such event in the compiled contract`);
      assert.deepEqual(
        theirs.inputs.map((i) => [i.format("sighash"), i.indexed === true]),
        e.inputs.map((i) => [i.format("sighash"), i.indexed === true]),
        `${name}.${e.name}`,
      );
    });
  });
}
