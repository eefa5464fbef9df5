/**
 * Transaction hashes and contract addresses, as links to a block explorer when the caller names
 * one (e.g. https://sepolia.etherscan.io: <base>/tx/<hash>, <base>/address/<address>), as plain
 * text otherwise (a local development chain has no explorer). Only well-formed hashes and
 * addresses become links, and only under an http(s) base, so a record cannot smuggle a URL in.
 */
import { html, type SafeHtml } from "./html-escape.ts";

export interface ExplorerLinks {
  tx(hash: string): SafeHtml;
  address(address: string): SafeHtml;
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function explorerLinks(explorerUrl: string | undefined): ExplorerLinks {
  if (explorerUrl !== undefined && !/^https?:\/\/[^\s"'<>]+$/.test(explorerUrl)) {
    throw new RangeError(`explorerUrl: expected an http(s) URL such as https://etherscan.io, got ${JSON.stringify(explorerUrl)}`);
  }
  const base = explorerUrl?.replace(/\/+$/, "");
  const link = (path: string, value: string, form: RegExp) =>
    base !== undefined && form.test(value)
      ? html`<a href="${`${base}/${path}/${value}`}"><code>${value}</code></a>`
      : html`<code>${value}</code>`;
  return {
    tx: (hash) => link("tx", hash, TX_HASH),
    address: (address) => link("address", address, ADDRESS),
  };
}
