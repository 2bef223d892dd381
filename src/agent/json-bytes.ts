/**
 * JSON written straight into bytes, for the answers that cover the whole graph (`list`, `graph`,
 * `timeline`): at 10,000 units, building the answer as objects (a copy of every unit and its
 * dependency list, the answer's own objects, then the JSON string and its UTF-8 copy) was garbage
 * that JavaScriptCore collected only as its heap grew: the views lifted the agent's peak RSS by
 * ~7 MiB, now by under 1 MiB (docs/benchmarks.md). The writer fills one buffer, sized from the caller's estimate and grown by half when that
 * falls short. The output is byte for byte what JSON.stringify writes.
 */
export class JsonBytes {
  #bytes: Uint8Array<ArrayBuffer>;
  #at = 0;

  private constructor(estimate: number) {
    this.#bytes = new Uint8Array(Math.max(estimate, 64));
  }

  /** Calls `write` on a writer whose buffer starts at `estimate` bytes; returns the bytes it wrote. */
  static build(estimate: number, write: (out: JsonBytes) => void): Uint8Array<ArrayBuffer> {
    const out = new JsonBytes(estimate);
    write(out);
    // A view, not a copy: the unused tail lives only as long as the answer.
    return out.#bytes.subarray(0, out.#at);
  }

  /** JSON text that is plain ASCII already (punctuation, keys, `true`): written as is. */
  raw(ascii: string): this {
    const bytes = this.#room(ascii.length);
    for (let i = 0; i < ascii.length; i++) bytes[this.#at + i] = ascii.charCodeAt(i);
    this.#at += ascii.length;
    return this;
  }

  /** A string value, quoted and escaped as JSON.stringify does. */
  string(value: string): this {
    const bytes = this.#room(value.length + 2);
    const start = this.#at + 1;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      // Anything JSON.stringify would escape, and anything not ASCII, takes its way instead.
      if (code < 0x20 || code > 0x7e || code === QUOTE || code === BACKSLASH) {
        return this.#encoded(JSON.stringify(value));
      }
      bytes[start + i] = code;
    }
    bytes[this.#at] = QUOTE;
    bytes[start + value.length] = QUOTE;
    this.#at += value.length + 2;
    return this;
  }

  /** A boolean value. */
  bool(value: boolean): this {
    return this.raw(value ? "true" : "false");
  }

  /** `new Date(at).toISOString()` as a JSON string, without making the Date or the string. */
  isoTime(at: number): this {
    // toISOString truncates a fraction toward zero and writes six digits and a sign outside years
    // 0 to 9999: such rare values take Date's own path.
    if (!Number.isInteger(at) || at < MIN_FOUR_DIGIT || at > MAX_FOUR_DIGIT) {
      return this.string(new Date(at).toISOString());
    }
    this.#room(ISO_JSON_LENGTH);
    const days = Math.floor(at / DAY_MS);
    let rest = at - days * DAY_MS;
    const hour = Math.floor(rest / 3_600_000);
    rest -= hour * 3_600_000;
    const minute = Math.floor(rest / 60_000);
    rest -= minute * 60_000;
    const second = Math.floor(rest / 1000);
    // Days since 1970-01-01 to the proleptic Gregorian calendar (H. Hinnant's civil_from_days).
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const dayOfEra = z - era * 146_097;
    const yearOfEra = Math.floor(
      (dayOfEra -
        Math.floor(dayOfEra / 1460) +
        Math.floor(dayOfEra / 36_524) -
        Math.floor(dayOfEra / 146_096)) /
        365,
    );
    const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
    const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
    const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
    const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
    const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    this.#byte(QUOTE).#digits(year, 4).#byte(DASH).#digits(month, 2).#byte(DASH).#digits(day, 2);
    this.#byte(T).#digits(hour, 2).#byte(COLON).#digits(minute, 2).#byte(COLON).#digits(second, 2);
    return this.#byte(DOT)
      .#digits(rest - second * 1000, 3)
      .#byte(Z)
      .#byte(QUOTE);
  }

  // --- internal ---

  /** The buffer, with room for `n` more bytes. */
  #room(n: number): Uint8Array<ArrayBuffer> {
    if (this.#at + n <= this.#bytes.length) return this.#bytes;
    const bigger = new Uint8Array(Math.max(Math.ceil(this.#bytes.length * 1.5), this.#at + n));
    bigger.set(this.#bytes.subarray(0, this.#at));
    this.#bytes = bigger;
    return bigger;
  }

  #byte(code: number): this {
    this.#bytes[this.#at++] = code;
    return this;
  }

  #digits(value: number, width: number): this {
    const bytes = this.#bytes;
    for (let k = width - 1; k >= 0; k--) {
      bytes[this.#at + k] = 0x30 + (value % 10);
      value = Math.floor(value / 10);
    }
    this.#at += width;
    return this;
  }

  /** A string JSON.stringify has already quoted and escaped (only well-formed UTF-16 is left in it). */
  #encoded(json: string): this {
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    const bytes = this.#room(json.length * 3);
    this.#at += encoder.encodeInto(json, bytes.subarray(this.#at)).written;
    return this;
  }
}

// --- internal ---

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const T = 0x54;
const Z = 0x5a;
const DAY_MS = 86_400_000;
/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const MIN_FOUR_DIGIT = -62_167_219_200_000;
const MAX_FOUR_DIGIT = 253_402_300_799_999;
/** `"YYYY-MM-DDTHH:mm:ss.sssZ"` with its quotes. */
const ISO_JSON_LENGTH = 26;

const encoder = new TextEncoder();
