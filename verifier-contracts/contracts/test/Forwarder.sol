// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Forwarder (tests only)
/// @notice Calls a contract with the caller's calldata, as a relayer, a batcher or a smart account
/// does: the settlement sees this contract as msg.sender and the transaction's `to` is this
/// contract, not the settlement. `forwardAll` makes several calls in one transaction. A revert of
/// any call is bubbled up.
contract Forwarder {
    /// @notice Calls `target` with `data`; returns what it returned.
    function forward(address target, bytes calldata data) public returns (bytes memory) {
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    /// @notice Calls `target` with each of `data` in order, in this one transaction.
    function forwardAll(address target, bytes[] calldata data) external {
        for (uint256 i = 0; i < data.length; ++i) forward(target, data[i]);
    }
}
