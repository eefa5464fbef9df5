/**
 * collect's hand-back: the Delivery receipt the trainer signed for an accepted delivery goes back
 * to its contributor, who needs it to contest an exclusion (protocol/contest.ts). Each is written
 * into the delivery folder it came from (delivery-receipt.json, beside the contributor's
 * receipt.json) and, with a receipts folder, there as delivery-receipt-ORDER-ADDRESS.json, so the
 * trainer can send them all back however the deliveries came.
 *
 * A delivery folder is a stranger's: one that refuses the write (read-only, a folder where the file
 * goes) is logged and never blocks the epoch; the receipt is still in the receipts folder and in
 * collected.json. writeFileAtomic renames over the name, so a symbolic link left there is replaced,
 * never followed.
 */
import { join } from "node:path";
import { DELIVERY_RECEIPT_FILE, writeDeliveryReceipt, type DeliveryReceipt } from "../delivery-receipt.ts";

/** The receipt's file name in a receipts folder: its order and contributor, so the trainer sees whom to send it. */
export const handedBackName = (r: DeliveryReceipt): string => `delivery-receipt-${r.order}-${r.contributor}.json`;

/**
 * Writes `receipt` into each of `folders` (the delivery folders it was accepted from) and into
 * `receiptsDir` when given; returns the files written. A delivery folder's failure is logged; the
 * receipts folder's is thrown (it is the trainer's own).
 */
export function handBackReceipt(
  receipt: DeliveryReceipt,
  folders: readonly string[],
  receiptsDir: string | undefined,
  log: (message: string) => void,
): string[] {
  const written: string[] = [];
  for (const folder of folders) {
    const file = join(folder, DELIVERY_RECEIPT_FILE);
    try {
      writeDeliveryReceipt(file, receipt);
      written.push(file);
    } catch (error) {
      log(
        `collect: ${folder}: could not write ${DELIVERY_RECEIPT_FILE} (${(error as Error).message}); hand registration ${receipt.order}'s receipt back from ${receiptsDir ?? "collected.json"}`,
      );
    }
  }
  if (receiptsDir !== undefined) {
    const file = join(receiptsDir, handedBackName(receipt));
    writeDeliveryReceipt(file, receipt);
    written.push(file);
  }
  return written;
}
