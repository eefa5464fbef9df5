// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title GasMeter
/// @notice Benchmark fixture that meters parts of a transaction the settlement benchmark breaks
/// its gas into, read with eth_call (nothing is kept): the gas of one call (a Groth16
/// verification) and the gas of the ERC-20 transfers alone of a payout (the same SafeERC20 call
/// PayoutSettlement makes, to the same fresh holders, from this contract's own balance; loop and
/// calldata excluded). Not access controlled: it is a benchmark fixture only.
contract GasMeter {
    using SafeERC20 for IERC20;

    error CallFailed(address target);
    error LengthMismatch(uint256 recipients, uint256 amounts);

    /// Gas `target` used to run `data`, as a static call (a verifier's view function).
    function callGas(address target, bytes calldata data) external view returns (uint256 used) {
        uint256 before = gasleft();
        (bool ok,) = target.staticcall(data);
        used = before - gasleft();
        if (!ok) revert CallFailed(target);
    }

    /// Gas of the transfers alone: each safeTransfer metered on its own, summed.
    function transferGas(IERC20 token, address[] calldata to, uint256[] calldata amounts) external returns (uint256 used) {
        if (to.length != amounts.length) revert LengthMismatch(to.length, amounts.length);
        for (uint256 i = 0; i < to.length; i++) {
            if (amounts[i] == 0) continue;
            uint256 before = gasleft();
            token.safeTransfer(to[i], amounts[i]);
            used += before - gasleft();
        }
    }
}
