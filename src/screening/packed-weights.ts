/** The one-byte copy of the weight table that prediction reads, built on first use and kept current by learning. */
import { TEXT_TASKS, type PackedWeights, type TextModel } from './text-model-types.js';

export function pack(model: TextModel): PackedWeights {
  const stride = model.stride;
  const W = model.weights;
  const scale = new Float32Array(stride);
  for (let i = 0; i < W.length; i++) {
    const c = i % stride;
    const a = Math.abs(W[i]!);
    if (a > scale[c]!) scale[c] = a;
  }
  for (let c = 0; c < stride; c++) scale[c] = scale[c]! > 0 ? scale[c]! / 127 : 1;
  const q = new Int8Array(W.length);
  for (let i = 0; i < W.length; i++) q[i] = Math.round(W[i]! / scale[i % stride]!);
  return { stride, q, scale, tokens: new Map(), gramColumns: gramColumns(model), stack: denseStack(model) };
}

/** The tasks' second stages laid out over the table's columns (prediction reads them in one pass). */
function denseStack(model: TextModel): PackedWeights['stack'] {
  const stride = model.stride;
  if (!TEXT_TASKS.some((t) => model.tasks[t]?.stack)) return undefined;
  const m = new Float32Array(stride * stride);
  const b = new Float32Array(stride);
  for (const t of TEXT_TASKS) {
    const task = model.tasks[t];
    const st = task?.stack;
    if (!task || !st) continue;
    for (let j = 0; j < task.labels.length && j < st.bias.length; j++) {
      const row = task.column + j;
      b[row] = st.bias[j]!;
      for (const u of TEXT_TASKS) {
        const A = st.from[u];
        const src = model.tasks[u];
        if (!A || !src) continue;
        const ku = A.length / st.bias.length;
        for (let i = 0; i < ku && i < src.labels.length; i++) m[row * stride + src.column + i] = A[j * ku + i]!;
      }
    }
  }
  return { m, b };
}

/** Re-quantises cells `learn` changed; a value beyond its column's range drops the packed copy. */
export function repack(model: TextModel, ids: readonly Int32Array[], column: number, k: number): void {
  const old = model.packed;
  if (!old || old.stride !== model.stride) { model.packed = undefined; return; }
  // A new identity with an empty token map: every cached per-token sum (here and in the
  // tokens' own slots, which name the packed copy they belong to) is now stale.
  const p: PackedWeights = { ...old, tokens: new Map() };
  model.packed = p;
  for (const list of ids) {
    for (const id of list) {
      for (let j = 0; j < k; j++) {
        const i = id * p.stride + column + j;
        const v = Math.round(model.weights[i]! / p.scale[column + j]!);
        if (v > 127 || v < -127) { model.packed = undefined; return; }
        p.q[i] = v;
      }
    }
  }
}

/** Which columns belong to tasks that read character grams (rebuilt with the packed copy). */
function gramColumns(model: TextModel): Uint8Array {
  const cols = new Uint8Array(model.stride);
  for (const t of TEXT_TASKS) {
    const task = model.tasks[t];
    if (task?.charGrams) cols.fill(1, task.column, task.column + task.labels.length);
  }
  return cols;
}
