/**
 * A pool token whose transfers are costly (CostlyToken: ERC20Votes-like checkpoints, here ~5.3M gas
 * a transfer) on a real finalized epoch (real proofs of the test sizes) on a `hardhat node`, whose
 * default hardfork caps a transaction at 2^24 gas (EIP-7825): a whole payout batch of 4 payees no
 * longer fits one transaction, and before releaseRows its payees' funds were stuck (a finalized
 * epoch cannot be forfeited). Here the full release fails for want of gas and pays nothing;
 * releaseRows pays the batch in row ranges from its cursor, each row exactly once; settle's
 * releasePayoutBatch finds the ranges by itself (halving the rows until the gas estimate fits
 * payoutBatch.releaseGasBound) and resumes from the cursor; the epoch ends settled, and the
 * skeptic's verify from the chain alone counts the batch paid in three transactions.
 * Every revert path of releaseRows is named.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  getAddress,
  JsonRpcProvider,
  keccak256,
  solidityPacked,
  type BaseContractMethod,
  type BigNumberish,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
} from "ethers";
import { config, TRANSACTION_GAS_CAP } from "../config/index.ts";
import type { EpochBatches, EpochTables, PayoutBatch } from "../witness/index.ts";
import { releaseProgress, type OpenTokenContract, type PayoutSettlementContract } from "../verifier-contracts/index.ts";
import { CodedError } from "../errors/index.ts";
import { releasePayoutBatch } from "../protocol/release-batch.ts";
import { verifyEpoch } from "../verify/index.ts";
import { readChainEpoch } from "../verify/chain-read.ts";
import { expectRevertWith } from "./helpers/expect-revert.ts";
import { startHardhatNode, type HardhatNode } from "./helpers/hardhat-node.ts";
import { tokenEpoch } from "./helpers/token-epoch.ts";

const B = config.payoutBatch.testSize;
const EPOCH = 1n;
const POOL = 1000n * 10n ** 18n + 3n;
const CONTRIBUTORS = [1, 2, 3, 4, 5, 6]; // with B = 4: batch 0 of four payees, batch 1 of two
/** Fresh slots each transfer writes: ~5.3M gas a transfer, so three fit 2^24 and four do not, and two fit releaseGasBound. */
const WRITES_PER_TRANSFER = 237;

/** verifier-contracts/contracts/test/CostlyToken.sol: OpenToken's interface plus the cost knob. */
interface CostlyTokenContract extends OpenTokenContract {
  setWritesPerTransfer: BaseContractMethod<[writes: BigNumberish], void, ContractTransactionResponse>;
}

const addressOf = (a: bigint) => getAddress(`0x${a.toString(16).padStart(40, "0")}`);
const wordsHash = (batch: PayoutBatch) =>
  keccak256(
    solidityPacked(
      batch.words.map(() => "uint256"),
      [...batch.words],
    ),
  );

describe("a pool token too costly for a whole payout batch in one transaction: released in row ranges, each row once", () => {
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let token: CostlyTokenContract;
  let settlement: PayoutSettlementContract;
  let tables: EpochTables;
  let w: EpochBatches;
  const sent: { what: string; receipt: ContractTransactionReceipt }[] = [];
  const expectRevert = expectRevertWith(() => [settlement.interface]);
  const rowsOf = (batch: PayoutBatch) => tables.payoutTable.rows.slice(batch.index * B, (batch.index + 1) * B);
  const eventsOf = (receipt: ContractTransactionReceipt, name: string) =>
    receipt.logs
      .map((l) => settlement.interface.parseLog(l))
      .filter((l) => l?.name === name)
      .map((l) => [...l!.args]);

  before(async () => {
    node = await startHardhatNode();
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 100 });
    const signers = await Promise.all(Array.from({ length: 8 }, (_, i) => provider.getSigner(i)));
    ({ token, settlement, tables, w } = await tokenEpoch<CostlyTokenContract>({
      signers,
      provider,
      token: "CostlyToken",
      tag: "costly",
      epoch: EPOCH,
      pool: POOL,
      contributors: CONTRIBUTORS,
    }));
    assert.deepEqual(
      w.payoutBatches.map((b) => b.words.filter((x) => x !== 0n).length),
      [4, 2],
      "the fixture needs a full batch and a half one",
    );
    // Cheap until every proof is in; costly from the releases on.
    await (await token.setWritesPerTransfer(WRITES_PER_TRANSFER)).wait();
  });

  after(async () => {
    provider?.destroy();
    node?.stop();
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
  });

  it("a whole batch does not fit one transaction: the node refuses more than 2^24 gas, and 2^24 runs out of gas paying nothing", async () => {
    const batch = w.payoutBatches[0]!;
    const words = [...batch.words];
    const cap = BigInt(TRANSACTION_GAS_CAP);
    const failure = (gasLimit: bigint) =>
      settlement.release(EPOCH, 0, words, { gasLimit }).then(
        () => assert.fail(`a release with ${gasLimit} gas went through`),
        (e: unknown) => e as { message: string; error?: { data?: { txHash?: string } } },
      );
    assert.match((await failure(cap + 1n)).message, /exceeds transaction gas cap of 16777216/);
    const outOfGas = await failure(cap);
    assert.match(outOfGas.message, /ran out of gas/);
    const receipt = await provider.getTransactionReceipt(outOfGas.error!.data!.txHash!);
    assert.equal(receipt!.status, 0);
    assert.equal(receipt!.gasUsed, cap, "every unit of gas used: out of gas");
    for (const row of rowsOf(batch)) assert.equal(await token.balanceOf(addressOf(row.address)), 0n);
    assert.deepEqual(await releaseProgress(settlement, EPOCH, 0), { rows: 0, complete: false });
    assert.equal(await settlement.payoutWordsHash(EPOCH, 0), wordsHash(batch));
  });

  it("releaseRows refuses zero rows, an epoch not finalized, a batch out of range and words not the batch's", async () => {
    const [b0, b1] = w.payoutBatches as [PayoutBatch, PayoutBatch];
    await expectRevert(settlement.releaseRows(EPOCH, 0, [...b0.words], 0), "NoRowsToRelease");
    await expectRevert(settlement.releaseRows(EPOCH + 1n, 0, [...b0.words], 1), "EpochNotFinalized", [EPOCH + 1n]);
    await expectRevert(settlement.releaseRows(EPOCH, 2, [...b0.words], 1), "BatchIndexOutOfRange", [2n]);
    await expectRevert(settlement.releaseRows(EPOCH, 0, [...b1.words], 1), "WordsMismatch", [wordsHash(b0), wordsHash(b1)]);
  });

  it("anyone pays one row; the cursor moves past it; words not the batch's are still refused mid-way, naming the batch's own hash", async () => {
    const batch = w.payoutBatches[0]!;
    const [first] = rowsOf(batch);
    const receipt = (await (await settlement.releaseRows(EPOCH, 0, [...batch.words], 1)).wait())!;
    assert.deepEqual(eventsOf(receipt, "BatchRowsReleased"), [[EPOCH, 0n, 0n, 1n, first!.reward]]);
    assert.deepEqual(eventsOf(receipt, "BatchReleased"), []);
    assert.equal(await token.balanceOf(addressOf(first!.address)), first!.reward);
    const cursor = await settlement.releaseCursor(EPOCH, 0);
    assert.deepEqual([cursor.rows, cursor.paid], [1n, first!.reward]);
    assert.equal((await settlement.epochState(EPOCH)).released, 0n, "a batch counts as released only once complete");
    const forged = [...batch.words];
    forged[3] = forged[3]! + (1n << 160n); // one more base unit to the last payee
    await expectRevert(settlement.releaseRows(EPOCH, 0, forged, 3), "WordsMismatch", [
      wordsHash(batch),
      keccak256(
        solidityPacked(
          forged.map(() => "uint256"),
          forged,
        ),
      ),
    ]);
    await expectRevert(settlement.release(EPOCH, 0, forged), "WordsMismatch", [
      wordsHash(batch),
      keccak256(
        solidityPacked(
          forged.map(() => "uint256"),
          forged,
        ),
      ),
    ]);
  });

  it("settle's release refuses a row that alone is over the gas bound, naming the batch and the row, and sends nothing", async () => {
    const before = await releaseProgress(settlement, EPOCH, 0);
    await assert.rejects(
      releasePayoutBatch(settlement, EPOCH, w.payoutBatches[0]!, {
        gasBound: 1_000_000n,
        sent: () => assert.fail("nothing may be sent"),
        log: () => {},
      }),
      (e: unknown) =>
        e instanceof CodedError &&
        e.code === "RELEASE_TOO_COSTLY" &&
        e.category === "external" &&
        /payout batch 0 of epoch 1, row 1:.*releaseGasBound = 1000000/.test(e.message),
    );
    assert.deepEqual(await releaseProgress(settlement, EPOCH, 0), before);
  });

  it("settle's release resumes batch 0 from its cursor in ranges that fit the bound, pays batch 1 whole, and every payee exactly once: the epoch settles", async () => {
    const gasBound = BigInt(config.payoutBatch.releaseGasBound);
    const logged: string[] = [];
    for (const b of w.payoutBatches) {
      await releasePayoutBatch(settlement, EPOCH, b, {
        gasBound,
        sent: (what, receipt) => sent.push({ what, receipt }),
        log: (m) => logged.push(m),
      });
    }
    assert.deepEqual(
      sent.map((s) => s.what),
      ["release 0 rows 1-2", "release 0 rows 3-3", "release 1"],
    );
    for (const { receipt } of sent) assert.ok(receipt.gasUsed <= gasBound, `${receipt.gasUsed} gas`);
    assert.ok(
      logged.some((m) => /release 0: 2 rows per transaction fit/.test(m)),
      logged.join("\n"),
    );
    const rows0 = rowsOf(w.payoutBatches[0]!);
    assert.deepEqual(eventsOf(sent[0]!.receipt, "BatchRowsReleased"), [[EPOCH, 0n, 1n, 3n, rows0[1]!.reward + rows0[2]!.reward]]);
    assert.deepEqual(
      eventsOf(sent[1]!.receipt, "BatchReleased"),
      [[EPOCH, 0n, rows0.reduce((s, r) => s + r.reward, 0n)]],
      "BatchReleased pays the whole batch's total",
    );
    assert.deepEqual(eventsOf(sent[2]!.receipt, "EpochSettled"), [[EPOCH]]);
    for (const receipt of sent.map((s) => s.receipt))
      assert.deepEqual(eventsOf(receipt, "PayoutDeferred"), [], "no payee starved into a credit");

    for (const row of tables.payoutTable.rows)
      assert.equal(await token.balanceOf(addressOf(row.address)), row.reward, `row ${addressOf(row.address)}`);
    assert.equal(await token.balanceOf(await settlement.getAddress()), tables.payoutTable.dust, "the settlement keeps exactly the dust");
    assert.equal(await settlement.totalClaimable(), 0n);
    const state = await settlement.epochState(EPOCH);
    assert.equal(state.released, 2n);
    for (const b of w.payoutBatches) {
      assert.deepEqual(await releaseProgress(settlement, EPOCH, b.index), { rows: 0, complete: true });
      await expectRevert(settlement.releaseRows(EPOCH, b.index, [...b.words], 1), "AlreadyReleased", [EPOCH, BigInt(b.index)]);
      await expectRevert(settlement.release(EPOCH, b.index, [...b.words]), "AlreadyReleased", [EPOCH, BigInt(b.index)]);
    }
    // A rerun finds every batch complete and sends nothing.
    await releasePayoutBatch(settlement, EPOCH, w.payoutBatches[0]!, {
      gasBound,
      sent: () => assert.fail("nothing may be sent"),
      log: () => {},
    });
  });

  it("the skeptic reads batch 0's three transactions as one release and verifies the epoch from the chain alone", async () => {
    const chain = { rpcUrl: node.url, settlement: await settlement.getAddress(), epoch: EPOCH };
    const onChain = await readChainEpoch(chain.rpcUrl, chain.settlement, chain.epoch);
    assert.deepEqual(
      onChain.releases.map((r) => [r.batchIndex, r.rows === undefined ? "rest" : `${r.rows.from}-${r.rows.to}`, r.payments.length]),
      [
        [0, "0-1", 1],
        [0, "1-3", 2],
        [0, "rest", 1],
        [1, "rest", 2],
      ],
    );
    const report = await verifyEpoch(chain, { snarkjs: false });
    assert.equal(report.checks.find((c) => c.check === "chain")!.status, "pass", JSON.stringify(report.checks));
  });
});
