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
}

const WIDTH = 640;
const HEIGHT = 220;
const PLOT = { left: 52, top: 12, right: WIDTH - 12, bottom: HEIGHT - 28 };

/** Seconds as a short duration: 45 s, 3 min, 1.5 h. */
export function shortDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
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
  const step = niceStep(Math.max(...timed.map((p) => p.s), 1), 4);
  const top = Math.ceil(Math.max(...timed.map((p) => p.s), 1) / step) * step;
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
  const yTicks = [];
  for (let s = 0; s <= top; s += step) yTicks.push({ y: round(yOf(s)), label: shortDuration(s) });
  const xTicks = [first, timed.at(-1)!.t]
    .filter((t, i, all) => all.indexOf(t) === i)
    .map((t) => ({ x: round(xOf(t)), label: new Date(t).toISOString().slice(0, 10) }));
  return { width: WIDTH, height: HEIGHT, plot: PLOT, series, yTicks, xTicks };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
