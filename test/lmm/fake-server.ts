// A local stand-in for multimodal model servers, on 127.0.0.1 only: it speaks OpenAI chat
// completions (POST /v1/chat/completions) and Ollama (POST /api/chat), checks that requests
// have the shape the real servers require, and replies however a test scripts it — answers,
// rate limits, server errors, hangs, broken bodies.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  protocol: 'openai' | 'ollama';
  authorization: string | undefined;
  body: Record<string, unknown>;
  prompt: string;
  /** The base64 image sent. */
  image: string;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is (with the given or a text content type); an object as JSON. */
  body?: unknown;
  /** Answer text for a normal protocol reply (used when body is absent). */
  content?: string;
  /** Wait before answering. */
  delayMs?: number;
  /** Never answer (until the server closes). */
  hang?: boolean;
}

export type FakeHandler = (request: FakeRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: FakeRequest[];
  /** Most requests in flight at once. */
  maxInFlight: number;
  handler: FakeHandler;
  close(): Promise<void>;
}

export const openaiBody = (content: string, model = 'fake-vlm') => ({
  id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model,
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
});

export const ollamaBody = (content: string, model = 'fake-vlm') => ({
  model, created_at: '2024-01-01T00:00:00Z', message: { role: 'assistant', content }, done: true, done_reason: 'stop',
});

/** Pulls prompt and image out of a request, or says what is wrong with it (→ 400 like a real server). */
function parseRequest(path: string, body: Record<string, unknown>): Omit<FakeRequest, 'authorization' | 'body'> | string {
  const messages = body.messages as { role?: string; content?: unknown; images?: unknown }[] | undefined;
  const first = messages?.[0];
  if (typeof body.model !== 'string' || !first || first.role !== 'user') return 'expected model and a user message';
  if (path === '/v1/chat/completions') {
    const parts = first.content as { type: string; text?: string; image_url?: { url?: string } }[];
    const text = Array.isArray(parts) ? parts.find((p) => p.type === 'text')?.text : undefined;
    const url = Array.isArray(parts) ? parts.find((p) => p.type === 'image_url')?.image_url?.url : undefined;
    const m = /^data:image\/jpeg;base64,([A-Za-z0-9+/=]+)$/.exec(url ?? '');
    if (typeof text !== 'string' || !m) return 'expected a text part and an image_url data URL';
    if (typeof body.max_tokens !== 'number') return 'expected max_tokens';
    return { protocol: 'openai', prompt: text, image: m[1] as string };
  }
  if (path === '/api/chat') {
    const images = first.images as string[] | undefined;
    if (typeof first.content !== 'string' || !Array.isArray(images) || images.length !== 1) return 'expected content and one image';
    if (body.stream !== false) return 'expected stream: false';
    return { protocol: 'ollama', prompt: first.content, image: images[0] as string };
  }
  return `unknown path ${path}`;
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  let inFlight = 0;
  const state: FakeServer = { origin: '', requests: [], maxInFlight: 0, handler, close: async () => undefined };
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end('{"error": "bad json"}');
      return;
    }
    const parsed = req.method === 'POST' ? parseRequest(req.url ?? '', body) : 'expected POST';
    if (typeof parsed === 'string') {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: parsed }));
      return;
    }
    const request: FakeRequest = { ...parsed, authorization: req.headers.authorization, body };
    const index = state.requests.push(request) - 1;
    const reply = await state.handler(request, index);
    if (reply.hang) return;
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    const status = reply.status ?? 200;
    let payload = reply.body;
    if (payload === undefined) payload = request.protocol === 'openai' ? openaiBody(reply.content ?? 'ok') : ollamaBody(reply.content ?? 'ok');
    const isText = typeof payload === 'string';
    res.writeHead(status, { 'content-type': isText ? 'text/plain' : 'application/json', ...reply.headers });
    res.end(isText ? payload : JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
