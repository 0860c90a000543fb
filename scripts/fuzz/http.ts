import { request, type IncomingHttpHeaders } from 'node:http';

/** A request as it goes on the wire: nothing is normalised, re-encoded or completed on the way. */
export interface WireRequest {
  method: string;
  /** Path and query as sent: characters 0x21–0xFF only, percent-encoding (or its absence) as generated. */
  target: string;
  headers: [name: string, value: string][];
  body?: Buffer;
  /** Header values that are secrets of this run (session, CSRF, token, signature): shown as variables in the curl line. */
  secrets?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  ms: number;
  /** No answer: the connection failed or nothing came back in time. */
  error?: string;
  timedOut?: boolean;
}

const MAX_KEPT = 512 * 1024;

/** Anything Node's client would refuse to put on the wire becomes percent-encoding (path) or `?` (header). */
export const safeTarget = (t: string) => t.replace(/[^\u0021-\u00ff]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
const safeHeader = (v: string) => v.replace(/[^\t\u0020-\u007e\u0080-\u00ff]/g, '?');

/** Sends one request over a fresh connection; never throws (a failure to answer is an Answer with `error`). */
export function send(host: string, port: number, w: WireRequest, timeoutMs: number): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of w.headers) {
      const key = k.toLowerCase();
      const prior = headers[key];
      headers[key] = prior === undefined ? safeHeader(v) : [...[prior].flat(), safeHeader(v)];
    }
    if (w.body) headers['content-length'] = String(w.body.length);
    let settled = false;
    const done = (a: Omit<Answer, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...a, ms: Date.now() - started });
    };
    let req: ReturnType<typeof request>;
    try {
      req = request({ host, port, method: w.method, path: safeTarget(w.target), headers, agent: false, insecureHTTPParser: false });
    } catch (err) {
      return done({ status: 0, headers: {}, text: '', error: `the client refused the request: ${(err as Error).message}` });
    }
    req.setTimeout(timeoutMs, () => {
      done({ status: 0, headers: {}, text: '', timedOut: true, error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_KEPT) chunks.push(c);
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), error: `answer cut off: ${err.message}` }));
    });
    req.on('error', (err) => done({ status: 0, headers: {}, text: '', error: `connection failed: ${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim() }));
    if (w.body) req.write(w.body);
    req.end();
  });
}

/** Bash ANSI-C quoting ($'…'): every byte outside printable ASCII as \xHH. */
function ansiC(bytes: Buffer | string): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  let out = '';
  for (const byte of b) {
    if (byte === 0x27) out += "\\'";
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `$'${out}'`;
}

/** printf format that writes exactly these bytes (NUL included, which a shell string cannot hold). */
function printfOf(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x25) out += '%%';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x27) out += '\\047';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `printf '${out}'`;
}

/**
 * A curl command that sends the same bytes (curl's own default headers removed). Secrets of the run
 * appear as shell variables; `bodyFile` is used for bodies too long to print.
 */
export function curlOf(baseUrl: string, w: WireRequest, bodyFile?: string): string {
  const url = baseUrl.startsWith('$') ? `"${baseUrl}"${ansiC(w.target)}` : ansiC(`${baseUrl}${w.target}`);
  const parts = ['curl -sS -i --path-as-is --globoff', `-X ${w.method}`, url];
  const names = new Set(w.headers.map(([k]) => k.toLowerCase()));
  for (const [k, v] of w.headers) {
    const secret = w.secrets?.[k.toLowerCase()];
    parts.push(secret ? `-H "${k}: ${secret}"` : `-H ${ansiC(`${k}: ${v}`)}`);
  }
  for (const h of ['accept', 'user-agent', 'content-type']) if (!names.has(h)) parts.push(`-H '${h}:'`);
  if (!w.body) return parts.join(' ');
  if (w.body.length <= 4096) return `${printfOf(w.body)} | ${parts.join(' ')} --data-binary @-`;
  return `${parts.join(' ')} --data-binary @${bodyFile ?? `<the ${w.body.length}-byte body>`}`;
}

/** The request in a form a person reads: method, target, headers, body as text (or base64 when it is not UTF-8). */
export function describeRequest(w: WireRequest, maxBody = 600): string {
  const lines = [`${w.method} ${w.target}`];
  for (const [k, v] of w.headers) lines.push(`${k}: ${w.secrets?.[k.toLowerCase()] ?? v}`);
  if (w.body) {
    const text = w.body.toString('utf8');
    const exact = Buffer.from(text, 'utf8').equals(w.body);
    const shown = exact ? JSON.stringify(text.length > maxBody ? `${text.slice(0, maxBody)}…` : text) : `base64:${w.body.toString('base64').slice(0, maxBody)}`;
    lines.push('', `body (${w.body.length} bytes): ${shown}`);
  }
  return lines.join('\n');
}
