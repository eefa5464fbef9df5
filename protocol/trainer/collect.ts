/**
 * The trainer's `collect`: after registration closes, check each delivery (a folder with the data
 * and the contributor's receipt, contributor.ts) against the registrations on chain, sign a
 * Delivery receipt (EIP-712, the trainer's key) for every registration whose data arrived and
 * matches its commitment, and record who delivered and who is excluded (collected.json).
 *
 * A delivery is good when its receipt is of this chain, registry and epoch, its order is a
 * registration by the receipt's contributor with the receipt's commitment and count, and the data
 * in the folder hashes (dataset/, the canonical-bytes rule) to exactly the receipt's hashes, which
 * with the salt give that commitment. A bad delivery is named in `bad` and never blocks the
 * epoch: its registration is excluded like one that never delivered (the contributor holds no
 * signed receipt, so it cannot contest, and a matching delivery would have been accepted).
 *
 * A delivery is a stranger's folder, so reading it is confined and bounded: the receipt's data
 * path must stay inside the delivery folder, symbolic links resolved (DELIVERY_PATH_OUTSIDE: no
 * pointing at another contributor's data or the trainer's own files); the data is read in the
 * receipt's declared form (DELIVERY_FORM_UNKNOWN otherwise), only after the receipt matched its
 * registration, as regular files only and at most the registered count of examples and
 * MAX_EXAMPLE_BYTES per example (dataset/read-file.ts: a FIFO or /dev/zero is refused, not read);
 * any failure in reading or checking one delivery is that delivery's, named in `bad`.
 *
 * Each signed receipt goes back to its contributor (hand-back.ts): written into the delivery
 * folder it was accepted from (delivery-receipt.json) and into the receipts folder when one is
 * given. The contributor keeps it: it is what contests an exclusion of that registration.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { getAddress, type Signer } from "ethers";
import { config } from "../../config/index.ts";
import { readContributorData, type DataForm } from "../../dataset/index.ts";
import { DATA_FORMS } from "../../dataset/contributor-data.ts";
import { CodedError } from "../../errors/index.ts";
import { toJson, writeFileAtomic } from "../../files/index.ts";
import {
  readRegistrations,
  waitForRegistrationClose,
  type ContributorRegistryContract,
  type PayoutSettlementContract,
} from "../../verifier-contracts/index.ts";
import { signDeliveryReceipt } from "../../verifier-contracts/settle.ts";
import { registrationCommitment, type Registration } from "../../witness/index.ts";
import { registrationDomain } from "../../witness/registration-commitment.ts";
import { DELIVERY_RECEIPT } from "../contributor.ts";
import { readReceipt, type RegistrationReceipt } from "../receipt.ts";
import { assertEpochTrainer } from "./epoch-trainer.ts";
import { handBackReceipt } from "./hand-back.ts";

export const COLLECTED_KIND = "attribution-prover/collected";

export interface DeliveredRegistration {
  readonly order: number;
  readonly contributor: string;
  readonly commitment: bigint;
  readonly salt: bigint;
  /** Sorted ascending: the list the commitment is over. */
  readonly hashes: readonly bigint[];
  /** The data file or folder (absolute) and its form: what the trainer trains and scores on. */
  readonly data: string;
  readonly form: string;
  /** The trainer's EIP-712 Delivery(epoch, order, commitment) signature. */
  readonly signature: string;
}

export interface ExcludedRegistration {
  readonly order: number;
  readonly contributor: string;
  readonly reason: "NOT_DELIVERED";
  readonly detail: string;
}

export interface BadDelivery {
  readonly delivery: string;
  readonly code: string;
  readonly message: string;
}

export interface Collected {
  readonly chainId: bigint;
  readonly registry: string;
  readonly settlement: string;
  readonly epoch: bigint;
  readonly registrants: number;
  readonly delivered: readonly DeliveredRegistration[];
  readonly excluded: readonly ExcludedRegistration[];
  readonly bad: readonly BadDelivery[];
}

export interface CollectOptions {
  readonly epoch: bigint;
  readonly registry: ContributorRegistryContract;
  readonly settlement: PayoutSettlementContract;
  /** The epoch's trainer: it signs the Delivery receipts. */
  readonly trainer: Signer;
  /** Delivery folders, or folders holding delivery folders. */
  readonly deliveries: readonly string[];
  /** Also write every signed Delivery receipt here (hand-back.ts), for the trainer to send back. */
  readonly receipts?: string;
  readonly log?: (message: string) => void;
}

/** Every delivery folder under `paths`: a folder holding receipt.json is one; otherwise its subfolders are searched. */
export function deliveryFolders(paths: readonly string[]): string[] {
  const found: string[] = [];
  for (const path of paths) {
    const dir = resolve(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new CodedError(
        "DELIVERY_MISSING",
        "input",
        `${path}: not a folder; expected a delivery folder (data and ${DELIVERY_RECEIPT}) or a folder of them`,
      );
    if (existsSync(join(dir, DELIVERY_RECEIPT))) found.push(dir);
    else for (const entry of readdirSync(dir).sort()) if (existsSync(join(dir, entry, DELIVERY_RECEIPT))) found.push(join(dir, entry));
  }
  return found;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Why `receipt` does not deliver registration `reg` (its chain side), or undefined when it does. */
function checkReceipt(receipt: RegistrationReceipt, reg: Registration | undefined, domain: bigint): string | undefined {
  if (!reg) return `order ${receipt.order} is not a registration of epoch ${receipt.epoch}`;
  if (BigInt(receipt.contributor) !== reg.contributor)
    return `registration ${reg.order} was made by ${getAddress(`0x${reg.contributor.toString(16).padStart(40, "0")}`)}, the receipt says ${receipt.contributor}`;
  if (receipt.commitment !== reg.commitment || receipt.count !== reg.count)
    return `registration ${reg.order} commits to ${reg.commitment} over ${reg.count} examples, the receipt to ${receipt.commitment} over ${receipt.count}`;
  const commitment = registrationCommitment({
    domain,
    sender: receipt.contributor,
    salt: receipt.salt,
    hashes: sortHashes(receipt.hashes),
    chunk: config.registrationBatch.chunk,
  });
  if (commitment !== reg.commitment)
    return `the receipt's hashes and salt commit to ${commitment}, not to registration ${reg.order}'s ${reg.commitment}`;
  return undefined;
}

const inside = (folder: string, path: string) => {
  const rel = relative(folder, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

/**
 * Where the receipt's data is: `path` resolved against the delivery `folder`, every symbolic link
 * followed. DELIVERY_PATH_OUTSIDE unless it is strictly inside the folder (as
 * written, and once links are resolved), DELIVERY_DATA_MISSING when nothing is there.
 */
export function deliveryDataPath(folder: string, path: string): string {
  const outside = (where: string) =>
    new CodedError(
      "DELIVERY_PATH_OUTSIDE",
      "input",
      `the receipt's data path ${JSON.stringify(path)} ${where}, not inside the delivery folder ${folder}`,
    );
  const given = resolve(folder, path);
  if (isAbsolute(path) || !inside(resolve(folder), given)) throw outside(`is ${given}`);
  if (!existsSync(given))
    throw new CodedError("DELIVERY_DATA_MISSING", "input", `the receipt's data path ${JSON.stringify(path)}: nothing at ${given}`);
  const real = realpathSync(given);
  if (!inside(realpathSync(folder), real)) throw outside(`resolves (symbolic links followed) to ${real}`);
  return real;
}

/** The receipt's declared form, if the trainer reads it; DELIVERY_FORM_UNKNOWN otherwise. */
function deliveryForm(receipt: RegistrationReceipt): DataForm {
  const form = receipt.data.form;
  if (!(DATA_FORMS as readonly string[]).includes(form))
    throw new CodedError(
      "DELIVERY_FORM_UNKNOWN",
      "input",
      `the receipt's data form ${JSON.stringify(form)} is not one the trainer reads (${DATA_FORMS.join(", ")})`,
    );
  return form as DataForm;
}

/**
 * The data of the delivery in `folder` (its real path), checked to be the receipt's examples: read
 * in the receipt's form, inside the folder, at most the receipt's count of examples (already
 * checked against the registration; never above the config's per-registrant maximum).
 * DELIVERY_PATH_OUTSIDE, DELIVERY_DATA_MISSING, DELIVERY_FORM_UNKNOWN,
 * DELIVERY_MISMATCH; DatasetError (its code, naming the file) for data that cannot be read.
 */
export function checkDeliveryData(folder: string, receipt: RegistrationReceipt): string {
  const data = deliveryDataPath(folder, receipt.data.path);
  const read = readContributorData(data, {
    form: deliveryForm(receipt),
    within: folder,
    maxExamples: Math.max(1, Math.min(receipt.count, config.registration.maxExamplesPerRegistrant)),
  });
  const hashes = sortHashes(read.examples.map((e) => e.hash));
  const listed = sortHashes(receipt.hashes);
  if (hashes.length !== listed.length || hashes.some((h, i) => h !== listed[i])) {
    throw new CodedError(
      "DELIVERY_MISMATCH",
      "input",
      `the data in ${receipt.data.path} hashes to ${hashes.length} examples that are not the receipt's ${listed.length}`,
    );
  }
  return data;
}

const sortHashes = (hashes: readonly bigint[]) => [...hashes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** A received delivery: the receipt, and where its data is (undefined: a hash list only, the examples-file path of tests). */
export interface ReceivedDelivery {
  readonly receipt: RegistrationReceipt;
  readonly folder?: string;
  /** What to name it by in messages. */
  readonly name: string;
}

/** Collects the deliveries in `options.deliveries` folders (see the header). */
export async function collectDeliveries(options: CollectOptions): Promise<Collected> {
  const received: ReceivedDelivery[] = [];
  const bad: BadDelivery[] = [];
  for (const folder of deliveryFolders(options.deliveries)) {
    try {
      received.push({ receipt: readReceipt(join(folder, DELIVERY_RECEIPT)), folder, name: folder });
    } catch (error) {
      bad.push(badDelivery(folder, error, options.log));
    }
  }
  return acceptDeliveries({ ...options, received, bad });
}

/** `error` as a bad delivery: its string code (else DELIVERY_UNREADABLE) and message, whatever was thrown. */
function badDelivery(name: string, error: unknown, log?: (message: string) => void): BadDelivery {
  let code = "DELIVERY_UNREADABLE";
  let message = "threw a value that has no message";
  try {
    const raw = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
    if (typeof raw === "string") code = raw;
    message = error instanceof Error ? String(error.message) : `threw ${String(error)}`;
  } catch {
    // a getter or toString that throws: the defaults above
  }
  log?.(`collect: ${name}: ${message} (not accepted)`);
  return { delivery: name, code, message };
}

/**
 * Checks each received delivery against the registrations on chain (and its data, when it has a
 * folder), signs a Delivery receipt for each good one, and excludes every registration without
 * one. Refuses a key that is not the epoch's trainer (NOT_THE_TRAINER) before anything is signed,
 * then waits for registration to close (a development chain's clock is moved).
 */
export async function acceptDeliveries(
  options: Omit<CollectOptions, "deliveries"> & { readonly received: readonly ReceivedDelivery[]; readonly bad?: readonly BadDelivery[] },
): Promise<Collected> {
  const { epoch, registry, settlement, trainer } = options;
  const log = options.log ?? (() => {});
  await assertEpochTrainer(settlement, epoch, trainer);
  await waitForRegistrationClose(registry, epoch, { log });
  const chainId = (await trainer.provider!.getNetwork()).chainId;
  const registryAddress = await registry.getAddress();
  const settlementAddress = await settlement.getAddress();
  const registrations = await readRegistrations(registry, epoch);
  const domain = registrationDomain(chainId, registryAddress, epoch);
  const accepted = new Map<number, DeliveredRegistration>();
  /** The delivery folders each accepted registration came from: where its receipt goes back. */
  const folders = new Map<number, string[]>();
  const bad = [...(options.bad ?? [])];
  for (const { receipt, folder, name } of options.received) {
    try {
      if (receipt.chainId !== chainId || !same(receipt.registry, registryAddress) || receipt.epoch !== epoch) {
        throw new CodedError(
          "DELIVERY_OTHER_EPOCH",
          "input",
          `the receipt is for epoch ${receipt.epoch} of registry ${receipt.registry} on chain ${receipt.chainId}, collecting epoch ${epoch} of ${registryAddress} on chain ${chainId}`,
        );
      }
      const problem = checkReceipt(receipt, registrations[receipt.order], domain);
      if (problem) throw new CodedError("DELIVERY_MISMATCH", "input", problem);
      const data = folder === undefined ? "" : checkDeliveryData(folder, receipt);
      if (folder !== undefined) folders.set(receipt.order, [...(folders.get(receipt.order) ?? []), folder]);
      if (accepted.has(receipt.order)) continue; // the same delivery twice
      const signature = await signDeliveryReceipt(trainer, settlement, epoch, receipt.order, receipt.commitment);
      accepted.set(receipt.order, {
        order: receipt.order,
        contributor: receipt.contributor,
        commitment: receipt.commitment,
        salt: receipt.salt,
        hashes: sortHashes(receipt.hashes),
        data,
        form: receipt.data.form,
        signature,
      });
    } catch (error) {
      bad.push(badDelivery(name, error, log));
    }
  }
  const trainerAddress = getAddress(await trainer.getAddress());
  for (const d of accepted.values()) {
    const files = handBackReceipt(
      {
        chainId,
        settlement: settlementAddress,
        epoch,
        order: d.order,
        commitment: d.commitment,
        contributor: getAddress(d.contributor),
        trainer: trainerAddress,
        signature: d.signature,
      },
      folders.get(d.order) ?? [],
      options.receipts,
      log,
    );
    if (files.length > 0)
      log(`collect: registration ${d.order} (${d.contributor}): signed Delivery receipt in ${files.join(", ")}: hand it back`);
  }
  const address = (r: Registration) => getAddress(`0x${r.contributor.toString(16).padStart(40, "0")}`);
  const excluded = registrations
    .filter((r) => !accepted.has(r.order))
    .map((r) => ({
      order: r.order,
      contributor: address(r),
      reason: "NOT_DELIVERED" as const,
      detail: "no matching delivery reached the trainer",
    }));
  return {
    chainId,
    registry: registryAddress,
    settlement: settlementAddress,
    epoch,
    registrants: registrations.length,
    delivered: [...accepted.values()].sort((a, b) => a.order - b.order),
    excluded,
    bad,
  };
}

const hex128 = (h: bigint) => `0x${h.toString(16).padStart(32, "0")}`;

export function writeCollected(file: string, c: Collected): void {
  writeFileAtomic(
    file,
    toJson({ kind: COLLECTED_KIND, version: 1, ...c, delivered: c.delivered.map((d) => ({ ...d, hashes: d.hashes.map(hex128) })) }),
  );
}

/** Reads collected.json back (written by writeCollected); COLLECTED_MALFORMED naming the file. */
export function readCollected(file: string): Collected {
  // biome-ignore lint/suspicious/noExplicitAny: the collected file's JSON, checked field by field below
  let raw: Record<string, any>;
  try {
    // biome-ignore lint/suspicious/noExplicitAny: as above
    raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, any>;
  } catch (error) {
    throw new CodedError("COLLECTED_UNREADABLE", "input", `${file}: ${(error as Error).message}; expected the file collect wrote`);
  }
  if (raw?.kind !== COLLECTED_KIND || raw.version !== 1 || !Array.isArray(raw.delivered) || !Array.isArray(raw.excluded)) {
    throw new CodedError("COLLECTED_MALFORMED", "input", `${file}: not a collected.json of version 1 (kind ${JSON.stringify(raw?.kind)})`);
  }
  return {
    chainId: BigInt(raw.chainId),
    registry: String(raw.registry),
    settlement: String(raw.settlement),
    epoch: BigInt(raw.epoch),
    registrants: Number(raw.registrants),
    // biome-ignore lint/suspicious/noExplicitAny: as raw above
    delivered: raw.delivered.map((d: Record<string, any>) => ({
      order: Number(d.order),
      contributor: String(d.contributor),
      commitment: BigInt(d.commitment),
      salt: BigInt(d.salt),
      hashes: (d.hashes as string[]).map((h) => BigInt(h)),
      data: String(d.data),
      form: String(d.form),
      signature: String(d.signature),
    })),
    excluded: raw.excluded as ExcludedRegistration[],
    bad: (raw.bad ?? []) as BadDelivery[],
  };
}
