/**
 * Refuses a deployment file whose contracts were not created as this project's deployment creates
 * them (found by review: a constructor that is not ours wrote the thief a claimable balance in the
 * settlement's storage, then returned our exact runtime code; the file attached, `epoch open`
 * escrowed the pool and the thief withdrew it). Runtime code says nothing of storage; the
 * creation transaction does: a contract starts from the storage its constructor writes, and the
 * constructor is fixed by the transaction's input. For each contract the deployment created (the
 * file's creationTransactions: the token only when tokenDeployed), the transaction must
 *
 *   exist on this chain, mined and successful;
 *   be a creation (`to` null): a contract a factory made has no creation transaction of its own;
 *   have created the file's address (its receipt's contractAddress);
 *   carry as input exactly the creation code followed by the ABI-encoded constructor arguments
 *   the file implies (ignition-module.ts):
 *     token         OpenToken's bytecode, (owner = the file's deployer)
 *     poseidon      PoseidonT4's bytecode (build-info), no arguments
 *     registry      ContributorRegistry's bytecode, (token, poseidon, feePerExample,
 *                   minWindowSeconds, maxRegistrants, maxExamplesPerRegistrant, maxExamplesPerEpoch)
 *     verifiers     the creation code generated from the pinned key (pinned-verifiers.ts), no arguments
 *     settlement    PayoutSettlement's bytecode, (token, registry, { example, exampleBatchSize,
 *                   registration, registrationBatchSize, payout, payoutBatchSize },
 *                   { commitWindow, contestWindow, proofWindow })
 *   and be sent by the file's deployer (Ignition's one sender): our constructors make their sender
 *   the owner, so a genuine contract an attacker created would be the attacker's. The sender is
 *   compared once every contract passed the rest, so creation code not ours is named first.
 *
 * What happened to storage after creation went through this project's code (deployment-code.ts
 * checks it is); the registry's handover to the settlement is read by deployment-attach.ts.
 * Reads the chain (two requests per contract) and sends nothing.
 */
import {
  getAddress,
  Interface,
  type InterfaceAbi,
  type ParamType,
  type Provider,
  type TransactionReceipt,
  type TransactionResponse,
} from "ethers";
import { loadContractArtifact, type ContractName } from "./artifacts.ts";
import { DeploymentError } from "./deployment-errors.ts";
import { createdContracts, type DeploymentFile, type VerifierRole } from "./deployment-file-format.ts";
import type { ProtocolContract } from "./ignition-module.ts";
import { pinnedVerifiers, type PinnedVerifiers } from "./pinned-verifiers.ts";

const ARTIFACT: Partial<Record<ProtocolContract, ContractName>> = {
  token: "OpenToken",
  poseidon: "PoseidonT4",
  registry: "ContributorRegistry",
  settlement: "PayoutSettlement",
};
const VERIFIER_ROLE: Partial<Record<ProtocolContract, VerifierRole>> = {
  exampleVerifier: "example",
  registrationVerifier: "registration",
  payoutVerifier: "payout",
};

/** What the creation transaction of `key` must carry: the creation code and the constructor arguments. */
interface ExpectedCreation {
  readonly what: string;
  readonly creation: string;
  /** ABI-encoded constructor arguments (0x hex), and their parameters to name a differing word. */
  readonly args: string;
  readonly params: readonly ParamType[];
}

/** The constructor arguments the file implies for each of the project's own contracts (ignition-module.ts). */
function constructorArgs(d: DeploymentFile, key: ProtocolContract): readonly unknown[] {
  const c = d.contracts;
  const r = d.registration;
  const w = d.windows;
  const b = d.batchSizes;
  switch (key) {
    case "token":
      return [d.deployer];
    case "registry":
      return [
        c.token,
        c.poseidon,
        r.feePerExample,
        r.minWindowSeconds,
        r.maxRegistrants,
        r.maxExamplesPerRegistrant,
        r.maxExamplesPerEpoch,
      ];
    case "settlement":
      return [
        c.token,
        c.registry,
        {
          example: c.exampleVerifier,
          exampleBatchSize: b.example,
          registration: c.registrationVerifier,
          registrationBatchSize: b.registration,
          payout: c.payoutVerifier,
          payoutBatchSize: b.payout,
        },
        { commitWindow: w.commitWindowSeconds, contestWindow: w.contestWindowSeconds, proofWindow: w.proofWindowSeconds },
      ];
    default:
      return [];
  }
}

async function expectedCreation(d: DeploymentFile, key: ProtocolContract, verifiers: PinnedVerifiers): Promise<ExpectedCreation> {
  const role = VERIFIER_ROLE[key];
  if (role !== undefined) {
    const v = await verifiers(role);
    return {
      what: `${v.contractName} generated from the ${d.keySet} key set's ${v.circuit} key (no constructor arguments)`,
      creation: v.creation,
      args: "0x",
      params: [],
    };
  }
  const artifact = await loadContractArtifact(ARTIFACT[key]!);
  const abi = new Interface(artifact.abi as InterfaceAbi);
  return {
    what: `this project's ${artifact.contractName} with the constructor arguments the file implies`,
    creation: artifact.bytecode.toLowerCase(),
    args: abi.encodeDeploy(constructorArgs(d, key)),
    params: abi.deploy.inputs,
  };
}

/** The name of each 32-byte word of static parameters (`verifiers.payoutBatchSize`); [] if any is dynamic. */
function wordNames(params: readonly ParamType[], prefix = ""): string[] {
  const names: string[] = [];
  for (const p of params) {
    if (p.isTuple()) names.push(...wordNames(p.components, `${prefix}${p.name}.`));
    else if (p.isArray() || p.type === "string" || p.type === "bytes") return [];
    else names.push(`${prefix}${p.name}`);
  }
  return names;
}

/** undefined if `input` is `expected`'s creation code and arguments, else where it differs, in words. */
function describeInput(input: string, expected: ExpectedCreation): string | undefined {
  const got = input.toLowerCase();
  const code = expected.creation.toLowerCase();
  const want = `${code}${expected.args.slice(2).toLowerCase()}`;
  if (got === want) return undefined;
  const bytes = (hex: string) => (hex.length - 2) / 2;
  const sizes = `${bytes(got)} bytes sent, ${bytes(want)} expected`;
  if (!got.startsWith(code)) {
    let at = 2;
    while (at < Math.min(got.length, code.length) && got[at] === code[at]) at++;
    return `the creation code differs from byte ${(at - 2) >> 1} (${sizes})`;
  }
  const args = `0x${got.slice(code.length)}`;
  if (args.length !== expected.args.length)
    return `the creation code is the same; the constructor arguments are ${bytes(args)} bytes, the file implies ${bytes(expected.args)}`;
  const names = wordNames(expected.params);
  for (let i = 0; 2 + 64 * i < args.length; i++) {
    const word = (hex: string) => `0x${hex.slice(2 + 64 * i, 2 + 64 * (i + 1))}`;
    if (word(args) !== word(expected.args.toLowerCase())) {
      return `the creation code is the same; constructor argument ${names.length === bytes(args) / 32 ? names[i] : `word ${i}`} is ${word(args)}, the file implies ${word(expected.args.toLowerCase())}`;
    }
  }
  return `the input differs (${sizes})`; // unreachable: same code, same length, same words
}

/**
 * Throws DeploymentError DEPLOYMENT_CREATION_MISMATCH (naming `file`, the field `contracts.<name>`
 * and what differs) unless each contract `d` says the deployment created was created by the
 * transaction `d.creationTransactions` gives, as the header lists. `verifiers`: the pinned
 * verifiers of `d` (shared with deployment-code.ts, so each key is loaded once).
 */
export async function checkCreationTransactions(
  file: string,
  d: DeploymentFile,
  provider: Provider,
  verifiers: PinnedVerifiers = pinnedVerifiers(d),
): Promise<void> {
  const keys = createdContracts(d.tokenDeployed);
  const hashes = keys.map((key) => d.creationTransactions[key]!);
  const [transactions, receipts] = await Promise.all([
    Promise.all(hashes.map((hash) => provider.getTransaction(hash))),
    Promise.all(hashes.map((hash) => provider.getTransactionReceipt(hash))),
  ]);
  const refuse = (i: number, what: string): never => {
    const key = keys[i]!;
    throw new DeploymentError(
      "DEPLOYMENT_CREATION_MISMATCH",
      `${file}: contracts.${key} ${d.contracts[key]} was not created as the file says: creationTransactions.${key} ${hashes[i]} ${what}`,
      { file, field: `contracts.${key}` },
    );
  };
  // What each contract is, for all of them first; then who created them: a contract whose creation
  // code is not ours is named before a genuine one that the wrong account created.
  const senders: string[] = [];
  for (const [i, key] of keys.entries()) {
    const tx: TransactionResponse | null | undefined = transactions[i];
    const receipt: TransactionReceipt | null | undefined = receipts[i];
    if (!tx) return refuse(i, `is not a transaction on chain ${d.chainId}`);
    if (!receipt) return refuse(i, "is not mined");
    if (receipt.status !== 1) refuse(i, "reverted: it created nothing");
    if (tx.to !== null)
      refuse(
        i,
        `is a call to ${tx.to}, not a contract creation (a contract created by another contract, a factory, has no creation transaction of its own: not this project's deployment)`,
      );
    if (receipt.contractAddress === null || getAddress(receipt.contractAddress) !== d.contracts[key])
      refuse(i, `created ${receipt.contractAddress ?? "no contract"}, not ${d.contracts[key]}`);
    const expected = await expectedCreation(d, key, verifiers);
    const where = describeInput(tx.data, expected);
    if (where !== undefined) refuse(i, `has an input other than the creation code of ${expected.what}: ${where}`);
    senders.push(getAddress(tx.from));
  }
  const other = senders.findIndex((from) => from !== d.deployer);
  if (other >= 0)
    refuse(
      other,
      `was sent by ${senders[other]}, the file's deployer is ${d.deployer} (our constructors make their sender the owner: a genuine contract another account created is that account's)`,
    );
}
