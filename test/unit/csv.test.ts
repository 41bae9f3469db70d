import { describe, expect, it } from "vitest";
import { csvField, toCsv } from "../../src/domain/csv.ts";

describe("CSV exports", () => {
  it("writes a header and one CRLF line per row", () => {
    expect(
      toCsv(
        ["option_id", "label", "votes", "percent"],
        [
          ["a", "Tea", 3, 75],
          ["b", "Coffee", 1, 25],
        ],
      ),
    ).toBe("option_id,label,votes,percent\r\na,Tea,3,75\r\nb,Coffee,1,25\r\n");
  });

  it("quotes fields with commas, quotes and line breaks, doubling the quotes", () => {
    expect(csvField("Tea, please")).toBe('"Tea, please"');
    expect(csvField('The "best" one')).toBe('"The ""best"" one"');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("plain")).toBe("plain");
  });

  it("keeps a label that a spreadsheet would run as a formula as text", () => {
    for (const hostile of ["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd", "\tTAB", "\rCR"]) {
      expect(csvField(hostile).replace(/^"/, "")).toMatch(/^'/);
    }
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
  });

  it("writes numbers as they are, negative ones too", () => {
    expect(csvField(-1)).toBe("-1");
    expect(csvField(0)).toBe("0");
  });
});
