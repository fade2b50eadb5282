/**
 * The FHIR read load client, a process of its own so it never shares an event loop with the
 * node it measures. Open loop: request i is due at start + i / rate whatever happened to
 * earlier ones, and its latency runs from that due time to the end of its response, so a
 * stall shows in the figures instead of slowing the sender (no coordinated omission).
 * Started by bench/health-reads.ts over IPC.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface FhirLoadRequest {
  url: string;
  /** Paths with their bearer tokens, sent in turn (wrapping around). */
  requests: { path: string; token: string }[];
  rateRps: number;
  durationS: number;
  /** Seconds of the same load sent first and not measured. */
  warmupS: number;
  /** Sockets kept open to the node; a request waits for a free one. */
  connections: number;
}

export interface FhirLoadResult {
  sent: number;
  completed: number;
  /** Responses other than 200, and transport errors. */
  errors: number;
  statuses: Record<string, number>;
  /** From each request's due time to the end of its response, sorted. */
  latenciesMs: number[];
  /** From the first due time to the last response. */
  spanS: number;
}

function get(
  agent: Agent,
  url: URL,
  path: string,
  token: string,
): Promise<{ status: number } | { error: string }> {
  return new Promise((resolve) => {
    const outgoing = request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path,
        headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
        response.on('error', (error) => resolve({ error: error.message }));
      },
    );
    outgoing.on('error', (error) => resolve({ error: error.message }));
    outgoing.end();
  });
}

export async function runFhirLoad(load: FhirLoadRequest): Promise<FhirLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.connections });
  try {
    if (load.warmupS > 0) {
      await openLoop(agent, load, load.warmupS);
    }
    return await openLoop(agent, load, load.durationS);
  } finally {
    agent.destroy();
  }
}

async function openLoop(
  agent: Agent,
  load: FhirLoadRequest,
  durationS: number,
): Promise<FhirLoadResult> {
  const url = new URL(load.url);
  const total = Math.round(load.rateRps * durationS);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let lastEnd = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Everything due by now goes out now: a late timer must not thin out the load.
    while (sent < total && start + (sent * 1000) / load.rateRps <= now) {
      const due = start + (sent * 1000) / load.rateRps;
      const { path, token } = load.requests[sent % load.requests.length]!;
      const done = get(agent, url, path, token).then((answer) => {
        const end = performance.now();
        lastEnd = Math.max(lastEnd, end);
        latencies.push(end - due);
        const key = 'status' in answer ? String(answer.status) : 'error';
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (!('status' in answer) || answer.status !== 200) {
          errors += 1;
        }
        inFlight.delete(done);
      });
      inFlight.add(done);
      sent += 1;
    }
    const nextDue = start + (sent * 1000) / load.rateRps;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextDue - performance.now())));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  return {
    sent,
    completed: latencies.length,
    errors,
    statuses,
    latenciesMs: latencies,
    spanS: (lastEnd - start) / 1000,
  };
}

if (process.argv.includes('--fhir-load-client') && process.send !== undefined) {
  process.once('message', (load: FhirLoadRequest) => {
    runFhirLoad(load).then(
      (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
      (error: unknown) =>
        process.send?.({ ok: false, error: String(error) }, () => process.exit(1)),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
