/**
 * Caliper's rate controllers, as pure functions of what a round has done so far: how many
 * transactions may be sent now. fixed-load keeps a set number in flight (submitted, not yet
 * committed), which finds saturation; fixed-rate sends at a set rate; maximum-rate raises
 * the rate while throughput follows it and backs off when it does not.
 */

export type ControllerSpec =
  | { kind: 'fixed-load'; transactions: number }
  | { kind: 'fixed-rate'; tps: number }
  | { kind: 'maximum-rate'; startTps: number; stepTps: number; sampleS: number };

export interface ControllerState {
  elapsedS: number;
  sent: number;
  /** Committed or refused: no longer in flight. */
  settled: number;
}

export interface RateController {
  /** How many more transactions may be submitted at this moment. */
  due(state: ControllerState): number;
  /** The current target rate, for the progress line; undefined when load-driven. */
  rateTps(): number | undefined;
}

export function describeController(spec: ControllerSpec): string {
  switch (spec.kind) {
    case 'fixed-load':
      return `fixed-load ${spec.transactions}`;
    case 'fixed-rate':
      return `fixed-rate ${Math.round(spec.tps)} tps`;
    case 'maximum-rate':
      return `maximum-rate from ${spec.startTps} (+${spec.stepTps}) tps`;
  }
}

export function createController(spec: ControllerSpec): RateController {
  switch (spec.kind) {
    case 'fixed-load':
      return {
        due: (state) => spec.transactions - (state.sent - state.settled),
        rateTps: () => undefined,
      };
    case 'fixed-rate':
      return {
        due: (state) => Math.floor(spec.tps * state.elapsedS) - state.sent,
        rateTps: () => spec.tps,
      };
    case 'maximum-rate':
      return maximumRate(spec);
  }
}

/**
 * Sends at a rate that steps up each sample while committed throughput keeps up with it
 * (at least 95% of the rate), and falls back to just above the throughput when it does not.
 * The credit of unsent transactions is kept for one sample only, so a stall does not turn
 * into a burst.
 */
function maximumRate(spec: { startTps: number; stepTps: number; sampleS: number }): RateController {
  let rate = spec.startTps;
  let sampleStartS = 0;
  let sentAtSample = 0;
  let settledAtSample = 0;
  return {
    due(state) {
      if (state.elapsedS - sampleStartS >= spec.sampleS) {
        const spanS = state.elapsedS - sampleStartS;
        const throughput = (state.settled - settledAtSample) / spanS;
        rate =
          throughput >= 0.95 * rate
            ? rate + spec.stepTps
            : Math.max(spec.stepTps, throughput * 1.05);
        sampleStartS = state.elapsedS;
        sentAtSample = state.sent;
        settledAtSample = state.settled;
      }
      return Math.floor(rate * (state.elapsedS - sampleStartS)) - (state.sent - sentAtSample);
    },
    rateTps: () => rate,
  };
}
