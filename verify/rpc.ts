/**
 * The JSON-RPC provider verify/ reads a chain with. Two settings, both about robustness:
 *   - staticNetwork: the chain id is asked once, not before every call;
 *   - no keep-alive: Node's default agent keeps idle sockets for reuse, and a node that closes
 *     an idle socket (hardhat node does after 5 s) makes the next request on it fail with
 *     ECONNRESET; ethers' Node transport attaches no error listener to its requests, so that
 *     error kills the process instead of rejecting the call. Verification makes a few dozen
 *     calls, separated by seconds of pairing checks: one connection per call costs nothing.
 */
import http from "node:http";
import https from "node:https";
import { FetchRequest, JsonRpcProvider } from "ethers";

/** A provider for `rpcUrl` (http or https); the caller destroys it. */
export function openProvider(rpcUrl: string): JsonRpcProvider {
  const request = new FetchRequest(rpcUrl);
  const agent = rpcUrl.startsWith("https:") ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
  request.getUrlFunc = FetchRequest.createGetUrlFunc({ agent });
  return new JsonRpcProvider(request, undefined, { staticNetwork: true });
}
