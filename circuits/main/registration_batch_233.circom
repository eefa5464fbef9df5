// Generated from config/protocol.json by `npm run generate`. Do not edit.
pragma circom 2.1.9;

include "../registration_batch.circom";

component main {public [seed, rho]} = RegistrationBatch(233, 12, 160, 32, 20);
