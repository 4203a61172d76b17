/**
 * Turns a benchmark that stops making progress into a report instead of a silent hang or a
 * silent exit. Every store call goes through {@link watchCalls}, which notes it while it is
 * under way; {@link guardRun} then reports, and ends the process with a distinct code, when
 *
 * - one call has been under way longer than `stallMs` (exit 3): a statement that never
 *   finished. The report names the call, its first argument, how long it has waited, and
 *   the process's CPU time over the wait (rising: the statement is working, on a worker
 *   thread while the main thread idles; flat: it is blocked);
 * - the event loop runs dry while the benchmark still awaits something (exit 4): a promise
 *   that can never settle, since nothing is left that could settle it. Node would otherwise
 *   end the process with code 0 and print nothing more.
 */

/** A call under way (or the last one that settled). */
export interface CallNote {
  method: string;
  /** The first argument, shortened: usually the key or set the call is about. */
  detail: string;
  startedAt: number;
}

export interface CallReport extends CallNote {
  ageMs: number;
}

const shorten = (v: unknown): string => {
  let s: string;
  try { s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v); } catch { s = String(v); }
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** The calls under way, oldest first, and the last one to settle. */
export class InFlightCalls {
  private seq = 0;
  private readonly open = new Map<number, CallNote>();
  /** Calls that settled (resolved or rejected). */
  settled = 0;
  last: CallNote | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `call`, noting it as under way until the promise it returns settles. */
  track<T>(method: string, args: readonly unknown[], call: () => T): T {
    const id = this.seq++;
    const note: CallNote = { method, detail: shorten(args[0]), startedAt: this.now() };
    this.open.set(id, note);
    const done = () => { this.open.delete(id); this.settled += 1; this.last = note; };
    let result: T;
    try {
      result = call();
    } catch (e) {
      done();
      throw e;
    }
    if (result instanceof Promise) {
      result.then(done, done);
    } else {
      done();
    }
    return result;
  }

  /** The oldest call still under way, with its age. */
  oldest(): CallReport | undefined {
    const first = this.open.values().next();
    if (first.done) return undefined;
    return { ...first.value, ageMs: this.now() - first.value.startedAt };
  }

  /** How many calls are under way. */
  get size(): number {
    return this.open.size;
  }

  /** How many calls were made. */
  get started(): number {
    return this.seq;
  }
}

/** `target` with every method call noted in `calls` (its other properties as they are). */
export function watchCalls<T extends object>(target: T, calls: InFlightCalls): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const v = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => calls.track(String(prop), args, () => (v as (...a: unknown[]) => unknown).apply(obj, args));
    },
  });
}

export interface GuardOptions {
  calls: InFlightCalls;
  /** A call under way this long is a stall. */
  stallMs: number;
  /** How often to look (default: a tenth of `stallMs`, at least 100 ms). */
  checkMs?: number;
  /** Where the benchmark is (the mention it has reached, …), for the report. */
  where: () => string;
  /** More to say about a stall (the database's WAL size, …). */
  extra?: () => string;
  write?: (line: string) => void;
  exit?: (code: number) => void;
}

export const STALL_EXIT = 3;
export const DRY_LOOP_EXIT = 4;

/** Runs `main` under the watch described in the module comment; resolves or rejects as `main` does. */
export async function guardRun(main: () => Promise<void>, opts: GuardOptions): Promise<void> {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const describe = (c: CallNote | undefined) => (c ? `${c.method}(${c.detail})` : 'none');
  let cpuAtFirstSight: { callStartedAt: number; cpuMs: number } | undefined;
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

  const timer = setInterval(() => {
    const c = opts.calls.oldest();
    if (!c) { cpuAtFirstSight = undefined; return; }
    // CPU time is measured from when this call was first seen under way.
    if (cpuAtFirstSight?.callStartedAt !== c.startedAt) cpuAtFirstSight = { callStartedAt: c.startedAt, cpuMs: cpuMs() };
    if (c.ageMs < opts.stallMs) return;
    const cpu = Math.round(cpuMs() - cpuAtFirstSight.cpuMs);
    stop();
    write(`STALL: ${describe(c)} under way for ${Math.round(c.ageMs / 1000)} s (${opts.calls.size} call(s) under way, ${opts.calls.settled} settled) at ${opts.where()}; ` +
      `process CPU time meanwhile ${cpu} ms (${cpu > c.ageMs / 10 ? 'working: a slow statement' : 'nearly none: blocked'})${opts.extra ? `; ${opts.extra()}` : ''}`);
    exit(STALL_EXIT);
  }, opts.checkMs ?? Math.max(100, Math.floor(opts.stallMs / 10)));
  // The watch itself must not keep the process alive: a dry loop has to be seen as one.
  timer.unref();

  const dry = () => {
    stop();
    const c = opts.calls.oldest();
    write(`DRY LOOP: nothing is left to run but the benchmark still waits, at ${opts.where()}: a promise that never settled. ` +
      `Under way: ${describe(c)}; last settled: ${describe(opts.calls.last)} (${opts.calls.settled} settled)`);
    exit(DRY_LOOP_EXIT);
  };
  // Reported once: after a report (or the end of `main`) nothing is watched any more.
  const stop = () => { clearInterval(timer); process.off('beforeExit', dry); };
  process.on('beforeExit', dry);
  try {
    await main();
  } finally {
    stop();
  }
}
