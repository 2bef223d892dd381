/** The test's own XML checker must itself refuse what is not well-formed, or the SVG tests prove nothing. */
import { describe, expect, test } from "bun:test";
import { parseXml } from "./_support.ts";

describe("parseXml (the well-formedness checker the SVG tests rely on)", () => {
  test("parses elements, attributes, text and entities", () => {
    const root = parseXml(
      '<?xml version="1.0"?>\n<svg a="1 &amp; 2"><g><text x=\'3\'>&lt;b&gt; &#34;&#x41;</text></g><rect/></svg>\n',
    );
    expect(root.name).toBe("svg");
    expect(root.attrs).toEqual({ a: "1 & 2" });
    expect(root.children[0]?.children[0]).toEqual({
      name: "text",
      attrs: { x: "3" },
      children: [],
      text: '<b> "A',
    });
    expect(root.children[1]?.name).toBe("rect");
  });

  test.each([
    ["unclosed tag", "<svg><g></svg>"],
    ["bare ampersand", "<svg>a & b</svg>"],
    ["unknown entity", "<svg>&nbsp;</svg>"],
    ["unquoted attribute", "<svg a=1/>"],
    ["duplicate attribute", '<svg a="1" a="2"/>'],
    ["< in attribute", '<svg a="<"/>'],
    ["two roots", "<a/><b/>"],
    ["control character", "<svg>\u0001</svg>"],
    ["quote closing early", '<svg a="x"y"/>'],
    ["lone surrogate", "<svg>\ud800</svg>"],
  ])("refuses %s", (_, source) => {
    expect(() => parseXml(source)).toThrow(/^XML: /);
  });
});
