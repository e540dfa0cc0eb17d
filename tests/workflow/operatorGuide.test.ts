// docs/operator-guide.md § Failure messages quotes the code; every quote must still be there.
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "../..");
const guide = fs.readFileSync(path.join(root, "docs/operator-guide.md"), "utf8");
const failures = guide.slice(guide.indexOf("## 10. Failure messages"));

/** Rows `| \`message\` | \`source file\` | … |` of the failure tables. */
const rows = [...failures.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)].map((m) => ({ message: m[1], file: m[2] }));

/** Source text with string concatenations joined (`"a " +\n "b"` reads as `a b`). */
function sourceText(file: string): string {
  return fs.readFileSync(path.join(root, file), "utf8").replace(/["'`]\s*\+\s*["'`]/g, "");
}

describe("operator guide failure messages", () => {
  it("quotes messages from the code in every section", () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.file.split("/")[0]))).toEqual(new Set(["components", "scripts", "policy"]));
  });

  it.each(rows.map((r) => [r.message, r.file]))("%s (in %s)", (message, file) => {
    const source = sourceText(file);
    // `<…>` marks the part that varies; every literal piece between them is in the source.
    const pieces = message.split(/<[^>]+>/).filter((p) => p.trim() !== "");
    for (const piece of pieces) expect({ file, piece, found: source.includes(piece) }).toEqual({ file, piece, found: true });
  });

  it("links the operator guide from the README", () => {
    expect(fs.readFileSync(path.join(root, "README.md"), "utf8")).toContain("(docs/operator-guide.md)");
  });
});
