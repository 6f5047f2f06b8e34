/**
 * One JSON-RPC 2.0 call over HTTP with a deadline. Used where ethers' provider would retry network
 * detection forever (waiting for a node to start, checking an auditor's --rpc url).
 */
export class RpcUnreachableError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(`rpc unreachable: ${url} (${reason})`);
    this.name = 'RpcUnreachableError';
  }
}

export async function jsonRpc<T>(url: string, method: string, params: unknown[] = [], timeoutMs = 5_000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new RpcUnreachableError(url, cause?.code ?? cause?.message ?? (error as Error).message);
  }
  if (!response.ok) throw new RpcUnreachableError(url, `HTTP ${response.status}`);
  let body: { result?: T; error?: { message?: string } };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new RpcUnreachableError(url, 'the answer is not JSON-RPC');
  }
  if (body.error) throw new Error(`${method} failed at ${url}: ${body.error.message ?? 'unknown error'}`);
  return body.result as T;
}

/** eth_chainId as a number. */
export async function rpcChainId(url: string, timeoutMs?: number): Promise<number> {
  const hex = await jsonRpc<string>(url, 'eth_chainId', [], timeoutMs);
  const id = Number(BigInt(hex));
  if (!Number.isSafeInteger(id)) throw new RpcUnreachableError(url, `eth_chainId answered ${String(hex)}`);
  return id;
}
