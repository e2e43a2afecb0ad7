import { describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../../src/api/specs/builds.js';
import { durationChart, shortDuration } from '../../../src/web/ui/duration-chart.js';

function build(id: number, architecture: string, endedAt: string | null, totalMs?: number) {
  return {
    id,
    version: `1.0-${id}`,
    architecture,
    state: totalMs === undefined ? 'QUEUED' : id === 3 ? 'FAILED' : 'BUILT',
    endedAt,
    times: totalMs === undefined ? {} : { totalMs },
  } as BuildSummary;
}

describe('durationChart', () => {
  it('has no chart without an ended build', () => {
    expect(durationChart([build(1, 'amd64', null)])).toBeNull();
  });

  it('places builds by end time and duration, one series per architecture', () => {
    const chart = durationChart([
      build(4, 'amd64', '2026-01-03T00:00:00Z', 90_000),
      build(1, 'amd64', '2026-01-01T00:00:00Z', 30_000),
      build(3, 'arm64', '2026-01-02T00:00:00Z', 60_000),
      build(5, 'amd64', null),
    ])!;
    const { left, right, top, bottom } = chart.plot;
    expect(chart.series.map((s) => [s.architecture, s.points.map((p) => p.build)])).toEqual([
      ['amd64', [1, 4]],
      ['arm64', [3]],
    ]);
    const [first, last] = chart.series[0]!.points;
    expect(first!.x).toBe(left);
    expect(last!.x).toBe(right);
    // 90 s on a 0–100 s axis (ticks every 50 s).
    expect(chart.yTicks.map((t) => t.label)).toEqual(['0 s', '50 s', '100 s']);
    expect(last!.y).toBeCloseTo(bottom - 0.9 * (bottom - top), 0);
    expect(chart.series[0]!.path).toBe(`M${first!.x} ${first!.y} L${last!.x} ${last!.y}`);
    expect(chart.series[1]!.points[0]).toMatchObject({
      state: 'FAILED',
      label: 'build 3: 1.0-3 arm64, 60 s (FAILED), 2026-01-02 00:00',
    });
    expect(chart.xTicks.map((t) => t.label)).toEqual(['2026-01-01', '2026-01-03']);
  });

  it('centres a single build', () => {
    const chart = durationChart([build(1, 'amd64', '2026-01-01T00:00:00Z', 5000)])!;
    expect(chart.series[0]!.points[0]!.x).toBe((chart.plot.left + chart.plot.right) / 2);
    expect(chart.xTicks).toHaveLength(1);
  });

  it('writes durations short', () => {
    expect([45, 600, 5400, 9000].map(shortDuration)).toEqual(['45 s', '10 min', '90 min', '2.5 h']);
    expect([120, 150, 200].map(shortDuration)).toEqual(['2 min', '2 min 30 s', '3 min 20 s']);
  });

  it('labels each duration tick with its exact value in one unit: no label twice', () => {
    const chart = durationChart([
      build(1, 'amd64', '2026-01-01T10:00:00Z', 150_000),
      build(2, 'amd64', '2026-01-01T10:30:00Z', 200_000),
    ])!;
    // Once "3 min" stood at both 150 s and 200 s (a 50 s step, rounded to minutes).
    expect(chart.yTicks.map((t) => t.label)).toEqual(['0 min', '1 min', '2 min', '3 min', '4 min']);
    const { top, bottom } = chart.plot;
    const ys = chart.yTicks.map((t) => t.y);
    expect(ys[0]).toBe(bottom);
    expect(ys.at(-1)).toBe(top);
    // The 200 s build sits at 200/240 of the axis.
    const [, last] = chart.series[0]!.points;
    expect(last!.y).toBeCloseTo(bottom - (200 / 240) * (bottom - top), 0);
    expect(chart.yTitle).toBe('duration (minutes)');
    // Both ended on the same day: times of day, the day in the title.
    expect(chart.xTicks.map((t) => t.label)).toEqual(['10:00', '10:30']);
    expect(chart.xTitle).toBe('build end on 2026-01-01 (UTC)');
  });

  it('keeps tick labels distinct at every scale', () => {
    for (const seconds of [1, 7, 45, 61, 119, 121, 150, 200, 599, 601, 3599, 7199, 7201, 40_000]) {
      const chart = durationChart([build(1, 'amd64', '2026-01-01T00:00:00Z', seconds * 1000)])!;
      const labels = chart.yTicks.map((t) => t.label);
      expect(new Set(labels).size, labels.join(', ')).toBe(labels.length);
      expect(labels.length, labels.join(', ')).toBeGreaterThanOrEqual(2);
      expect(chart.series[0]!.points[0]!.y).toBeGreaterThanOrEqual(chart.plot.top);
    }
    const close = durationChart([
      build(1, 'amd64', '2026-01-01T10:00:05Z', 1000),
      build(2, 'amd64', '2026-01-01T10:00:40Z', 1000),
    ])!;
    expect(close.xTicks.map((t) => t.label)).toEqual(['10:00:05', '10:00:40']);
    const sameSecond = durationChart([
      build(1, 'amd64', '2026-01-01T10:00:05.100Z', 1000),
      build(2, 'arm64', '2026-01-01T10:00:05.900Z', 1000),
    ])!;
    expect(sameSecond.xTicks.map((t) => t.label)).toEqual(['10:00:05']);
  });
});
