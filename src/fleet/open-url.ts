// One GET of a repository file over http(s):// or file://, optionally from a byte offset (HTTP Range,
// guarded by If-Range so that a file replaced on the server is fetched whole again, never spliced).
// HTTP goes through undici's EnvHttpProxyAgent, which honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY
// (Node's own fetch ignores them).
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { ServicePackError, hasErrno } from '../errors/index.js';

export interface OpenedUrl {
  /** The offset the body starts at: the requested one, or 0 when the server sent the whole file. */
  start: number;
  /** The whole file's length, when the server said. */
  total: number | null;
  /** What identifies this version of the file for If-Range (a strong ETag or Last-Modified), if any. */
  validator: string | null;
  body: AsyncIterable<Uint8Array>;
  /** Stops reading early (the rest of the body is discarded). */
  close(): void;
}

export interface OpenOptions {
  dispatcher: Dispatcher;
  start?: number;
  ifRange?: string | null;
  signal?: AbortSignal;
}

/**
 * The HTTP client of one sync: proxies from the environment, bounded waits. http:// URLs go to an HTTP
 * proxy as plain forward-proxy requests (`GET http://host/path`), which every HTTP proxy serves, rather
 * than through a CONNECT tunnel: undici 7 loops without end when a proxy closes a CONNECT it does not
 * serve (nodejs/undici#3897). https:// URLs need the tunnel.
 */
export const newDispatcher = (): Dispatcher => new EnvHttpProxyAgent({ connectTimeout: 15_000, headersTimeout: 30_000, bodyTimeout: 30_000, proxyTunnel: false });

export async function openUrl(url: string, opts: OpenOptions): Promise<OpenedUrl> {
  const u = new URL(url);
  if (u.protocol === 'file:') return openFile(url, opts.start ?? 0);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw unreachable(url, `unsupported scheme ${u.protocol}`);
  const start = opts.start ?? 0;
  const headers: Record<string, string> = { 'user-agent': 'servicepack' };
  if (start > 0) {
    headers.range = `bytes=${start}-`;
    if (opts.ifRange) headers['if-range'] = opts.ifRange;
  }
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: 'GET', headers, dispatcher: opts.dispatcher, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    if (opts.signal?.aborted === true) throw err;
    throw unreachable(url, describe(err));
  }
  const header = (name: string): string | null => {
    const v = res.headers[name];
    return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? null) : null;
  };
  if (res.statusCode === 416 && start > 0) {
    // The partial file is as long as, or longer than, the server's: start over.
    await res.body.dump();
    return openUrl(url, { ...opts, start: 0 });
  }
  if (res.statusCode !== 200 && res.statusCode !== 206) {
    await res.body.dump();
    throw unreachable(url, `HTTP ${res.statusCode}`, res.statusCode);
  }
  const etag = header('etag');
  const validator = etag !== null && !etag.startsWith('W/') ? etag : header('last-modified');
  const length = Number(header('content-length') ?? NaN);
  if (res.statusCode === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header('content-range') ?? '');
    if (m === null || Number(m[1]) !== start) {
      await res.body.dump();
      throw unreachable(url, `the server answered a range request with Content-Range "${header('content-range')}"`);
    }
    return { start, total: m[3] === '*' ? null : Number(m[3]), validator, body: res.body, close: () => res.body.destroy() };
  }
  return { start: 0, total: Number.isFinite(length) ? length : null, validator, body: res.body, close: () => res.body.destroy() };
}

function openFile(url: string, start: number): OpenedUrl {
  const file = fileURLToPath(url);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (err) {
    if (!hasErrno(err, 'ENOENT', 'ENOTDIR', 'EACCES')) throw err;
    throw unreachable(url, (err as NodeJS.ErrnoException).code!, hasErrno(err, 'EACCES') ? 403 : 404);
  }
  if (!st.isFile()) throw unreachable(url, 'not a file', 404);
  const from = start < st.size ? start : 0;
  const stream = fs.createReadStream(file, { start: from });
  return { start: from, total: st.size, validator: `${st.ino}-${st.size}-${st.mtimeMs}`, body: stream, close: () => stream.destroy() };
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return [e.code ?? e.cause?.code, e.message ?? e.cause?.message].filter(Boolean).join(': ') || String(err);
}

export const unreachable = (url: string, reason: string, status?: number): ServicePackError<'REPO_UNREACHABLE'> =>
  new ServicePackError('REPO_UNREACHABLE', `cannot fetch ${url}: ${reason}`, {
    hint: 'Check --repo, the network and HTTPS_PROXY/HTTP_PROXY/NO_PROXY; the target was not changed. Run sync again.',
    details: status === undefined ? { url, reason } : { url, reason, status },
  });
