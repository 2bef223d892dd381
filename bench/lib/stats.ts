/** Summary statistics of a set of samples (milliseconds unless said otherwise). */
export interface Summary {
  n: number;
  median: number;
  p99: number;
  min: number;
  max: number;
}

/** Median, p99 (nearest rank), min and max of `samples`. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0)
    return { n: 0, median: Number.NaN, p99: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p99: sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] as number,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/** A duration in milliseconds, with precision that suits its size. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  return `${value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2)} ms`;
}

/** A ratio such as `1.42x`. */
export function ratio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a";
}

/** A size in KiB shown as MiB. */
export function mib(kib: number): string {
  return Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : "n/a";
}

/** A rate such as `12,345/s`. */
export function rate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString("en-US")}/s`;
}

// --- internal ---

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return a + (b - a) * (position - lower);
}
