import type { Builder } from '../builder/builder.js';
import { keyLabel, type ChrootKey } from '../chroot/chroot-paths.js';

/** A queued build as selection sees it. */
export interface QueuedBuild extends ChrootKey {
  id: number;
}

export interface Assignment<B extends QueuedBuild> {
  build: B;
  builder: Builder;
  /** The builder runs the build under emulation (qemu-user), not natively. */
  emulated: boolean;
}

export interface Selection<B extends QueuedBuild> {
  /** Builds to start now, in queue order. */
  starts: Assignment<B>[];
  /** Why each other build waits ("waiting: no ready chroot for trixie/arm64"). */
  waiting: Map<number, string>;
}

/** running / capacity; a builder without capacity counts as full. */
export function loadOf(running: number, capacity: number): number {
  return capacity > 0 ? running / capacity : 1;
}

/** Whether a builder builds an architecture natively (one that does not say: yes). */
export function buildsNatively(builder: Builder, architecture: string): boolean {
  return builder.nativeArchitectures?.().includes(architecture) ?? true;
}

/**
 * Assigns queued builds (in queue order: priority, then first come) to builders. A build
 * goes to the least loaded available builder with a ready chroot for its codename and
 * architecture that has a free slot; a build that cannot start does not hold up later
 * builds that can (they need other chroots or builders).
 *
 * Native builders come first: while one that builds the architecture natively is up, the
 * build goes to a native one (waiting for a slot if all are busy, as a native build is
 * sooner done than an emulated one, about ten times slower); only when none is up does
 * it go to a builder that emulates the architecture.
 */
export function selectBuilders<B extends QueuedBuild>(
  queue: readonly B[],
  builders: readonly Builder[],
  running: (builder: string) => number,
): Selection<B> {
  const slots = new Map(
    builders.map((b) => [b.name, { used: usedOn(b, running), cap: b.capacity() }]),
  );
  const ready = new Map(
    builders.map((b) => [b.name, new Set(b.readyChroots().map((key) => keyLabel(key)))]),
  );
  const up = new Map(builders.map((b) => [b.name, b.available()]));
  const starts: Assignment<B>[] = [];
  const waiting = new Map<number, string>();
  for (const build of queue) {
    const label = keyLabel(build);
    const having = builders.filter((b) => ready.get(b.name)!.has(label));
    const reachable = having.filter((b) => up.get(b.name));
    const native = reachable.filter((b) => buildsNatively(b, build.architecture));
    const candidates = native.length > 0 ? native : reachable;
    if (candidates.length === 0) {
      const down = having.map((b) => b.name);
      waiting.set(
        build.id,
        down.length > 0
          ? `waiting: the builders with a ready chroot for ${label} are down (${down.join(', ')})`
          : `waiting: no ready chroot for ${label}`,
      );
      continue;
    }
    const free = candidates.filter((b) => slots.get(b.name)!.used < slots.get(b.name)!.cap);
    if (free.length === 0) {
      const busy = candidates.map(
        (b) => `${b.name} ${slots.get(b.name)!.used}/${slots.get(b.name)!.cap}`,
      );
      const which = native.length > 0 && native.length < reachable.length ? 'native ' : '';
      waiting.set(
        build.id,
        `waiting: every ${which}builder for ${label} is busy (${busy.join(', ')})`,
      );
      continue;
    }
    const builder = leastLoaded(free, slots);
    slots.get(builder.name)!.used++;
    starts.push({ build, builder, emulated: !buildsNatively(builder, build.architecture) });
  }
  return { starts, waiting };
}

/** The builds running on a builder: those given to it and those it runs for others. */
export function usedOn(builder: Builder, running: (builder: string) => number): number {
  return running(builder.name) + (builder.othersRunning?.() ?? 0);
}

function leastLoaded(
  builders: readonly Builder[],
  slots: Map<string, { used: number; cap: number }>,
): Builder {
  const scored = builders.map((builder) => {
    const { used, cap } = slots.get(builder.name)!;
    return { builder, load: loadOf(used, cap), free: cap - used };
  });
  scored.sort(
    (a, b) => a.load - b.load || b.free - a.free || a.builder.name.localeCompare(b.builder.name),
  );
  return scored[0]!.builder;
}
