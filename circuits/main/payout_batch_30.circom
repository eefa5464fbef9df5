pragma circom 2.1.9;
include "../payout_batch.circom";
component main {public [rho]} = PayoutBatch(30, 160, 64, 93, 15);
