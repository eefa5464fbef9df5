// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Compiles poseidon-solidity's PoseidonT4 (circomlib's Poseidon of three inputs) into this
// project's artifacts, so the deployment can put it on chain for ContributorRegistry to call.
import {PoseidonT4} from "poseidon-solidity/PoseidonT4.sol";
