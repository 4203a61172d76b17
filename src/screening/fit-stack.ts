/** The second stage's fit: what every task's scores add to one task's, learnt on cross-fitted scores. */
import { sigmoid } from './text-model-scores.js';
import type { TaskStack, TextTask } from './text-model-types.js';

/** One task's training rows: its labels, every example's feature ids, label index and weight. */
export interface TaskPlan { name: TextTask; rows: number[]; labels: string[]; charGrams: boolean; X: Int32Array[][]; y: number[]; w: number[] }

/** Ridge penalty of the second stage and its (full-batch, Adam) optimisation. */
const STACK_L2 = 1e-3;
const STACK_STEPS = 300;
const STACK_RATE = 0.05;

/**
 * Fits one task's second stage on cross-fitted scores: per label, a weighted logistic
 * regression (labels weighted as in `fit`) whose input is every task's scores, added to
 * the task's own score. The own score keeps a weight of 1 on top, so a second stage near
 * zero changes nothing and online learning moves the decision as it moves the score.
 */
export function fitStack(p: TaskPlan, inputs: readonly TaskPlan[], oof: Partial<Record<TextTask, Float64Array[]>>): TaskStack {
  const k = p.labels.length;
  const d = inputs.reduce((n, q) => n + q.labels.length, 0) + 1;
  const n = p.rows.length;
  // Inputs per row: every task's scores, then 1.
  const Z = new Float64Array(n * d);
  const own = p.rows.map((i) => oof[p.name]![i]!);
  p.rows.forEach((i, r) => {
    let c = 0;
    for (const q of inputs) for (const v of oof[q.name]![i]!) Z[r * d + c++] = v;
    Z[r * d + c] = 1;
  });
  const count = new Array<number>(k).fill(0);
  for (const i of p.rows) count[p.y[i]!]! += 1;
  const posWeight = count.map((c) => (c > 0 ? Math.sqrt((n - c) / c) : 1));
  const A = new Float64Array(k * d);
  const m1 = new Float64Array(k * d);
  const m2 = new Float64Array(k * d);
  const grad = new Float64Array(k * d);
  let wsum = 0;
  for (const i of p.rows) wsum += p.w[i]!;
  for (let t = 1; t <= STACK_STEPS; t++) {
    grad.fill(0);
    for (let r = 0; r < n; r++) {
      const i = p.rows[r]!;
      for (let j = 0; j < k; j++) {
        let s = own[r]![j]!;
        for (let c = 0; c < d; c++) s += A[j * d + c]! * Z[r * d + c]!;
        const yes = p.y[i] === j;
        const g = ((sigmoid(s) - (yes ? 1 : 0)) * p.w[i]! * (yes ? posWeight[j]! : 1)) / wsum;
        for (let c = 0; c < d; c++) grad[j * d + c]! += g * Z[r * d + c]!;
      }
    }
    for (let a = 0; a < k * d; a++) {
      const g = grad[a]! + (a % d === d - 1 ? 0 : STACK_L2 * A[a]!);
      m1[a] = 0.9 * m1[a]! + 0.1 * g;
      m2[a] = 0.999 * m2[a]! + 0.001 * g * g;
      A[a]! -= (STACK_RATE * (m1[a]! / (1 - 0.9 ** t))) / (Math.sqrt(m2[a]! / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  const from: TaskStack['from'] = {};
  let c0 = 0;
  for (const q of inputs) {
    const ku = q.labels.length;
    const a = new Float32Array(k * ku);
    for (let j = 0; j < k; j++) for (let c = 0; c < ku; c++) a[j * ku + c] = A[j * d + c0 + c]!;
    from[q.name] = a;
    c0 += ku;
  }
  const bias = new Float32Array(k);
  for (let j = 0; j < k; j++) bias[j] = A[j * d + d - 1]!;
  return { from, bias };
}
