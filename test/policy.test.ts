/**
 * The reference model of the reward policy (witness/policy.ts, splitPool): hand-computed splits,
 * every bound it shares with the circuit, and a seeded randomized check of the floor-division
 * invariants, with expected values derived from the definition rather than from the code.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { config } from "../config/index.ts";
import { splitPool, type ContributorTotal } from "../witness/policy.ts";
import { prng } from "./helpers/prng.ts";

const { addressBits, totalBits, poolBits } = config.widths;
const ADDRESS_LIMIT = 1n << BigInt(addressBits);
const AMOUNT_LIMIT = 1n << BigInt(totalBits);
const POOL_LIMIT = 1n << BigInt(poolBits);

/** Asserts that `fn` throws a RangeError whose message names every one of `fragments`. */
function throwsNaming(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RangeError, `expected a RangeError, got ${String(error)}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `"${error.message}" should name ${fragment}`);
    return true;
  });
}

describe("splitPool: hand-computed splits", () => {
  test("pool 10 over three equal shares: 3 each, remainder 1 each, dust 1", () => {
    const table = splitPool(
      [
        { address: 3n, amount: 1n },
        { address: 1n, amount: 1n },
        { address: 2n, amount: 1n },
      ],
      10n,
      config,
    );
    assert.equal(table.total, 3n);
    assert.deepEqual(table.rows, [
      { address: 3n, amount: 1n, reward: 3n, remainder: 1n },
      { address: 1n, amount: 1n, reward: 3n, remainder: 1n },
      { address: 2n, amount: 1n, reward: 3n, remainder: 1n },
    ]);
    assert.equal(table.dust, 1n);
  });

  test("pool 7 over amounts 2 and 3: floor(14/5) = 2 r 4, floor(21/5) = 4 r 1, dust 1; rows in registration order", () => {
    const table = splitPool(
      [
        { address: 0x50n, amount: 2n },
        { address: 0x30n, amount: 3n },
      ],
      7n,
      config,
    );
    assert.deepEqual(table, {
      pool: 7n,
      total: 5n,
      rows: [
        { address: 0x50n, amount: 2n, reward: 2n, remainder: 4n },
        { address: 0x30n, amount: 3n, reward: 4n, remainder: 1n },
      ],
      dust: 1n,
    });
  });

  test("an exact split leaves no dust; a zero amount is paid 0", () => {
    const table = splitPool(
      [1n, 2n, 3n, 4n, 0n].map((amount, i) => ({ address: BigInt(i + 1), amount })),
      100n,
      config,
    );
    assert.deepEqual(
      table.rows.map((r) => [r.reward, r.remainder]),
      [
        [10n, 0n],
        [20n, 0n],
        [30n, 0n],
        [40n, 0n],
        [0n, 0n],
      ],
    );
    assert.equal(table.dust, 0n);
  });

  test("pool 0 pays nothing", () => {
    const table = splitPool([{ address: 9n, amount: 5n }], 0n, config);
    assert.deepEqual(table.rows, [{ address: 9n, amount: 5n, reward: 0n, remainder: 0n }]);
    assert.equal(table.dust, 0n);
  });

  test("every width at its maximum: pool 2^93 - 1, S = 2^64 - 1, address 2^160 - 1", () => {
    const pool = POOL_LIMIT - 1n;
    const big = AMOUNT_LIMIT / 2n; // 2^63
    const table = splitPool(
      [
        { address: ADDRESS_LIMIT - 1n, amount: big },
        { address: 1n, amount: big - 1n },
      ],
      pool,
      config,
    );
    assert.equal(table.total, AMOUNT_LIMIT - 1n);
    // pool * 2^63 = reward * (2^64 - 1) + remainder, checked by the definition.
    const [high, low] = table.rows as [(typeof table.rows)[0], (typeof table.rows)[0]];
    assert.equal(high.address, ADDRESS_LIMIT - 1n);
    assert.equal(high.reward * table.total + high.remainder, pool * big);
    assert.equal(low.reward * table.total + low.remainder, pool * (big - 1n));
    assert.ok(high.reward < POOL_LIMIT && low.reward < POOL_LIMIT);
  });

  test("the input array is neither reordered nor mutated", () => {
    const input: ContributorTotal[] = [
      { address: 2n, amount: 1n },
      { address: 1n, amount: 1n },
    ];
    const copy = structuredClone(input);
    splitPool(input, 10n, config);
    assert.deepEqual(input, copy);
  });
});

describe("splitPool: an address that registered twice", () => {
  test("has two rows, each floored on its own", () => {
    const table = splitPool(
      [
        { address: 0xabcn, amount: 1n },
        { address: 0xabcn, amount: 2n },
      ],
      10n,
      config,
    );
    assert.deepEqual(
      table.rows.map((r) => [r.address, r.reward]),
      [
        [0xabcn, 3n],
        [0xabcn, 6n],
      ],
    );
    assert.equal(table.dust, 1n);
  });
});

describe("splitPool: bounds, each a RangeError naming the offending value", () => {
  test("address 0 (reserved for padding rows)", () => {
    throwsNaming(() => splitPool([{ address: 0n, amount: 1n }], 10n, config), "address 0 ");
  });
  test("negative address", () => {
    throwsNaming(() => splitPool([{ address: -5n, amount: 1n }], 10n, config), "-5");
  });
  test(`address 2^${addressBits}`, () => {
    throwsNaming(() => splitPool([{ address: ADDRESS_LIMIT, amount: 1n }], 10n, config), ADDRESS_LIMIT.toString());
  });
  test(`amount 2^${totalBits}`, () => {
    throwsNaming(() => splitPool([{ address: 7n, amount: AMOUNT_LIMIT }], 10n, config), AMOUNT_LIMIT.toString(), "0x7");
  });
  test("negative amount", () => {
    throwsNaming(() => splitPool([{ address: 7n, amount: -1n }], 10n, config), "-1", "0x7");
  });
  test("zero total (no contributors, or every amount 0)", () => {
    throwsNaming(() => splitPool([], 10n, config), "0");
    throwsNaming(
      () =>
        splitPool(
          [
            { address: 1n, amount: 0n },
            { address: 2n, amount: 0n },
          ],
          10n,
          config,
        ),
      "0",
    );
  });
  test(`a sum of in-range amounts reaching 2^${totalBits}`, () => {
    const half = AMOUNT_LIMIT / 2n;
    throwsNaming(
      () =>
        splitPool(
          [
            { address: 1n, amount: half },
            { address: 2n, amount: half },
          ],
          10n,
          config,
        ),
      AMOUNT_LIMIT.toString(),
    );
  });
  test(`pool 2^${poolBits}`, () => {
    throwsNaming(() => splitPool([{ address: 1n, amount: 1n }], POOL_LIMIT, config), POOL_LIMIT.toString());
  });
  test("negative pool", () => {
    throwsNaming(() => splitPool([{ address: 1n, amount: 1n }], -1n, config), "-1");
  });
  test("the largest accepted values do not throw", () => {
    assert.doesNotThrow(() => splitPool([{ address: ADDRESS_LIMIT - 1n, amount: AMOUNT_LIMIT - 1n }], POOL_LIMIT - 1n, config));
  });
});

describe("splitPool: randomized invariants (seeded)", () => {
  const SEED = 0x5eed_2026n;
  const CASES = 300;

  test(`${CASES} random tables from seed 0x${SEED.toString(16)}: floor division, sum <= pool, rows in input order`, () => {
    const rng = prng(SEED);
    for (let n = 0; n < CASES; n++) {
      const count = rng.int(1, 40);
      // Amount magnitudes vary per table so that tiny, huge and zero amounts all occur.
      const amountBits = rng.int(0, totalBits - 6);
      const contributors: ContributorTotal[] = Array.from({ length: count }, () => ({
        address: rng.below(ADDRESS_LIMIT - 1n) + 1n,
        amount: rng.int(0, 9) === 0 ? 0n : rng.below(1n << BigInt(amountBits)),
      }));
      if (contributors.every((c) => c.amount === 0n)) contributors[0] = { ...contributors[0]!, amount: 1n };
      const pool = rng.below(POOL_LIMIT);
      const context = `case ${n} (seed 0x${SEED.toString(16)})`;

      const table = splitPool(contributors, pool, config);
      const S = contributors.reduce((sum, c) => sum + c.amount, 0n);
      assert.equal(table.total, S, context);
      assert.equal(table.pool, pool, context);

      // Floor division, by its definition: reward * S + rem == R * T and 0 <= rem < S.
      for (const row of table.rows) {
        assert.equal(row.reward * S + row.remainder, pool * row.amount, context);
        assert.ok(row.remainder >= 0n && row.remainder < S, context);
        assert.ok(row.reward >= 0n && row.reward < POOL_LIMIT, context);
      }
      // Dust: what the floors leave. Each floor loses less than 1, so 0 <= dust < count.
      const paid = table.rows.reduce((sum, r) => sum + r.reward, 0n);
      assert.ok(paid <= pool, context);
      assert.equal(table.dust, pool - paid, context);
      assert.ok(table.dust < BigInt(count), context);
      assert.equal(
        table.dust * S,
        table.rows.reduce((sum, r) => sum + r.remainder, 0n),
        context,
      );

      // Row j pays registration j: the same (address, amount) pairs, in the input's order.
      const pairs = (rows: readonly ContributorTotal[]) => rows.map((c) => [c.address, c.amount]);
      assert.deepEqual(pairs(table.rows), pairs(contributors), context);

      // A row's reward depends on its own amount and S only, not on its position.
      const reversed = splitPool([...contributors].reverse(), pool, config);
      assert.deepEqual(reversed.rows, [...table.rows].reverse(), context);
    }
  });
});
