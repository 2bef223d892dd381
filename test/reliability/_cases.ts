/**
 * Malformed requests for the fuzz suite, drawn from a seeded generator so a failure can be replayed.
 * Every case is a refusal by construction: it must leave the agent's state exactly as it was.
 */

/** How the agent may answer a case. */
export type Expect =
  /** A well-framed HTTP request: the agent's handler must answer 4xx with a JSON error body. */
  | "json-4xx"
  /**
   * Broken framing: Bun's HTTP parser answers before the handler (a bare status line), or the
   * connection is closed without an answer.
   */
  | "framing";

/** One malformed request. */
export interface Case {
  kind: string;
  parts: (string | Uint8Array)[];
  expect: Expect;
}

/** Units the fuzz suite registers first; names a mutation could turn into must not exist. */
export const SEEDED = {
  completed: "seed.done",
  // Far (more than three byte edits) from "seed.done", the base of the mutated requests: completing
  // either would be accepted.
  pending: "seed.application",
  started: "seed.postgres",
  failed: "seed.broken",
} as const;

/** Draws one malformed request. */
export function drawCase(random: () => number): Case {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const kind = pick(KINDS);
  return { kind, ...GENERATORS[kind](random, pick) };
}

/** The kinds of case, each repeated by its weight in percent (huge bodies are rare: they are slow). */
const WEIGHTS = {
  randomBytes: 15,
  mutatedRequest: 20,
  brokenFraming: 8,
  wrongType: 15,
  unknownField: 10,
  hostileName: 15,
  deepNesting: 3,
  hugeBody: 1,
  badJson: 8,
  wrongRoute: 5,
} as const;

// --- internal ---

type Pick = <T>(items: readonly T[]) => T;
type Generator = (random: () => number, pick: Pick) => Omit<Case, "kind">;

const POSTS = ["/v1/want", "/v1/start", "/v1/complete", "/v1/fail", "/v1/wait"] as const;

/** Values of every JSON type, for fields that must be something else. */
const WRONG_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e300,
  -0,
  "",
  "x",
  [],
  [1, 2],
  [null],
  {},
  { unit: "a" },
  [[[]]],
  "seed.done",
];

/** Names no unit may have: each must be refused, never registered. */
const HOSTILE_NAMES: string[] = [
  "",
  " ",
  "a b",
  "tab\there",
  "new\nline",
  "cr\rlf",
  "nul\u0000byte",
  "bell\u0007",
  "del\u007f",
  "c1\u0085control",
  "nbsp\u00a0space",
  "ideographic\u3000space",
  "line\u2028separator",
  "\u001b[31mred\u001b[0m",
  "a".repeat(129),
  "é".repeat(129),
  "😀".repeat(129),
  "x".repeat(10_000),
  `${"a".repeat(64)} ${"b".repeat(64)}`,
];

function body(method: string, path: string, text: string, extra: string[] = []): string {
  const head = [`${method} ${path} HTTP/1.1`, "Host: unitsync", "Content-Type: application/json", ...extra];
  head.push(`Content-Length: ${Buffer.byteLength(text)}`);
  return `${head.join("\r\n")}\r\n\r\n${text}`;
}

/** A valid request that the agent refuses (completing a completed unit): the base for mutations. */
function refusedRequest(): string {
  return body("POST", "/v1/complete", JSON.stringify({ unit: SEEDED.completed }));
}

function mutate(text: string, random: () => number, count: number): Uint8Array {
  const bytes = [...Buffer.from(text, "latin1")];
  for (let i = 0; i < count; i++) {
    const at = Math.floor(random() * bytes.length);
    const op = random();
    if (op < 0.4) bytes[at] = Math.floor(random() * 256);
    else if (op < 0.7) bytes.splice(at, 1);
    else bytes.splice(at, 0, Math.floor(random() * 256));
  }
  return Uint8Array.from(bytes);
}

/** A valid body for `path`, so one field at a time can be broken. */
function validBody(path: (typeof POSTS)[number]): Record<string, unknown> {
  switch (path) {
    case "/v1/want":
      return { unit: SEEDED.pending, depends_on: [SEEDED.started] };
    case "/v1/start":
      return { unit: SEEDED.pending, timeout_ms: 1 };
    case "/v1/complete":
      return { unit: SEEDED.completed };
    case "/v1/fail":
      return { unit: SEEDED.failed, reason: "x" };
    case "/v1/wait":
      return { units: [SEEDED.completed], timeout_ms: 1 };
  }
}

const GENERATORS = {
  randomBytes: (random) => {
    const length = 1 + Math.floor(random() * 2048);
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
    return { parts: [bytes], expect: "framing" };
  },
  mutatedRequest: (random) => ({
    parts: [mutate(refusedRequest(), random, 1 + Math.floor(random() * 3))],
    expect: "framing",
  }),
  brokenFraming: (_random, pick) => ({
    parts: [
      pick([
        "GET /v1/ping\r\n\r\n",
        "GET /v1/ping HTTP/9.9\r\nHost: x\r\n\r\n",
        "FOO /v1/ping HTTP/1.1\r\nHost: x\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET /v1/ping HTTP/1.1\r\nHost x\r\n\r\n",
        "GET /v1/ping HTTP/1.1\nHost: x\n\n",
        "POST /v1/want HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /v1/want HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "POST /v1/want HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        "POST /v1/want HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "POST /v1/want HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        `GET /v1/ping HTTP/1.1\r\nHost: x\r\nX-Long: ${"a".repeat(100_000)}\r\n\r\n`,
        `GET /v1/ping HTTP/1.1\r\nHost: x\r\n${"X-A: b\r\n".repeat(2000)}\r\n`,
        `GET /v1/units/${"a".repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
        "\r\n\r\n\r\n",
        "GET / HTTP/1.1\r\n",
      ]),
    ],
    expect: "framing",
  }),
  wrongType: (random, pick) => {
    const path = pick(POSTS);
    const value = validBody(path);
    const key = pick(Object.keys(value));
    value[key] = pick(WRONG_VALUES);
    // Keep it wrong: a string or list could name a registered unit (or be a fine reason), and a
    // timeout of 0 is valid (wait forever).
    if (typeof value[key] === "string" || Array.isArray(value[key])) value[key] = random() < 0.5 ? 42 : null;
    // (1e16 ms is past Go's longest duration, the wire's limit since 720h and longer became valid.)
    if (key === "timeout_ms" && typeof value[key] === "number") value[key] = pick([-1, 1.5, 1e300, 1e16]);
    return { parts: [body("POST", path, JSON.stringify(value))], expect: "json-4xx" };
  },
  unknownField: (random, pick) => {
    const path = pick(POSTS);
    const value = validBody(path);
    const key = pick([
      "zzz",
      "Unit",
      "__proto__",
      "constructor",
      "dependsOn",
      "timeout",
      "",
      "unit ",
      "units2",
    ]);
    const text = JSON.stringify(value).replace(
      /}$/,
      `,${JSON.stringify(key)}:${JSON.stringify(pick(WRONG_VALUES))}}`,
    );
    return {
      parts: [body("POST", path, random() < 0.5 ? text : text.replace(/^\{/, `{"extra":1,`))],
      expect: "json-4xx",
    };
  },
  hostileName: (random, pick) => {
    const name = pick(HOSTILE_NAMES);
    const path = pick([...POSTS, "units"] as const);
    if (path === "units") {
      // A read of a name nobody registered: 400 or 404, never a unit.
      return {
        parts: [`GET /v1/units/${encodeURIComponent(name)} HTTP/1.1\r\nHost: x\r\n\r\n`],
        expect: "json-4xx",
      };
    }
    const value = validBody(path);
    if ("units" in value) value.units = [name];
    else if (path === "/v1/want" && random() < 0.5) value.depends_on = [SEEDED.started, name];
    else value.unit = name;
    return { parts: [body("POST", path, JSON.stringify(value))], expect: "json-4xx" };
  },
  deepNesting: (random, pick) => {
    const depth = 1000 + Math.floor(random() * 20_000);
    const open = pick(["[", '{"a":']);
    const close = open === "[" ? "]" : "}";
    const text = `${open.repeat(depth)}${open === "[" ? "" : "1"}${close.repeat(depth)}`;
    return { parts: [body("POST", pick(POSTS), text.slice(0, 60_000))], expect: "json-4xx" };
  },
  hugeBody: (random, pick) => {
    const size = 64 * 1024 + 1 + Math.floor(random() * (random() < 0.1 ? 4 * 1024 * 1024 : 256 * 1024));
    const path = pick(POSTS);
    if (random() < 0.5) return { parts: [body("POST", path, " ".repeat(size))], expect: "json-4xx" };
    // Chunked, so only reading it reveals the size.
    const chunk = `4000\r\n${" ".repeat(0x4000)}\r\n`;
    const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    return { parts: [`${head}${chunk.repeat(Math.ceil(size / 0x4000))}0\r\n\r\n`], expect: "json-4xx" };
  },
  badJson: (_random, pick) => ({
    parts: [
      body(
        "POST",
        pick(POSTS),
        pick([
          '{"unit":',
          "{unit: 'a'}",
          '{"unit":"a"',
          "",
          "undefined",
          "NaN",
          '{"unit":"a"}}',
          "\u0000",
          '["a"',
          "{}{}",
        ]),
      ),
    ],
    expect: "json-4xx",
  }),
  wrongRoute: (_random, pick) => ({
    parts: [
      pick([
        body("PUT", "/v1/want", "{}"),
        body("DELETE", "/v1/units/seed.done", ""),
        body("POST", "/v1/ping", "{}"),
        body("POST", "/v1/units/seed.done", "{}"),
        body("GET", "/v2/ping", ""),
        body("GET", "/", ""),
        body("GET", "/v1", ""),
        body("GET", "/v1/", ""),
        body("GET", "/v1/../../etc/passwd", ""),
        body("GET", "/v1/units/%E0%A4%A", ""),
        body("GET", "/v1/units/%", ""),
        body("PATCH", "/v1/complete", '{"unit":"seed.done"}'),
        body("POST", "/v1/snapshot", "{}"),
      ]),
    ],
    expect: "json-4xx",
  }),
} satisfies Record<string, Generator>;

const KINDS = (Object.keys(WEIGHTS) as (keyof typeof GENERATORS)[]).flatMap((kind) =>
  Array.from({ length: WEIGHTS[kind] }, () => kind),
);
