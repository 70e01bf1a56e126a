// A tiny ASCII ini writer. No ini library is installed, and the two consumers (SQL setup and
// ConfigMgr setup) want exactly this: [sections], key=value lines, each key once, ASCII only
// (both setups reject a UTF-8 BOM), CRLF line ends. Values are written verbatim: SQL's style
// of quoting is the caller's business.

export type IniSection = readonly (readonly [key: string, value: string | number])[];
export type IniDocument = readonly (readonly [section: string, entries: IniSection])[];

const KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const SECTION = /^[A-Za-z][A-Za-z0-9_ ]*$/;

export class IniError extends Error {
  override name = "IniError";
}

export function writeIni(doc: IniDocument): string {
  const seenSections = new Set<string>();
  const lines: string[] = [];
  for (const [section, entries] of doc) {
    if (!SECTION.test(section)) throw new IniError(`ini section name ${JSON.stringify(section)} is not usable`);
    if (seenSections.has(section.toLowerCase())) throw new IniError(`ini section [${section}] appears twice`);
    seenSections.add(section.toLowerCase());
    if (lines.length > 0) lines.push("");
    lines.push(`[${section}]`);
    const seenKeys = new Set<string>();
    for (const [key, raw] of entries) {
      const value = String(raw);
      if (!KEY.test(key)) throw new IniError(`ini key ${JSON.stringify(key)} in [${section}] is not usable`);
      if (seenKeys.has(key.toLowerCase())) throw new IniError(`ini key ${key} appears twice in [${section}]`);
      seenKeys.add(key.toLowerCase());
      if (/[\r\n]/.test(value)) throw new IniError(`ini value of ${section}.${key} contains a line break`);
      // eslint-disable-next-line no-control-regex
      if (/[^\x20-\x7e]/.test(value)) throw new IniError(`ini value of ${section}.${key} is not printable ASCII: ${JSON.stringify(value)}`);
      lines.push(`${key}=${value}`);
    }
  }
  return lines.join("\r\n") + "\r\n";
}

/** Reads what writeIni writes (for tests and for checking generated files): section -> key -> value. */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let current: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "" || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      if (out[section[1]]) throw new IniError(`section [${section[1]}] appears twice`);
      current = out[section[1]] = {};
      continue;
    }
    const i = line.indexOf("=");
    if (!current || i <= 0) throw new IniError(`line ${JSON.stringify(line)} is neither a section nor key=value`);
    const key = line.slice(0, i);
    if (key in current) throw new IniError(`key ${key} appears twice`);
    current[key] = line.slice(i + 1);
  }
  return out;
}
