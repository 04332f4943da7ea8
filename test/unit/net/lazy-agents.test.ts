// undici loads when the first call goes out, not at start (src/adapters/undici/undici-module.ts).
// The agents are made once, however many calls wait for the first load, and closing a
// transport that never called makes none.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAtlassianHttp } from '../../../src/adapters/undici/http-transport.js';
import { LazyAgents } from '../../../src/adapters/undici/undici-module.js';

let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('{"ok":true}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('agents made on first use', () => {
  it('makes none when destroyed before any call, nor after it', async () => {
    let made = 0;
    const agents = new LazyAgents(({ Agent }) => {
      made += 1;
      return { one: new Agent() };
    });
    await agents.destroy();
    await expect(agents.get()).rejects.toThrow('closed');
    expect(made).toBe(0);
  });

  it('makes them once for calls that wait together, then answers them at once, and destroys them', async () => {
    let made = 0;
    const agents = new LazyAgents(({ Agent }) => {
      made += 1;
      return { one: new Agent() };
    });
    const [a, b] = await Promise.all([agents.get(), agents.get()]);
    expect(made).toBe(1);
    expect(a).toBe(b);
    const later = agents.get();
    expect(later).toBe(a);
    await agents.destroy();
    expect(a.agents.one.destroyed).toBe(true);
  });

  it('a transport answers its first calls, sent together, and closes', async () => {
    const transports = createAtlassianHttp({ timeoutMs: 5_000 });
    const answers = await Promise.all([1, 2, 3].map(() => transports.trusted.send({ method: 'GET', url: `${url}/x` })()));
    expect(answers.map((a) => (a._tag === 'Right' ? [a.right.status, a.right.body] : a.left))).toEqual([
      [200, '{"ok":true}'],
      [200, '{"ok":true}'],
      [200, '{"ok":true}'],
    ]);
    await transports.close?.();
    const after = await transports.trusted.send({ method: 'GET', url: `${url}/x` })();
    expect(after._tag).toBe('Left');
  });

  it('a transport closed before any call sends nothing after it', async () => {
    const transports = createAtlassianHttp({ timeoutMs: 5_000 });
    expect(transports.close).toBeTypeOf('function');
    await transports.close?.();
    const after = await transports.trusted.send({ method: 'GET', url: `${url}/x` })();
    expect(after._tag).toBe('Left');
  });
});
