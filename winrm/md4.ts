/**
 * MD4 (RFC 1320). Node 20 links OpenSSL 3, which moved MD4 to the "legacy" provider that is not
 * loaded by default, yet NTLM's NT hash is MD4(UTF-16LE(password)). Only ever used on short
 * inputs (passwords), so clarity beats speed here.
 */

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

export function md4(input: Uint8Array): Buffer {
  const msgLen = input.length;
  // Padding: 0x80, zeros to 56 mod 64, then the bit length as a 64-bit little-endian integer.
  const padLen = (msgLen % 64 < 56 ? 56 : 120) - (msgLen % 64);
  const buf = Buffer.alloc(msgLen + padLen + 8);
  buf.set(input, 0);
  buf[msgLen] = 0x80;
  const bitLen = BigInt(msgLen) * 8n;
  buf.writeBigUInt64LE(bitLen & 0xffffffffffffffffn, msgLen + padLen);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Uint32Array(16);

  const f = (p: number, q: number, r: number): number => (p & q) | (~p & r);
  const g = (p: number, q: number, r: number): number => (p & q) | (p & r) | (q & r);
  const h = (p: number, q: number, r: number): number => p ^ q ^ r;

  for (let off = 0; off < buf.length; off += 64) {
    for (let i = 0; i < 16; i++) x[i] = buf.readUInt32LE(off + i * 4);
    const aa = a,
      bb = b,
      cc = c,
      dd = d;

    const r1 = (p: number, q: number, r: number, s: number, k: number, sh: number): number => rotl((p + f(q, r, s) + x[k]) >>> 0, sh);
    for (const i of [0, 4, 8, 12]) {
      a = r1(a, b, c, d, i, 3);
      d = r1(d, a, b, c, i + 1, 7);
      c = r1(c, d, a, b, i + 2, 11);
      b = r1(b, c, d, a, i + 3, 19);
    }

    const r2 = (p: number, q: number, r: number, s: number, k: number, sh: number): number => rotl((p + g(q, r, s) + x[k] + 0x5a827999) >>> 0, sh);
    for (const i of [0, 1, 2, 3]) {
      a = r2(a, b, c, d, i, 3);
      d = r2(d, a, b, c, i + 4, 5);
      c = r2(c, d, a, b, i + 8, 9);
      b = r2(b, c, d, a, i + 12, 13);
    }

    const r3 = (p: number, q: number, r: number, s: number, k: number, sh: number): number => rotl((p + h(q, r, s) + x[k] + 0x6ed9eba1) >>> 0, sh);
    for (const i of [0, 2, 1, 3]) {
      a = r3(a, b, c, d, i, 3);
      d = r3(d, a, b, c, i + 8, 9);
      c = r3(c, d, a, b, i + 4, 11);
      b = r3(b, c, d, a, i + 12, 15);
    }

    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }

  const out = Buffer.alloc(16);
  out.writeUInt32LE(a, 0);
  out.writeUInt32LE(b, 4);
  out.writeUInt32LE(c, 8);
  out.writeUInt32LE(d, 12);
  return out;
}
