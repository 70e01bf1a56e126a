// Sizes and IPv4 arithmetic, the boundaries written out (added for mutation testing of lab/).
import { fromInt, inRange, isHostIn, netmask, overlaps, parseCidr, reverseZone, toInt } from "../../../lab/ipv4";
import { formatBytes, parseSize } from "../../../lab/units";
import { configPath, formatProblems, Problems } from "../../../lab/problems";

describe("parseSize", () => {
  test.each([
    ["1B", 1],
    ["1KB", 1000],
    ["1MB", 1e6],
    ["1GB", 1e9],
    ["1TB", 1e12],
    ["1KiB", 1024],
    ["1MiB", 1048576],
    ["1GiB", 1073741824],
    ["1TiB", 1099511627776],
    [" 8 GiB ", 8589934592],
    ["1.5GiB", 1610612736],
    ["0.5B", 1],
    ["0.4B", 0],
  ])("%j is %d bytes", (text, bytes) => expect(parseSize(text)).toBe(bytes));

  test.each(["8", "8 gib", "GiB", "-1GiB", "1.GiB", "8GiBx", "x8GiB", "1e3GB", "8 Gigs"])("%j is not a size", (text) =>
    expect(parseSize(text)).toBeUndefined(),
  );

  test("a size too large for a number is refused", () => {
    expect(parseSize(`${"9".repeat(400)}TiB`)).toBeUndefined();
  });
});

test.each([
  [2 ** 30, "1 GiB"],
  [3 * 2 ** 30, "3 GiB"],
  [2 ** 20, "1 MiB"],
  [1536 * 2 ** 20, "1536 MiB"],
  [1000, "1000 B"],
  [0, "0 GiB"],
])("formatBytes(%d) is %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));

describe("ipv4", () => {
  test("toInt and fromInt", () => {
    expect(toInt("192.168.56.10")).toBe(3232249866);
    expect(toInt("0.0.0.1")).toBe(1);
    expect(fromInt(3232249866)).toBe("192.168.56.10");
    expect(fromInt(4294967295)).toBe("255.255.255.255");
    expect(fromInt(256)).toBe("0.0.1.0");
  });

  test.each([
    ["192.168.56.0/24", { network: 3232249856, prefix: 24, size: 256 }],
    ["10.0.0.0/8", { network: 167772160, prefix: 8, size: 16777216 }],
    ["192.168.56.4/30", { network: 3232249860, prefix: 30, size: 4 }],
  ])("parseCidr(%s)", (text, cidr) => expect(parseCidr(text)).toEqual(cidr));

  test.each([
    "192.168.56.0",
    "192.168.56.0/7",
    "192.168.56.0/31",
    "192.168.56.1/24",
    "192.168.256.0/24",
    "192.168.56.0/024",
    "x192.168.56.0/24",
    "192.168.56.0/24x",
    "1.2.3/24",
  ])("parseCidr(%s) is undefined", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  test("netmask", () => {
    expect([netmask(8), netmask(16), netmask(24), netmask(30), netmask(25)]).toEqual([
      "255.0.0.0",
      "255.255.0.0",
      "255.255.255.0",
      "255.255.255.252",
      "255.255.255.128",
    ]);
  });

  test("isHostIn excludes the network and broadcast addresses", () => {
    const c = parseCidr("192.168.56.0/24")!;
    expect(["192.168.56.0", "192.168.56.1", "192.168.56.254", "192.168.56.255", "192.168.57.1", "192.168.55.255"].map((ip) => isHostIn(c, ip))).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  test("overlaps: touching subnets do not overlap, nested and equal ones do", () => {
    const c = (t: string) => parseCidr(t)!;
    expect(overlaps(c("192.168.56.0/24"), c("192.168.57.0/24"))).toBe(false);
    expect(overlaps(c("192.168.57.0/24"), c("192.168.56.0/24"))).toBe(false);
    expect(overlaps(c("192.168.0.0/16"), c("192.168.56.0/24"))).toBe(true);
    expect(overlaps(c("192.168.56.0/24"), c("192.168.0.0/16"))).toBe(true);
    expect(overlaps(c("192.168.56.0/24"), c("192.168.56.0/24"))).toBe(true);
  });

  test("inRange includes both ends", () => {
    expect(["192.168.56.99", "192.168.56.100", "192.168.56.200", "192.168.56.201"].map((ip) => inRange(ip, "192.168.56.100", "192.168.56.200"))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  test("reverseZone names whole octets only, at least one", () => {
    expect(reverseZone(parseCidr("192.168.56.0/24")!)).toBe("56.168.192.in-addr.arpa");
    expect(reverseZone(parseCidr("172.16.0.0/12")!)).toBe("172.in-addr.arpa");
    expect(reverseZone(parseCidr("10.0.0.0/8")!)).toBe("10.in-addr.arpa");
    expect(reverseZone(parseCidr("10.20.0.0/16")!)).toBe("20.10.in-addr.arpa");
    expect(reverseZone(parseCidr("192.168.56.128/25")!)).toBe("56.168.192.in-addr.arpa");
  });
});

describe("problems", () => {
  test("configPath writes indexes in brackets and keys with dots", () => {
    expect(configPath(["vms", 2, "nics", 0, "ip"])).toBe("homelab:vms[2].nics[0].ip");
    expect(configPath(["pool"])).toBe("homelab:pool");
    expect(configPath([])).toBe("homelab:");
  });
  test("Problems keeps errors and warnings apart; formatProblems puts one per line", () => {
    const p = new Problems();
    p.error(["a"], "bad");
    p.warn(["b", 1], "odd");
    p.error(["c"], "worse");
    expect(p.errors).toEqual([
      { path: "homelab:a", message: "bad" },
      { path: "homelab:c", message: "worse" },
    ]);
    expect(p.warnings).toEqual([{ path: "homelab:b[1]", message: "odd" }]);
    expect(formatProblems(p.errors)).toBe("homelab:a: bad\nhomelab:c: worse");
  });
});

test.each([
  ["1.25GiB", 1342177280],
  ["2.5MiB", 2621440],
])("parseSize takes several decimals: %s", (text, bytes) => expect(parseSize(text)).toBe(bytes));

test("IPv4 octets: 0-255 without leading zeros, whole string only", () => {
  const valid = (ip: string) => parseCidr(`${ip}/30`) !== undefined;
  expect(["250.0.0.0", "255.255.255.252", "200.1.2.0", "249.9.9.8", "199.0.0.0", "10.0.0.0", "9.0.0.0"].map(valid)).toEqual([
    true,
    true,
    true,
    true,
    true,
    true,
    true,
  ]);
  expect(["256.0.0.0", "2a0.0.0.0", "01.0.0.0", "1.2.3.4.5", "x1.2.3.0"].map(valid)).toEqual([false, false, false, false, false]);
  expect(parseCidr("0.0.0.0/7")).toBeUndefined();
  expect(parseCidr("0.0.0.0/8")).toEqual({ network: 0, prefix: 8, size: 16777216 });
});
