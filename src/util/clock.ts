/** The clock port: the app layer asks it for time; the pure middle is given `now`. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests and benchmarks can move by hand. */
export class ManualClock implements Clock {
  constructor(private t: number = Date.UTC(2026, 0, 5, 9, 0, 0)) {}
  now(): Date { return new Date(this.t); }
  advance(ms: number): void { this.t += ms; }
  set(date: Date): void { this.t = date.getTime(); }
}
