import { md4 } from "../../winrm/md4";
import { Rc4, rc4 } from "../../winrm/rc4";

describe("MD4 (RFC 1320 appendix A.5)", () => {
  const vectors: Array<[string, string]> = [
    ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
    ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
    ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
    ["message digest", "d9130a8164549fe818874806e1c7014b"],
    ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"],
    ["12345678901234567890123456789012345678901234567890123456789012345678901234567890", "e33b4ddc9c38f2199c3e7b164fcc0536"],
  ];
  it.each(vectors)("MD4(%j)", (input, hex) => {
    expect(md4(Buffer.from(input, "ascii")).toString("hex")).toBe(hex);
  });

  it("gives the NT hash of 'Password' used by MS-NLMP 4.2.2.1.2", () => {
    expect(md4(Buffer.from("Password", "utf16le")).toString("hex")).toBe("a4f49c406510bdcab6824ee7c30fd852");
  });
});

describe("RC4 (RFC 6229)", () => {
  const zeros = (n: number): Buffer => Buffer.alloc(n);
  const cases: Array<{ key: string; at: Record<number, string> }> = [
    {
      key: "0102030405",
      at: {
        0: "b2396305f03dc027ccc3524a0a1118a8",
        16: "6982944f18fc82d589c403a47a0d0919",
        240: "28cb1132c96ce286421dcaadb8b69eae",
        256: "1cfcf62b03eddb641d77dfcf7f8d8c93",
        4080: "068326a2118416d21f9d04b2cd1ca050",
        4096: "ff25b58995996707e51fbdf08b34d875",
      },
    },
    {
      key: "0102030405060708090a0b0c0d0e0f10",
      at: {
        0: "9ac7cc9a609d1ef7b2932899cde41b97",
        16: "5248c4959014126a6e8a84f11d1a9e1c",
        4080: "ff38265c1642c1abe8d3c2fe5e572bf8",
        4096: "a36a4c301ae8ac13610ccbc12256cacc",
      },
    },
  ];
  it.each(cases)("keystream for key $key", ({ key, at }) => {
    const stream = rc4(Buffer.from(key, "hex"), zeros(4112));
    for (const [offset, hex] of Object.entries(at)) {
      const o = Number(offset);
      expect(stream.subarray(o, o + 16).toString("hex")).toBe(hex);
    }
  });

  it("keeps its keystream state across update() calls", () => {
    const key = Buffer.from("0102030405", "hex");
    const h = new Rc4(key);
    const parts = [h.update(zeros(7)), h.update(zeros(300)), h.update(zeros(3805))];
    expect(Buffer.concat(parts).equals(rc4(key, zeros(4112)))).toBe(true);
  });

  it("decrypts what it encrypted", () => {
    const key = Buffer.from("secret key");
    const msg = Buffer.from("Grüße — 日本語");
    expect(rc4(key, rc4(key, msg)).equals(msg)).toBe(true);
  });
});
