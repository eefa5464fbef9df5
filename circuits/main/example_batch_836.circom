// Generated from config/protocol.json by `npm run generate`. Do not edit.
pragma circom 2.1.9;

include "../example_batch.circom";

component main {public [seed, rho]} = ExampleBatch(836, 128, 20, 48, 15);
