/**
 * Compressed sparse row (CSR) matrices for the user × item interaction matrix. Row r's non-zeros
 * are `indices[indptr[r] .. indptr[r+1])` with values at the same positions, column indices
 * ascending (so membership is a binary search and iteration order is deterministic).
 */
export interface Csr {
  readonly nRows: number;
  readonly nCols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * Builds a CSR matrix from coordinate triplets, summing duplicates (the same user and item seen
 * in several events add up their weights). `values` null means every triplet weighs 1.
 */
export function csrFromCoordinates(
  rows: Int32Array,
  cols: Int32Array,
  values: Float32Array | null,
  nRows: number,
  nCols: number,
): Csr {
  const n = rows.length;
  // Counting sort by row, then by column within each row: O(n + nRows) and stable.
  const rowCounts = new Int32Array(nRows + 1);
  for (let k = 0; k < n; k++) rowCounts[rows[k] + 1]++;
  for (let r = 0; r < nRows; r++) rowCounts[r + 1] += rowCounts[r];
  const cursor = rowCounts.slice(0, nRows);
  const sortedCols = new Int32Array(n);
  const sortedValues = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const slot = cursor[rows[k]]++;
    sortedCols[slot] = cols[k];
    sortedValues[slot] = values === null ? 1 : values[k];
  }
  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(n);
  const merged = new Float32Array(n);
  let out = 0;
  const order: number[] = [];
  for (let r = 0; r < nRows; r++) {
    const start = rowCounts[r];
    const end = rowCounts[r + 1];
    order.length = 0;
    for (let k = start; k < end; k++) order.push(k);
    order.sort((a, b) => sortedCols[a] - sortedCols[b] || a - b);
    let previous = -1;
    for (const k of order) {
      const col = sortedCols[k];
      if (col === previous) {
        merged[out - 1] += sortedValues[k];
      } else {
        indices[out] = col;
        merged[out] = sortedValues[k];
        out++;
        previous = col;
      }
    }
    indptr[r + 1] = out;
  }
  return { nRows, nCols, indptr, indices: indices.slice(0, out), values: merged.slice(0, out) };
}

/** The transpose (item × user from user × item), column indices ascending. */
export function transpose(matrix: Csr): Csr {
  const { nRows, nCols, indptr, indices, values } = matrix;
  const counts = new Int32Array(nCols + 1);
  for (let k = 0; k < indices.length; k++) counts[indices[k] + 1]++;
  for (let c = 0; c < nCols; c++) counts[c + 1] += counts[c];
  const cursor = counts.slice(0, nCols);
  const outIndices = new Int32Array(indices.length);
  const outValues = new Float32Array(indices.length);
  // Rows are visited in ascending order, so each output row's indices come out ascending.
  for (let r = 0; r < nRows; r++) {
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const slot = cursor[indices[k]]++;
      outIndices[slot] = r;
      outValues[slot] = values[k];
    }
  }
  return { nRows: nCols, nCols: nRows, indptr: counts, indices: outIndices, values: outValues };
}

/** Whether row `row` has a non-zero at column `col` (binary search). */
export function csrHas(matrix: Csr, row: number, col: number): boolean {
  let lo = matrix.indptr[row];
  let hi = matrix.indptr[row + 1] - 1;
  const indices = matrix.indices;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = indices[mid];
    if (value === col) return true;
    if (value < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The column indices of row `row` (a view, not a copy). */
export function csrRow(matrix: Csr, row: number): Int32Array {
  return matrix.indices.subarray(matrix.indptr[row], matrix.indptr[row + 1]);
}
