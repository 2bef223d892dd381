/**
 * Timers for any delay. A JavaScript timer holds at most 2^31-1 ms (about 24.8 days): a longer delay
 * overflows and fires at once, which would turn `--timeout 600h` into "time out now". Longer delays
 * are chained here, one hop of at most that length at a time.
 */

/** The longest delay one setTimeout holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A pending long timer. */
export interface LongTimer {
  /** Cancels it; safe to call more than once, and after it fired. */
  clear(): void;
  /** Lets the process exit while only this timer is pending. */
  unref(): LongTimer;
}

/** Calls `fn` once after `ms` milliseconds, however long that is. */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const due = Date.now() + ms;
  let referenced = true;
  let timer: Timer;
  const arm = (delay: number) => {
    timer = setTimeout(hop, Math.min(Math.max(0, delay), MAX_TIMER_MS));
    if (!referenced) timer.unref();
  };
  const hop = () => {
    const left = due - Date.now();
    if (left > 0) arm(left);
    else fn();
  };
  arm(ms);
  const handle: LongTimer = {
    clear: () => clearTimeout(timer),
    unref: () => {
      referenced = false;
      timer.unref();
      return handle;
    },
  };
  return handle;
}
