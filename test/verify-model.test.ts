/**
 * The skeptic's model of Soundness II (verify/model/) against vectors pinned when it was first
 * cross-checked with the prover's witness/ (registration-commitment.ts, challenge.ts,
 * example-batches.ts, registration-batches.ts and payout-batches.ts gave the same numbers, with
 * poseidon-lite and ethers' AbiCoder where verify/ has noble's Poseidon and hand-written
 * encodings): C_j, the registry fold, both domains, the seed, the challenges, and every public value
 * of small claim, registration and payout tables (a duplicate claim, a negative score, an excluded
 * registrant, a list crossing batches, an address with two registrations), the exclusion chain
 * commitExclusion. The C_j, fold, seed and exclusion chain are also compared with witness/ live on
 * random inputs (its committed, stable parts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { config, FIELD_MODULUS } from "../config/index.ts";
import {
  buildRegistrationBatches,
  challengesOf,
  claimBatchValues,
  commitClaimTable,
  commitPayoutTable,
  epochDomain,
  epochSeed,
  exclusionChain,
  exclusionHash,
  exclusionOrders,
  exclusionSum,
  identitySides,
  poseidonHash,
  payoutBatchValues,
  registrationCommitment,
  registrationDomain,
  registryFold,
  senderWord,
  type RegistrantEntry,
} from "../verify/model/index.ts";
import { epochSeed as witnessSeed, exclusionHash as witnessExclusionHash } from "../witness/challenge.ts";
import { exclusionChain as witnessExclusionChain } from "../witness/registration-batches.ts";
import {
  registrationCommitment as witnessCommitment,
  registryFold as witnessFold,
  senderWord as witnessSenderWord,
} from "../witness/registration-commitment.ts";
import { prng } from "./helpers/prng.ts";

const w = config.widths;
const chunk = config.registrationBatch.chunk;
const absorb = config.hash.chainAbsorbWidth;
const domain = 1234567n;
const regDomain = 7654321n;
const seed = 98765432123456789n;
const c = challengesOf(seed);

test("challenges: gamma = Poseidon(seed, 1), beta = Poseidon(seed, 2), r = seed (pinned)", () => {
  assert.equal(c.r, seed);
  assert.equal(c.gamma, 19663404343174076633783228970892136672184986479431790398120085013604193819122n);
  assert.equal(c.beta, 10888959982200144450035868753186578383513805317944280490239513468908903708957n);
});

test("domains: keccak(abi.encode(chainid, contract, epoch)) mod p, the same formula for the settlement and the registry", () => {
  const at = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  assert.equal(registrationDomain(31337n, at, 7n), 21557569747626290594508522306590535013670210000044113757043109659971759524628n);
  assert.equal(epochDomain(31337n, at, 7n), registrationDomain(31337n, at, 7n));
  assert.throws(() => registrationDomain(31337n, "0x1234", 7n), TypeError);
});

test("the exclusion chain commitExclusion: 0, then Poseidon(E, j, regDomain, 0, ..., 0) with w + 3 inputs per excluded order (pinned)", () => {
  const step = (e: bigint, j: bigint) => poseidonHash([e, j, regDomain, ...Array<bigint>(chunk).fill(0n)]);
  assert.equal(exclusionChain([], chunk, regDomain), 0n);
  assert.equal(exclusionChain([1], chunk, regDomain), 7043895953875399218760373102986410093251443678126125781994619382129778315818n);
  assert.equal(exclusionChain([1, 3], chunk, regDomain), 14793767205719670362750824041596827274878756875793910436175006978434666528723n);
  assert.equal(exclusionChain([1, 3], chunk, regDomain), step(step(0n, 1n), 3n));
  assert.notEqual(exclusionChain([3], chunk, regDomain), exclusionChain([1, 3], chunk, regDomain));
  for (const bad of [[3, 1], [1, 1], [-1], [0.5]]) assert.throws(() => exclusionChain(bad, chunk, regDomain), RangeError);
  assert.throws(() => exclusionChain([], 14, regDomain), RangeError);
});

test("the seed as commitEpoch draws it, and keccak of X's bitmap (pinned)", () => {
  const commit = {
    commitExamples: 11n,
    commitPayouts: 22n,
    commitExclusion: exclusionChain([1, 3], chunk, regDomain),
    total: 333n,
    exampleBatches: 3,
    registrationBatches: 2,
    payoutBatches: 1,
    modelHash: `0x${"ab".repeat(32)}`,
  };
  assert.equal(
    epochSeed({ domain: 999n, commit, fold: 77n, registrants: 5, exclusion: [1, 3], pool: 10n ** 24n }),
    14113145405981419290832904332891559378685641450559422216673183801058298148891n,
  );
  // X as a bitmap over the m = 5 registrations: 0x0a for {1, 3}, 0x00 for none.
  assert.equal(exclusionHash([1, 3], 5), "0x0ef9d8f8804d174666011a394cab7901679a8944d24249fd148a6a36071151f8");
  assert.equal(exclusionHash([], 5), "0xbc36789e7a1e281436464229828f817d6612f7b477d66591ff96a9e064bcc98a");
  assert.deepEqual(exclusionOrders("0x0a"), [1, 3]);
  // Every field of the commit moves the seed.
  const base = { domain: 999n, commit, fold: 77n, registrants: 5, exclusion: [1, 3], pool: 10n ** 24n };
  const seeds = new Set([
    epochSeed(base),
    epochSeed({ ...base, fold: 78n }),
    epochSeed({ ...base, registrants: 6 }),
    epochSeed({ ...base, exclusion: [1] }),
    epochSeed({ ...base, pool: 1n }),
    epochSeed({ ...base, commit: { ...commit, registrationBatches: 3 } }),
    epochSeed({ ...base, commit: { ...commit, modelHash: `0x${"cd".repeat(32)}` } }),
    epochSeed({ ...base, commit: { ...commit, commitExclusion: exclusionChain([1], chunk, regDomain) } }),
  ]);
  assert.equal(seeds.size, 8);
  assert.throws(() => epochSeed({ ...base, commit: { ...commit, commitExclusion: FIELD_MODULUS } }), RangeError);
});

const senders = [
  0x1111111111111111111111111111111111111111n,
  0x2222222222222222222222222222222222222222n,
  0x1111111111111111111111111111111111111111n,
  0x3333333333333333333333333333333333333333n,
];
const lists = [Array.from({ length: 27 }, (_, i) => BigInt(100 + i)), [], [7n], Array.from({ length: 13 }, (_, i) => BigInt(1000 + 3 * i))];
const salts = [11n, 0n, 33n, 44n];
/** Four registrants: 27 hashes (3 rows), excluded (registered 5 under C = 424242), 1 hash by the first's address again, 13 hashes (2 rows). */
const entries: RegistrantEntry[] = senders.map((sender, j) =>
  j === 1
    ? { sender, count: 5, salt: 0n, hashes: [], excluded: true, commitment: 424242n }
    : {
        sender,
        count: lists[j]!.length,
        salt: salts[j]!,
        hashes: lists[j]!,
        excluded: false,
        commitment: registrationCommitment({ regDomain, sender, salt: salts[j]!, hashes: lists[j]!, chunk }, w),
      },
);

test("C_j: the Poseidon chain over chunks of the list from regDomain, senderN and salt in the first (pinned)", () => {
  assert.deepEqual(
    entries.map((e) => e.commitment),
    [
      15823608445219479034571985067692226685546147906940498316243583607882963955158n,
      424242n,
      13085391266355560225986106805522039998241685650053424319922780507501422525871n,
      2933962903332047296322121639892507005069227846332320192796626340985144054006n,
    ],
  );
  // Bound to the sender, the salt, the domain and every hash.
  const base = { regDomain, sender: senders[0]!, salt: 11n, hashes: lists[0]!, chunk };
  for (const other of [
    { sender: senders[3]! },
    { salt: 12n },
    { regDomain: regDomain + 1n },
    { hashes: [...lists[0]!.slice(0, 26), 999n] },
  ]) {
    assert.notEqual(registrationCommitment({ ...base, ...other }, w), entries[0]!.commitment);
  }
  assert.throws(() => registrationCommitment({ ...base, hashes: [3n, 2n] }, w), /sorted ascending and distinct/);
  assert.throws(() => registrationCommitment({ ...base, hashes: [3n, 3n] }, w), /sorted ascending and distinct/);
  assert.throws(() => registrationCommitment({ ...base, hashes: [1n << 128n] }, w), RangeError);
});

test("C_j, senderN and the registry fold equal witness/'s on random lists, senders, salts and chunk sizes", () => {
  const random = prng(17n);
  const big = (bits: number) => random.below(1n << BigInt(bits));
  let fold = 0n;
  const folded: { commitment: bigint; senderN: bigint }[] = [];
  for (let t = 0; t < 6; t++) {
    const n = random.int(1, 30);
    const hashes = [...new Set(Array.from({ length: n }, () => 1n + big(127)))].sort((a, b) => (a < b ? -1 : 1));
    const sender = 1n + big(159);
    const salt = big(250);
    const k = random.int(1, 13);
    const d = big(250);
    const senderHex = `0x${sender.toString(16).padStart(40, "0")}`;
    const ours = registrationCommitment({ regDomain: d, sender, salt, hashes, chunk: k }, w);
    assert.equal(ours, witnessCommitment({ domain: d, sender: senderHex, salt, hashes, chunk: k }));
    const senderN = senderWord(sender, hashes.length, w);
    assert.equal(senderN, witnessSenderWord(senderHex, hashes.length));
    fold = witnessFold(fold, ours, senderN);
    folded.push({ commitment: ours, senderN });
  }
  assert.equal(registryFold(folded), fold);
});

test("the seed, the exclusion hash and the exclusion chain equal witness/'s (ethers' AbiCoder, poseidon-lite) on random commits", () => {
  const random = prng(5n);
  for (let t = 0; t < 5; t++) {
    const n = (k: number) => random.below(1n << BigInt(32 * k));
    const exclusion = [...new Set(Array.from({ length: t }, () => random.int(0, 49)))].sort((a, b) => a - b);
    const commitExclusion = exclusionChain(exclusion, chunk, regDomain);
    assert.equal(commitExclusion, witnessExclusionChain(exclusion, chunk, regDomain));
    const commit = {
      commitExamples: n(7),
      commitPayouts: n(7),
      commitExclusion,
      total: n(2),
      exampleBatches: 1 + t,
      registrationBatches: 2 + t,
      payoutBatches: 3 + t,
      modelHash: `0x${n(8).toString(16).padStart(64, "0")}`,
    };
    const input = { domain: n(7), commit, fold: n(7), registrants: 50 + t, exclusion, pool: n(2) };
    assert.equal(epochSeed(input), witnessSeed(input));
    assert.equal(exclusionHash(exclusion, 50), witnessExclusionHash(exclusion, 50));
  }
});

const claims = [
  { hash: 5n, j: 0, score: 100n },
  { hash: 5n, j: 2, score: 0n },
  { hash: 9n, j: 1, score: -7n },
  { hash: 11n, j: 0, score: 3n },
  { hash: 12n, j: 2, score: 50n },
  { hash: 2n ** 127n, j: 1, score: 8n },
  { hash: 2n ** 127n + 1n, j: 3, score: 1n },
];

test("claim batches: chain, product, RLC sum, rho and digest of each batch of 3 (pinned)", () => {
  const batches = commitClaimTable(claims, domain, 3, 3, w, absorb).map((b) => claimBatchValues(b, domain, c));
  const pinned = [
    [
      10505127043842627436709188729162446786403647519019008529589294537830249165070n,
      14716185898970016441291764366562732212428502950563836255836985722886652127998n,
      100n,
      5482977162186401006730002295716328967550983432138688633056051071937219172797n,
      8953561064148698130534157322114261551411516905859795358848344493589369579759n,
    ],
    [
      15924103148494927230950078928730750103286051996530231478706955212100882582506n,
      14720126402476874000020402791923501713224255821792958144184449833283914291133n,
      487730529126657511443987194497180365n,
      7116288473617290227636405431965153266247316491586322453687269916333022468507n,
      11089203918056492937625372067598903271445933889752173906023144682943998239529n,
    ],
    [
      16002629259670406493968616701032426375940588774295906182048297437161487758482n,
      8884767268412918505922028456589676610021793742554514039368061489737407082139n,
      963418329379931135580431301446445038399370860897069n,
      16573384712903240661091224069599319873639698367520811041370372781015224812409n,
      8395584741379850042032960235177595337792221272794598547290275297002016608567n,
    ],
  ];
  assert.deepEqual(
    batches.map((b) => [b.chainOut, b.prod, b.rlcSum, b.rho, b.digest]),
    pinned,
  );
  assert.deepEqual(
    batches.map((b) => [b.hashIn, b.jIn, b.hashOut, b.jOut, b.scoreSum]),
    [
      [0n, 0n, 9n, 1n, 100n],
      [9n, 1n, 2n ** 127n, 1n, 61n],
      [2n ** 127n, 1n, 2n ** 127n + 1n, 3n, 1n],
    ],
  );
  // An all-padding batch carries the key through.
  const extra = commitClaimTable(claims, domain, 3, 4, w, absorb).at(-1)!;
  assert.deepEqual([extra.hashIn, extra.jIn, extra.hashOut, extra.jOut, extra.rows.length], [2n ** 127n + 1n, 3n, 2n ** 127n + 1n, 3n, 0]);
  assert.throws(() => commitClaimTable(claims, domain, 3, 2, w, absorb), /do not fit/);
});

const pool = 10n ** 21n + 7n;
const total = 161n;
const payouts = [0x1111n, 0x2222n, 0x1111n, 0x3333n].map((address, j) => {
  const amount = [103n, 8n, 50n, 0n][j]!;
  return { address, amount, reward: (pool * amount) / total };
});
const payoutCtx = { domain, pool, total, batchSize: 3, widths: w, absorbWidth: absorb };

test("payout batches: row j pays registration j (one address twice), chain, RLC sum, rho and digest (pinned)", () => {
  const batches = commitPayoutTable(payouts, payoutCtx, 2).map((b) => payoutBatchValues(b, payoutCtx, seed));
  assert.deepEqual(
    batches.map((b) => [b.chainOut, b.rlcSum, b.rho, b.digest]),
    [
      [
        11376248757509984497257137664573895912989087778848134113122730528977866496179n,
        18574836815514100504315588246408982683985762607995114772451803092152742927621n,
        14666094101043205860665465395909363932327659766232378096979849055454015155769n,
        205228391038681413215735394811662887345731357467443513197200474924354099351n,
      ],
      [
        19293748195816263851109290058548326561842666040848763779498247872635743660956n,
        18511561324031184287691057615715975903339279745774500453145364209230124385066n,
        13840329220390664633828291892868038751903626284906273745777564850483274570041n,
        4564209314675940700609968408070866319989017554071912952614170597203846597173n,
      ],
    ],
  );
  assert.deepEqual(
    batches.map((b) => b.amountSum),
    [161n, 0n],
  );
});

test("registration batches of 2 rows: the list crossing batches, the excluded row, fold, state, exclusion chain, product, RLC, rho, digest (pinned)", () => {
  const batches = buildRegistrationBatches(entries, regDomain, c, 2, chunk, w);
  const e1 = 7043895953875399218760373102986410093251443678126125781994619382129778315818n;
  assert.deepEqual(
    batches.map((b) => [b.out.fold, b.out.state, b.out.excl, b.prod, b.rlcSum, b.rho, b.digest]),
    [
      [
        0n,
        16286002632457449812393697558685283384934559192756863222695114177391654648945n,
        0n,
        7917386885446751044540543527706712144372493483269795087642179213576022216807n,
        0n,
        1505108608249455560215627618317507609484453171300182142940973751361032215323n,
        3515983294074173304050961018207735141944278714557775743106185622027434349275n,
      ],
      [
        12261253418923417835073967295869936795930972696457615285465241944560263538190n,
        0n,
        e1,
        13919886808834168711113398602575672009864752257414261524724751697450560486972n,
        21216142760444521671402576604538755659671383992913234730932699993627486152744n,
        21089371010574774841641828984585136039862737430787007099130919403826788477368n,
        4661624103526893232693410211101439226892046687387163789219225793182683751759n,
      ],
      [
        21308545653283315596401217485434947337331293730928455769433214787988052411000n,
        6368315671349329348238656216602185485688665420767738515743990985088393563386n,
        e1,
        8742521598399845673347125596261001624090920331149890476672949134223870882882n,
        10138109090523360947015245806568805379850313178597525312590898813069623938543n,
        2681222212615939560465546229101323089038465526510466063325512311251984536968n,
        13932349401210107772724193839625049966646403186009402632121320011133337158499n,
      ],
      [
        3985847277358999265949824335698134070081538103715853089618511498060049936551n,
        0n,
        e1,
        8884767268412918505922028456589676610191934926014983271099748793453291186832n,
        15925507298925698290383175605045526767675501163522709799502716560937207981170n,
        17593871420721041400875139073832884892673156311699846062232199759722501319025n,
        11696178957096304179708547421432560856853184481106404483737313958460734859746n,
      ],
    ],
  );
  // The excluded registrant 1's flag is the chain's one step: the table ends at commitExclusion of X = {1}.
  assert.equal(e1, exclusionChain([1], chunk, regDomain));
  // Carried state: each batch starts where the previous ended; the first list is open across batch 0.
  batches.forEach((b, i) =>
    assert.deepEqual(b.in, i === 0 ? { fold: 0n, nextJ: 0n, open: 0n, state: 0n, count: 0n, senderN: 0n, excl: 0n } : batches[i - 1]!.out),
  );
  assert.deepEqual([batches[0]!.out.open, batches[0]!.out.count, batches[0]!.out.senderN], [1n, 24n, senderWord(senders[0]!, 27, w)]);
  // The last fold is the registry's F over the registered (C_j, senderN_j).
  assert.equal(
    batches.at(-1)!.out.fold,
    registryFold(entries.map((e) => ({ commitment: e.commitment, senderN: senderWord(e.sender, e.count, w) }))),
  );
  assert.equal(batches.at(-1)!.out.nextJ, 4n);
});

test("both identities hold on consistent tables and fail when a table moves", () => {
  // Claims that are exactly the kept lists, credited to the earliest registrant.
  const tableClaims = entries
    .flatMap((e, j) => e.hashes.map((hash) => ({ hash, j, score: 0n })))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : a.j - b.j))
    .map((row, i, all) => ({ ...row, score: i > 0 && all[i - 1]!.hash === row.hash ? 0n : BigInt(i % 5) - 1n }));
  const totals = entries.map(() => 0n);
  for (const row of tableClaims) if (row.score > 0n) totals[row.j]! += row.score;
  const rows = entries.map((e, j) => ({ address: e.sender, amount: totals[j]!, reward: 0n }));
  const sides = identitySides({ claims: tableClaims, entries, payouts: rows, exclusion: [1] }, c, w.contributorIndexBits);
  assert.equal(sides.claimProduct, sides.registrationProduct);
  assert.equal(sides.claimsAndRegistrations, sides.payoutsAndExclusions);
  // The batch decomposition adds up to the same sides.
  const regBatches = buildRegistrationBatches(entries, regDomain, c, 2, chunk, w);
  const claimBatches = commitClaimTable(tableClaims, domain, 3, Math.ceil(tableClaims.length / 3), w, absorb).map((b) =>
    claimBatchValues(b, domain, c),
  );
  const ctx = { ...payoutCtx, total: totals.reduce((a, b) => a + b) };
  const payBatches = commitPayoutTable(rows, ctx, 2).map((b) => payoutBatchValues(b, ctx, seed));
  const P = FIELD_MODULUS;
  const prod = (xs: bigint[]) => xs.reduce((a, b) => (a * b) % P, 1n);
  assert.equal(prod(claimBatches.map((b) => b.prod)), prod(regBatches.map((b) => b.prod)));
  const sum = (xs: bigint[]) => xs.reduce((a, b) => (a + b) % P, 0n);
  const diff =
    (sum([...claimBatches.map((b) => b.rlcSum), ...regBatches.map((b) => b.rlcSum)]) -
      sum(payBatches.map((b) => b.rlcSum)) -
      exclusionSum(seed, [1], w.contributorIndexBits) +
      2n * P) %
    P;
  assert.equal(diff, 0n);
  // The excluded registrant not in X, a payout moved to another row, a claim moved to another registrant: each breaks one identity.
  assert.notEqual(
    identitySides({ claims: tableClaims, entries, payouts: rows, exclusion: [] }, c, w.contributorIndexBits).payoutsAndExclusions,
    sides.claimsAndRegistrations,
  );
  const swapped = [rows[1]!, rows[0]!, rows[2]!, rows[3]!];
  assert.notEqual(
    identitySides({ claims: tableClaims, entries, payouts: swapped, exclusion: [1] }, c, w.contributorIndexBits).payoutsAndExclusions,
    sides.claimsAndRegistrations,
  );
  const moved = tableClaims.map((row, i) => (i === 0 ? { ...row, j: 3 } : row));
  assert.notEqual(
    identitySides({ claims: moved, entries, payouts: rows, exclusion: [1] }, c, w.contributorIndexBits).claimProduct,
    sides.registrationProduct,
  );
});
