import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";

export type { XMLBuilder };

/** Attribute values as the renderers pass them; numbers are written in decimal. */
export type Attributes = Record<string, string | number>;

/** A new document whose root element is `name`; build under the returned element. */
export function rootElement(name: string, attributes: Attributes = {}): XMLBuilder {
  return create().ele(name, stringify(attributes));
}

/** An element holding one text value, e.g. <name>DC01</name>. */
export function textElement(parent: XMLBuilder, name: string, text: string | number, attributes: Attributes = {}): XMLBuilder {
  return parent.ele(name, stringify(attributes)).txt(String(text)).up();
}

/** An element with attributes only, e.g. <boot dev='hd'/>. */
export function emptyElement(parent: XMLBuilder, name: string, attributes: Attributes = {}): XMLBuilder {
  return parent.ele(name, stringify(attributes)).up();
}

/** libvirt reads XML without a declaration; one stable layout keeps golden files diffable. */
export function serialize(root: XMLBuilder): string {
  return root.end({ headless: true, prettyPrint: true, indent: "  " }) + "\n";
}

function stringify(attributes: Attributes): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)]));
}
