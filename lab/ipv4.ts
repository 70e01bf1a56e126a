// IPv4 arithmetic on 32-bit unsigned integers; small enough not to need a library.

export const IPV4_PATTERN = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function toInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function fromInt(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export interface Cidr {
  network: number;
  prefix: number;
  size: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m || !IPV4_PATTERN.test(m[1])) return undefined;
  const prefix = Number(m[2]);
  if (prefix < 8 || prefix > 30) return undefined;
  const size = 2 ** (32 - prefix);
  const network = toInt(m[1]);
  if (network % size !== 0) return undefined;
  return { network, prefix, size };
}

export function netmask(prefix: number): string {
  return fromInt(2 ** 32 - 2 ** (32 - prefix));
}

/** A usable host address: inside the subnet, not its network or broadcast address. */
export function isHostIn(cidr: Cidr, ip: string): boolean {
  const n = toInt(ip);
  return n > cidr.network && n < cidr.network + cidr.size - 1;
}

/** Why an address is not a host address of the subnet, in words: its network or broadcast address, or outside it. */
export function notHostReason(cidr: Cidr, ip: string): string {
  const n = toInt(ip);
  if (n === cidr.network) return "is the network address of";
  if (n === cidr.network + cidr.size - 1) return "is the broadcast address of";
  return "is outside";
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

export function inRange(ip: string, start: string, end: string): boolean {
  const n = toInt(ip);
  return n >= toInt(start) && n <= toInt(end);
}

/** in-addr.arpa zone name for the subnet (whole octets only, as Windows DNS names them). */
export function reverseZone(cidr: Cidr): string {
  const octets = fromInt(cidr.network).split(".");
  const whole = Math.max(1, Math.floor(cidr.prefix / 8));
  return `${octets.slice(0, whole).reverse().join(".")}.in-addr.arpa`;
}
