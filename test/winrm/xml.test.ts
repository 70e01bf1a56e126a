import { attr, child, decodeXmlEntities, parseXml, text } from "../../winrm/xml";

describe("XML entities (decoded by the client itself; the parser's pass is off for speed)", () => {
  it.each([
    ["a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;", `a <b> & "c" 'd'`],
    ["line&#13;&#10;next", "line\r\nnext"],
    ["&#x1F680; &#233;", "🚀 é"],
    ["no entities", "no entities"],
    ["&amp;lt; stays one level", "&lt; stays one level"],
  ])("%s", (raw, decoded) => {
    expect(decodeXmlEntities(raw)).toBe(decoded);
  });

  it("applies to text and attributes of parsed documents", () => {
    const doc = parseXml(`<f:Message xmlns:f="urn:x" Code="a&amp;b">The user &apos;x&apos; &lt;y&gt;</f:Message>`);
    expect(text(child(doc, "Message"))).toBe("The user 'x' <y>");
    expect(attr(child(doc, "Message"), "Code")).toBe("a&b");
  });
});
