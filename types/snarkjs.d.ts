// snarkjs ships no types. Declared here: only what this project calls, with the shapes it relies on.
declare module "snarkjs" {
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export type Logger = { info(...a: unknown[]): void; debug(...a: unknown[]): void; warn?(...a: unknown[]): void; error?(...a: unknown[]): void };
  export const groth16: {
    fullProve(input: object, wasm: string | Uint8Array, zkey: string | Uint8Array | object, logger?: Logger, wtnsCalcOptions?: object, proverOptions?: object): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    prove(zkey: string | Uint8Array | object, witness: string | Uint8Array | object, logger?: Logger, options?: object): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vk: object, publicSignals: readonly (string | bigint)[], proof: Groth16Proof, logger?: Logger): Promise<boolean>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: string, logger?: Logger): Promise<unknown>;
    contribute(oldFile: string, newFile: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    preparePhase2(oldFile: string, newFile: string, logger?: Logger): Promise<unknown>;
    /** Checks every contribution of a ptau file; false (with the reason sent to logger.error) when one fails. */
    verify(ptauFile: string, logger?: Logger): Promise<boolean>;
    beacon(oldFile: string, newFile: string, name: string, beaconHashHex: string, numIterationsExp: number, logger?: Logger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
    /** Returns the contribution hash (64 bytes). The entropy is mixed with 64 bytes snarkjs draws itself. */
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    /** Returns the contribution hash, or false when the beacon parameters are invalid (hash 1-255 bytes of hex, exp 10-63). */
    beacon(oldZkey: string, newZkey: string, name: string, beaconHashHex: string, numIterationsExp: number, logger?: Logger): Promise<Uint8Array | false>;
    /** true when every contribution follows from the previous and the key is the circuit's; false with the reason sent to logger.error (or console.log). */
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
    verifyFromInit(initZkey: string, ptau: string, zkey: string, logger?: Logger): Promise<boolean>;
    exportVerificationKey(zkey: string | Uint8Array, logger?: Logger): Promise<Record<string, unknown>>;
    exportSolidityVerifier(zkey: string, templates: Record<string, string>, logger?: Logger): Promise<string>;
  };
  export const wtns: {
    calculate(input: object, wasm: string | Uint8Array, out: string | object, options?: object): Promise<void>;
    check(r1cs: string, wtns: string, logger?: Logger): Promise<boolean>;
  };
  export const r1cs: { info(file: string, logger?: Logger): Promise<{ nConstraints: number; nPubInputs: number; nOutputs: number; nVars: number }> };
  export const curves: { getCurveFromName(name: string, options?: object): Promise<{ terminate(): Promise<void> }> };
}
