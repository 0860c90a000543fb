import http from 'node:http';

/**
 * The load generator's HTTP client: plain node:http over keep-alive sockets. No AbortSignal per
 * request (undici's fetch adds an abort listener to a shared signal per call and frees it only at
 * garbage collection, which flooded the old bench with MaxListenersExceededWarning); interrupting
 * destroys the agent's sockets instead, which fails every request in flight.
 */
export interface HttpAnswer { status: number; text: string }

export function createHttpClient(baseUrl: string, timeoutMs = 30_000) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 512 });
  let closed = false;

  const send = (method: string, path: string, headers: Record<string, string>, body: string | undefined) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      if (closed) return reject(new Error('interrupted'));
      const req = http.request({
        host: url.hostname, port: url.port, method, path, agent,
        headers: { accept: 'application/json', ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path.replace(/\?.*/, '')}: no answer within ${timeoutMs / 1000}s`)));
      req.on('error', reject);
      req.end(body);
    });

  return {
    /**
     * One request; throws unless the answer has status `expect`. A GET on a kept-alive socket the
     * server closed meanwhile is retried once (the only request safe to repeat blindly).
     */
    async call(method: string, path: string, expect: number, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<any> {
      const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      let answer: HttpAnswer;
      try {
        answer = await send(method, path, init.headers ?? {}, body);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (method !== 'GET' || closed || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw err;
        answer = await send(method, path, init.headers ?? {}, body);
      }
      if (answer.status !== expect) throw new Error(`${method} ${path.replace(/\?.*/, '')} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      return answer.text ? JSON.parse(answer.text) : undefined;
    },
    /** Fails every request in flight and every later one. */
    close() {
      closed = true;
      agent.destroy();
    },
  };
}
export type HttpClient = ReturnType<typeof createHttpClient>;
