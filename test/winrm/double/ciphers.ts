/**
 * MD4 (RFC 1320, section 3) and RC4 for the test double's NTLM server. Node 20's OpenSSL 3 has
 * neither, and the double must not borrow the client's copies (an error shared by both would pass).
 */

const rotl = (x: number, s: number): number => ((x << s) | (x >>> (32 - s))) >>> 0;

/** RFC 1320 3.1-3.5: pad, append the bit length, three rounds of 16 operations per 64-byte block. */
export function md4(input: Uint8Array): Buffer {
  const bitLen = input.length * 8;
  const padded = Buffer.alloc(Math.ceil((input.length + 9) / 64) * 64);
  padded.set(input);
  padded[input.length] = 0x80;
  padded.writeUInt32LE(bitLen >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bitLen / 2 ** 32), padded.length - 4);
  let [a, b, c, d] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const F = (x: number, y: number, z: number): number => (x & y) | (~x & z);
  const G = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
  const H = (x: number, y: number, z: number): number => x ^ y ^ z;
  for (let off = 0; off < padded.length; off += 64) {
    const X = Array.from({ length: 16 }, (_, i) => padded.readUInt32LE(off + 4 * i));
    const [aa, bb, cc, dd] = [a, b, c, d];
    // Round 1: [abcd k s] a = (a + F(b,c,d) + X[k]) <<< s
    for (const k of [0, 4, 8, 12]) {
      a = rotl((a + F(b, c, d) + X[k]) >>> 0, 3);
      d = rotl((d + F(a, b, c) + X[k + 1]) >>> 0, 7);
      c = rotl((c + F(d, a, b) + X[k + 2]) >>> 0, 11);
      b = rotl((b + F(c, d, a) + X[k + 3]) >>> 0, 19);
    }
    // Round 2: a = (a + G(b,c,d) + X[k] + 5A827999) <<< s
    for (const k of [0, 1, 2, 3]) {
      a = rotl((a + G(b, c, d) + X[k] + 0x5a827999) >>> 0, 3);
      d = rotl((d + G(a, b, c) + X[k + 4] + 0x5a827999) >>> 0, 5);
      c = rotl((c + G(d, a, b) + X[k + 8] + 0x5a827999) >>> 0, 9);
      b = rotl((b + G(c, d, a) + X[k + 12] + 0x5a827999) >>> 0, 13);
    }
    // Round 3: a = (a + H(b,c,d) + X[k] + 6ED9EBA1) <<< s
    for (const k of [0, 2, 1, 3]) {
      a = rotl((a + H(b, c, d) + X[k] + 0x6ed9eba1) >>> 0, 3);
      d = rotl((d + H(a, b, c) + X[k + 8] + 0x6ed9eba1) >>> 0, 9);
      c = rotl((c + H(d, a, b) + X[k + 4] + 0x6ed9eba1) >>> 0, 11);
      b = rotl((b + H(c, d, a) + X[k + 12] + 0x6ed9eba1) >>> 0, 15);
    }
    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }
  const out = Buffer.alloc(16);
  [a, b, c, d].forEach((v, i) => out.writeUInt32LE(v, 4 * i));
  return out;
}

/** An RC4 keystream whose state carries over between calls, as NTLM sealing needs. */
export class Rc4Stream {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Uint8Array) {
    for (let n = 0; n < 256; n++) this.s[n] = n;
    for (let n = 0, j = 0; n < 256; n++) {
      j = (j + this.s[n] + key[n % key.length]) & 0xff;
      [this.s[n], this.s[j]] = [this.s[j], this.s[n]];
    }
  }

  apply(data: Uint8Array): Buffer {
    // Locals, not fields, in the loop: the bench pushes tens of MiB through here.
    const box = this.s;
    const out = Buffer.alloc(data.length);
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      const a = box[i];
      j = (j + a) & 0xff;
      const b = box[j];
      box[i] = b;
      box[j] = a;
      out[n] = data[n] ^ box[(a + b) & 0xff];
    }
    this.i = i;
    this.j = j;
    return out;
  }
}
