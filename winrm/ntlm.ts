/**
 * NTLMv2 as specified by MS-NLMP, restricted to what WinRM over HTTP needs: connection-oriented
 * authentication with extended session security, 128-bit key exchange, and sealing/signing of
 * every message (Windows' default AllowUnencrypted=false requires it).
 *
 * The pure functions mirror the spec's pseudo-code names so they can be checked against the
 * section 4.2.4 vectors; NtlmClient holds the per-connection state around them (the server half lives in test/winrm/double/).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "crypto";
import { md4 } from "./md4";
import { Rc4, rc4 } from "./rc4";

export const NtlmFlags = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  TARGET_TYPE_SERVER: 0x00020000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  NEGOTIATE_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  NEGOTIATE_56: 0x80000000,
} as const;

/** What we ask for: everything WinRM's HTTP sealing depends on, nothing weaker (no LM, no datagram). */
export const CLIENT_FLAGS =
  (NtlmFlags.UNICODE |
    NtlmFlags.OEM |
    NtlmFlags.REQUEST_TARGET |
    NtlmFlags.SIGN |
    NtlmFlags.SEAL |
    NtlmFlags.NTLM |
    NtlmFlags.ALWAYS_SIGN |
    NtlmFlags.EXTENDED_SESSIONSECURITY |
    NtlmFlags.VERSION |
    NtlmFlags.NEGOTIATE_128 |
    NtlmFlags.KEY_EXCH |
    NtlmFlags.NEGOTIATE_56) >>>
  0;

/** Flags without which our sealing would not be the one Windows expects. */
const REQUIRED_FLAGS = NtlmFlags.SIGN | NtlmFlags.SEAL | NtlmFlags.EXTENDED_SESSIONSECURITY | NtlmFlags.KEY_EXCH | NtlmFlags.NEGOTIATE_128;

export const AvId = {
  EOL: 0,
  NbComputerName: 1,
  NbDomainName: 2,
  DnsComputerName: 3,
  DnsDomainName: 4,
  DnsTreeName: 5,
  Flags: 6,
  Timestamp: 7,
  SingleHost: 8,
  TargetName: 9,
  ChannelBindings: 10,
} as const;

/** MsvAvFlags bit: the AUTHENTICATE message carries a MIC. */
const AV_FLAG_MIC = 0x00000002;

const SIGNATURE = Buffer.from("NTLMSSP\0", "ascii");
/** Windows 10 / NTLM revision 15: a version field is required when NEGOTIATE_VERSION is set. */
const VERSION = Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 0x0f]);

export class NtlmError extends Error {
  override name = "NtlmError";
}

export interface AvPair {
  id: number;
  value: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Pure key derivation (MS-NLMP 3.3.2, 3.4.5)

export function hmacMd5(key: Uint8Array, ...data: Uint8Array[]): Buffer {
  const h = createHmac("md5", key);
  for (const d of data) h.update(d);
  return h.digest();
}

function md5(...data: Uint8Array[]): Buffer {
  const h = createHash("md5");
  for (const d of data) h.update(d);
  return h.digest();
}

/** NTOWFv2: HMAC_MD5(MD4(UNICODE(password)), UNICODE(Uppercase(user) + domain)). */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4(Buffer.from(password, "utf16le")), Buffer.from(user.toUpperCase() + domain, "utf16le"));
}

/** The "temp" blob of an NTLMv2 response (NTLMv2_CLIENT_CHALLENGE followed by 4 zero bytes). */
export function ntlmv2ClientBlob(time: Buffer, clientChallenge: Buffer, targetInfo: Buffer): Buffer {
  return Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), time, clientChallenge, Buffer.alloc(4), targetInfo, Buffer.alloc(4)]);
}

export interface Ntlmv2Response {
  ntProofStr: Buffer;
  ntChallengeResponse: Buffer;
  lmChallengeResponse: Buffer;
  sessionBaseKey: Buffer;
}

/** ComputeResponse for NTLMv2 (MS-NLMP 3.3.2). */
export function computeNtlmv2Response(responseKey: Buffer, serverChallenge: Buffer, clientChallenge: Buffer, time: Buffer, targetInfo: Buffer): Ntlmv2Response {
  const temp = ntlmv2ClientBlob(time, clientChallenge, targetInfo);
  const ntProofStr = hmacMd5(responseKey, serverChallenge, temp);
  return {
    ntProofStr,
    ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
    lmChallengeResponse: Buffer.concat([hmacMd5(responseKey, serverChallenge, clientChallenge), clientChallenge]),
    sessionBaseKey: hmacMd5(responseKey, ntProofStr),
  };
}

export type Direction = "client-to-server" | "server-to-client";

/** SIGNKEY with extended session security. */
export function signKey(exportedSessionKey: Buffer, direction: Direction): Buffer {
  return md5(exportedSessionKey, Buffer.from(`session key to ${direction} signing key magic constant\0`, "ascii"));
}

/** SEALKEY with extended session security and NEGOTIATE_128. */
export function sealKey(exportedSessionKey: Buffer, direction: Direction): Buffer {
  return md5(exportedSessionKey, Buffer.from(`session key to ${direction} sealing key magic constant\0`, "ascii"));
}

/** Windows FILETIME (100 ns since 1601) of a JS time, 8 bytes little-endian. */
export function fileTime(ms: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(Math.floor(ms)) + 11644473600000n) * 10000n);
  return b;
}

// ---------------------------------------------------------------------------------------------
// Sealing (MS-NLMP 3.4.3, 3.4.4.2): one RC4 handle per direction whose state runs across messages

/**
 * One direction of an established NTLM session. The RC4 handle and the sequence number both
 * advance per message, so messages must be sealed and unsealed in the order they travel.
 */
export class NtlmSealer {
  private readonly handle: Rc4;
  private seq = 0;

  constructor(
    private readonly signingKey: Buffer,
    sealingKey: Buffer,
  ) {
    this.handle = new Rc4(sealingKey);
  }

  get sequenceNumber(): number {
    return this.seq;
  }

  /** Returns the 16-byte signature and the sealed message. */
  seal(message: Buffer): { signature: Buffer; sealed: Buffer } {
    const sealed = this.handle.update(message);
    const signature = this.mac(message);
    return { signature, sealed };
  }

  private mac(message: Buffer): Buffer {
    const seqBuf = Buffer.alloc(4);
    seqBuf.writeUInt32LE(this.seq >>> 0);
    const checksum = this.handle.update(hmacMd5(this.signingKey, seqBuf, message).subarray(0, 8));
    this.seq++;
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seqBuf]);
  }
}

export class NtlmUnsealer {
  private readonly handle: Rc4;
  private seq = 0;

  constructor(
    private readonly signingKey: Buffer,
    sealingKey: Buffer,
  ) {
    this.handle = new Rc4(sealingKey);
  }

  /** Decrypts and verifies; a bad signature means tampering or a lost message, both fatal. */
  unseal(signature: Buffer, sealed: Buffer): Buffer {
    if (signature.length !== 16) throw new NtlmError(`NTLM signature must be 16 bytes, got ${signature.length}`);
    const message = this.handle.update(sealed);
    const seqBuf = Buffer.alloc(4);
    seqBuf.writeUInt32LE(this.seq >>> 0);
    const checksum = this.handle.update(hmacMd5(this.signingKey, seqBuf, message).subarray(0, 8));
    const expected = Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seqBuf]);
    if (!timingSafeEqual(expected, signature)) {
      throw new NtlmError(`NTLM signature check failed on message ${this.seq} (wrong key, reordering or tampering)`);
    }
    this.seq++;
    return message;
  }
}

export interface NtlmSession {
  readonly exportedSessionKey: Buffer;
  readonly outgoing: NtlmSealer;
  readonly incoming: NtlmUnsealer;
}

export function createSession(exportedSessionKey: Buffer, side: "client" | "server"): NtlmSession {
  const out: Direction = side === "client" ? "client-to-server" : "server-to-client";
  const inc: Direction = side === "client" ? "server-to-client" : "client-to-server";
  return {
    exportedSessionKey,
    outgoing: new NtlmSealer(signKey(exportedSessionKey, out), sealKey(exportedSessionKey, out)),
    incoming: new NtlmUnsealer(signKey(exportedSessionKey, inc), sealKey(exportedSessionKey, inc)),
  };
}

// ---------------------------------------------------------------------------------------------
// Wire format helpers

function field(buf: Buffer, at: number): Buffer {
  const len = buf.readUInt16LE(at);
  const off = buf.readUInt32LE(at + 4);
  if (off + len > buf.length) throw new NtlmError("NTLM message field points outside the message");
  return buf.subarray(off, off + len);
}

/** Lays out fixed header + payload, filling the (len, maxlen, offset) descriptors. */
function assemble(header: Buffer, fields: Array<{ at: number; data: Buffer }>): Buffer {
  let offset = header.length;
  for (const f of fields) {
    header.writeUInt16LE(f.data.length, f.at);
    header.writeUInt16LE(f.data.length, f.at + 2);
    header.writeUInt32LE(offset, f.at + 4);
    offset += f.data.length;
  }
  return Buffer.concat([header, ...fields.map((f) => f.data)]);
}

function checkHeader(msg: Buffer, type: number): void {
  if (msg.length < 12 || !msg.subarray(0, 8).equals(SIGNATURE) || msg.readUInt32LE(8) !== type) {
    throw new NtlmError(`not an NTLM type ${type} message`);
  }
}

export function encodeAvPairs(pairs: AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pairs) {
    if (p.id === AvId.EOL) continue;
    const h = Buffer.alloc(4);
    h.writeUInt16LE(p.id, 0);
    h.writeUInt16LE(p.value.length, 2);
    parts.push(h, p.value);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

export function decodeAvPairs(buf: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  while (at + 4 <= buf.length) {
    const id = buf.readUInt16LE(at);
    const len = buf.readUInt16LE(at + 2);
    if (id === AvId.EOL) return pairs;
    if (at + 4 + len > buf.length) break;
    pairs.push({ id, value: Buffer.from(buf.subarray(at + 4, at + 4 + len)) });
    at += 4 + len;
  }
  throw new NtlmError("AV_PAIR list is not terminated by MsvAvEOL");
}

// ---------------------------------------------------------------------------------------------
// Messages

export function encodeNegotiate(flags: number = CLIENT_FLAGS): Buffer {
  const h = Buffer.alloc(40);
  SIGNATURE.copy(h, 0);
  h.writeUInt32LE(1, 8);
  h.writeUInt32LE(flags >>> 0, 12);
  // Domain and workstation fields stay empty: we do not set the OEM_*_SUPPLIED flags.
  h.writeUInt32LE(40, 20);
  h.writeUInt32LE(40, 28);
  VERSION.copy(h, 32);
  return h;
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  targetName: Buffer;
  targetInfo: Buffer;
}

export function decodeChallenge(msg: Buffer): ChallengeMessage {
  checkHeader(msg, 2);
  if (msg.length < 48) throw new NtlmError("NTLM CHALLENGE message is truncated");
  const flags = msg.readUInt32LE(20);
  return {
    flags,
    serverChallenge: Buffer.from(msg.subarray(24, 32)),
    targetName: Buffer.from(field(msg, 12)),
    targetInfo: flags & NtlmFlags.TARGET_INFO ? Buffer.from(field(msg, 40)) : Buffer.alloc(0),
  };
}

export interface AuthenticateMessage {
  flags: number;
  lmChallengeResponse: Buffer;
  ntChallengeResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
  mic: Buffer;
}

const MIC_OFFSET = 72;

export function encodeAuthenticate(a: AuthenticateMessage): Buffer {
  const h = Buffer.alloc(88);
  SIGNATURE.copy(h, 0);
  h.writeUInt32LE(3, 8);
  h.writeUInt32LE(a.flags >>> 0, 60);
  VERSION.copy(h, 64);
  a.mic.copy(h, MIC_OFFSET);
  return assemble(h, [
    { at: 28, data: Buffer.from(a.domain, "utf16le") },
    { at: 36, data: Buffer.from(a.user, "utf16le") },
    { at: 44, data: Buffer.from(a.workstation, "utf16le") },
    { at: 12, data: a.lmChallengeResponse },
    { at: 20, data: a.ntChallengeResponse },
    { at: 52, data: a.encryptedRandomSessionKey },
  ]);
}

export function decodeAuthenticate(msg: Buffer): AuthenticateMessage {
  checkHeader(msg, 3);
  if (msg.length < 88) throw new NtlmError("NTLM AUTHENTICATE message is truncated");
  const flags = msg.readUInt32LE(60);
  if (!(flags & NtlmFlags.UNICODE)) throw new NtlmError("only UNICODE NTLM messages are supported");
  return {
    flags,
    lmChallengeResponse: Buffer.from(field(msg, 12)),
    ntChallengeResponse: Buffer.from(field(msg, 20)),
    domain: field(msg, 28).toString("utf16le"),
    user: field(msg, 36).toString("utf16le"),
    workstation: field(msg, 44).toString("utf16le"),
    encryptedRandomSessionKey: Buffer.from(field(msg, 52)),
    mic: Buffer.from(msg.subarray(MIC_OFFSET, MIC_OFFSET + 16)),
  };
}

// ---------------------------------------------------------------------------------------------
// Client and server state machines

export interface NtlmCredentials {
  /** "user", "DOMAIN\\user" or "user@domain". */
  user: string;
  password: string;
  workstation?: string;
}

export function splitUser(user: string): { user: string; domain: string } {
  const bs = user.indexOf("\\");
  if (bs >= 0) return { domain: user.slice(0, bs), user: user.slice(bs + 1) };
  // UPN form: Windows accepts the whole UPN as the user name with an empty domain.
  return { user, domain: "" };
}

export interface ClientRandomness {
  clientChallenge: Buffer;
  exportedSessionKey: Buffer;
  /** Used only when the server sent no MsvAvTimestamp. */
  nowMs: number;
}

/**
 * Client side of one NTLM handshake. Not reusable: a new connection needs a new instance, because
 * the NEGOTIATE and CHALLENGE bytes go into the MIC.
 */
export class NtlmClient {
  private negotiateMsg?: Buffer;

  constructor(private readonly creds: NtlmCredentials) {}

  negotiate(): Buffer {
    this.negotiateMsg = encodeNegotiate(CLIENT_FLAGS);
    return this.negotiateMsg;
  }

  authenticate(challengeMsg: Buffer, rnd?: ClientRandomness): { message: Buffer; session: NtlmSession } {
    if (!this.negotiateMsg) throw new NtlmError("negotiate() must come before authenticate()");
    const challenge = decodeChallenge(challengeMsg);
    const missing = REQUIRED_FLAGS & ~challenge.flags;
    if (missing) {
      throw new NtlmError(`server refused required NTLM flags 0x${(missing >>> 0).toString(16)} (sealing is impossible)`);
    }
    const flags = (CLIENT_FLAGS & challenge.flags) >>> 0;
    const { user, domain } = splitUser(this.creds.user);
    const random = rnd ?? { clientChallenge: randomBytes(8), exportedSessionKey: randomBytes(16), nowMs: Date.now() };

    const pairs = decodeAvPairs(challenge.targetInfo.length ? challenge.targetInfo : Buffer.alloc(4));
    const ts = pairs.find((p) => p.id === AvId.Timestamp);
    const time = ts ? ts.value : fileTime(random.nowMs);
    // With a server timestamp we can (and Windows expects us to) protect the exchange with a MIC.
    const withMic = ts !== undefined;
    let outPairs = pairs;
    if (withMic) {
      const flagsPair = pairs.find((p) => p.id === AvId.Flags);
      const old = flagsPair ? flagsPair.value.readUInt32LE(0) : 0;
      const v = Buffer.alloc(4);
      v.writeUInt32LE((old | AV_FLAG_MIC) >>> 0);
      outPairs = [...pairs.filter((p) => p.id !== AvId.Flags), { id: AvId.Flags, value: v }];
    }

    const responseKey = ntowfv2(this.creds.password, user, domain);
    const resp = computeNtlmv2Response(responseKey, challenge.serverChallenge, random.clientChallenge, time, encodeAvPairs(outPairs));
    // KeyExchangeKey is the session base key for NTLMv2.
    const encryptedRandomSessionKey = rc4(resp.sessionBaseKey, random.exportedSessionKey);
    const msg = {
      flags,
      // With a MIC the LM response must be zeros (MS-NLMP 3.1.5.1.2).
      lmChallengeResponse: withMic ? Buffer.alloc(24) : resp.lmChallengeResponse,
      ntChallengeResponse: resp.ntChallengeResponse,
      domain,
      user,
      workstation: this.creds.workstation ?? "",
      encryptedRandomSessionKey,
      mic: Buffer.alloc(16),
    };
    let message = encodeAuthenticate(msg);
    if (withMic) {
      const mic = hmacMd5(random.exportedSessionKey, this.negotiateMsg, challengeMsg, message);
      mic.copy(message, MIC_OFFSET);
      message = Buffer.from(message);
    }
    return { message, session: createSession(random.exportedSessionKey, "client") };
  }
}
