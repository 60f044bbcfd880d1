// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title Anchors of the ehr-ledger Hyperledger Fabric channels
/// @notice Each anchor records that a channel's block `blockNumber` had the header hash
/// `headerHash` (SHA-256 of the DER-encoded header: number, previous hash, data hash). Every
/// header commits to the one before it, so one anchor covers the whole history up to that block.
/// @dev Storage is one slot per channel (the newest anchor's numbers), rewritten by each anchor;
/// the header hash itself lives in the Anchored event, which is as permanent as storage (it is
/// committed to by the receipts root of the Ethereum block) and far cheaper. `latest` gives the
/// Ethereum block of the newest anchor's event, and each event gives the block of the anchor
/// before it, so a reader walks the history with exact-block log queries.
contract EhrAnchor is Ownable2Step {
    struct Latest {
        uint64 blockNumber; // Fabric block number of the newest anchor
        uint64 ethBlock; // Ethereum block holding that anchor's event
        uint64 count; // anchors recorded for the channel
    }

    /// @notice The newest anchor of each channel (channel name as a bytes32 string).
    mapping(bytes32 channel => Latest) private _latest;
    /// @notice The member (Fabric MSP id as a bytes32 string) an anchorer address acts for.
    mapping(address anchorer => bytes32 member) public memberOf;
    /// @notice Each member's single authorized anchorer address.
    mapping(bytes32 member => address anchorer) public anchorerOf;

    event Anchored(
        bytes32 indexed channel,
        uint64 indexed blockNumber,
        address indexed anchorer,
        bytes32 headerHash,
        bytes32 member,
        uint64 previousEthBlock
    );
    event AnchorerChanged(bytes32 indexed member, address indexed previous, address indexed anchorer);

    error NotAnchorer(address account);
    error NotIncreasing(bytes32 channel, uint64 blockNumber, uint64 latestBlockNumber);
    error EmptyValue();
    error AnchorerOfOtherMember(address anchorer, bytes32 member);
    error RenounceDisabled();

    constructor(address initialOwner) Ownable(initialOwner) {}

    /// @notice Records an anchor. Only a member's anchorer may call it, and `blockNumber` must be
    /// above the channel's newest anchored block number.
    function anchor(bytes32 channel, uint64 blockNumber, bytes32 headerHash) external {
        bytes32 member = memberOf[msg.sender];
        if (member == bytes32(0)) revert NotAnchorer(msg.sender);
        if (channel == bytes32(0) || headerHash == bytes32(0)) revert EmptyValue();
        Latest memory last = _latest[channel];
        if (last.count != 0 && blockNumber <= last.blockNumber) {
            revert NotIncreasing(channel, blockNumber, last.blockNumber);
        }
        _latest[channel] = Latest(blockNumber, uint64(block.number), last.count + 1);
        emit Anchored(channel, blockNumber, msg.sender, headerHash, member, last.ethBlock);
    }

    /// @notice The newest anchor of `channel`: its Fabric block number, the Ethereum block whose
    /// Anchored event carries its header hash, and how many anchors the channel has (0: none).
    function latest(bytes32 channel) external view returns (uint64 blockNumber, uint64 ethBlock, uint64 count) {
        Latest memory last = _latest[channel];
        return (last.blockNumber, last.ethBlock, last.count);
    }

    /// @notice Authorizes `anchorer` for `member`, replacing (and revoking) its previous anchorer.
    function setAnchorer(bytes32 member, address anchorer) external onlyOwner {
        if (member == bytes32(0) || anchorer == address(0)) revert EmptyValue();
        bytes32 current = memberOf[anchorer];
        if (current != bytes32(0) && current != member) revert AnchorerOfOtherMember(anchorer, current);
        address previous = anchorerOf[member];
        if (previous != address(0)) delete memberOf[previous];
        memberOf[anchorer] = member;
        anchorerOf[member] = anchorer;
        emit AnchorerChanged(member, previous, anchorer);
    }

    /// @notice Revokes `member`'s anchorer (e.g. a hospital leaving the consortium).
    function removeAnchorer(bytes32 member) external onlyOwner {
        address previous = anchorerOf[member];
        if (previous == address(0)) revert EmptyValue();
        delete memberOf[previous];
        delete anchorerOf[member];
        emit AnchorerChanged(member, previous, address(0));
    }

    /// @dev An owner-less contract could never rotate a compromised anchorer key: ownership may
    /// only be handed over (two steps), never dropped.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceDisabled();
    }
}
