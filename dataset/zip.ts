/**
 * The members of a zip archive, read strictly and within a byte budget: what an .npz file is
 * (numpy.savez: one .npy per array, stored; savez_compressed: deflated). The central directory
 * gives each member's sizes (ZIP64 extra fields honoured), the local header its data offset;
 * deflated data is inflated with node:zlib capped at the declared size (a zip bomb stops at the
 * cap), and every member's CRC-32 is checked. Encrypted members, other compression methods and
 * multi-disk archives are refused.
 */
import { crc32, inflateRawSync } from "node:zlib";
import { DatasetError } from "./errors.ts";

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

const fail = (detail: string, field?: string) => new DatasetError("ZIP_INVALID", detail, field === undefined ? {} : { field });

/** The members of `bytes` by name, in archive order; at most `maxBytes` uncompressed in all. */
export function readZip(bytes: Uint8Array, maxBytes: number): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw fail("not a zip archive (no end of central directory): an .npz is what numpy.savez writes");
  let count = view.getUint16(end + 10, true);
  let dirOffset = view.getUint32(end + 16, true);
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0) throw fail("a multi-disk archive is not read");
  if ((count === 0xffff || dirOffset === 0xffffffff) && end >= 20 && view.getUint32(end - 20, true) === ZIP64_EOCD_LOCATOR) {
    const z = Number(view.getBigUint64(end - 12, true));
    if (z + 56 > bytes.length || view.getUint32(z, true) !== ZIP64_EOCD) throw fail("bad ZIP64 end of central directory");
    count = Number(view.getBigUint64(z + 32, true));
    dirOffset = Number(view.getBigUint64(z + 48, true));
  }
  const members = new Map<string, Uint8Array>();
  let total = 0;
  let at = dirOffset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL)
      throw fail(`central directory entry ${k} is not where the directory says`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // ZIP64 extra field (id 1): the 0xffffffff fields, in order size, compressed, local offset.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 1) {
        let p = e + 4;
        const next = () => {
          const v = Number(view.getBigUint64(p, true));
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + length;
    }
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & 1) throw fail("an encrypted member is not read", name);
    if (method !== 0 && method !== 8) throw fail(`compression method ${method} is not read (stored or deflated only)`, name);
    total += size;
    if (total > maxBytes)
      throw new DatasetError("TOO_LARGE", `the members hold more than the ${maxBytes} bytes read at most`, { field: name });
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL)
      throw fail("its local header is not where the directory says", name);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compressed > bytes.length) throw fail("its data runs past the end of the archive", name);
    const raw = bytes.subarray(start, start + compressed);
    let data: Uint8Array;
    try {
      data = method === 0 ? raw : inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
    } catch (error) {
      throw fail(`its deflated data does not inflate to the declared ${size} bytes (${(error as Error).message})`, name);
    }
    if (data.length !== size) throw fail(`holds ${data.length} bytes, the directory says ${size}`, name);
    if (crc32(data) !== crc) throw fail("its CRC-32 does not match: the archive is damaged", name);
    if (members.has(name)) throw fail("two members have this name", name);
    members.set(name, data);
  }
  return members;
}

/** A zip archive of `members`, stored (not compressed), as numpy.savez writes it: for tests and for writing .npz data. */
export function encodeZip(members: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const n = new TextEncoder().encode(name);
    const head = new Uint8Array(30 + n.length);
    const h = new DataView(head.buffer);
    const crc = crc32(data);
    h.setUint32(0, LOCAL, true);
    h.setUint16(4, 20, true);
    h.setUint32(14, crc, true);
    h.setUint32(18, data.length, true);
    h.setUint32(22, data.length, true);
    h.setUint16(26, n.length, true);
    head.set(n, 30);
    const entry = new Uint8Array(46 + n.length);
    const c = new DataView(entry.buffer);
    c.setUint32(0, CENTRAL, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, data.length, true);
    c.setUint32(24, data.length, true);
    c.setUint16(28, n.length, true);
    c.setUint32(42, offset, true);
    entry.set(n, 46);
    locals.push(head, data);
    central.push(entry);
    offset += head.length + data.length;
  }
  const size = central.reduce((s, e) => s + e.length, 0);
  const eocd = new Uint8Array(22);
  const e = new DataView(eocd.buffer);
  e.setUint32(0, EOCD, true);
  e.setUint16(8, members.size, true);
  e.setUint16(10, members.size, true);
  e.setUint32(12, size, true);
  e.setUint32(16, offset, true);
  return Buffer.concat([...locals, ...central, eocd]);
}
