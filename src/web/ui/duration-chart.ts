import type { BuildSummary } from '../../api/specs/builds.js';

/** One ended build as a dot of the chart. */
export interface ChartPoint {
  x: number;
  y: number;
  build: number;
  state: string;
  /** The dot's tooltip: build, version, architecture, duration, date. */
  label: string;
}

export interface ChartSeries {
  architecture: string;
  /** Index into the chart's palette (CSS class series-<n>). */
  index: number;
  points: ChartPoint[];
  /** SVG path data joining the points in time order. */
  path: string;
}

/** Geometry of the build-duration chart; templates/partials/duration-chart.ejs draws it. */
export interface DurationChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  series: ChartSeries[];
  yTicks: { y: number; label: string }[];
  xTicks: { x: number; label: string }[];
  /** The axes' titles: the duration's unit, and when the builds ended (the day, if one). */
  yTitle: string;
  xTitle: string;
}

const WIDTH = 640;
const HEIGHT = 236;
const PLOT = { left: 64, top: 12, right: WIDTH - 16, bottom: HEIGHT - 42 };

/** Seconds as a short duration: 45 s, 2 min 30 s, 12 min, 1.5 h. */
export function shortDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 600) {
    const whole = Math.round(seconds);
    return `${Math.floor(whole / 60)} min${whole % 60 ? ` ${whole % 60} s` : ''}`;
  }
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A round step giving about `count` ticks up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return step ?? 10 * magnitude;
}

const UNITS = [
  { below: 120, seconds: 1, name: 's', title: 'seconds' },
  { below: 7200, seconds: 60, name: 'min', title: 'minutes' },
  { below: Infinity, seconds: 3600, name: 'h', title: 'hours' },
] as const;

/**
 * The duration axis: one unit for every tick (chosen by the longest build), round steps
 * in that unit, each label the exact value of its tick, so no two labels are the same.
 */
export function durationTicks(maxSeconds: number): {
  top: number;
  ticks: { seconds: number; label: string }[];
  title: string;
} {
  const unit = UNITS.find((u) => maxSeconds < u.below)!;
  const max = Math.max(maxSeconds / unit.seconds, 1e-9);
  const step = niceStep(max, 4);
  const count = Math.max(1, Math.ceil(max / step - 1e-9));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks = [];
  for (let i = 0; i <= count; i++) {
    const value = i * step;
    ticks.push({
      seconds: value * unit.seconds,
      label: `${i === 0 ? '0' : value.toFixed(decimals)} ${unit.name}`,
    });
  }
  return { top: count * step * unit.seconds, ticks, title: `duration (${unit.title})` };
}

/**
 * Labels of the time axis for its first and last build: dates when they ended on other
 * days, else times of day (with seconds when the minutes are the same); the title names
 * the day then.
 */
export function timeTicks(first: number, last: number): { labels: string[]; title: string } {
  const iso = [first, last].map((t) => new Date(t).toISOString());
  if (first === last)
    return { labels: [iso[0]!.slice(0, 16).replace('T', ' ')], title: 'build end (UTC)' };
  const day = (i: number) => iso[i]!.slice(0, 10);
  if (day(0) !== day(1)) return { labels: [day(0), day(1)], title: 'build end (UTC)' };
  const minutes = (i: number) => iso[i]!.slice(11, 16);
  const seconds = (i: number) => iso[i]!.slice(11, 19);
  const labels =
    minutes(0) !== minutes(1)
      ? [minutes(0), minutes(1)]
      : seconds(0) !== seconds(1)
        ? [seconds(0), seconds(1)]
        : [seconds(0)];
  return { labels, title: `build end on ${day(0)} (UTC)` };
}

/**
 * Build durations over time, one series per architecture: x is when the build ended,
 * y its total time. Null when fewer than one build has a duration.
 */
export function durationChart(builds: readonly BuildSummary[]): DurationChart | null {
  const timed = builds
    .filter((b) => b.endedAt !== null && b.times.totalMs !== undefined)
    .map((b) => ({ b, t: Date.parse(b.endedAt!), s: b.times.totalMs! / 1000 }))
    .sort((p, q) => p.t - q.t);
  if (timed.length === 0) return null;
  const first = timed[0]!.t;
  const span = Math.max(timed.at(-1)!.t - first, 1);
  const axis = durationTicks(Math.max(...timed.map((p) => p.s), 1));
  const top = axis.top;
  const xOf = (t: number) =>
    timed.length === 1
      ? (PLOT.left + PLOT.right) / 2
      : PLOT.left + ((t - first) / span) * (PLOT.right - PLOT.left);
  const yOf = (s: number) => PLOT.bottom - (s / top) * (PLOT.bottom - PLOT.top);
  const architectures = [...new Set(timed.map((p) => p.b.architecture))].sort();
  const series = architectures.map((architecture, index) => {
    const points = timed
      .filter((p) => p.b.architecture === architecture)
      .map((p) => ({
        x: round(xOf(p.t)),
        y: round(yOf(p.s)),
        build: p.b.id,
        state: p.b.state,
        label: `build ${p.b.id}: ${p.b.version} ${architecture}, ${shortDuration(p.s)} (${p.b.state}), ${p.b.endedAt!.replace('T', ' ').slice(0, 16)}`,
      }));
    const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
    return { architecture, index: index % 6, points, path };
  });
  const yTicks = axis.ticks.map((t) => ({ y: round(yOf(t.seconds)), label: t.label }));
  const ends = [...new Set([first, timed.at(-1)!.t])];
  const time = timeTicks(ends[0]!, ends.at(-1)!);
  const xTicks = time.labels.map((label, i) => ({ x: round(xOf(ends[i]!)), label }));
  return {
    width: WIDTH,
    height: HEIGHT,
    plot: PLOT,
    series,
    yTicks,
    xTicks,
    yTitle: axis.title,
    xTitle: time.title,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
