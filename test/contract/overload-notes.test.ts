import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OverloadNotes } from '../../src/slack/front-door/overload-notes.js';

/** A response_url sink that holds every answer until released, and records what it was sent. */
async function heldSink() {
  const bodies: Record<string, unknown>[] = [];
  const held: ServerResponse[] = [];
  let holding = true;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    bodies.push(JSON.parse(text) as Record<string, unknown>);
    if (holding) held.push(res);
    else res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/respond/`,
    bodies,
    held,
    release() {
      holding = false;
      for (const res of held.splice(0)) res.end('ok');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('OverloadNotes (telling a refused click through its response_url)', () => {
  const sinks: Awaited<ReturnType<typeof heldSink>>[] = [];
  afterEach(async () => {
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  });

  it('sends 64 at once, keeps the rest in order, and delivers every one', async () => {
    const sink = await heldSink();
    sinks.push(sink);
    const notes = new OverloadNotes(pino({ level: 'silent' }));
    for (let i = 0; i < 100; i++) notes.tell(`${sink.url}${i}`, 3_000);
    expect(notes.pending).toBe(100);
    await vi.waitFor(() => expect(sink.held).toHaveLength(64), { timeout: 30_000 });
    expect(sink.bodies).toHaveLength(64);
    sink.release();
    await vi.waitFor(() => expect(sink.bodies).toHaveLength(100), { timeout: 30_000 });
    await vi.waitFor(() => expect(notes.pending).toBe(0), { timeout: 30_000 });
    for (const body of sink.bodies) {
      expect(body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(String(body.text)).toContain('Flowbot is overloaded, nothing was changed, try again in 3 s.');
    }
  });

  it('sends nothing to what is not an http(s) URL, and never throws on a URL that fails', async () => {
    const notes = new OverloadNotes(pino({ level: 'silent' }));
    notes.tell('file:///etc/passwd', 1_000);
    notes.tell('javascript:alert(1)', 1_000);
    expect(notes.pending).toBe(0);
    notes.tell('http://127.0.0.1:9/respond/x', 1_000);
    await vi.waitFor(() => expect(notes.pending).toBe(0), { timeout: 30_000 });
  });
});
