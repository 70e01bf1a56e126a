// The ini reader and writer and the lab facts the phases derive, case by case (added for mutation testing of phases/).
import { clone, siteSpec, stackSpec } from "../../support/stacks";
import { IniError, parseIni, writeIni } from "../../../phases/ini";
import { dcAddressOn, dnsServerFor, managementHost, networkNamed, reverseZoneOf } from "../../../phases/lab-facts";
import { boundaryRanges, dhcpScopes, dnsSettings } from "../../../phases";

describe("writeIni", () => {
  test("an empty document is one line end; sections are separated by one blank line", () => {
    expect(writeIni([])).toBe("\r\n");
    expect(
      writeIni([
        ["A", []],
        ["B", []],
      ]),
    ).toBe("[A]\r\n\r\n[B]\r\n");
  });
  test.each([
    ["a section name with a symbol", [["A-B", []]], 'ini section name "A-B" is not usable'],
    ["a section name starting with a digit", [["1A", []]], 'ini section name "1A" is not usable'],
    ["a section name with a trailing symbol", [["AB]", []]], 'ini section name "AB]" is not usable'],
    ["a key with a space", [["A", [["a b", "v"]]]], 'ini key "a b" in [A] is not usable'],
    ["a key with a trailing symbol", [["A", [["ab=", "v"]]]], 'ini key "ab=" in [A] is not usable'],
    ["a carriage return", [["A", [["k", "a\rb"]]]], "ini value of A.k contains a line break"],
    ["a tab", [["A", [["k", "a\tb"]]]], 'ini value of A.k is not printable ASCII: "a\\tb"'],
    ["DEL", [["A", [["k", "a\x7f"]]]], 'ini value of A.k is not printable ASCII: "a\x7f"'],
  ] as const)("refuses %s with the exact message", (_what, doc, message) => {
    expect(() => writeIni(doc)).toThrow(new IniError(message));
  });
  test("accepts the edges of printable ASCII, section names with spaces and underscores, keys with digits", () => {
    expect(writeIni([["Sec tion_1", [["k_1", " ~"]]]])).toBe("[Sec tion_1]\r\nk_1= ~\r\n");
  });
  test("the same key in two sections is fine", () => {
    expect(
      writeIni([
        ["A", [["k", 1]]],
        ["B", [["k", 2]]],
      ]),
    ).toBe("[A]\r\nk=1\r\n\r\n[B]\r\nk=2\r\n");
  });
});

describe("parseIni", () => {
  test("reads sections and keys, skips blank lines and ; comments, takes = inside values", () => {
    expect(parseIni("; c\r\n[A]\r\nk=v=w\r\n\r\n  \n[B]\nx=\n")).toEqual({ A: { k: "v=w" }, B: { x: "" } });
  });
  test.each([
    ["a key before any section", "k=v\n", 'line "k=v" is neither a section nor key=value'],
    ["a line without =", "[A]\nkv\n", 'line "kv" is neither a section nor key=value'],
    ["a line starting with =", "[A]\n=v\n", 'line "=v" is neither a section nor key=value'],
    ["a repeated section", "[A]\n[A]\n", "section [A] appears twice"],
    ["a repeated key", "[A]\nk=1\nk=2\n", "key k appears twice"],
  ])("refuses %s", (_what, text, message) => expect(() => parseIni(text)).toThrow(new IniError(message)));
});

describe("lab facts", () => {
  const dev = siteSpec("dev");
  test("lookups name what is missing", () => {
    expect(() => networkNamed(dev, "nope")).toThrow("network nope is not in homelab:networks");
    expect(() => managementHost({ ...dev.vms[0], managementIp: undefined })).toThrow(
      "DC01 has no management address: give one NIC a static ip:, or a reserve: on a network where libvirt answers DHCP",
    );
  });
  test("the DC, its addresses per network, and the DNS server a member uses", () => {
    expect(dev.domain.dcVm.name).toBe("DC01");
    expect([dcAddressOn(dev.domain, "lab-net"), dcAddressOn(dev.domain, "default"), dcAddressOn(dev.domain, "nope")]).toEqual([
      "192.168.56.10",
      "192.168.122.10",
      undefined,
    ]);
    expect(dnsServerFor(dev.domain, dev.vms[2])).toBe("192.168.56.10");
    // A member on no network the DC has an address on uses the DC's first static address (validation makes every DC NIC static).
    const lonely = { ...dev.vms[2], nics: [{ ...dev.vms[2].nics[0], network: "elsewhere" }] };
    expect(dnsServerFor(dev.domain, lonely)).toBe("192.168.56.10");
  });
  test("a member on the second network only uses the DC's address there", () => {
    const member = { ...dev.vms[2], nics: [dev.vms[2].nics[1]] };
    expect(dnsServerFor(dev.domain, member)).toBe("192.168.122.10");
  });
});

describe("generated parameters, literally", () => {
  test("dev's DHCP scope on lab-net", () => {
    expect(dhcpScopes(stackSpec("dev"))).toEqual([
      {
        network: "lab-net",
        ScopeName: "lab-net",
        ScopeId: "192.168.56.0",
        SubnetMask: "255.255.255.0",
        StartRange: "192.168.56.100",
        EndRange: "192.168.56.200",
        Router: "192.168.56.1",
        DnsServer: ["192.168.56.10"],
        DnsDomain: "corp.homelab.test",
        DcFqdn: "DC01.corp.homelab.test",
        DcAddress: "192.168.56.10",
        Exclusion: [],
        Reservation: ["52:54:00:0d:5a:b7|192.168.56.101|CLIENT01", "52:54:00:e5:4f:46|192.168.56.102|CLIENT02"],
      },
    ]);
  });
  test("a static address inside the DC's range is excluded from the scope; no domain, no scopes", () => {
    const spec = clone(stackSpec("dev"));
    spec.vms[1].nics[0].ip = "192.168.56.150";
    expect(dhcpScopes(spec)[0].Exclusion).toEqual(["192.168.56.150-192.168.56.150"]);
    expect(dhcpScopes({ ...spec, domain: undefined, sccm: undefined })).toEqual([]);
  });
  test("a DC without a static address on a network it serves is refused", () => {
    const spec = clone(stackSpec("dev"));
    spec.vms[0].nics[0].addressing = "reserved";
    expect(() => dhcpScopes(spec)).toThrow("network lab-net has dhcp.server dc but the DC DC01 has no static address on it");
  });
  test("DNS: no forwarders is refused; boundaries: the host range of each client network", () => {
    const spec = clone(stackSpec("dev"));
    spec.domain!.forwarders = [];
    expect(() => dnsSettings(spec)).toThrow("homelab:domain.forwarders is empty and the DC has no static address on a network libvirt serves: set forwarders");
    expect(boundaryRanges(stackSpec("dev"))).toEqual(["dev lab-net|192.168.56.1-192.168.56.254", "dev default|192.168.122.1-192.168.122.254"]);
    expect(boundaryRanges(stackSpec("split-sql"))).toEqual(["split-sql lab-net|192.168.57.1-192.168.57.254", "split-sql mgmt|192.168.58.1-192.168.58.254"]);
    const bad = clone(stackSpec("dev"));
    bad.networks[0].subnet = "bad";
    expect(() => boundaryRanges(bad)).toThrow("network lab-net has an unusable subnet bad");
  });
});
