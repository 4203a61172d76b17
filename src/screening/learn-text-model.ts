/** Online learning: one staff decision moves the model in place, growing it for a label it never saw. */
import { repack } from './packed-weights.js';
import { directScores, featuresOf, idsFor, scale, sigmoid, stackedScores } from './text-model-scores.js';
import { tokenizePost } from './tokenize-post.js';
import { ensureTask, TEXT_TASKS, type PostFeatures, type TaskModel, type TextLabels, type TextModel, type TextTask } from './text-model-types.js';

/** Inserts `count` zero columns at `at` in every row of the table (a new label or task). */
function widen(model: TextModel, at: number, count: number): void {
  const rows = 1 << model.bits;
  const old = model.stride;
  const next = old + count;
  const W = new Float32Array(rows * next);
  const src = model.weights;
  if (old > 0) {
    for (let r = 0; r < rows; r++) {
      const a = r * old;
      const b = r * next;
      for (let c = 0; c < at; c++) W[b + c] = src[a + c]!;
      for (let c = at; c < old; c++) W[b + c + count] = src[a + c]!;
    }
  }
  model.weights = W;
  model.stride = next;
  model.packed = undefined;
  for (const t of TEXT_TASKS) {
    const task = model.tasks[t];
    if (task && task.column >= at && !(task.labels.length === 0 && task.column === at)) task.column += count;
  }
}

function addLabel(model: TextModel, task: TaskModel, label: string): number {
  const i = task.labels.indexOf(label);
  if (i >= 0) return i;
  // A label the model never saw (a team added a topic): one more column for it.
  const k = task.labels.length;
  widen(model, task.column + k, 1);
  const grow = (a: Float32Array): Float32Array => { const b = new Float32Array(k + 1); b.set(a); return b; };
  task.bias = grow(task.bias);
  task.offsets = grow(task.offsets);
  growStacks(model, task, k);
  task.labels.push(label);
  task.seen.push(0);
  return k;
}

/** A label was added to `task` (it had `k`): every second stage gets a zero weight for it. */
function growStacks(model: TextModel, task: TaskModel, k: number): void {
  const name = TEXT_TASKS.find((t) => model.tasks[t] === task)!;
  // A column in every stage that reads this task's scores…
  for (const t of TEXT_TASKS) {
    const st = model.tasks[t]?.stack;
    const A = st?.from[name];
    if (!st || !A) continue;
    const rows = st.bias.length;
    const B = new Float32Array(rows * (k + 1));
    for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) B[r * (k + 1) + c] = A[r * k + c]!;
    st.from[name] = B;
  }
  // …and a row in this task's own stage.
  const st = task.stack;
  if (!st) return;
  for (const u of TEXT_TASKS) {
    const A = st.from[u];
    if (!A) continue;
    const B = new Float32Array((A.length / k) * (k + 1));
    B.set(A);
    st.from[u] = B;
  }
  const b = new Float32Array(k + 1);
  b.set(st.bias);
  st.bias = b;
}

/** Step size of an online correction; features are L2-normalised, so 1 moves a score by about 1. */
const LEARN_RATE = 1;
const LEARN_BIAS_RATE = 0.05;

/**
 * One logistic-regression step per label. Stepping on until the post gets its label with
 * a margin (tried: up to 25 steps) memorises each label: on the airline benchmark's
 * stream of 9,300 labels that ended at 0.769 sentiment accuracy and dipped on the way
 * (0.711, 0.738, 0.715 after 100, 500, 2,000); one step learns steadily (0.729, 0.753,
 * 0.762, 0.790). Near-identical posts get staff's labels from the correction memory
 * (correction-memory.ts) instead.
 */
const LEARN_MAX_STEPS = 1;

/** No step once the label leads every other (or zero, when it is alone) by this much (about 2.7:1 odds). */
const LEARN_MARGIN = 1;

/**
 * Online learning from one staff decision (a re-route, a corrected tag, an ignore).
 * Updates `model` in place and returns it: one gradient step towards the label (none when
 * the model already gives it with a margin), so other posts move only as far as they share
 * features with it. A label the model never saw gets its own column.
 */
export function learn(model: TextModel, text: string, labels: TextLabels): TextModel {
  const post = tokenizePost(text);
  const f = featuresOf(model, post, true);
  const todo: Array<[TextTask, string]> = [];
  for (const name of TEXT_TASKS) {
    const label = labels[name];
    if (label === undefined || label === '') continue;
    const task = ensureTask(model, name, name === 'topic');
    task.seen[addLabel(model, task, label)]! += 1;
    todo.push([name, label]);
  }
  for (const [name, label] of todo) correct(model, name, label, f);
  // With a second stage, a task's decision reads the others' scores, which the later
  // corrections moved: one more round settles every corrected decision.
  if (todo.length > 1 && todo.some(([name]) => model.tasks[name]!.stack)) for (const [name, label] of todo) correct(model, name, label, f);
  return model;
}

/** Steps one task's weights until the post gets `label` with a margin (see `learn`). */
function correct(model: TextModel, name: TextTask, label: string, f: PostFeatures): void {
  const task = model.tasks[name]!;
  const target = task.labels.indexOf(label);
  const ids = idsFor(task, f);
  const k = task.labels.length;
  const stride = model.stride;
  const W = model.weights;
  const v = scale(ids);
  // The other tasks' scores do not change here; the second stage reads them.
  const base: Partial<Record<TextTask, Float64Array>> = {};
  if (task.stack) {
    for (const u of TEXT_TASKS) {
      const t = model.tasks[u];
      if (t && u !== name && t.labels.length > 0) base[u] = directScores(model, t, idsFor(t, f), scale(idsFor(t, f)));
    }
  }
  const own = task.stack?.from[name];
  const gb = new Float64Array(k);
  for (let s = 0; s < LEARN_MAX_STEPS; s++) {
    base[name] = directScores(model, task, ids, v);
    const sc = stackedScores(task, name, base);
    // The rival is the best other label, or "none of them" (score 0) when it is alone.
    let rival = k === 1 ? 0 : -Infinity;
    for (let j = 0; j < k; j++) if (j !== target) rival = Math.max(rival, sc[j]! + task.offsets[j]!);
    if (sc[target]! + task.offsets[target]! - rival >= LEARN_MARGIN) break;
    // The gradient of the decision's loss on the task's own scores (through its second stage).
    for (let j = 0; j < k; j++) gb[j] = sigmoid(sc[j]!) - (j === target ? 1 : 0);
    if (own && own.length === k * k) {
      const g0 = Float64Array.from(gb);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) gb[i]! += own[j * k + i]! * g0[j]!;
    }
    for (let j = 0; j < k; j++) {
      const g = gb[j]!;
      task.bias[j]! -= LEARN_BIAS_RATE * g;
      const step = LEARN_RATE * g * v;
      const c = task.column + j;
      for (const list of ids) for (const id of list) W[id * stride + c]! -= step;
    }
  }
  repack(model, ids, task.column, k);
}
