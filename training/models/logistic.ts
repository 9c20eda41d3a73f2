/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method
 * (iteratively reweighted least squares) with a backtracking line search.
 *
 * Why Newton rather than SGD or L-BFGS: the ranker has a few dozen features, so the d×d Hessian
 * is tiny and each Newton step (one pass over the rows plus a Cholesky solve) takes the exact
 * curvature into account; the loss is strictly convex, so it converges to the unique optimum in
 * ~10 steps with no learning rate or epoch count to tune, and the result does not depend on the
 * order of the rows — the same rows give the same weights.
 *
 * Loss, with z = w·x + b and p = σ(z):
 *   L(w, b) = -(1/n) Σ [y log p + (1 - y) log(1 - p)] + (λ/2)|w|²       (b not regularised)
 *   ∇L = (1/n) Xᵀ(p - y) + λw,     ∇²L = (1/n) Xᵀ diag(p(1 - p)) X + λI
 */

export interface LogisticParams {
  l2: number;
  maxIterations: number;
  /** Stop when the largest gradient component falls below this. */
  tolerance: number;
}

export const DEFAULT_LOGISTIC_PARAMS: Readonly<LogisticParams> = Object.freeze({
  l2: 1e-4,
  maxIterations: 30,
  tolerance: 1e-7,
});

/** A fitted model: raw feature x -> z = Σ w_f (x_f - mean_f) / scale_f + bias (missing x_f -> 0 term). */
export interface LogisticModel {
  readonly weights: Float64Array;
  readonly bias: number;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** Column means and standard deviations over the finite values (scale 1 for a constant column). */
export function standardisation(
  X: Float32Array,
  n: number,
  d: number,
): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  const count = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < d; f++) {
      const v = X[r * d + f];
      if (Number.isFinite(v)) {
        mean[f] += v;
        count[f]++;
      }
    }
  }
  for (let f = 0; f < d; f++) mean[f] = count[f] > 0 ? mean[f] / count[f] : 0;
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < d; f++) {
      const v = X[r * d + f];
      if (Number.isFinite(v)) scale[f] += (v - mean[f]) ** 2;
    }
  }
  for (let f = 0; f < d; f++) {
    const sd = count[f] > 1 ? Math.sqrt(scale[f] / count[f]) : 0;
    scale[f] = sd > 1e-12 ? sd : 1;
  }
  return { mean, scale };
}

/** Standardised copy: (x - mean) / scale, missing (non-finite) values -> 0, i.e. the mean. */
function standardise(
  X: Float32Array,
  n: number,
  d: number,
  mean: Float64Array,
  scale: Float64Array,
): Float64Array {
  const Z = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < d; f++) {
      const v = X[r * d + f];
      Z[r * d + f] = Number.isFinite(v) ? (v - mean[f]) / scale[f] : 0;
    }
  }
  return Z;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function fitLogistic(
  X: Float32Array,
  y: Uint8Array,
  d: number,
  params: Partial<LogisticParams> = {},
): LogisticModel {
  const p: LogisticParams = { ...DEFAULT_LOGISTIC_PARAMS, ...params };
  const n = y.length;
  if (X.length !== n * d) throw new RangeError(`X has ${X.length} values, expected ${n}×${d}`);
  const { mean, scale } = standardisation(X, n, d);
  const Z = standardise(X, n, d, mean, scale);
  const D = d + 1; // parameters: d weights then the bias
  const theta = new Float64Array(D);
  const margins = new Float64Array(n);

  const lossAt = (t: Float64Array, out: Float64Array): number => {
    let loss = 0;
    for (let r = 0; r < n; r++) {
      let z = t[d];
      for (let f = 0; f < d; f++) z += t[f] * Z[r * d + f];
      out[r] = z;
      // -[y log σ(z) + (1-y) log(1-σ(z))] = softplus(z) - y z
      loss += softplus(z) - y[r] * z;
    }
    let penalty = 0;
    for (let f = 0; f < d; f++) penalty += t[f] * t[f];
    return loss / n + 0.5 * p.l2 * penalty;
  };

  let loss = lossAt(theta, margins);
  const gradient = new Float64Array(D);
  const hessian = new Float64Array(D * D);
  const direction = new Float64Array(D);
  const candidate = new Float64Array(D);
  const candidateMargins = new Float64Array(n);
  const row = new Float64Array(D);
  row[d] = 1;
  for (let iteration = 0; iteration < p.maxIterations; iteration++) {
    gradient.fill(0);
    hessian.fill(0);
    for (let r = 0; r < n; r++) {
      const prob = sigmoid(margins[r]);
      const residual = prob - y[r];
      const curvature = prob * (1 - prob);
      for (let f = 0; f < d; f++) row[f] = Z[r * d + f];
      for (let a = 0; a < D; a++) {
        const ra = row[a];
        gradient[a] += residual * ra;
        const scaled = curvature * ra;
        const base = a * D;
        for (let b = a; b < D; b++) hessian[base + b] += scaled * row[b];
      }
    }
    let largest = 0;
    for (let a = 0; a < D; a++) {
      gradient[a] /= n;
      if (a < d) gradient[a] += p.l2 * theta[a];
      largest = Math.max(largest, Math.abs(gradient[a]));
      for (let b = a; b < D; b++) {
        hessian[a * D + b] /= n;
        hessian[b * D + a] = hessian[a * D + b];
      }
      hessian[a * D + a] += a < d ? p.l2 : 1e-10; // tiny ridge on the bias keeps H positive definite
    }
    if (largest < p.tolerance) break;
    choleskySolve(hessian, gradient, D, direction);
    // Backtracking (Armijo) on the Newton direction: step 1 is almost always accepted.
    let slope = 0;
    for (let a = 0; a < D; a++) slope += gradient[a] * direction[a];
    let step = 1;
    let accepted = false;
    for (let halving = 0; halving < 30; halving++) {
      for (let a = 0; a < D; a++) candidate[a] = theta[a] - step * direction[a];
      const candidateLoss = lossAt(candidate, candidateMargins);
      if (candidateLoss <= loss - 1e-4 * step * slope) {
        theta.set(candidate);
        margins.set(candidateMargins);
        loss = candidateLoss;
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  return { weights: theta.slice(0, d), bias: theta[d], mean, scale };
}

/** The margin z for one raw feature row (use `sigmoid(z)` for a probability; ranking needs only z). */
export function logisticMargin(model: LogisticModel, x: Float32Array | Float64Array, offset = 0): number {
  const { weights, mean, scale } = model;
  let z = model.bias;
  for (let f = 0; f < weights.length; f++) {
    const v = x[offset + f];
    if (Number.isFinite(v)) z += (weights[f] * (v - mean[f])) / scale[f];
  }
  return z;
}

/** Solves A x = b for symmetric positive definite A (D×D, row-major) by Cholesky, A = L Lᵀ. */
function choleskySolve(A: Float64Array, b: Float64Array, D: number, x: Float64Array): void {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i * D + j];
      for (let k = 0; k < j; k++) sum -= L[i * D + k] * L[j * D + k];
      if (i === j) L[i * D + i] = Math.sqrt(Math.max(sum, 1e-300));
      else L[i * D + j] = sum / L[j * D + j];
    }
  }
  const z = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= L[i * D + k] * z[k];
    z[i] = sum / L[i * D + i];
  }
  for (let i = D - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < D; k++) sum -= L[k * D + i] * x[k];
    x[i] = sum / L[i * D + i];
  }
}
