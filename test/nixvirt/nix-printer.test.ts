import { code, nixName, nixPath, NixValue, printNix } from "../../nixvirt-export";
import { evalJson } from "./nix-tools";

describe("printNix", () => {
  test.each<[string, NixValue]>([
    ["plain text", "DC01"],
    ["double quotes", 'say "hi"'],
    ["backslashes", "C:\\Windows\\System32\\"],
    ["an interpolation", "${builtins.currentTime} and ${HOME}"],
    ["dollars that are not interpolations", "$HOME $ {x} $$ ${"],
    ["control characters", "line 1\nline 2\r\n\ttab"],
    ["unicode", "Zürich ✓"],
    ["integers, booleans, null", [0, 42, -7, true, false, null]],
    ["nested sets and lists", { a: { b: [1, [2, { c: "d" }]] }, e: [] , f: {} }],
    ["attribute names that need quotes", { if: 1, "with space": 2, "a.b": 3, "${x}": 4, "qemu:///system": 5, "x'y-z_1": 6 }],
  ])("%s evaluates back to the same value", (_title, value) => {
    expect(evalJson(printNix(value))).toEqual(value);
  });

  test("code in a list is parenthesized unless it is one token", () => {
    expect(printNix([code("f x"), code("nixvirt.lib"), -1, 2])).toBe("[ (f x) nixvirt.lib (-1) 2 ]");
  });

  test("refuses numbers Nix cannot hold", () => {
    expect(() => printNix(1.5)).toThrow("1.5 is not an integer");
    expect(() => printNix(2 ** 64)).toThrow("not an integer");
  });

  test("keywords are quoted as attribute names", () => {
    expect(nixName("inherit")).toBe('"inherit"');
    expect(nixName("storage_vol")).toBe("storage_vol");
  });

  test("path literals only for plain absolute paths", () => {
    expect(nixPath("/var/lib/x.iso").text).toBe("/var/lib/x.iso");
    expect(() => nixPath("/var/lib/my iso.iso")).toThrow("cannot be written as a Nix path literal");
  });
});
