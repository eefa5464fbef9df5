/**
 * What a party that is not the operator pins a deployment to. Attaching a deployment file
 * (verifier-contracts/deployment-attach.ts) proves only that the chain runs this project's
 * contracts under this project's rules: an attacker's own genuine deployment passes that too (found
 * by review). So a contributor or a trainer names, out of band, the settlement it means (the
 * operator publishes its address, as it publishes the deployment file), and every other deployment
 * is refused before anything is sent.
 *
 * The settlement's address is the pin, not the operator's: one address is one contract, whereas
 * Ownable's one-step transferOwnership lets anyone's deployment name the honest operator as its
 * owner without that operator's consent. An operator address given besides is a second condition
 * (the settlement's owner, read live when attached).
 *
 * The operator pins too. Its commands already refuse a key that is not the settlement's owner, but
 * that is no pin for the same reason: an attacker's genuine deployment over the real token, handed
 * to the operator after transferOwnership, passes it, and an epoch opened there escrows the pool
 * where no pinned trainer or contributor goes; the attacker registers at once (cancelEpoch then
 * reverts) and the pool is burned at the settle deadline (found by red-team review). So an operator
 * command runs on a deployment its own key created (the file's deployer, its creation transactions
 * checked when attached), or on the settlement it pins (--settlement / OPEN_SETTLEMENT: after a
 * key rotation, the settlement it published).
 */
import { CodedError } from "../errors/index.ts";
import type { ProtocolDeployment } from "./deployment.ts";

export interface DeploymentPin {
  /** The settlement contract's address, as the operator published it. */
  readonly settlement: string;
  /** The settlement's owner now, when the party also pins it. */
  readonly operator?: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The operator's check without a pin: `deployment` was created by `operator` (its key's address).
 * OPERATOR_PIN_MISSING otherwise, naming the deployer and what to pass; `file` names the file.
 */
export function assertOperatorsOwn(deployment: ProtocolDeployment, operator: string, file: string): void {
  if (!same(deployment.deployer, operator)) {
    throw new CodedError(
      "OPERATOR_PIN_MISSING",
      "input",
      `${file}: created by ${deployment.deployer}, not by this key (${operator}): a deployment someone else created and handed over (the settlement's owner proves nothing: anyone can transfer ownership to you); pass the settlement you published (--settlement or OPEN_SETTLEMENT) if you rotated your key; nothing was sent`,
    );
  }
}

/**
 * Refuses `deployment` unless it is the pinned one: DEPLOYMENT_PIN_MISMATCH for another settlement,
 * OPERATOR_PIN_MISMATCH for another owner; `file` names the deployment file in the message.
 */
export function assertPinned(deployment: ProtocolDeployment, pin: DeploymentPin, file: string): void {
  if (!same(deployment.addresses.settlement, pin.settlement)) {
    throw new CodedError(
      "DEPLOYMENT_PIN_MISMATCH",
      "input",
      `${file}: its settlement is ${deployment.addresses.settlement}, the pinned one (--settlement or OPEN_SETTLEMENT) is ${pin.settlement}: a deployment of someone else's (it may be genuine), or the wrong pin; nothing was sent`,
    );
  }
  if (pin.operator !== undefined && !same(deployment.operator, pin.operator)) {
    throw new CodedError(
      "OPERATOR_PIN_MISMATCH",
      "input",
      `${file}: the settlement's owner is ${deployment.operator}, the pinned operator (--operator) is ${pin.operator}; nothing was sent`,
    );
  }
}
