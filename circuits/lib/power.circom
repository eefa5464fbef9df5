pragma circom 2.1.9;

// Square-and-multiply over bits, for the random linear combinations of the protocol
// (sum T_c r^c == sum s_e r^(c_e)): a power r^c with c given by its bits.
//
// Squares(n): out[k] = x^(2^k), k < n. n - 1 constraints. Shared by every row of a batch.
template Squares(n) {
    assert(n >= 1);
    signal input x;
    signal output out[n];
    out[0] <== x;
    for (var k = 1; k < n; k++) {
        out[k] <== out[k - 1] * out[k - 1];
    }
}

// PowerByBits(n): out = prod_k (bits[k] ? squares[k] : 1) = x^(sum bits[k] 2^k).
// 2n - 1 constraints. Does NOT check that bits are bits: the caller passes the outputs of a
// Num2Bits (which range-checks the exponent), and squares from Squares(n).
template PowerByBits(n) {
    assert(n >= 1);
    signal input squares[n];
    signal input bits[n];
    signal output out;
    signal acc[n];
    signal factor[n];
    factor[0] <== bits[0] * (squares[0] - 1);
    acc[0] <== 1 + factor[0];
    for (var k = 1; k < n; k++) {
        factor[k] <== bits[k] * (squares[k] - 1);
        acc[k] <== acc[k - 1] + acc[k - 1] * factor[k];
    }
    out <== acc[n - 1];
}

// PowerByConstant(e): out = x^e for a compile-time e >= 1.
template PowerByConstant(e) {
    assert(e >= 1);
    var n = 0;
    while ((1 << n) <= e) {
        n++;
    }
    signal input x;
    signal output out;
    signal squares[n] <== Squares(n)(x);
    signal acc[n + 1];
    acc[0] <== 1;
    for (var k = 0; k < n; k++) {
        if ((e >> k) & 1 == 1) {
            acc[k + 1] <== acc[k] * squares[k];
        } else {
            acc[k + 1] <== acc[k];
        }
    }
    out <== acc[n];
}
