import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { StoreInputError } from '../../src/store/store-input-error.js';
import type { Store } from '../../src/store/store.js';
import { allBackends, sleep, uniqueNamespace, type StoreBackend } from './store-backends.js';

/**
 * The shared API limits of the Store port (paces and windows), on every backend, with two
 * Store instances on one namespace standing for two Earshot instances. Intervals are long
 * (a minute) where spacing is checked, so the milliseconds a round trip takes cannot blur
 * which start each reservation got.
 */
const MINUTE = 60_000;
/** Longer than any test runs: no window boundary falls inside one. */
const FOREVER = 2 ** 40;

describe.each(allBackends())('shared API limits: $name', (backend: StoreBackend) => {
  let namespace: string;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    await backend.assertReachable();
  });
  afterAll(async () => {
    await backend.dispose();
  });
  beforeEach(async () => {
    namespace = uniqueNamespace();
    a = await openStore(backend.url, { namespace });
    b = await openStore(backend.url, { namespace });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await backend.dropNamespace(namespace);
  });

  it('gives concurrent reservations from two instances one start each, an interval apart', async () => {
    const waits = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).reservePace('slack.post:C1', MINUTE)));
    const sorted = [...waits].sort((x, y) => x - y);
    // The first goes at once; each other waits one interval more than the one before it.
    sorted.forEach((w, i) => {
      expect(w, `reservation ${i}`).toBeGreaterThanOrEqual(i * MINUTE - 1_000);
      expect(w, `reservation ${i}`).toBeLessThanOrEqual(i * MINUTE);
    });
    // Another resource has its own pace.
    expect(await a.reservePace('slack.post:C2', MINUTE)).toBe(0);
  });

  it('lets a call go at once when the last start is an interval behind', async () => {
    expect(await a.reservePace('p', 50)).toBe(0);
    await sleep(80);
    expect(await b.reservePace('p', 50)).toBe(0);
    const next = await a.reservePace('p', 50);
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThanOrEqual(50);
  });

  it('holds a pace for every instance after a 429, and never shortens a longer hold', async () => {
    await a.holdPace('slack.update:T1', MINUTE);
    const wait = await b.reservePace('slack.update:T1', 10);
    expect(wait).toBeGreaterThan(MINUTE - 1_000);
    expect(wait).toBeLessThanOrEqual(MINUTE);
    await a.holdPace('slack.update:T1', 5);
    expect(await b.reservePace('slack.update:T1', 10)).toBeGreaterThan(MINUTE - 1_000);
  });

  it('lets two instances take exactly the window limit between them', async () => {
    const takes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).takeFromWindow('x.reply:x-main', 7, FOREVER)));
    expect(takes.filter((t) => t.taken)).toHaveLength(7);
    expect(takes.filter((t) => t.taken).map((t) => t.remaining).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(takes.filter((t) => !t.taken).every((t) => t.remaining === 0 && t.resetInMs > 0)).toBe(true);
    // A look takes nothing.
    const look = await b.takeFromWindow('x.reply:x-main', 7, FOREVER, 0);
    expect(look).toMatchObject({ taken: true, remaining: 0 });
    expect((await a.takeFromWindow('x.reply:other', 7, FOREVER, 0)).remaining).toBe(7);
  });

  it('starts a new window with the whole limit once the old one has passed', async () => {
    const first = await a.takeFromWindow('w', 1, 300);
    // Taken, unless the call fell at the very end of a window (then the next one is fresh anyway).
    if (!first.taken) await sleep(first.resetInMs + 20);
    const refused = await b.takeFromWindow('w', 1, 300);
    if (!refused.taken) {
      expect(refused.remaining).toBe(0);
      expect(refused.resetInMs).toBeLessThanOrEqual(300);
    }
    // Refused, or (on a busy machine) taken from the next window, which it then filled: either
    // way the whole limit comes back when that window has passed.
    await sleep(refused.resetInMs + 30);
    const fresh = await b.takeFromWindow('w', 1, 300);
    expect(fresh).toMatchObject({ taken: true, remaining: 0 });
  });

  it('keeps paces and windows of the same name apart', async () => {
    await a.reservePace('same', MINUTE);
    expect((await a.takeFromWindow('same', 3, FOREVER)).remaining).toBe(2);
    expect(await a.reservePace('same', MINUTE)).toBeGreaterThan(MINUTE - 1_000);
  });

  it('refuses arguments no backend could hold, naming the problem', async () => {
    await expect(a.reservePace('p', 0)).rejects.toThrow(StoreInputError);
    await expect(a.reservePace('p', Number.NaN)).rejects.toThrow(/Pace interval must be a number of milliseconds > 0/);
    await expect(a.reservePace('', 10)).rejects.toThrow(/Pace name must be a non-empty string/);
    await expect(a.holdPace('p', -1)).rejects.toThrow(/Pace hold must be/);
    await expect(a.takeFromWindow('w', 0, 1000)).rejects.toThrow(/Window limit must be a whole number ≥ 1/);
    await expect(a.takeFromWindow('w', 5, 1.5)).rejects.toThrow(/Window length must be a whole number/);
    await expect(a.takeFromWindow('w', 5, 1000, 6)).rejects.toThrow(/from 0 to its limit \(5\)/);
  });
});
