/**
 * Seconds since the call, on the monotonic high-resolution clock:
 * `const elapsed = stopwatch(); work(); const seconds = elapsed();`.
 */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => (performance.now() - start) / 1000;
}
