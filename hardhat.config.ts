import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";

// The compiler comes from the `solc` npm package: Hardhat's own download of solc needs a network
// this project cannot assume. Its WASM build is slower than native solc but identical in output.
const require = createRequire(import.meta.url);
const solcVersion: string = require("solc/package.json").version;

export default defineConfig({
  plugins: [hardhatEthers],
  solidity: {
    version: solcVersion,
    path: require.resolve("solc/soljson.js"),
    // runs 200: PayoutSettlement (three batch kinds, commit, contest, forfeit, lineage, release in
    // row ranges) is 22,529 bytes deployed, 24,723 at runs 1000; the limit of EIP-170 is 24,576.
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" },
  },
  paths: {
    sources: "verifier-contracts/contracts",
    artifacts: "build/artifacts",
    cache: "build/hardhat-cache",
  },
});
