import { randomInt } from 'node:crypto';

/**
 * Every port from `min` to `max` once, in random order, drawn lazily (a Fisher–Yates
 * shuffle that remembers only the swapped places): the first free port is found in a few
 * draws however the taken ones lie, and a full range is tried to its end.
 */
export function* randomPortOrder(min: number, max: number): Generator<number> {
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  for (let left = max - min + 1; left > 0; left--) {
    const pick = randomInt(left);
    const port = at(pick);
    swapped.set(pick, at(left - 1));
    yield min + port;
  }
}
