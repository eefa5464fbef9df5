// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface INestedSettlement {
    function openEpoch(uint64 epoch, uint64 closesAt, bytes32 validationCommitment, uint256 pool, address trainer, uint64 follows)
        external;
    function cancelEpoch(uint64 epoch) external;
}

interface IHookedToken {
    function setSendHook(bool on) external;
}

/// @title NestingOperator (tests only, red team 8)
/// @notice A settlement owner (a contract, as a multisig or smart account is) that, from the token's
/// sender hook, opens a further epoch whose pool is the fee the pool being sent loses: each nested
/// pool arrives inside the outer one's balance check, so both count it.
contract NestingOperator {
    IERC20 public immutable token;
    INestedSettlement public immutable settlement;
    address public immutable operator;
    uint64 public nextEpoch;
    uint64 public closesAt;
    bytes32 public validation;
    address public trainer;

    constructor(IERC20 token_, INestedSettlement settlement_) {
        token = token_;
        settlement = settlement_;
        operator = msg.sender;
        IHookedToken(address(token_)).setSendHook(true);
        token_.approve(address(settlement_), type(uint256).max);
    }

    /// @notice Opens `epoch` with `pool`; the fees of its transfer are covered by nested epochs
    /// `epoch + 1`, `epoch + 2`, ... opened from the hook.
    function open(uint64 epoch, uint64 closesAt_, bytes32 validation_, uint256 pool, address trainer_) external {
        require(msg.sender == operator, "operator");
        (nextEpoch, closesAt, validation, trainer) = (epoch + 1, closesAt_, validation_, trainer_);
        settlement.openEpoch(epoch, closesAt_, validation_, pool, trainer_, 0);
    }

    function cancel(uint64 epoch) external {
        require(msg.sender == operator, "operator");
        settlement.cancelEpoch(epoch);
    }

    /// The token's sender hook: the pool `value` is about to be sent, and will arrive short by its fee.
    function tokensToSend(address to, uint256 value) external {
        if (msg.sender != address(token) || to != address(settlement) || value / 100 == 0) return;
        uint64 epoch = nextEpoch++;
        settlement.openEpoch(epoch, closesAt, validation, value / 100, trainer, 0);
    }
}
