/**
 * The client's NTLM sealing beyond the first message, against vectors from an independent
 * implementation (Debian's python3-ntlm-auth 1.5, SessionSecurity.wrap with
 * KEY_EXCH|128|EXTENDED_SESSIONSECURITY|SEAL|SIGN and exported session key 00..0f), written out.
 * A client that advanced its sequence number by two, or reset its RC4 state per message, fails here.
 */
import { createSession } from "../../winrm/ntlm";

const KEY = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");

describe("NTLM sealing known answers for sequence numbers 0, 1, 2", () => {
  it("client to server", () => {
    const session = createSession(KEY, "client");
    const rows: Array<[string, string, string]> = [
      ["first message", "126be9200561306765b8764985", "01000000e64d35f396019a6300000000"],
      ["second message", "c2e04c9aa99e1ee2b12424e76ef8", "01000000e6120cef57f186bd01000000"],
      ["third", "22df5d53b6", "0100000067a7d34f0787f84d02000000"],
    ];
    for (const [msg, sealed, signature] of rows) {
      const out = session.outgoing.seal(Buffer.from(msg));
      expect([out.sealed.toString("hex"), out.signature.toString("hex")]).toEqual([sealed, signature]);
    }
  });

  it("server to client, unsealed by the client in order", () => {
    const session = createSession(KEY, "client");
    const rows: Array<[string, string, string]> = [
      ["reply one", "230aafe1c8f6768b40", "010000007a6d930e0e43a7e400000000"],
      ["reply two", "68d8ed1e8f28f5f8a1", "010000009a25fcad4f79aa1501000000"],
    ];
    for (const [msg, sealed, signature] of rows) {
      expect(session.incoming.unseal(Buffer.from(signature, "hex"), Buffer.from(sealed, "hex")).toString()).toBe(msg);
    }
  });
});
