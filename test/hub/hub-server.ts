// A local stand-in for the Hugging Face Hub, on 127.0.0.1 only, in the Hub's URL scheme and
// headers: HEAD/GET /{repo}/resolve/{revision}/{file} answer with X-Repo-Commit and an ETag
// (the git blob sha1 for small files; for LFS files — *.safetensors, *.bin — a 302 to
// /storage/<sha256> with X-Linked-Etag and X-Linked-Size), renamed repos answer with a relative
// redirect, gated repos with 401/403 and X-Error-Code, missing things with 404 and the Hub's
// error codes. Storage honours Range. Tests script faults: a connection cut after N bytes, a
// slow body, a redirect to another origin, corrupt bytes.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Test } from 'uvu';

export interface FakeRepo {
  files: Record<string, Buffer>;
  /** Commit for 'main' (and any other branch listed in `branches`). */
  commit: string;
  branches?: string[];
  /** Only this token may read it (gated). */
  gatedToken?: string;
}

export interface SeenRequest {
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface FakeHub {
  origin: string;
  repos: Map<string, FakeRepo>;
  /** Old repo id → new one (a renamed repository). */
  renamed: Map<string, string>;
  requests: SeenRequest[];
  faults: {
    /** The next `count` storage GETs break the connection when they reach byte `bytes` of the file. */
    cut?: { bytes: number; count: number };
    /** Storage bodies are sent in chunks of this size with this pause between them. */
    trickle?: { chunk: number; pauseMs: number };
    /** LFS redirects point here instead of this server's own /storage. */
    storageOrigin?: string;
    /** The next `count` storage GETs have their first byte flipped. */
    corrupt?: number;
    /** Sizes the metadata declares instead of the true ones, by file name. */
    declare?: Record<string, number>;
  };
  close(): Promise<void>;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const gitSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const isLfs = (file: string) => /\.(safetensors|bin)$/.test(file);

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: Buffer | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

function errorReply(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { 'x-error-code': code, 'x-error-message': message, 'content-type': 'text/plain' }, message);
}

async function serveStorage(hub: FakeHub, req: IncomingMessage, res: ServerResponse, hash: string): Promise<void> {
  const blob = [...hub.repos.values()].flatMap((r) => Object.values(r.files)).find((b) => sha256(b) === hash);
  if (!blob) return errorReply(res, 404, 'EntryNotFound', 'no such object');
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) start = Number(m[1]);
  if (start > blob.length) return send(res, 416, { 'content-range': `bytes */${blob.length}` });
  let body = blob.subarray(start);
  if (req.method === 'GET' && (hub.faults.corrupt ?? 0) > 0) {
    hub.faults.corrupt! -= 1;
    body = Buffer.from(body);
    body.writeUInt8(body.readUInt8(0) ^ 0xff, 0);
  }
  const headers: Record<string, string> = { 'content-length': String(body.length), 'accept-ranges': 'bytes', etag: `"${hash}"` };
  if (m) headers['content-range'] = `bytes ${start}-${blob.length - 1}/${blob.length}`;
  res.writeHead(m ? 206 : 200, headers);
  if (req.method === 'HEAD') return void res.end();
  const cut = hub.faults.cut;
  if (cut && cut.count > 0) {
    cut.count -= 1;
    res.write(body.subarray(0, Math.max(0, cut.bytes - start)));
    await new Promise((r) => setTimeout(r, 30));
    res.destroy();
    return;
  }
  const trickle = hub.faults.trickle;
  if (!trickle) return void res.end(body);
  for (let i = 0; i < body.length && !res.destroyed; i += trickle.chunk) {
    res.write(body.subarray(i, i + trickle.chunk));
    await new Promise((r) => setTimeout(r, trickle.pauseMs));
  }
  res.end();
}

function serveResolve(hub: FakeHub, req: IncomingMessage, res: ServerResponse, parts: string[]): void {
  const at = parts.indexOf('resolve');
  const repoId = parts.slice(0, at).join('/');
  const revision = decodeURIComponent(parts[at + 1] ?? '');
  const file = parts.slice(at + 2).map(decodeURIComponent).join('/');
  const renamed = hub.renamed.get(repoId);
  if (renamed) return send(res, 307, { location: `/${renamed}/resolve/${encodeURIComponent(revision)}/${parts.slice(at + 2).join('/')}` });
  const repo = hub.repos.get(repoId);
  // As the Hub: anonymous callers cannot tell a missing repository from a private one.
  if (!repo) return errorReply(res, req.headers.authorization ? 404 : 401, 'RepoNotFound', 'Repository not found');
  if (repo.gatedToken !== undefined) {
    const auth = req.headers.authorization;
    if (!auth) return errorReply(res, 401, 'GatedRepo', `Access to model ${repoId} is restricted. You must be authenticated to access it.`);
    if (auth !== `Bearer ${repo.gatedToken}`) return errorReply(res, 403, 'GatedRepo', `Access to model ${repoId} is restricted and you are not in the authorized list.`);
  }
  if (revision !== repo.commit && !['main', ...(repo.branches ?? [])].includes(revision)) {
    return errorReply(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
  }
  const blob = repo.files[file];
  if (!blob) return errorReply(res, 404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
  const common = { 'x-repo-commit': repo.commit };
  const declared = String(hub.faults.declare?.[file] ?? blob.length);
  if (isLfs(file)) {
    const hash = sha256(blob);
    const storage = hub.faults.storageOrigin ?? hub.origin;
    return send(res, 302, {
      ...common, location: `${storage}/storage/${hash}`, 'x-linked-etag': `"${hash}"`, 'x-linked-size': declared,
      etag: `"${gitSha1(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${hash}\n`))}"`, 'content-length': '0',
    });
  }
  if (req.method === 'HEAD') return send(res, 200, { ...common, etag: `"${gitSha1(blob)}"`, 'content-length': declared });
  return send(res, 200, { ...common, etag: `"${gitSha1(blob)}"`, 'content-length': String(blob.length) }, blob);
}

function newHub(): FakeHub {
  return { origin: '', repos: new Map(), renamed: new Map(), requests: [], faults: {}, close: async () => {} };
}

async function listen(hub: FakeHub): Promise<void> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', hub.origin);
    hub.requests.push({ method: req.method ?? '', path: url.pathname, range: req.headers.range, authorization: req.headers.authorization });
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method !== 'GET' && req.method !== 'HEAD') return errorReply(res, 405, 'MethodNotAllowed', 'GET or HEAD');
    if (parts[0] === 'storage' && parts.length === 2) return void serveStorage(hub, req, res, parts[1]!);
    if (parts.includes('resolve')) return serveResolve(hub, req, res, parts);
    return errorReply(res, 404, 'NotFound', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export async function startFakeHub(repos: Record<string, FakeRepo> = {}): Promise<FakeHub> {
  const hub = newHub();
  for (const [id, repo] of Object.entries(repos)) hub.repos.set(id, repo);
  await listen(hub);
  return hub;
}

/**
 * The stand-in for a whole suite: started before it with these repositories (and renamed ids),
 * its request log and faults cleared before each test, stopped after the suite.
 */
export function fakeHubFor(test: Test, repos: Record<string, FakeRepo>, renamed: Record<string, string> = {}): FakeHub {
  const hub = newHub();
  for (const [id, repo] of Object.entries(repos)) hub.repos.set(id, repo);
  for (const [from, to] of Object.entries(renamed)) hub.renamed.set(from, to);
  test.before(() => listen(hub));
  test.after(() => hub.close());
  test.before.each(() => {
    hub.requests.length = 0;
    hub.faults = {};
  });
  return hub;
}
