// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// The sender's hook HookedTaxedToken calls before moving its tokens (ERC-777's tokensToSend).
interface ITokensSender {
    function tokensToSend(address to, uint256 value) external;
}

/// @title HookedTaxedToken (tests only, red team 8)
/// @notice TaxedToken's 1 % fee on transfer (the recipient gets 99 %, the rest is burned), plus the
/// sender hook of ERC-777: an account that opted in (setSendHook) is called before its tokens
/// move, as ERC-777 calls the tokensToSend implementer its holder registered. Otherwise
/// OpenToken's interface: the owner mints (untaxed).
contract HookedTaxedToken is ERC20, Ownable {
    mapping(address account => bool) public sendHook;

    constructor(address initialOwner) ERC20("HookedTaxed", "HTX") Ownable(initialOwner) {}

    /// @notice Mints `amount` base units to `to`. Owner only.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Whether the caller's tokensToSend is called before its tokens move.
    function setSendHook(bool on) external {
        sendHook[msg.sender] = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        if (sendHook[from]) ITokensSender(from).tokensToSend(to, value);
        uint256 tax = value / 100;
        super._update(from, address(0), tax);
        super._update(from, to, value - tax);
    }
}
