// Generated from config/protocol.json by `npm run generate`. Do not edit.
pragma circom 2.1.9;

include "../payout_batch.circom";

component main {public [seed, rho]} = PayoutBatch(131, 160, 64, 93, 16, 20, 15);
