/**
 * The server half of NTLMv2 with session security, for the test double only, written from
 * MS-NLMP (2.2.1.1-2.2.1.3 message layouts, 2.2.2.1 AV_PAIR, 3.3.2 NTLMv2 authentication,
 * 3.4.4-3.4.5 signing and sealing keys, 3.4.3 message confidentiality, 3.1.5.1.2 MIC).
 */
import { createHash, createHmac, randomBytes } from "crypto";
import { Rc4Stream, md4 } from "./ciphers";

const SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");

/** MS-NLMP 2.2.2.5 NEGOTIATE flags the double understands. */
export const FLAG = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

/** MS-NLMP 2.2.2.1 AvId values. */
const AV = { EOL: 0, NbComputerName: 1, NbDomainName: 2, DnsComputerName: 3, DnsDomainName: 4, Flags: 6, Timestamp: 7 } as const;

export class NtlmAuthError extends Error {}

const hmacMd5 = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => {
  const h = createHmac("md5", key);
  for (const p of parts) h.update(p);
  return h.digest();
};
const md5 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest();
};
const utf16 = (s: string): Buffer => Buffer.from(s, "utf16le");

function field(msg: Buffer, at: number): Buffer {
  const len = msg.readUInt16LE(at);
  const off = msg.readUInt32LE(at + 4);
  if (off + len > msg.length) throw new NtlmAuthError("NTLM field points past the message");
  return msg.subarray(off, off + len);
}

function avPairs(pairs: Array<[number, Buffer]>): Buffer {
  const parts: Buffer[] = [];
  for (const [id, value] of [...pairs, [AV.EOL, Buffer.alloc(0)] as [number, Buffer]]) {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(id, 0);
    h.writeUInt16LE(value.length, 2);
    parts.push(h, value);
  }
  return Buffer.concat(parts);
}

function readAvPairs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let at = 0; at + 4 <= buf.length;) {
    const id = buf.readUInt16LE(at);
    const len = buf.readUInt16LE(at + 2);
    if (id === AV.EOL) break;
    out.set(id, buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/** One direction of an established session: its own signing key, RC4 state and sequence number (MS-NLMP 3.4.3, 3.4.4.2). */
export class SealingDirection {
  private readonly rc4: Rc4Stream;
  seq = 0;

  constructor(
    private readonly signingKey: Buffer,
    sealingKey: Buffer,
  ) {
    this.rc4 = new Rc4Stream(sealingKey);
  }

  /** SEAL: the message through RC4 first, then the checksum through the same RC4 state (KEY_EXCH). */
  seal(message: Buffer): { signature: Buffer; sealed: Buffer } {
    const seqBuf = Buffer.alloc(4);
    seqBuf.writeUInt32LE(this.seq);
    const sealed = this.rc4.apply(message);
    const checksum = this.rc4.apply(hmacMd5(this.signingKey, seqBuf, message).subarray(0, 8));
    const signature = Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seqBuf]);
    this.seq++;
    return { signature, sealed };
  }

  unseal(signature: Buffer, sealed: Buffer): Buffer {
    if (signature.length !== 16 || signature.readUInt32LE(0) !== 1) throw new NtlmAuthError("NTLM signature is not version 1");
    const message = this.rc4.apply(sealed);
    const seqBuf = Buffer.alloc(4);
    seqBuf.writeUInt32LE(this.seq);
    const expected = this.rc4.apply(hmacMd5(this.signingKey, seqBuf, message).subarray(0, 8));
    if (signature.readUInt32LE(12) !== this.seq || !expected.equals(signature.subarray(4, 12))) {
      throw new NtlmAuthError(`NTLM signature does not verify for sequence number ${this.seq}`);
    }
    this.seq++;
    return message;
  }
}

export interface ServerSession {
  user: string;
  /** client-to-server: what the server unseals. */
  fromClient: SealingDirection;
  /** server-to-client: what the server seals. */
  toClient: SealingDirection;
}

/** MS-NLMP 3.4.5.2 SIGNKEY and 3.4.5.3 SEALKEY for 128-bit keys with extended session security. */
export function sessionDirections(exportedSessionKey: Buffer): { fromClient: SealingDirection; toClient: SealingDirection } {
  const key = (what: string): Buffer => md5(exportedSessionKey, Buffer.from(`session key to ${what} key magic constant\0`, "latin1"));
  return {
    fromClient: new SealingDirection(key("client-to-server signing"), key("client-to-server sealing")),
    toClient: new SealingDirection(key("server-to-client signing"), key("server-to-client sealing")),
  };
}

/** One NTLM exchange on one connection: NEGOTIATE in, CHALLENGE out, AUTHENTICATE in. */
export class NtlmServerExchange {
  private negotiateMsg = Buffer.alloc(0);
  private challengeMsg = Buffer.alloc(0);
  private readonly serverChallenge = randomBytes(8);
  private flags = 0;

  constructor(
    private readonly passwordFor: (user: string) => string | undefined,
    private readonly computer: string,
  ) {}

  /** MS-NLMP 2.2.1.2 CHALLENGE_MESSAGE. */
  challenge(negotiate: Buffer): Buffer {
    if (negotiate.length < 16 || !negotiate.subarray(0, 8).equals(SIGNATURE) || negotiate.readUInt32LE(8) !== 1) {
      throw new NtlmAuthError("not an NTLM NEGOTIATE_MESSAGE");
    }
    this.negotiateMsg = Buffer.from(negotiate);
    const asked = negotiate.readUInt32LE(12);
    const supported =
      FLAG.UNICODE | FLAG.SIGN | FLAG.SEAL | FLAG.NTLM | FLAG.ALWAYS_SIGN | FLAG.EXTENDED_SESSIONSECURITY | FLAG.VERSION | FLAG.N128 | FLAG.KEY_EXCH | FLAG.N56;
    this.flags = ((asked & supported) | FLAG.REQUEST_TARGET | FLAG.TARGET_INFO | FLAG.TARGET_TYPE_DOMAIN | FLAG.NTLM | FLAG.UNICODE) >>> 0;
    const target = utf16("WORKGROUP");
    const filetime = Buffer.alloc(8);
    filetime.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
    const info = avPairs([
      [AV.NbDomainName, utf16("WORKGROUP")],
      [AV.NbComputerName, utf16(this.computer)],
      [AV.DnsDomainName, utf16("WORKGROUP")],
      [AV.DnsComputerName, utf16(this.computer.toLowerCase())],
      [AV.Timestamp, filetime],
    ]);
    const head = Buffer.alloc(56);
    SIGNATURE.copy(head, 0);
    head.writeUInt32LE(2, 8);
    head.writeUInt16LE(target.length, 12);
    head.writeUInt16LE(target.length, 14);
    head.writeUInt32LE(56, 16);
    head.writeUInt32LE(this.flags, 20);
    this.serverChallenge.copy(head, 24);
    head.writeUInt16LE(info.length, 40);
    head.writeUInt16LE(info.length, 42);
    head.writeUInt32LE(56 + target.length, 44);
    // Version (2.2.2.10): 10.0 build 20348, NTLMSSP revision 15.
    Buffer.from([10, 0, 0x7c, 0x4f, 0, 0, 0, 15]).copy(head, 48);
    this.challengeMsg = Buffer.concat([head, target, info]);
    return this.challengeMsg;
  }

  /** MS-NLMP 3.3.2: verifies NTProofStr, derives the session key, checks the MIC when the client announced one. */
  accept(auth: Buffer): ServerSession {
    if (auth.length < 64 || !auth.subarray(0, 8).equals(SIGNATURE) || auth.readUInt32LE(8) !== 3) throw new NtlmAuthError("not an NTLM AUTHENTICATE_MESSAGE");
    const nt = field(auth, 20);
    const domain = field(auth, 28).toString("utf16le");
    const user = field(auth, 36).toString("utf16le");
    const encryptedKey = field(auth, 52);
    const password = this.passwordFor(user);
    if (password === undefined || nt.length < 48) throw new NtlmAuthError(`unknown user or not NTLMv2: ${user}`);
    const responseKey = hmacMd5(md4(utf16(password)), utf16(user.toUpperCase() + domain));
    const proof = nt.subarray(0, 16);
    const temp = nt.subarray(16);
    if (!hmacMd5(responseKey, this.serverChallenge, temp).equals(proof)) throw new NtlmAuthError(`wrong password for ${user}`);
    const sessionBaseKey = hmacMd5(responseKey, proof);
    const negotiated = auth.readUInt32LE(60);
    const exported = negotiated & FLAG.KEY_EXCH ? new Rc4Stream(sessionBaseKey).apply(encryptedKey) : sessionBaseKey;
    // temp = 0x0101 0000 0000 0000, timestamp (8), client challenge (8), 4 reserved, AV pairs.
    const clientInfo = readAvPairs(temp.subarray(28));
    const avFlags = clientInfo.get(AV.Flags);
    if (avFlags && avFlags.readUInt32LE(0) & 0x2) {
      const mic = Buffer.from(auth.subarray(72, 88));
      const zeroed = Buffer.from(auth);
      zeroed.fill(0, 72, 88);
      if (!hmacMd5(exported, this.negotiateMsg, this.challengeMsg, zeroed).equals(mic)) throw new NtlmAuthError("NTLM MIC does not verify");
    }
    if (!(negotiated & FLAG.SEAL) || !(negotiated & FLAG.EXTENDED_SESSIONSECURITY) || !(negotiated & FLAG.N128)) {
      throw new NtlmAuthError("the client did not negotiate 128-bit sealing with extended session security");
    }
    return { user, ...sessionDirections(exported) };
  }
}
