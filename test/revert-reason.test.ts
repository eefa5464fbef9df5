/**
 * Every custom error of every contract ABI is decoded by name (verifier-contracts/revert-reason.ts),
 * whatever shape the thrown error has: each error entry of each compiled ABI (the project's
 * contracts, OpenZeppelin's inherited errors, the generated verifiers) is encoded with sample
 * arguments, wrapped as ethers, a JSON-RPC node and Hardhat's EDR throw it, and must come back as
 * `Name(param=value, ...)`. Then real reverts on an in-process chain: openEpoch twice through the
 * transaction helper (ContractRevertError naming the call, the contract and the error), a
 * constructor's check through deploySettlement, openEpoch through a
 * NonceManager (reset, so the next send works), and a transaction mined and reverted (two sends
 * in one block, automine off), whose revert data only a replay recovers.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ErrorFragment, getAddress, Interface, keccak256, NonceManager, toUtf8Bytes, type ParamType } from "ethers";
import {
  ContractRevertError,
  deploySettlement,
  openEpoch,
  type OpenTokenContract,
  type PayoutSettlementContract,
} from "../verifier-contracts/index.ts";
import { CONTRACT_NAMES, loadContractArtifact } from "../verifier-contracts/artifacts.ts";
import { earliestDeadline } from "../verifier-contracts/registration.ts";
import { contractRevertOf, revertReason, transact } from "../verifier-contracts/revert-reason.ts";
import { config } from "../config/index.ts";
import { settlementFixture, type SettlementFixture } from "./helpers/settlement-fixture.ts";

const VALIDATION = keccak256(toUtf8Bytes("validation"));

/** A sample value of `p` (the k-th parameter), and how the decoder must show it. */
function sample(p: ParamType, k: number): { value: unknown; shown: string } {
  if (p.baseType === "array") {
    const items = Array.from({ length: p.arrayLength === -1 ? 2 : p.arrayLength! }, (_, i) => sample(p.arrayChildren!, k + i));
    return { value: items.map((x) => x.value), shown: `[${items.map((x) => x.shown).join(", ")}]` };
  }
  if (p.baseType === "tuple") {
    const items = p.components!.map((c, i) => sample(c, k + i));
    return { value: items.map((x) => x.value), shown: `[${items.map((x) => x.shown).join(", ")}]` };
  }
  const t = p.type;
  if (t.startsWith("uint")) return { value: BigInt(k + 1) * 7n, shown: String(BigInt(k + 1) * 7n) };
  if (t.startsWith("int")) return { value: -BigInt(k + 1), shown: String(-BigInt(k + 1)) };
  if (t === "address") {
    const address = getAddress(`0x${(0xa0 + k).toString(16).padStart(40, "5")}`);
    return { value: address, shown: address };
  }
  if (t === "bool") return { value: true, shown: "true" };
  if (t === "string") return { value: `field ${k}`, shown: JSON.stringify(`field ${k}`) };
  if (t === "bytes") return { value: "0x12ab", shown: "0x12ab" };
  if (/^bytes\d+$/.test(t)) return { value: `0x${"cd".repeat(Number(t.slice(5)))}`, shown: `0x${"cd".repeat(Number(t.slice(5)))}` };
  throw new Error(`no sample for ${t}`);
}

/** The shapes a revert arrives in. */
const SHAPES: Readonly<Record<string, (data: string) => unknown>> = {
  "ethers CALL_EXCEPTION (estimateGas, eth_call)": (data) => ({
    code: "CALL_EXCEPTION",
    action: "estimateGas",
    data,
    info: { error: { code: 3, data } },
  }),
  "ethers, the data only in info.error": (data) => ({
    code: "CALL_EXCEPTION",
    data: null,
    info: { error: { code: 3, message: "execution reverted", data } },
  }),
  "hardhat node, eth_sendRawTransaction (UNKNOWN_ERROR)": (data) => ({
    code: "UNKNOWN_ERROR",
    error: { code: 3, message: "VM Exception while processing transaction", data },
  }),
  "a node nesting { message, data } in data": (data) => ({
    code: "UNKNOWN_ERROR",
    error: { code: -32603, data: { message: "revert", data } },
  }),
  "Hardhat EDR SolidityError (in-process chain)": (data) =>
    Object.assign(new Error("VM Exception while processing transaction"), { name: "SolidityError", data }),
  "an error wrapping the revert as its cause": (data) => new Error("sending failed", { cause: { code: "CALL_EXCEPTION", data } }),
};

describe("revert-reason: every custom error of every ABI, by name", () => {
  let fixture: SettlementFixture;
  let abis: [string, readonly unknown[]][];
  let verifierAbis: (readonly unknown[])[];
  before(async () => {
    fixture = await settlementFixture(10n ** 24n);
    verifierAbis = [fixture.keys.example, fixture.keys.registration, fixture.keys.payout].map((k) => k.verifierArtifact.abi);
    abis = [
      ...(await Promise.all(
        CONTRACT_NAMES.map(async (name) => [name, (await loadContractArtifact(name)).abi] as [string, readonly unknown[]]),
      )),
      ...[fixture.keys.example, fixture.keys.registration, fixture.keys.payout].map(
        (k) => [k.verifierArtifact.contractName, k.verifierArtifact.abi] as [string, readonly unknown[]],
      ),
    ];
  });
  after(async () => {
    await fixture?.close();
  });

  it("decodes each error entry of each ABI, in every shape, as Name(param=value, ...)", async () => {
    const seen = new Set<string>();
    for (const [contract, abi] of abis) {
      for (const entry of abi.filter((x) => (x as { type?: string }).type === "error")) {
        const fragment = ErrorFragment.from(entry as never);
        const samples = fragment.inputs.map((p, k) => sample(p, k));
        const data = new Interface([fragment]).encodeErrorResult(
          fragment,
          samples.map((x) => x.value),
        );
        const text = `${fragment.name}(${fragment.inputs.map((p, k) => `${p.name}=${samples[k]!.shown}`).join(", ")})`;
        for (const [shape, wrap] of Object.entries(SHAPES)) {
          const reason = await revertReason(wrap(data), verifierAbis);
          assert.equal(reason?.name, fragment.name, `${contract}.${fragment.format()} as ${shape}`);
          assert.equal(reason!.text, text, `${contract}.${fragment.format()} as ${shape}`);
        }
        seen.add(`${contract}.${fragment.name}`);
      }
    }
    // The project's own, OpenZeppelin's through inheritance, and the new lineage errors are all there.
    for (const name of [
      "PayoutSettlement.EpochAlreadyOpen",
      "PayoutSettlement.LineageNotOpened",
      "PayoutSettlement.LineageEnded",
      "PayoutSettlement.LineageNotCommitted",
      "PayoutSettlement.LineageContestable",
      "PayoutSettlement.SafeERC20FailedOperation",
      "PayoutSettlement.ECDSAInvalidSignature",
      "ContributorRegistry.RegistrationClosed",
      "OpenToken.ERC20InsufficientAllowance",
      "OpenToken.OwnableUnauthorizedAccount",
      "RevertingToken.Blocked",
      "BareTransfers.LengthMismatch",
    ]) {
      assert.ok(seen.has(name), `${name} was not among the ABIs' errors`);
    }
    assert.ok(seen.size > 70, `only ${seen.size} errors`);
  });

  it("Solidity's Error(string) and Panic(uint256) are named; an unknown selector, no revert data and other failures are said so", async () => {
    const builtin = new Interface([]);
    assert.equal((await revertReason({ data: builtin.encodeErrorResult("Error", ["no way"]) }))?.text, 'Error(message="no way")');
    assert.equal(
      (await revertReason({ data: builtin.encodeErrorResult("Panic", [0x11]) }))?.text,
      "Panic(code=0x11: arithmetic overflow or underflow)",
    );
    const context = { contract: "PayoutSettlement", call: "openEpoch(1)" };
    const unknown = await contractRevertOf({ code: "CALL_EXCEPTION", data: "0xdeadbeef0000" }, context);
    assert.ok(unknown instanceof ContractRevertError);
    assert.equal(unknown.errorName, undefined);
    assert.match(
      unknown.message,
      /^openEpoch\(1\) on PayoutSettlement reverted with an error no project contract declares \(selector 0xdeadbeef/,
    );
    const bare = await contractRevertOf({ code: "CALL_EXCEPTION", data: null }, context);
    assert.match((bare as Error).message, /reverted with no revert data$/);
    const network = { code: "NETWORK_ERROR", message: "connection refused" };
    assert.equal(await contractRevertOf(network, context), network, "not a revert: rethrown as it was");
  });

  it("a real revert through the transaction helper: openEpoch twice names EpochAlreadyOpen, the call and the contract", async () => {
    const { d, signers } = fixture;
    const args = {
      epoch: 1n,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: VALIDATION,
      pool: 5n,
      trainer: signers[0]!.address,
      follows: 0n,
    };
    await openEpoch(d, args);
    await assert.rejects(openEpoch(d, args), (e: unknown) => {
      assert.ok(e instanceof ContractRevertError, String(e));
      assert.equal(e.code, "CONTRACT_REVERT");
      assert.equal(e.errorName, "EpochAlreadyOpen");
      assert.deepEqual(e.args, { epoch: 1n });
      assert.equal(
        e.message,
        `openEpoch(1, follows 0) on PayoutSettlement ${d.addresses.settlement} reverted with EpochAlreadyOpen(epoch=1)`,
      );
      assert.ok(e.cause, "the original error is kept as the cause");
      return true;
    });
  });

  it("a constructor's check through deploySettlement (Ignition): named with the contract", async () => {
    const { keys, signers } = fixture;
    const verifiers = {
      exampleVerifier: keys.example.verifierArtifact,
      exampleBatchSize: config.exampleBatch.testSize,
      registrationVerifier: keys.registration.verifierArtifact,
      registrationBatchSize: config.registrationBatch.testSize,
      payoutVerifier: keys.payout.verifierArtifact,
      payoutBatchSize: config.payoutBatch.testSize,
    };
    await assert.rejects(
      deploySettlement(signers[0]!, { ...verifiers, windows: { ...config.settlement, contestWindowSeconds: 0 } }),
      (e: unknown) => {
        // Ignition simulates each deployment first and names the custom error with the future.
        assert.equal((e as { code?: unknown }).code, "IGNITION_EXECUTION", String(e));
        assert.match((e as Error).message, /AttributionProtocol#PayoutSettlement failed: .*InvalidWindows\(\)/);
        return true;
      },
    );
  });

  it("through a NonceManager: the revert is named and the next transaction is sent with the right nonce", async () => {
    const { d, signers } = fixture;
    const manager = new NonceManager(signers[0]!);
    const contracts = {
      token: d.token.connect(manager) as OpenTokenContract,
      settlement: d.settlement.connect(manager) as PayoutSettlementContract,
    };
    const args = async (epoch: bigint) => ({
      epoch,
      closesAt: await earliestDeadline(d.registry),
      validationCommitment: VALIDATION,
      pool: 5n,
      trainer: signers[0]!.address,
      follows: 0n,
    });
    await assert.rejects(openEpoch(contracts, await args(1n)), { name: "ContractRevertError", errorName: "EpochAlreadyOpen" });
    await openEpoch(contracts, await args(2n));
    assert.equal((await d.settlement.epochState(2n)).status, 1n);
  });

  it("a transaction mined and reverted (two sends in one block) is replayed to name its error", async () => {
    const { d, signers, conn } = fixture;
    const provider = conn.ethers.provider;
    await (await d.token.approve(d.addresses.settlement, 10n)).wait();
    const closesAt = await earliestDeadline(d.registry);
    // Explicit nonces and gas: both are sent before either is mined, as two racing settlers' are.
    const nonce = await signers[0]!.getNonce();
    const send = (k: number) =>
      transact({ contract: "PayoutSettlement", call: "openEpoch(3)", target: d.settlement }, () =>
        d.settlement.openEpoch(3n, closesAt, VALIDATION, 5n, signers[0]!.address, 0n, { gasLimit: 1_000_000n, nonce: nonce + k }),
      );
    await provider.send("evm_setAutomine", [false]);
    try {
      const first = send(0);
      const second = send(1);
      while ((await signers[0]!.getNonce("pending")) < nonce + 2) await new Promise((resolve) => setTimeout(resolve, 20));
      await provider.send("evm_mine", []);
      await first;
      await assert.rejects(second, (e: unknown) => {
        assert.ok(e instanceof ContractRevertError, String(e));
        assert.equal(e.errorName, "EpochAlreadyOpen");
        assert.match(
          e.message,
          /^openEpoch\(3\) on PayoutSettlement 0x[0-9a-fA-F]{40} reverted with EpochAlreadyOpen\(epoch=3\) \(transaction 0x[0-9a-f]{64} mined in block \d+; the error is its replay's at the end of that block\)$/,
        );
        return true;
      });
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
  });
});
