import type { PoolSpec } from "../../lab";
import { rootElement, serialize, textElement } from "./xml";

/** libvirt storage pool XML (formatstorage) for the lab's directory pool. */
export function renderPoolXml(pool: PoolSpec): string {
  const root = rootElement("pool", { type: pool.type });
  textElement(root, "name", pool.name);
  textElement(root, "uuid", pool.uuid);
  textElement(root.ele("target"), "path", pool.path);
  return serialize(root);
}
