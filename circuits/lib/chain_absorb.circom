pragma circom 2.1.9;

include "circomlib/circuits/poseidon.circom";

// ChainAbsorb(n, w): the Poseidon commitment chain shared by every table of the protocol.
//
// Absorbs n field elements into a running hash, w elements per Poseidon call:
//   h = hIn; for each chunk c of at most w consecutive elements: h = Poseidon(h, c...)
// One wide Poseidon(1 + w) over many rows costs far less per row than one hash per row
// (Poseidon(16) ~ 600 constraints for 15 elements, Poseidon(3) ~ 240 for 2).
// witness/commitment.ts computes the same chain natively; both read w from config/protocol.json.
//
// Enforces: hOut is the chain over exactly these elements. It does not range-check the elements:
// the caller packs rows injectively (range-checked limbs) before absorbing them.
template ChainAbsorb(n, w) {
    assert(n >= 1);
    assert(w >= 1 && w <= 15);

    signal input hIn;
    signal input elements[n];
    signal output hOut;

    var fullChunks = n \ w;
    var tail = n - fullChunks * w;
    var chunks = fullChunks + (tail > 0 ? 1 : 0);

    signal h[chunks + 1];
    h[0] <== hIn;

    component full[fullChunks];
    for (var c = 0; c < fullChunks; c++) {
        full[c] = Poseidon(w + 1);
        full[c].inputs[0] <== h[c];
        for (var j = 0; j < w; j++) {
            full[c].inputs[j + 1] <== elements[c * w + j];
        }
        h[c + 1] <== full[c].out;
    }

    if (tail > 0) {
        component last = Poseidon(tail + 1);
        last.inputs[0] <== h[fullChunks];
        for (var j = 0; j < tail; j++) {
            last.inputs[j + 1] <== elements[fullChunks * w + j];
        }
        h[chunks] <== last.out;
    }

    hOut <== h[chunks];
}
