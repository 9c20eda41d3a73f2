/**
 * The indices of the k largest scores, best first, in O(n·k) worst case and O(n) typical: a
 * sorted buffer of the best k so far, entered only when a score beats the current k-th.
 * Ties go to the lower index (deterministic); -Infinity and NaN scores are never returned, so a
 * list can be shorter than k.
 */
export function topK(scores: Float32Array | Float64Array, k: number): Int32Array {
  const bestIndex = new Int32Array(k);
  const bestScore = new Float64Array(k).fill(Number.NEGATIVE_INFINITY);
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    if (!(score > Number.NEGATIVE_INFINITY)) continue; // also skips NaN
    if (size === k && score <= bestScore[k - 1]) continue;
    // Insertion: shift worse entries down; equal scores keep the earlier (lower) index first.
    let slot = size < k ? size : k - 1;
    while (slot > 0 && bestScore[slot - 1] < score) {
      bestScore[slot] = bestScore[slot - 1];
      bestIndex[slot] = bestIndex[slot - 1];
      slot--;
    }
    bestScore[slot] = score;
    bestIndex[slot] = i;
    if (size < k) size++;
  }
  return bestIndex.slice(0, size);
}
