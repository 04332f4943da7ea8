import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { describe, expect, it } from 'vitest';
import { TenantConcurrency } from '../../src/application/tenant-concurrency.js';
import type { AppError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/tenant.js';

const T = 't1' as TenantId;

/** A task that finishes when `finish` is called; `started` says whether it ran. */
const gate = (value: string) => {
  let finish: () => void = () => undefined;
  const state = { started: false };
  const task: TE.TaskEither<AppError, string> = () => {
    state.started = true;
    return new Promise((resolve) => {
      finish = () => resolve(E.right(value));
    });
  };
  return { task, state, finish: () => finish() };
};

describe('TenantConcurrency', () => {
  it('runs at most the cap at once and hands slots over first come, first served', async () => {
    const c = new TenantConcurrency({ perTenant: 2, queue: 10, maxWaitMs: 10_000 });
    const gates = ['a', 'b', 'c', 'd'].map(gate);
    const runs = gates.map((g) => c.run(T, 'x', g.task)());
    await Promise.resolve();
    expect(gates.map((g) => g.state.started)).toEqual([true, true, false, false]);
    gates[1]!.finish();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    expect(gates.map((g) => g.state.started)).toEqual([true, true, true, false]);
    expect(c.inFlight(T)).toBe(2);
    gates[0]!.finish();
    gates[2]!.finish();
    expect(await Promise.all(runs.slice(0, 3))).toEqual([E.right('a'), E.right('b'), E.right('c')]);
    await new Promise((r) => setImmediate(r));
    expect(gates[3]!.state.started).toBe(true);
    expect(c.inFlight(T)).toBe(1);
    gates[3]!.finish();
    expect(await runs[3]).toEqual(E.right('d'));
    expect(c.inFlight(T)).toBe(0);
  });

  it('refuses a call whose wait runs out with 429, and the slot count stays right', async () => {
    const c = new TenantConcurrency({ perTenant: 1, queue: 10, maxWaitMs: 50 });
    const first = gate('first');
    const running = c.run(T, 'the first call', first.task)();
    const waited = await c.run(T, 'the second call', gate('second').task)();
    expect(E.isLeft(waited) && waited.left.code).toBe('RATE_LIMITED');
    first.finish();
    expect(await running).toEqual(E.right('first'));
    expect(c.inFlight(T)).toBe(0);
    const again = gate('again');
    const later = c.run(T, 'x', again.task)();
    expect(again.state.started).toBe(true);
    again.finish();
    expect(await later).toEqual(E.right('again'));
  });

  it('a task that throws before returning its promise rejects, and gives its slot back', async () => {
    const c = new TenantConcurrency({ perTenant: 1, queue: 10, maxWaitMs: 1000 });
    const throwing: TE.TaskEither<AppError, string> = () => {
      throw new Error('boom');
    };
    const run = c.run(T, 'x', throwing);
    let result: Promise<unknown> | undefined;
    expect(() => {
      result = run();
    }).not.toThrow();
    await expect(result).rejects.toThrow('boom');
    expect(c.inFlight(T)).toBe(0);
  });
});
