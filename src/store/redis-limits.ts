import { checkStoreInput } from './check-store-input.js';
import type { WindowTake } from './store.js';

/** Redis's clock in milliseconds (with fractions), read inside a script (TIME is allowed in scripts since Redis 5). */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000`;

/**
 * Reserves the next start of a pace: the later of the stored next start and now; the key
 * moves one interval past it and expires a minute after it stops mattering.
 */
const RESERVE_PACE = `${NOW}
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(at, now)
local nxt = start + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.ceil(nxt - now) + 60000)
return string.format('%.3f', start - now)`;

/** Moves a pace's next start to at least now + ms. */
const HOLD_PACE = `${NOW}
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
local nxt = math.max(at, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.ceil(nxt - now) + 60000)
return 1`;

/** Takes calls from the current window (a hash of its start and the calls taken), if they fit. */
const TAKE_FROM_WINDOW = `${NOW}
now = math.floor(now)
local w, limit, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start = now - (now % w)
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or '-1')
local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if at < start then n = 0 end
local taken = 0
if n + count <= limit then
  n = n + count
  taken = 1
  redis.call('HSET', KEYS[1], 'at', string.format('%d', start), 'n', string.format('%d', n))
  redis.call('PEXPIRE', KEYS[1], start + w - now + 60000)
end
return {taken, limit - n, start + w - now}`;

/** Runs a script as node-redis's `eval` does. */
export type RedisEval = (script: string, opts: { keys: string[]; arguments: string[] }) => Promise<unknown>;

/**
 * Shared API limits on Redis (the Store's `reservePace`, `holdPace` and
 * `takeFromWindow`): each a Lua script on one key, so it runs atomically, judged by
 * Redis's clock. Paces are `<namespace>:pace:<name>`, windows `<namespace>:window:<name>`.
 */
export class RedisLimits {
  constructor(
    private readonly run: RedisEval,
    private readonly namespace: string,
  ) {}

  async reservePace(name: string, intervalMs: number): Promise<number> {
    const reply = await this.run(RESERVE_PACE, {
      keys: [`${this.namespace}:pace:${checkStoreInput.name('Pace name', name)}`],
      arguments: [String(checkStoreInput.interval(intervalMs))],
    });
    return Math.max(0, Number(reply));
  }

  async holdPace(name: string, ms: number): Promise<void> {
    await this.run(HOLD_PACE, {
      keys: [`${this.namespace}:pace:${checkStoreInput.name('Pace name', name)}`],
      arguments: [String(checkStoreInput.hold(ms))],
    });
  }

  async takeFromWindow(name: string, limit: number, windowMs: number, count = 1): Promise<WindowTake> {
    const w = checkStoreInput.window(limit, windowMs, count);
    const reply = (await this.run(TAKE_FROM_WINDOW, {
      keys: [`${this.namespace}:window:${checkStoreInput.name('Window name', name)}`],
      arguments: [String(w.windowMs), String(w.limit), String(w.count)],
    })) as [number, number, number];
    return { taken: Number(reply[0]) === 1, remaining: Math.max(0, Number(reply[1])), resetInMs: Number(reply[2]) };
  }
}
