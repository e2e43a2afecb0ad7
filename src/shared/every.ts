/**
 * A gate that opens at most once per `ms` (for warnings an attacker could otherwise
 * repeat into every line of the log): `gate()` is true when the last opening is that old.
 */
export function atMostEvery(
  ms: number,
  now: () => number = () => performance.now(),
): () => boolean {
  let last = -Infinity;
  return () => {
    const time = now();
    if (time - last < ms) return false;
    last = time;
    return true;
  };
}
