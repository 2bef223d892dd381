import { formatDuration } from "../../lib/duration.ts";
import { failureReason, waitUntilReady } from "../../lib/probe.ts";
import type { Units } from "../units.ts";
import type { ServiceHeader } from "./headers.ts";

/** What a service's readiness watch reports to the runner, once: ready, or never going to be. */
export interface ReadinessHooks {
  /** The probe passed, or the script completed its unit itself. */
  ready(): void;
  /** The probe gave up, the notify timeout passed, or the script failed its unit itself. */
  notReady(reason: string): void;
}

/** A running watch; `stop` ends the probe and the subscription (the service exited or is stopped). */
export interface ReadinessWatch {
  stop(): void;
}

/**
 * Watches a service until it is ready: its probe (`ready=tcp:...`) completes its unit when it
 * passes, and the script may complete (or fail) its unit itself at any time through the socket
 * (`exp sync complete "$UNITSYNC_UNIT"`, the only way for `ready=notify`). Whichever comes first
 * decides; the watch then ends by itself.
 */
export function watchReadiness(
  unit: string,
  service: ServiceHeader,
  units: Units,
  env: Record<string, string | undefined>,
  hooks: ReadinessHooks,
): ReadinessWatch {
  const stopping = new AbortController();
  let settled = false;
  let timer: Timer | undefined;
  const settle = (fn: () => void) => {
    if (settled) return;
    settled = true;
    stop();
    fn();
  };
  // The unit's own completion or failure, whoever causes it (the probe below, or the script).
  const unsubscribe = units.events.subscribe((event) => {
    if (event.unit !== unit) return;
    if (event.type === "completed") settle(hooks.ready);
    else if (event.type === "failed") settle(() => hooks.notReady(event.reason ?? "failed"));
  });
  const stop = () => {
    clearTimeout(timer);
    unsubscribe();
    stopping.abort();
  };

  const { probe, timing } = service;
  if (probe) {
    waitUntilReady(probe, timing, { signal: stopping.signal, env }).then(async (outcome) => {
      if (settled || (!outcome.ok && outcome.aborted)) return;
      if (!outcome.ok) {
        settle(() => hooks.notReady(failureReason(probe, outcome)));
        return;
      }
      // Completing the unit records the event the subscription above turns into `ready`.
      const { status } = units.stateOf(unit);
      if (status !== "started" && status !== "pending") return settle(hooks.ready);
      try {
        await units.complete(unit);
      } catch (error) {
        // Completed meanwhile through the socket is still ready; anything else is a refusal to report.
        if (units.stateOf(unit).status === "completed") settle(hooks.ready);
        else settle(() => hooks.notReady(`cannot complete the unit: ${(error as Error).message}`));
      }
    });
  } else if (timing.timeoutMs > 0) {
    timer = setTimeout(() => {
      const reason = `not ready after ${formatDuration(timing.timeoutMs)}: the script did not complete its unit (ready=notify)`;
      settle(() => hooks.notReady(reason));
    }, timing.timeoutMs);
  }
  return { stop };
}
