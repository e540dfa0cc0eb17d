// IoT Hub's rule for twin keys (twinProperties.ts: at most 1 KB of UTF-8, no '.', '$', space or
// control character), one rule for a module's desired properties, a dps stack's tags and an
// enrollment group's initial twin tags.
import { twinTagProblems } from "../../components/config/provisioningRules";
import { enrollmentGroupProblems } from "../../components/dps/enrollmentGroup.rules";
import { twinKeyBreak, twinPropertyProblems } from "../../components/manifest/twinProperties";

const KB_OF_TWO_BYTE = "é".repeat(512);
const OVER_KB_OF_TWO_BYTE = "é".repeat(513);

test("a key breaks the rule when empty, with a forbidden character (C0, DEL, C1, '.', '$', space), or over 1024 bytes of UTF-8", () => {
  expect(twinKeyBreak("")).toEqual({ kind: "empty" });
  for (const c of [".", "$", " ", "\u0000", "\u001f", "\u007f", "\u0085", "\u009f"])
    expect(twinKeyBreak(`a${c}b`)).toEqual({ kind: "character", character: c });
  expect(twinKeyBreak("a".repeat(1025))).toEqual({ kind: "length", maxBytes: 1024 });
  expect(twinKeyBreak(OVER_KB_OF_TWO_BYTE)).toEqual({ kind: "length", maxBytes: 1024 });
  for (const ok of ["a".repeat(1024), KB_OF_TWO_BYTE, "line-3", "\u00a0x", "#"]) expect(twinKeyBreak(ok)).toBeUndefined();
});

test("a module's desired properties: the key's break, in the manifest's words", () => {
  expect(twinPropertyProblems({ [OVER_KB_OF_TWO_BYTE]: 1, [KB_OF_TWO_BYTE]: 2, "": 3, "a\u0085": 4 }, "at")).toEqual([
    `at.${OVER_KB_OF_TWO_BYTE}: a twin property name may hold at most 1024 bytes`,
    "at has an empty key; a twin property needs a name",
    "at.a\u0085: a twin property name may not contain the control character U+0085 (IoT Hub forbids '.', '$', spaces and control characters in twin keys); rename it",
  ]);
});

test("an enrollment group's tags: a key over 1 KB of UTF-8 is refused though it has fewer than 1024 characters", () => {
  const tagProblems = (tags: Record<string, string>) => enrollmentGroupProblems({ tags }).filter((p) => p.startsWith("tags"));
  expect(tagProblems({ [KB_OF_TWO_BYTE]: "v", fleet: "north" })).toEqual([]);
  expect(tagProblems({ [OVER_KB_OF_TWO_BYTE]: "v", "": "w", "a\u0085": "x" })).toEqual([
    `tags: ${JSON.stringify(OVER_KB_OF_TWO_BYTE)} is not a twin tag name (no '.', '$', spaces or control characters; at most 1024)`,
    `tags: "" is not a twin tag name (no '.', '$', spaces or control characters; at most 1024)`,
    `tags: ${JSON.stringify("a\u0085")} is not a twin tag name (no '.', '$', spaces or control characters; at most 1024)`,
  ]);
});

test("a dps stack's tags: over 1 KB, then a forbidden character, then a name a target condition cannot use", () => {
  expect(twinTagProblems({ ["a".repeat(1025)]: "v", "a\u0085": "w", "": "x" })).toEqual([
    { key: "a".repeat(1025), message: "is longer than 1 KB, the twin tag key limit" },
    { key: "a\u0085", message: "is not a twin tag name: no '.', '$', spaces or control characters (IoT Hub device twin rules)" },
    {
      key: "",
      message:
        "must be letters, digits and '_', not starting with a digit: the at-scale deployment's target condition names it as tags.<key>",
    },
  ]);
});
