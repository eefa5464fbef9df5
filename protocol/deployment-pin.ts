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
 */
import type { ProtocolDeployment } from "./deployment.ts";
import { ProtocolInputError } from "./errors.ts";

export interface DeploymentPin {
  /** The settlement contract's address, as the operator published it. */
  readonly settlement: string;
  /** The settlement's owner now, when the party also pins it. */
  readonly operator?: string;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Refuses `deployment` unless it is the pinned one: DEPLOYMENT_PIN_MISMATCH for another settlement,
 * OPERATOR_PIN_MISMATCH for another owner; `file` names the deployment file in the message.
 */
export function assertPinned(deployment: ProtocolDeployment, pin: DeploymentPin, file: string): void {
  if (!same(deployment.addresses.settlement, pin.settlement)) {
    throw new ProtocolInputError("DEPLOYMENT_PIN_MISMATCH", `${file}: its settlement is ${deployment.addresses.settlement}, the pinned one (--settlement or OPEN_SETTLEMENT) is ${pin.settlement}: a deployment of someone else's (it may be genuine), or the wrong pin; nothing was sent`);
  }
  if (pin.operator !== undefined && !same(deployment.operator, pin.operator)) {
    throw new ProtocolInputError("OPERATOR_PIN_MISMATCH", `${file}: the settlement's owner is ${deployment.operator}, the pinned operator (--operator) is ${pin.operator}; nothing was sent`);
  }
}
