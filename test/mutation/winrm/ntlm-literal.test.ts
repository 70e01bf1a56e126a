// NTLM messages laid out by hand from MS-NLMP 2.2.1.1 (NEGOTIATE), 2.2.1.2 (CHALLENGE) and 2.2.1.3
// (AUTHENTICATE), AV pairs from 2.2.2.1, the MIC rule of 3.1.5.1.2, FILETIME from [MS-DTYP] 2.3.3.
// Hashes are recomputed here with node's crypto from the spec's formulas (3.3.2), never taken from
// winrm/ntlm.ts; NTOWFv2 of Password/User/Domain is the 4.2.4.1.1 vector.
import { createHmac } from "crypto";
import {
  createSession,
  decodeAuthenticate,
  decodeAvPairs,
  decodeChallenge,
  encodeAuthenticate,
  encodeAvPairs,
  encodeNegotiate,
  fileTime,
  NtlmClient,
  NtlmError,
  splitUser,
} from "../../../winrm/ntlm";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => createHmac("md5", key).update(Buffer.concat(parts)).digest();

/** MS-NLMP 4.2.4.1.1: NTOWFv2("Password", "User", "Domain"). */
const RESPONSE_KEY = hex("0c868a403bfd7a93a3001ef22ef02e3f");
const SERVER_CHALLENGE = hex("0123456789abcdef");
const CLIENT_CHALLENGE = hex("aaaaaaaaaaaaaaaa");
const EXPORTED_KEY = Buffer.alloc(16, 0x55);
/** CLIENT_FLAGS: UNICODE OEM REQUEST_TARGET SIGN SEAL NTLM ALWAYS_SIGN EXTENDED_SESSIONSECURITY VERSION 128 KEY_EXCH 56. */
const CLIENT_FLAGS_LE = "378208e2";
const TARGET_INFO_FLAG = 0x00800000;

/** A CHALLENGE message (2.2.1.2): 48-byte header, Version, then TargetName and TargetInfo. */
function challenge(flags: number, targetInfo: Buffer, targetName = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(56);
  Buffer.from("NTLMSSP\0", "latin1").copy(h, 0);
  h.writeUInt32LE(2, 8);
  h.writeUInt16LE(targetName.length, 12);
  h.writeUInt16LE(targetName.length, 14);
  h.writeUInt32LE(56, 16);
  h.writeUInt32LE(flags >>> 0, 20);
  SERVER_CHALLENGE.copy(h, 24);
  h.writeUInt16LE(targetInfo.length, 40);
  h.writeUInt16LE(targetInfo.length, 42);
  h.writeUInt32LE(56 + targetName.length, 44);
  return Buffer.concat([h, targetName, targetInfo]);
}

/** A payload field of a message: (len u16, maxlen u16, offset u32) at `at`. */
function fieldAt(msg: Buffer, at: number): Buffer {
  const len = msg.readUInt16LE(at);
  return msg.subarray(msg.readUInt32LE(at + 4), msg.readUInt32LE(at + 4) + len);
}

describe("NEGOTIATE (2.2.1.1)", () => {
  it("is 40 bytes: signature, type 1, our flags, empty domain and workstation fields at offset 40, Version 10.0.19041 rev 15", () => {
    expect(encodeNegotiate().toString("hex")).toBe(
      "4e544c4d53535000" + "01000000" + CLIENT_FLAGS_LE + "0000000028000000" + "0000000028000000" + "0a00614a0000000f",
    );
  });
});

describe("AV pairs (2.2.2.1)", () => {
  it("an EOL pair in the input is not written twice, and the list ends with one", () => {
    expect(
      encodeAvPairs([
        { id: 0, value: Buffer.alloc(0) },
        { id: 1, value: Buffer.from("A", "latin1") },
      ]).toString("hex"),
    ).toBe("0100010041" + "00000000");
  });
  it("a list without MsvAvEOL is refused", () => {
    expect(() => decodeAvPairs(hex("01000000"))).toThrow(new NtlmError("AV_PAIR list is not terminated by MsvAvEOL"));
    expect(() => decodeAvPairs(hex("0100"))).toThrow(new NtlmError("AV_PAIR list is not terminated by MsvAvEOL"));
  });
});

describe("message headers and sizes", () => {
  it("a CHALLENGE of exactly 48 bytes without target info decodes", () => {
    const c = challenge(0x00000001, Buffer.alloc(0)).subarray(0, 48);
    c.writeUInt32LE(48, 16);
    const d = decodeChallenge(c);
    expect([d.flags, d.serverChallenge.toString("hex"), d.targetName.length, d.targetInfo.length]).toEqual([1, "0123456789abcdef", 0, 0]);
  });
  it("a CHALLENGE shorter than 48 bytes, a bad signature, a wrong type or a field past the end are refused", () => {
    const c = challenge(0x00000001, Buffer.alloc(0)).subarray(0, 48);
    c.writeUInt32LE(48, 16);
    expect(() => decodeChallenge(c.subarray(0, 47))).toThrow(new NtlmError("NTLM CHALLENGE message is truncated"));
    expect(() => decodeChallenge(c.subarray(0, 12))).toThrow(new NtlmError("NTLM CHALLENGE message is truncated"));
    expect(() => decodeChallenge(c.subarray(0, 11))).toThrow(new NtlmError("not an NTLM type 2 message"));
    const badSignature = Buffer.from(c);
    badSignature[6] = 0x51; // NTLMSSQ
    expect(() => decodeChallenge(badSignature)).toThrow(new NtlmError("not an NTLM type 2 message"));
    const type3 = Buffer.from(c);
    type3.writeUInt32LE(3, 8);
    expect(() => decodeChallenge(type3)).toThrow(new NtlmError("not an NTLM type 2 message"));
    const pastEnd = Buffer.from(c);
    pastEnd.writeUInt16LE(4, 12);
    pastEnd.writeUInt32LE(46, 16);
    expect(() => decodeChallenge(pastEnd)).toThrow(new NtlmError("NTLM message field points outside the message"));
  });

  it("an AUTHENTICATE of exactly 88 bytes decodes; shorter, or without UNICODE, is refused", () => {
    const a = Buffer.alloc(88);
    Buffer.from("NTLMSSP\0", "latin1").copy(a, 0);
    a.writeUInt32LE(3, 8);
    for (const at of [12, 20, 28, 36, 44, 52]) a.writeUInt32LE(88, at + 4);
    a.writeUInt32LE(0x00000001, 60);
    hex("00112233445566778899aabbccddeeff").copy(a, 72);
    const d = decodeAuthenticate(a);
    expect(d.mic.toString("hex")).toBe("00112233445566778899aabbccddeeff");
    expect([d.domain, d.user, d.workstation, d.flags]).toEqual(["", "", "", 1]);
    expect(() => decodeAuthenticate(a.subarray(0, 87))).toThrow(new NtlmError("NTLM AUTHENTICATE message is truncated"));
    const oem = Buffer.from(a);
    oem.writeUInt32LE(0x00000002, 60);
    expect(() => decodeAuthenticate(oem)).toThrow(new NtlmError("only UNICODE NTLM messages are supported"));
  });

  it("AUTHENTICATE carries the workstation as UTF-16LE, and decodes it back", () => {
    const msg = encodeAuthenticate({
      flags: 1,
      lmChallengeResponse: Buffer.alloc(0),
      ntChallengeResponse: Buffer.alloc(0),
      domain: "",
      user: "",
      workstation: "WS",
      encryptedRandomSessionKey: Buffer.alloc(0),
      mic: Buffer.alloc(16),
    });
    expect(fieldAt(msg, 44).toString("hex")).toBe("57005300");
    expect(decodeAuthenticate(msg).workstation).toBe("WS");
  });
});

describe("NtlmClient.authenticate", () => {
  // MsvAvNbDomainName "D", MsvAvFlags 0x1 (constrained), MsvAvTimestamp 0102030405060708, EOL.
  const withTimestamp = hex("020002004400" + "0600040001000000" + "070008000102030405060708" + "00000000");
  const withoutTimestamp = hex("020002004400" + "00000000");
  const rnd = { clientChallenge: CLIENT_CHALLENGE, exportedSessionKey: EXPORTED_KEY, nowMs: 0 };
  const challengeFlags = 0xe2088237 | TARGET_INFO_FLAG | 0x00010000;

  it("with a server timestamp: MIC over the three messages, zero LMv2, MsvAvFlags with the MIC bit last, the server's time in the blob", () => {
    const client = new NtlmClient({ user: "Domain\\User", password: "Password" });
    const negotiate = client.negotiate();
    const ch = challenge(challengeFlags, withTimestamp);
    const { message } = client.authenticate(ch, rnd);
    expect(message.subarray(0, 12).toString("hex")).toBe("4e544c4d53535000" + "03000000");
    expect(message.subarray(60, 72).toString("hex")).toBe(CLIENT_FLAGS_LE + "0a00614a0000000f");
    expect(fieldAt(message, 28).toString("utf16le")).toBe("Domain");
    expect(fieldAt(message, 36).toString("utf16le")).toBe("User");
    expect(fieldAt(message, 44).length).toBe(0);
    expect(fieldAt(message, 12).toString("hex")).toBe("00".repeat(24));
    const blob = hex(
      "0101000000000000" +
        "0102030405060708" +
        "aaaaaaaaaaaaaaaa" +
        "00000000" +
        "020002004400" +
        "070008000102030405060708" +
        "0600040003000000" +
        "00000000" +
        "00000000",
    );
    const nt = fieldAt(message, 20);
    expect(nt.subarray(16).toString("hex")).toBe(blob.toString("hex"));
    expect(nt.subarray(0, 16).toString("hex")).toBe(hmac(RESPONSE_KEY, SERVER_CHALLENGE, blob).toString("hex"));
    const zeroMic = Buffer.from(message);
    zeroMic.fill(0, 72, 88);
    expect(message.subarray(72, 88).toString("hex")).toBe(hmac(EXPORTED_KEY, negotiate, ch, zeroMic).toString("hex"));
  });

  it("with a timestamp but no MsvAvFlags: the pair is added with only the MIC bit", () => {
    const client = new NtlmClient({ user: "Domain\\User", password: "Password" });
    client.negotiate();
    const info = hex("070008000102030405060708" + "00000000");
    const nt = fieldAt(client.authenticate(challenge(challengeFlags, info), rnd).message, 20);
    expect(nt.subarray(16 + 28).toString("hex")).toBe("070008000102030405060708" + "0600040002000000" + "00000000" + "00000000");
  });

  it("without a server timestamp: no MIC, the LMv2 response, the client's FILETIME, target info unchanged", () => {
    const client = new NtlmClient({ user: "Domain\\User", password: "Password", workstation: "WS" });
    client.negotiate();
    const { message } = client.authenticate(challenge(challengeFlags, withoutTimestamp), rnd);
    expect(message.subarray(72, 88).toString("hex")).toBe("00".repeat(16));
    expect(fieldAt(message, 12).toString("hex")).toBe(hmac(RESPONSE_KEY, SERVER_CHALLENGE, CLIENT_CHALLENGE).toString("hex") + "aaaaaaaaaaaaaaaa");
    // FILETIME of the Unix epoch: 116444736000000000 hundred-nanosecond intervals since 1601.
    const blob = "0101000000000000" + "00803ed5deb19d01" + "aaaaaaaaaaaaaaaa" + "00000000" + "020002004400" + "00000000" + "00000000";
    expect(fieldAt(message, 20).subarray(16).toString("hex")).toBe(blob);
    expect(fieldAt(message, 44).toString("utf16le")).toBe("WS");
  });

  it("refuses a server that drops a flag sealing needs, and a call before negotiate()", () => {
    const client = new NtlmClient({ user: "u", password: "p" });
    expect(() => client.authenticate(challenge(challengeFlags, withTimestamp), rnd)).toThrow(new NtlmError("negotiate() must come before authenticate()"));
    client.negotiate();
    expect(() => client.authenticate(challenge((challengeFlags & ~0x20) >>> 0, withTimestamp), rnd)).toThrow(
      new NtlmError("server refused required NTLM flags 0x20 (sealing is impossible)"),
    );
  });
});

describe("small parts", () => {
  it("FILETIME counts 100 ns from 1601", () => {
    expect(fileTime(0).toString("hex")).toBe("00803ed5deb19d01");
    // 1 ms later: 116444736000010000 = 0x019DB1DED53EA710.
    expect(fileTime(1.9).toString("hex")).toBe("10a73ed5deb19d01");
  });

  it("a session's server side seals with the server-to-client keys (the client's KAT in sealing-kat.test.ts)", () => {
    const server = createSession(hex("000102030405060708090a0b0c0d0e0f"), "server");
    const one = server.outgoing.seal(Buffer.from("reply one"));
    expect([one.sealed.toString("hex"), one.signature.toString("hex")]).toEqual(["230aafe1c8f6768b40", "010000007a6d930e0e43a7e400000000"]);
    expect(server.outgoing.sequenceNumber).toBe(1);
    server.outgoing.seal(Buffer.from("reply two"));
    expect(server.outgoing.sequenceNumber).toBe(2);
  });

  it("a signature that is not 16 bytes is refused before anything is decrypted", () => {
    const session = createSession(Buffer.alloc(16, 1), "client");
    expect(() => session.incoming.unseal(Buffer.alloc(15), Buffer.from("x"))).toThrow(new NtlmError("NTLM signature must be 16 bytes, got 15"));
    expect(new NtlmError("x").name).toBe("NtlmError");
  });

  it("a leading backslash is an empty domain", () => {
    expect(splitUser("\\bob")).toEqual({ domain: "", user: "bob" });
  });
});
