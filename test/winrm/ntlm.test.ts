import {
  AvId,
  CLIENT_FLAGS,
  NtlmClient,
  NtlmError,
  computeNtlmv2Response,
  createSession,
  decodeAuthenticate,
  decodeAvPairs,
  decodeChallenge,
  encodeAvPairs,
  ntlmv2ClientBlob,
  ntowfv2,
  sealKey,
  signKey,
  splitUser,
} from "../../winrm/ntlm";
import { rc4 } from "../../winrm/rc4";
import { NtlmServerExchange } from "./double/ntlm-server";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

/** MS-NLMP 4.2.1 common values and 4.2.4 NTLMv2 authentication. */
describe("MS-NLMP 4.2.4 NTLMv2 test vectors", () => {
  const serverChallenge = hex("0123456789abcdef");
  const clientChallenge = hex("aaaaaaaaaaaaaaaa");
  const time = Buffer.alloc(8);
  const randomSessionKey = Buffer.alloc(16, 0x55);
  // AV pairs of the 4.2.4 CHALLENGE: MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server".
  const targetInfo = encodeAvPairs([
    { id: AvId.NbDomainName, value: Buffer.from("Domain", "utf16le") },
    { id: AvId.NbComputerName, value: Buffer.from("Server", "utf16le") },
  ]);
  const responseKey = ntowfv2("Password", "User", "Domain");
  const resp = computeNtlmv2Response(responseKey, serverChallenge, clientChallenge, time, targetInfo);

  it("4.2.4.1.1 NTOWFv2", () => {
    expect(responseKey.toString("hex")).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
  });
  it("4.2.4.1.3 temp", () => {
    expect(ntlmv2ClientBlob(time, clientChallenge, targetInfo).toString("hex")).toBe(
      "0101000000000000" +
        "0000000000000000" +
        "aaaaaaaaaaaaaaaa" +
        "00000000" +
        "02000c0044006f006d00610069006e00" +
        "01000c00530065007200760065007200" +
        "00000000" +
        "00000000",
    );
  });
  it("4.2.4.2.2 NTProofStr", () => {
    expect(resp.ntProofStr.toString("hex")).toBe("68cd0ab851e51c96aabc927bebef6a1c");
  });
  it("4.2.4.2.1 LMv2 response", () => {
    expect(resp.lmChallengeResponse.toString("hex")).toBe("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  });
  it("4.2.4.1.2 session base key", () => {
    expect(resp.sessionBaseKey.toString("hex")).toBe("8de40ccadbc14a82f15cb0ad0de95ca3");
  });
  it("4.2.4.2.3 encrypted session key", () => {
    expect(rc4(resp.sessionBaseKey, randomSessionKey).toString("hex")).toBe("c5dad2544fc9799094ce1ce90bc9d03e");
  });
  it("4.2.4.4 sealing and signing keys", () => {
    expect(sealKey(randomSessionKey, "client-to-server").toString("hex")).toBe("59f600973cc4960a25480a7c196e4c58");
    expect(signKey(randomSessionKey, "client-to-server").toString("hex")).toBe("4788dc861b4782f35d43fd98fe1a2d39");
  });
  it("4.2.4.4 GSS_WrapEx of 'Plaintext' with sequence number 0", () => {
    const session = createSession(randomSessionKey, "client");
    const { sealed, signature } = session.outgoing.seal(Buffer.from("Plaintext", "utf16le"));
    expect(sealed.toString("hex")).toBe("54e50165bf1936dc996020c1811b0f06fb5f");
    expect(signature.toString("hex")).toBe("010000007fb38ec5c55d497600000000");
  });
  it("the peer unseals the 4.2.4.4 output and checks its signature", () => {
    const server = createSession(randomSessionKey, "server");
    const plain = server.incoming.unseal(hex("010000007fb38ec5c55d497600000000"), hex("54e50165bf1936dc996020c1811b0f06fb5f"));
    expect(plain.toString("utf16le")).toBe("Plaintext");
  });
  it("a flipped byte of the signature is rejected", () => {
    const server = createSession(randomSessionKey, "server");
    expect(() => server.incoming.unseal(hex("010000007fb38ec5c55d497600000001"), hex("54e50165bf1936dc996020c1811b0f06fb5f"))).toThrow(NtlmError);
  });
});

// The server half is the test double's own (test/winrm/double/ntlm-server.ts), written separately from MS-NLMP.
describe("NTLM handshake between NtlmClient and the double's NTLM server", () => {
  const lookup = (user: string): string | undefined => (user.toLowerCase() === "administrator" ? "S3cret!" : undefined);

  function handshake(user: string, password: string) {
    const client = new NtlmClient({ user, password });
    const server = new NtlmServerExchange(lookup, "DC01");
    const challenge = server.challenge(client.negotiate());
    const { message, session } = client.authenticate(challenge);
    return { server, challenge, message, clientSession: session, accept: () => server.accept(message) };
  }

  it("agrees on session keys, with a MIC, and seals in both directions with running sequence numbers", () => {
    const h = handshake("LAB\\Administrator", "S3cret!");
    const ch = decodeChallenge(h.challenge);
    expect(decodeAvPairs(ch.targetInfo).some((p) => p.id === AvId.Timestamp)).toBe(true);
    const auth = decodeAuthenticate(h.message);
    expect(auth.mic.equals(Buffer.alloc(16))).toBe(false);
    expect(auth.lmChallengeResponse.equals(Buffer.alloc(24))).toBe(true);
    expect((auth.flags & CLIENT_FLAGS) >>> 0).toBe(auth.flags);

    const serverSession = h.accept();
    expect(serverSession.user).toBe("Administrator");
    for (let i = 0; i < 5; i++) {
      const up = h.clientSession.outgoing.seal(Buffer.from(`request ${i}`));
      expect(serverSession.fromClient.unseal(up.signature, up.sealed).toString()).toBe(`request ${i}`);
      const down = serverSession.toClient.seal(Buffer.from(`response ${i} ✓`));
      expect(h.clientSession.incoming.unseal(down.signature, down.sealed).toString()).toBe(`response ${i} ✓`);
    }
  });

  it("rejects a wrong password", () => {
    expect(() => handshake("LAB\\Administrator", "wrong").accept()).toThrow(/wrong password/);
  });

  it("rejects a tampered AUTHENTICATE message through the MIC", () => {
    const h = handshake("Administrator", "S3cret!");
    const tampered = Buffer.from(h.message);
    // Flip a bit in the workstation-independent flags field: NTProofStr stays valid, MIC must not.
    tampered.writeUInt32LE((tampered.readUInt32LE(60) ^ NtlmFlags_OEM) >>> 0, 60);
    expect(() => h.server.accept(tampered)).toThrow(/MIC/);
  });

  it("a message lost in transit breaks the next signature check (sequence numbers matter)", () => {
    const h = handshake("Administrator", "S3cret!");
    const session = h.accept();
    h.clientSession.outgoing.seal(Buffer.from("lost"));
    const second = h.clientSession.outgoing.seal(Buffer.from("second"));
    expect(() => session.fromClient.unseal(second.signature, second.sealed)).toThrow(/sequence number 0/);
  });

  it("splits DOMAIN\\user and keeps UPNs whole", () => {
    expect(splitUser("LAB\\bob")).toEqual({ domain: "LAB", user: "bob" });
    expect(splitUser("bob@lab.local")).toEqual({ domain: "", user: "bob@lab.local" });
  });
});

const NtlmFlags_OEM = 0x00000002;
