/**
 * A contributor of the receipt tests: a fresh key funded with gas, registering two JSONL examples
 * for an epoch (its fee minted) and writing the delivery folder it hands the trainer.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEther, Wallet, type HDNodeWallet } from "ethers";
import { readContributorData } from "../../dataset/index.ts";
import { registerData, writeDelivery } from "../../protocol/contributor.ts";
import type { SettlementFixture } from "./settlement-fixture.ts";

/** Registers `text` + " example 0/1" from a new funded key for `epoch`; the delivery folder is `folder`, the data file in `dataDir`. */
export async function deliveringContributor(
  fx: SettlementFixture,
  epoch: bigint,
  text: string,
  dataDir: string,
  folder: string,
): Promise<HDNodeWallet> {
  const wallet = Wallet.createRandom().connect(fx.conn.ethers.provider);
  await (await fx.signers[0]!.sendTransaction({ to: wallet.address, value: parseEther("1") })).wait();
  mkdirSync(dataDir, { recursive: true });
  const data = join(dataDir, `${text}.jsonl`);
  writeFileSync(data, [0, 1].map((i) => `${JSON.stringify({ text: `${text} example ${i}` })}\n`).join(""));
  const receipt = await registerData(fx.d, wallet as unknown as Wallet, {
    epoch,
    settlement: fx.d.addresses.settlement,
    hashes: readContributorData(data).examples.map((e) => e.hash),
    data: { path: data, form: "jsonl" },
    mintFee: true,
  });
  writeDelivery(folder, data, receipt);
  return wallet;
}
