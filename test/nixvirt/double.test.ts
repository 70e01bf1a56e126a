// The NixVirt double must be stricter than NixVirt, or the evaluation tests prove nothing.
import { DOUBLE, evalJson } from "./nix-tools";

const withDouble = (body: string) => `let nixvirt = import ${DOUBLE}; in ${body}`;
const windowsArgs = 'name = "W"; uuid = "00000000-0000-0000-0000-000000000001"; nvram_path = "/nvram/W_VARS.fd";';

describe.each([
  ["a misspelled template argument", `nixvirt.lib.domain.templates.windows { ${windowsArgs} virtio_nett = false; }`, /virtio_nett/],
  ["an argument templates.linux does not take", 'nixvirt.lib.domain.templates.linux { name = "L"; uuid = "u"; vcpu = { count = 2; }; }', /vcpu/],
  ["a missing required argument", 'nixvirt.lib.domain.templates.windows { name = "W"; uuid = "u"; }', /nvram_path/],
  ["features.smm, which 0.6.0's generator drops", "nixvirt.lib.domain.writeXML { features = { smm = { state = true; }; }; }", /domain\.features\.smm is not written/],
  ["os.loader.secure, which 0.6.0's generator drops", 'nixvirt.lib.domain.writeXML { os = { loader = { secure = true; path = "/x"; }; }; }', /domain\.os\.loader\.secure is not written/],
  ["a listen address, which 0.6.0's generator drops", 'nixvirt.lib.domain.writeXML { devices = { graphics = [ { type = "vnc"; listen = { type = "address"; address = "127.0.0.1"; }; } ]; }; }', /domain\.devices\.graphics\[0\]\.listen\.address/],
  ["a misspelled network element", 'nixvirt.lib.network.writeXML { name = "n"; ip = { adress = "10.0.0.1"; }; }', /network\.ip\.adress/],
  ["a misspelled volume element", 'nixvirt.lib.volume.writeXML { name = "v"; capacity = { count = 1; units = "GiB"; }; }', /volume\.capacity\.units/],
])("the double refuses %s", (_title, expression, message) => {
  test("with an error naming it", () => {
    expect(() => evalJson(withDouble(expression))).toThrow(message);
  });
});

test("the double returns the call and its arguments as data", () => {
  expect(evalJson(withDouble('nixvirt.lib.pool.writeXML { name = "p"; type = "dir"; target = { path = "/p"; }; }')))
    .toEqual({ nixvirt: "pool.writeXML", args: { name: "p", type: "dir", target: { path: "/p" } } });
  expect(evalJson(withDouble(`(nixvirt.lib.domain.templates.windows { ${windowsArgs} }).template`)))
    .toEqual({ nixvirt: "domain.templates.windows", args: { name: "W", uuid: "00000000-0000-0000-0000-000000000001", nvram_path: "/nvram/W_VARS.fd" } });
});
