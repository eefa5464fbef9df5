/**
 * A genuine deployment someone else created and handed to the operator: every contract this
 * project's creation code and constructor, sent by the attacker, over the genuine deployment's
 * token, its settlement then given to the operator with Ownable.transferOwnership. Shared by the
 * tests of what attach and the operator's commands make of it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Contract, ContractFactory, type InterfaceAbi, type Signer } from "ethers";
import { config } from "../../config/index.ts";
import { loadContractArtifact } from "../../verifier-contracts/artifacts.ts";
import { parseDeploymentFile } from "../../verifier-contracts/deployment-file-format.ts";
import { pinnedVerifiers } from "../../verifier-contracts/pinned-verifiers.ts";

const sizes = {
  example: config.exampleBatch.testSize,
  registration: config.registrationBatch.testSize,
  payout: config.payoutBatch.testSize,
};

export interface HandOver {
  /** The genuine deployment file's JSON: its token, verifier keys and batch sizes are reused. */
  readonly genuine: Record<string, any>;
  readonly attacker: Signer;
  /** Who receives the settlement's ownership. */
  readonly operator: string;
  /** Where the file is written. */
  readonly dir: string;
}

async function create(attacker: Signer, data: string): Promise<{ address: string; hash: string }> {
  const tx = await attacker.sendTransaction({ data });
  const receipt = (await tx.wait())!;
  return { address: receipt.contractAddress!, hash: tx.hash };
}

/**
 * The attacker's own genuine deployment with `windows` and `registration`, its settlement handed to
 * `h.operator`; its file (`name`.json in `h.dir`), naming `deployer` as the deployer.
 */
export async function handedOverDeployment(
  h: HandOver,
  name: string,
  windows: Record<string, number>,
  registration: Record<string, unknown>,
  deployer: string,
): Promise<string> {
  const { genuine, attacker } = h;
  const c = genuine.contracts;
  const verifiers = pinnedVerifiers(parseDeploymentFile({ ...genuine }, "genuine"));
  const poseidon = await create(attacker, (await loadContractArtifact("PoseidonT4")).bytecode);
  const ex = await create(attacker, (await verifiers("example")).creation);
  const rv = await create(attacker, (await verifiers("registration")).creation);
  const pv = await create(attacker, (await verifiers("payout")).creation);
  const regArtifact = await loadContractArtifact("ContributorRegistry");
  const setArtifact = await loadContractArtifact("PayoutSettlement");
  const r = registration as {
    feePerExample: string;
    minWindowSeconds: number;
    maxRegistrants: number;
    maxExamplesPerRegistrant: number;
    maxExamplesPerEpoch: number;
  };
  const regC = await new ContractFactory(regArtifact.abi as InterfaceAbi, regArtifact.bytecode, attacker).deploy(
    c.token,
    poseidon.address,
    BigInt(r.feePerExample),
    r.minWindowSeconds,
    r.maxRegistrants,
    r.maxExamplesPerRegistrant,
    r.maxExamplesPerEpoch,
  );
  await regC.waitForDeployment();
  const registry = { address: await regC.getAddress(), hash: regC.deploymentTransaction()!.hash };
  const setC = await new ContractFactory(setArtifact.abi as InterfaceAbi, setArtifact.bytecode, attacker).deploy(
    c.token,
    registry.address,
    {
      example: ex.address,
      exampleBatchSize: sizes.example,
      registration: rv.address,
      registrationBatchSize: sizes.registration,
      payout: pv.address,
      payoutBatchSize: sizes.payout,
    },
    { commitWindow: windows.commitWindowSeconds, contestWindow: windows.contestWindowSeconds, proofWindow: windows.proofWindowSeconds },
  );
  await setC.waitForDeployment();
  const settlement = { address: await setC.getAddress(), hash: setC.deploymentTransaction()!.hash };
  const own = (address: string, abi: InterfaceAbi) =>
    new Contract(address, abi, attacker) as unknown as { transferOwnership(a: string): Promise<{ wait(): Promise<unknown> }> };
  await (await own(registry.address, regArtifact.abi as InterfaceAbi).transferOwnership(settlement.address)).wait();
  await (await own(settlement.address, setArtifact.abi as InterfaceAbi).transferOwnership(h.operator)).wait();
  const file = join(h.dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        ...genuine,
        deployer,
        tokenDeployed: false,
        windows,
        registration,
        contracts: {
          token: c.token,
          poseidon: poseidon.address,
          registry: registry.address,
          exampleVerifier: ex.address,
          registrationVerifier: rv.address,
          payoutVerifier: pv.address,
          settlement: settlement.address,
        },
        creationTransactions: {
          poseidon: poseidon.hash,
          registry: registry.hash,
          exampleVerifier: ex.hash,
          registrationVerifier: rv.hash,
          payoutVerifier: pv.hash,
          settlement: settlement.hash,
        },
      },
      null,
      2,
    ),
  );
  return file;
}
