/**
 * Encrypted upload and download of one large generated document through the real vault
 * routes on loopback: the client encrypts with the SDK and streams to a vault server in a
 * second process (directory backend, fsync), then downloads, verifies and decrypts. Reports
 * MB/s (10^6 bytes of plaintext per second) and the resident-memory growth of each process.
 * Target (issue 5): 300 MB/s or more, each process growing by less than 100 MB.
 *
 *   node --import tsx bench/vault.bench.ts                   1 GB
 *   node --import tsx bench/vault.bench.ts --quick           100 MB
 *   node --import tsx bench/vault.bench.ts --bytes=300000000
 * `npm run bench` runs it in a process of its own through runVaultBench.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createVaultRoutes } from '../src/node/api/vault-routes.js';
import { DirectoryVaultBackend } from '../src/node/vault/directory-vault-backend.js';
import { nodeChunkCipher, nodeSha256 } from '../src/node/vault/node-vault-crypto.js';
import { allowAllGate } from '../src/node/vault/vault-gate.js';
import { encryptionKeyPairFromSecret } from '../src/sdk/keys.js';
import { decryptDocument } from '../src/sdk/vault/decrypt.js';
import { encryptDocument } from '../src/sdk/vault/encrypt.js';
import { decodeKeyWrap, encodeKeyWrap } from '../src/sdk/vault/key-wrap.js';
import { generatedStream, patternBytes } from '../src/sdk/vault/test-streams.js';

const FULL_BYTES = 1_000_000_000;
const QUICK_BYTES = 100_000_000;
const PIECE_BYTES = 1024 * 1024;
const SAMPLE_MS = 20;

/** Peak RSS above a baseline, sampled on a timer; reset between phases. */
class RssMeter {
  private baseline = process.memoryUsage.rss();
  private peak = this.baseline;
  private readonly timer = setInterval(() => this.sample(), SAMPLE_MS);

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  reset(): void {
    this.baseline = process.memoryUsage.rss();
    this.peak = this.baseline;
  }

  growthBytes(): number {
    this.sample();
    return this.peak - this.baseline;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

type ServerMessage =
  | { kind: 'listening'; port: number }
  | { kind: 'rss'; growthBytes: number; cpuS: number };
type ClientMessage = { kind: 'reset' } | { kind: 'report' } | { kind: 'stop' };

/** The server process: a vault on a fresh directory behind the real routes. */
async function runServer(directory: string): Promise<void> {
  const meter = new RssMeter();
  const backend = await DirectoryVaultBackend.open({ directory });
  const app = createVaultRoutes({ backend, gate: allowAllGate });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
    process.send?.({ kind: 'listening', port: (info as AddressInfo).port } satisfies ServerMessage);
  });
  let cpuAtReset = process.cpuUsage();
  process.on('message', (message: ClientMessage) => {
    if (message.kind === 'reset') {
      meter.reset();
      cpuAtReset = process.cpuUsage();
      process.send?.({ kind: 'rss', growthBytes: 0, cpuS: 0 } satisfies ServerMessage);
    } else if (message.kind === 'report') {
      const growthBytes = meter.growthBytes();
      const cpuS = cpuSeconds(process.cpuUsage(cpuAtReset));
      process.send?.({ kind: 'rss', growthBytes, cpuS } satisfies ServerMessage);
    } else {
      meter.stop();
      server.close();
      process.disconnect?.();
    }
  });
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

function nextMessage(child: ChildProcess): Promise<ServerMessage> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as ServerMessage));
    child.once('exit', (code) => reject(new Error(`vault server exited with ${code}`)));
  });
}

async function ask(child: ChildProcess, message: ClientMessage): Promise<ServerMessage> {
  const reply = nextMessage(child);
  child.send(message);
  return reply;
}

function countingStream(counter: { bytes: number }): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(piece, controller) {
      counter.bytes += piece.length;
      controller.enqueue(piece);
    },
  });
}

/**
 * Streams a request body with node:http. Node 20's fetch keeps every chunk of a streamed
 * request body in memory until the request ends (nodejs/undici#4058), which would make a
 * 1 GB upload cost 1 GB; node:http with pipeline() applies backpressure and frees each chunk.
 */
async function putStream(
  url: string,
  body: ReadableStream<Uint8Array>,
): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path: pathname, method: 'PUT' }, (response) => {
      const pieces: Buffer[] = [];
      response.on('data', (piece: Buffer) => pieces.push(piece));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(pieces).toString() }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), request).catch(reject);
  });
}

export interface PhaseResult {
  seconds: number;
  megabytesPerSecond: number;
  clientRssGrowthBytes: number;
  serverRssGrowthBytes: number;
  /** CPU time (all threads) per process: where the time goes when the cores are shared. */
  clientCpuS: number;
  serverCpuS: number;
}

interface Uploaded {
  hash: string;
  wrapBytes: Uint8Array<ArrayBuffer>;
  recipient: string;
}

const RECORD = { recordId: 'bench-record', version: 1 };
const reader = encryptionKeyPairFromSecret(patternBytes(1, 32));

async function upload(base: string, totalBytes: number): Promise<Uploaded> {
  const document = await encryptDocument(generatedStream(totalBytes, PIECE_BYTES), {
    ...RECORD,
    recipients: [reader.publicKey],
    sha256: nodeSha256,
    cipher: nodeChunkCipher,
  });
  const response = await putStream(`${base}/v1/vault/objects`, document.ciphertext);
  const stored = JSON.parse(response.body) as { hash: string; sizeBytes: number };
  const result = await document.completion;
  if (response.status !== 201 || stored.hash !== result.contentHash) {
    throw new Error(`upload failed: HTTP ${response.status}`);
  }
  const wrap = result.wraps[0]!;
  const wrapBytes = encodeKeyWrap(wrap);
  const keyUrl = `${base}/v1/vault/objects/${stored.hash}/keys/${wrap.recipient}`;
  const keyResponse = await fetch(keyUrl, { method: 'PUT', body: wrapBytes });
  if (keyResponse.status !== 201) {
    throw new Error(`key wrap upload failed: HTTP ${keyResponse.status}`);
  }
  return { hash: stored.hash, wrapBytes, recipient: wrap.recipient };
}

async function download(base: string, uploaded: Uploaded, totalBytes: number): Promise<void> {
  const keyUrl = `${base}/v1/vault/objects/${uploaded.hash}/keys/${uploaded.recipient}`;
  const keyResponse = await fetch(keyUrl);
  const wrap = decodeKeyWrap(uploaded.recipient, new Uint8Array(await keyResponse.arrayBuffer()));
  const response = await fetch(`${base}/v1/vault/objects/${uploaded.hash}`);
  if (response.status !== 200 || response.body === null) {
    throw new Error(`download failed: HTTP ${response.status}`);
  }
  const plaintext = await decryptDocument(response.body as ReadableStream<Uint8Array>, {
    wrap,
    binding: { ...RECORD, contentHash: uploaded.hash },
    recipientSecretKey: reader.secretKey,
    sha256: nodeSha256,
    cipher: nodeChunkCipher,
  });
  const counter = { bytes: 0 };
  await plaintext.pipeThrough(countingStream(counter)).pipeTo(new WritableStream());
  if (counter.bytes !== totalBytes) {
    throw new Error(`decrypted ${counter.bytes} bytes, expected ${totalBytes}`);
  }
}

async function phase(
  child: ChildProcess,
  meter: RssMeter,
  totalBytes: number,
  run: () => Promise<void>,
): Promise<PhaseResult> {
  await ask(child, { kind: 'reset' });
  meter.reset();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const clientCpuS = cpuSeconds(process.cpuUsage(cpuBefore));
  const server = await ask(child, { kind: 'report' });
  return {
    seconds,
    megabytesPerSecond: totalBytes / 1e6 / seconds,
    clientRssGrowthBytes: meter.growthBytes(),
    serverRssGrowthBytes: server.kind === 'rss' ? server.growthBytes : Number.NaN,
    clientCpuS,
    serverCpuS: server.kind === 'rss' ? server.cpuS : Number.NaN,
  };
}

function printPhase(name: string, result: PhaseResult): void {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(
    `${name.padEnd(9)} ${result.megabytesPerSecond.toFixed(0).padStart(5)} MB/s ` +
      `(${result.seconds.toFixed(2)} s)   RSS growth: client ${mb(result.clientRssGrowthBytes)}, ` +
      `server ${mb(result.serverRssGrowthBytes)}   ` +
      `CPU: client ${result.clientCpuS.toFixed(2)} s, server ${result.serverCpuS.toFixed(2)} s`,
  );
}

export interface VaultBenchResult {
  bytes: number;
  upload: PhaseResult;
  download: PhaseResult;
}

async function runClient(totalBytes: number): Promise<VaultBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'medchain-vault-bench-'));
  const child = fork(fileURLToPath(import.meta.url), ['--serve', directory], {
    execArgv: process.execArgv,
  });
  const meter = new RssMeter();
  try {
    const listening = await nextMessage(child);
    if (listening.kind !== 'listening') {
      throw new Error('vault server did not start');
    }
    const base = `http://127.0.0.1:${listening.port}`;
    console.log(
      `vault bench: ${totalBytes / 1e6} MB, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ` +
        `Node ${process.version}, directory backend on ${tmpdir()}`,
    );
    let uploaded: Uploaded | undefined;
    const up = await phase(child, meter, totalBytes, async () => {
      uploaded = await upload(base, totalBytes);
    });
    printPhase('upload', up);
    const down = await phase(child, meter, totalBytes, () => download(base, uploaded!, totalBytes));
    printPhase('download', down);
    return { bytes: totalBytes, upload: up, download: down };
  } finally {
    meter.stop();
    child.send({ kind: 'stop' } satisfies ClientMessage);
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The benchmark in a fresh process (and its server in another), so RSS is its own. */
export function runVaultBench(totalBytes: number): Promise<VaultBenchResult> {
  const child = fork(fileURLToPath(import.meta.url), [`--bytes=${totalBytes}`, '--to-parent'], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: VaultBenchResult) => resolve(message));
    child.once('exit', (code) => reject(new Error(`vault bench exited (${code})`)));
  });
}

const serveIndex = process.argv.indexOf('--serve');
const bytesArgument = process.argv.find((argument) => argument.startsWith('--bytes='));
const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (serveIndex >= 0) {
  await runServer(process.argv[serveIndex + 1]!);
} else if (isMain) {
  const totalBytes =
    bytesArgument !== undefined
      ? Number(bytesArgument.slice('--bytes='.length))
      : process.argv.includes('--quick')
        ? QUICK_BYTES
        : FULL_BYTES;
  const result = await runClient(totalBytes);
  if (process.argv.includes('--to-parent') && process.send !== undefined) {
    process.send(result, () => process.exit(0));
  }
}
