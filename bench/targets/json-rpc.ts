/**
 * A minimal Ethereum JSON-RPC client: single calls and batches (an array of calls in one
 * HTTP request, which the Hardhat node answers in order). viem signs and encodes; plain
 * fetch sends, so the benchmark controls exactly how many requests go out.
 */

export interface RpcCall {
  method: string;
  params: unknown[];
}

export type RpcAnswer = { result: unknown } | { error: { code: number; message: string } };

export async function rpcBatch(url: string, calls: RpcCall[]): Promise<RpcAnswer[]> {
  if (calls.length === 0) {
    return [];
  }
  const body = calls.map((call, id) => ({ jsonrpc: '2.0', id, ...call }));
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) {
    throw new Error(`JSON-RPC ${url}: HTTP ${response.status}`);
  }
  const answers = (await response.json()) as Array<RpcAnswer & { id: number }>;
  const ordered = new Array<RpcAnswer>(calls.length);
  for (const answer of answers) {
    ordered[answer.id] = answer;
  }
  return ordered;
}

export async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const [answer] = await rpcBatch(url, [{ method, params }]);
  if (answer === undefined || 'error' in answer) {
    const message = answer === undefined ? 'no answer' : answer.error.message;
    throw new Error(`JSON-RPC ${method}: ${message}`);
  }
  return answer.result as T;
}
