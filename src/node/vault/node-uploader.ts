/**
 * The SDK's VaultUploader for Node: a streamed PUT over node:http(s) with `pipeline()`, so
 * a large upload never sits in memory (Node 20's fetch buffers a streamed request body
 * until the request ends). Pass it as `upload` to the SDK's HealthRecords.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { VaultUploader } from '../../sdk/health-records.js';

export const nodeUploader: VaultUploader = ({ url, headers, body, sizeBytes }) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const allHeaders: Record<string, string> = { ...headers };
    if (sizeBytes !== undefined) {
      allHeaders['content-length'] = String(sizeBytes);
    }
    const request = send(target, { method: 'PUT', headers: allHeaders }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    const source = Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
    pipeline(source, request).catch(reject);
  });
