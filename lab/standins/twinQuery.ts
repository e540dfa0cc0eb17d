// A small part of IoT Hub's query language, enough for what configurations use: target conditions
// (`tags.fleet='x' AND tags.stack='y'`, `deviceId='d1'`, `*`) and metric queries
// (`SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND configurations.[[id]].status = 'Applied'`).
// Grammar and semantics from learn.microsoft.com "IoT Hub query language for device and module twins"
// (iot-hub-devguide-query-language.md): comparisons = != <> < > <= >=, AND / OR / NOT, parentheses,
// string literals in single quotes, numbers, true/false/null, dotted paths; a comparison with an
// undefined property is not true. Names holding special characters are bracketed `[[name]]`
// (iot-hub-automatic-device-management.md: `configurations.[[yourconfigname]].status`).
// Anything else is refused with 400, so a query the stand-in does not understand never counts silently.
import { HubError } from "./iotHubModel";

type Json = Record<string, unknown>;
type Token = { kind: "word" | "string" | "number" | "op" | "path"; text: string; value?: unknown };

export type Condition = (doc: Json) => boolean;

export interface TwinQuery {
  readonly from: "devices" | "devices.modules";
  readonly where: Condition;
}

/** A target condition: empty targets nothing (az CLI: "Deployments with no target condition will target no device"), `*` every device. */
export function parseCondition(text: string): Condition {
  const trimmed = text.trim();
  if (trimmed === "") return () => false;
  if (trimmed === "*") return () => true;
  return new Parser(tokenize(trimmed), text).whole();
}

/** `SELECT … FROM devices[.modules] [WHERE …]`: the rows it counts. */
export function parseQuery(text: string): TwinQuery {
  const match = /^\s*select\s+[\s\S]+?\s+from\s+(devices\.modules|devices)\s*(?:where\s+([\s\S]+))?$/i.exec(text);
  if (!match) throw invalid(text, "expected SELECT … FROM devices[.modules] [WHERE …]");
  return { from: match[1].toLowerCase() as TwinQuery["from"], where: match[2] ? new Parser(tokenize(match[2]), text).whole() : () => true };
}

function invalid(text: string, why: string): HubError {
  return new HubError(400, "ArgumentInvalid", `The query '${text}' is not valid here: ${why}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      // A quote inside a value is written twice (module-deployment-monitoring.md "Target condition").
      let value = "";
      for (i++; ; i++) {
        if (i >= text.length) throw invalid(text, "unterminated string");
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i++;
        } else if (text[i] === "'") {
          i++;
          break;
        } else value += text[i];
      }
      tokens.push({ kind: "string", text: value, value });
    } else if (c === '"') {
      throw invalid(text, "double quotes are not allowed; values take single quotes");
    } else if ("()".includes(c)) {
      tokens.push({ kind: "op", text: c });
      i++;
    } else if (/[=!<>]/.test(c)) {
      const two = text.slice(i, i + 2);
      const op = ["!=", "<>", "<=", ">="].includes(two) ? two : c;
      if (op === "!") throw invalid(text, "unexpected !");
      tokens.push({ kind: "op", text: op });
      i += op.length;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(text.slice(i));
      if (!m) throw invalid(text, `unexpected ${c}`);
      tokens.push({ kind: "number", text: m[0], value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      // A path: segments joined by dots, a segment a name or [[bracketed name]].
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.(?:\[\[[^\]]+\]\]|[A-Za-z_$][A-Za-z0-9_$-]*))*/.exec(text.slice(i));
      const word = m![0];
      tokens.push({ kind: word.includes(".") ? "path" : "word", text: word });
      i += word.length;
    } else {
      throw invalid(text, `unexpected ${c}`);
    }
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  whole(): Condition {
    const condition = this.or();
    if (this.at < this.tokens.length) throw invalid(this.text, `unexpected ${this.tokens[this.at].text}`);
    return condition;
  }

  private keyword(word: string): boolean {
    const t = this.tokens[this.at];
    if (t?.kind === "word" && t.text.toUpperCase() === word) {
      this.at++;
      return true;
    }
    return false;
  }

  private or(): Condition {
    let left = this.and();
    while (this.keyword("OR")) {
      const [l, r] = [left, this.and()];
      left = (doc) => l(doc) || r(doc);
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.keyword("AND")) {
      const [l, r] = [left, this.not()];
      left = (doc) => l(doc) && r(doc);
    }
    return left;
  }

  private not(): Condition {
    if (this.keyword("NOT")) {
      const inner = this.not();
      return (doc) => !inner(doc);
    }
    const t = this.tokens[this.at];
    if (t?.kind === "op" && t.text === "(") {
      this.at++;
      const inner = this.or();
      const close = this.tokens[this.at++];
      if (close?.text !== ")") throw invalid(this.text, "missing )");
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const left = this.operand();
    const op = this.tokens[this.at++];
    if (op?.kind !== "op" || op.text === "(" || op.text === ")") throw invalid(this.text, "expected a comparison");
    const right = this.operand();
    return (doc) => compare(left(doc), op.text, right(doc));
  }

  private operand(): (doc: Json) => unknown {
    const t = this.tokens[this.at++];
    if (!t) throw invalid(this.text, "unexpected end");
    if (t.kind === "string" || t.kind === "number") return () => t.value;
    if (t.kind === "word" && ["TRUE", "FALSE", "NULL"].includes(t.text.toUpperCase())) {
      const value = { TRUE: true, FALSE: false, NULL: null }[t.text.toUpperCase() as "TRUE" | "FALSE" | "NULL"];
      return () => value;
    }
    if (t.kind === "word" || t.kind === "path") {
      const segments = t.text.split(/\.(?![^[]*\]\])/).map((s) => s.replace(/^\[\[|\]\]$/g, ""));
      return (doc) => segments.reduce<unknown>((v, s) => (typeof v === "object" && v !== null ? (v as Json)[s] : undefined), doc);
    }
    throw invalid(this.text, `unexpected ${t.text}`);
  }
}

/** An undefined side makes every comparison false (iot-hub-devguide-query-language.md); no type coercion. */
function compare(a: unknown, op: string, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  if (op === "=") return a === b;
  if (op === "!=" || op === "<>") return a !== b;
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) return false;
  const [x, y] = [a as number | string, b as number | string];
  return op === "<" ? x < y : op === ">" ? x > y : op === "<=" ? x <= y : x >= y;
}
