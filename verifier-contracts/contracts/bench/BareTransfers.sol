// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title BareTransfers
/// @notice Gas baseline for the settlement benchmark: pays a list of recipients from this
/// contract's own balance with the same SafeERC20 transfer PayoutSettlement uses, and nothing
/// else (no proof, no bookkeeping). Not access controlled: it is a benchmark fixture only.
contract BareTransfers {
    using SafeERC20 for IERC20;

    error LengthMismatch(uint256 recipients, uint256 amounts);

    function distribute(IERC20 token, address[] calldata to, uint256[] calldata amounts) external {
        if (to.length != amounts.length) revert LengthMismatch(to.length, amounts.length);
        for (uint256 i = 0; i < to.length;) {
            token.safeTransfer(to[i], amounts[i]);
            unchecked {
                ++i;
            }
        }
    }
}
