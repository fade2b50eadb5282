/**
 * The load generator: a process of its own that prepares (signs) a round's transactions,
 * reports ready, then on `go` submits them under the round's rate controller and times
 * every transaction from submission to observed commit. Started by bench/run.ts over IPC;
 * it exits when the suite goes away, so it can never outlive a failed run.
 */
import { performance } from 'node:perf_hooks';
import { cpuUsage } from 'node:process';
import type {
  FromGenerator,
  GeneratorResult,
  RoundRequest,
  ToGenerator,
} from './generator-protocol.js';
import { runLiveSigning } from './live-signing.js';
import { createController } from './rate-control.js';
import { RoundLedger } from './round-ledger.js';
import { roundFigures } from './statistics.js';
import { evmTarget } from './targets/evm-target.js';
import { medchainTarget } from './targets/medchain-target.js';
import { debug, type Target, withTimeout } from './targets/target.js';

function send(message: FromGenerator): void {
  process.send?.(message);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends under the controller. Transactions are released in prepared order; each lane (one
 * per signer, so nonces stay in order) has at most one request in flight and sends all of
 * its released transactions, up to batchMax, whenever it is free. Returns how many were
 * released.
 */
async function sendUnderController(params: {
  request: RoundRequest;
  target: Target;
  ledger: RoundLedger;
  nowMs: () => number;
}): Promise<number> {
  const { request, target, ledger, nowMs } = params;
  const controller = createController(request.controller);
  const lanes = target.lanes;
  const laneNext = Array.from({ length: lanes }, (_, lane) => lane);
  const busy = new Array<boolean>(lanes).fill(false);
  const inFlight = new Set<Promise<void>>();
  let released = 0;
  const sendUntilMs = (request.warmupS + request.sendSMax) * 1000;
  while (released < target.count && nowMs() < sendUntilMs) {
    const state = { elapsedS: nowMs() / 1000, sent: released, settled: ledger.settled };
    const due = Math.min(controller.due(state), request.batchMax * lanes);
    released = Math.min(target.count, released + Math.max(0, due));
    for (let lane = 0; lane < lanes; lane++) {
      if (busy[lane] || laneNext[lane]! >= released) {
        continue;
      }
      const indices: number[] = [];
      for (let i = laneNext[lane]!; i < released && indices.length < request.batchMax; i += lanes) {
        indices.push(i);
      }
      laneNext[lane] = indices[indices.length - 1]! + lanes;
      const at = nowMs();
      for (const index of indices) {
        ledger.sentAtMs[index] = at;
      }
      busy[lane] = true;
      const submission = target.submit(indices).then((rejections) => {
        for (const rejection of rejections) {
          ledger.reject(rejection.index, rejection.code);
        }
        busy[lane] = false;
        inFlight.delete(submission);
      });
      inFlight.add(submission);
    }
    await sleep(2);
  }
  await withTimeout(Promise.all(inFlight), 120_000, 'submissions in flight');
  return released;
}

async function runPresigned(request: RoundRequest, target: Target): Promise<GeneratorResult> {
  const ledger = new RoundLedger(target.count);
  let origin = performance.now();
  const nowMs = () => performance.now() - origin;
  await target.open(ledger, nowMs);
  const cpuBefore = cpuUsage();
  origin = performance.now();
  const progress = setInterval(() => {
    const sent = ledger.sentCount();
    const elapsedS = nowMs() / 1000;
    send({ type: 'progress', sent, settled: ledger.settled, count: target.count, elapsedS });
  }, 500);
  debug(`round ${request.name} started`);
  await sendUnderController({ request, target, ledger, nowMs });
  const sent = ledger.sentCount();
  debug(`sending stopped at ${sent}; draining`);
  const drainUntilMs = nowMs() + request.drainSMax * 1000;
  while (ledger.settled < sent && nowMs() < drainUntilMs) {
    await sleep(20);
  }
  clearInterval(progress);
  debug(`sent ${sent}, settled ${ledger.settled}; reconciling`);
  const reconciling = target.reconcile(ledger.unsettled(), ledger);
  const commitsWithoutEvent = await withTimeout(reconciling, 60_000, 'commit lookups');
  await withTimeout(target.close(), 10_000, 'closing the target');
  debug('round finished');
  const cpu = cpuUsage(cpuBefore);
  const warmupMs = request.warmupS * 1000;
  return {
    figures: roundFigures(ledger, warmupMs),
    ...(warmupMs > 0 ? { warmup: roundFigures(ledger, 0, warmupMs) } : {}),
    sent,
    committed: ledger.committed,
    rejections: ledger.rejections,
    commitsWithoutEvent,
    eventOverflows: target.overflows ?? 0,
    prepareS: 0,
    clientCpuS: (cpu.user + cpu.system) / 1e6,
    blocks: ledger.blocks,
  };
}

async function prepare(request: RoundRequest): Promise<() => Promise<GeneratorResult>> {
  const spec = request.target;
  if (spec.kind === 'medchain' && spec.liveClients !== undefined) {
    return runLiveSigning(request, spec, (message) => send(message));
  }
  const target =
    spec.kind === 'medchain'
      ? await medchainTarget(spec, request.count)
      : await evmTarget(spec, request.count);
  return () => runPresigned(request, target);
}

function main(): void {
  let run: (() => Promise<GeneratorResult>) | undefined;
  let prepareS = 0;
  const fail = (error: unknown) => {
    send({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ToGenerator) => {
    if (message.type === 'run') {
      const started = performance.now();
      prepare(message.request).then((ready) => {
        run = ready;
        prepareS = (performance.now() - started) / 1000;
        send({ type: 'ready', prepareS });
      }, fail);
    } else if (message.type === 'go' && run !== undefined) {
      run().then((result) => {
        send({ type: 'done', result: { ...result, prepareS } });
      }, fail);
    }
  });
}

main();
