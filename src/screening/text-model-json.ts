/** The model file: sparse, quantised weights as JSON, and reading them back with their shape checked. */
import { emptyTextModel, ensureTask, TEXT_TASKS, type TaskStack, type TextModel, type TextTask } from './text-model-types.js';

/** The JSON form of a model file. */
export interface TextModelJson {
  format: 'earshot-text-model';
  /** 2 when a task has a second stage (`stack`), which version 1 readers would ignore; else 1. */
  version: 1 | 2;
  bits: number;
  topicGroups: Record<string, string>;
  tasks: Partial<Record<TextTask, {
    labels: string[];
    charGrams: boolean;
    bias: number[];
    offsets: number[];
    seen: number[];
    /** Weights are stored quantised to 16 bits: value = int16 × scale. */
    scale: number;
    /** Base64 of the non-zero feature rows: LEB128 gaps between row indexes. */
    rows: string;
    /** Base64 of little-endian int16 weights, k per stored row. */
    weights: string;
    /** The second stage: per input task, `k × k_u` weights, row-major; a bias per label. */
    stack?: { from: Partial<Record<TextTask, number[]>>; bias: number[] };
  }>>;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Rows whose weights are all below this are dropped when saving: they never change a decision. */
const SAVE_EPSILON = 1e-4;

/** Serialises a model to the JSON kept in a model file (sparse, quantised: small on disk). */
export function textModelToJson(model: TextModel): TextModelJson {
  const tasks: TextModelJson['tasks'] = {};
  for (const name of TEXT_TASKS) {
    const task = model.tasks[name];
    if (!task) continue;
    const k = task.labels.length;
    const rowsN = 1 << model.bits;
    const stride = model.stride;
    const W = model.weights;
    const at = (f: number, j: number): number => W[f * stride + task.column + j]!;
    let max = 0;
    for (let f = 0; f < rowsN; f++) for (let j = 0; j < k; j++) max = Math.max(max, Math.abs(at(f, j)));
    const scale = max > 0 ? max / 32767 : 1;
    const gaps: number[] = [];
    const vals: number[] = [];
    let last = -1;
    for (let f = 0; f < rowsN; f++) {
      let keep = false;
      for (let j = 0; j < k; j++) if (Math.abs(at(f, j)) > SAVE_EPSILON) { keep = true; break; }
      if (!keep) continue;
      let gap = f - last;
      last = f;
      while (gap >= 0x80) { gaps.push((gap & 0x7f) | 0x80); gap >>>= 7; }
      gaps.push(gap);
      for (let j = 0; j < k; j++) vals.push(Math.round(at(f, j) / scale));
    }
    const i16 = Int16Array.from(vals);
    tasks[name] = {
      labels: [...task.labels],
      charGrams: task.charGrams,
      bias: [...task.bias].map(round6),
      offsets: [...task.offsets].map(round6),
      seen: [...task.seen],
      scale,
      rows: Buffer.from(Uint8Array.from(gaps)).toString('base64'),
      weights: Buffer.from(i16.buffer, i16.byteOffset, i16.byteLength).toString('base64'),
      ...(task.stack ? {
        stack: {
          from: Object.fromEntries(Object.entries(task.stack.from).map(([u, a]) => [u, [...a].map(round6)])),
          bias: [...task.stack.bias].map(round6),
        },
      } : {}),
    };
  }
  const version = TEXT_TASKS.some((t) => model.tasks[t]?.stack) ? 2 : 1;
  return { format: 'earshot-text-model', version, bits: model.bits, topicGroups: { ...model.topicGroups }, tasks };
}

export class TextModelInvalidError extends Error {
  readonly code = 'TEXT_MODEL_INVALID';
  constructor(detail: string) {
    super(`not a usable Earshot text model: ${detail}`);
    this.name = 'TextModelInvalidError';
  }
}

/** Reads a model from its JSON form (as parsed from a model file), checking its shape. */
export function textModelFromJson(json: unknown): TextModel {
  const j = json as Partial<TextModelJson> | null;
  if (!j || typeof j !== 'object' || j.format !== 'earshot-text-model') throw new TextModelInvalidError('"format" is not "earshot-text-model" (was the file made by `earshot train`?)');
  if (j.version !== 1 && j.version !== 2) {
    throw new TextModelInvalidError(`version ${String(j.version)} is not one this Earshot reads (1 or 2): upgrade Earshot or make the file again with \`earshot train\``);
  }
  const bits = j.bits;
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 8 || bits > 24) throw new TextModelInvalidError(`"bits" must be an integer 8..24, got ${String(bits)}`);
  const model = emptyTextModel(bits);
  model.topicGroups = { ...(j.topicGroups ?? {}) };
  const present = TEXT_TASKS.filter((name) => j.tasks?.[name]);
  for (const name of present) {
    const t = j.tasks![name]!;
    const k = Array.isArray(t.labels) ? t.labels.length : 0;
    const bad = (what: string): never => { throw new TextModelInvalidError(`task "${name}": ${what}`); };
    if (k === 0) bad('no labels');
    if (!Array.isArray(t.bias) || t.bias.length !== k) bad('"bias" does not match the labels');
    if (typeof t.rows !== 'string' || typeof t.weights !== 'string' || typeof t.scale !== 'number') bad('missing weights');
    const task = ensureTask(model, name, t.charGrams === true);
    task.column = model.stride;
    task.labels = t.labels.map(String);
    model.stride += k;
  }
  model.weights = new Float32Array((1 << bits) * model.stride);
  for (const name of present) {
    const t = j.tasks![name]!;
    const task = model.tasks[name]!;
    const k = task.labels.length;
    const bad = (what: string): never => { throw new TextModelInvalidError(`task "${name}": ${what}`); };
    task.bias = Float32Array.from(t.bias);
    task.offsets = Array.isArray(t.offsets) && t.offsets.length === k ? Float32Array.from(t.offsets) : new Float32Array(k);
    task.seen = Array.isArray(t.seen) && t.seen.length === k ? [...t.seen] : t.labels.map(() => 0);
    const gaps = Buffer.from(t.rows, 'base64');
    const wb = Buffer.from(t.weights, 'base64');
    const vals = new Int16Array(wb.buffer.slice(wb.byteOffset, wb.byteOffset + wb.byteLength - (wb.byteLength % 2)));
    let f = -1;
    let r = 0;
    let p = 0;
    while (p < gaps.length) {
      let gap = 0;
      let shift = 0;
      let b: number;
      do { b = gaps[p++]!; gap |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80 && p < gaps.length);
      f += gap;
      if (f >= 1 << bits) bad('a feature row lies outside the hash space');
      if ((r + 1) * k > vals.length) bad('fewer weights than rows');
      for (let jj = 0; jj < k; jj++) model.weights[f * model.stride + task.column + jj] = vals[r * k + jj]! * t.scale;
      r++;
    }
    if (r * k !== vals.length) bad('more weights than rows');
  }
  for (const name of present) {
    const st = j.tasks![name]!.stack;
    if (st === undefined) continue;
    const task = model.tasks[name]!;
    const k = task.labels.length;
    const bad = (what: string): never => { throw new TextModelInvalidError(`task "${name}": second stage ${what}`); };
    if (!st || typeof st !== 'object' || !Array.isArray(st.bias) || st.bias.length !== k) bad('"bias" does not match the labels');
    const from: TaskStack['from'] = {};
    for (const [u, a] of Object.entries(st.from ?? {})) {
      const src = model.tasks[u as TextTask];
      if (!src) bad(`reads task "${u}", which the file does not have`);
      if (!Array.isArray(a) || a.length !== k * src!.labels.length || a.some((x) => typeof x !== 'number')) bad(`weights for "${u}" do not match the labels`);
      from[u as TextTask] = Float32Array.from(a!);
    }
    task.stack = { from, bias: Float32Array.from(st.bias) };
  }
  return model;
}
