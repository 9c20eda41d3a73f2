/** Small dense kernels shared by the models' hot loops. */

/**
 * a[offset..offset+k) · v. Four independent accumulators: a single running sum is one long chain
 * of dependent additions, bound by the adder's latency; four chains overlap.
 */
export function dot32(a: Float32Array, offset: number, v: Float64Array, k: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let f = 0;
  for (; f + 3 < k; f += 4) {
    s0 += a[offset + f] * v[f];
    s1 += a[offset + f + 1] * v[f + 1];
    s2 += a[offset + f + 2] * v[f + 2];
    s3 += a[offset + f + 3] * v[f + 3];
  }
  for (; f < k; f++) s0 += a[offset + f] * v[f];
  return s0 + s1 + (s2 + s3);
}

/** As `dot32`, for a float64 matrix row (the Gram matrix). */
export function dot64(a: Float64Array, offset: number, v: Float64Array, k: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let f = 0;
  for (; f + 3 < k; f += 4) {
    s0 += a[offset + f] * v[f];
    s1 += a[offset + f + 1] * v[f + 1];
    s2 += a[offset + f + 2] * v[f + 2];
    s3 += a[offset + f + 3] * v[f + 3];
  }
  for (; f < k; f++) s0 += a[offset + f] * v[f];
  return s0 + s1 + (s2 + s3);
}
