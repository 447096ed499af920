// A small line chart as SVG text (no dependency): one or more series over time, with vertical
// markers for events; what bench/SOAK.md shows of each sampled series.

export interface PlotSeries {
  label: string;
  color: string;
  /** [x, y] points; y undefined leaves a gap (no sample). */
  points: [number, number | undefined][];
}

export interface PlotMarker {
  x: number;
  label: string;
  color: string;
}

const W = 760;
const H = 220;
const M = { left: 56, right: 12, top: 26, bottom: 32 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" upper bound for an axis (1, 2, 2.5, 5 × 10^n). */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v)!;
}

export function linePlot(title: string, xLabel: string, yLabel: string, series: PlotSeries[], markers: PlotMarker[] = []): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== undefined));
  const xMax = Math.max(1, ...xs);
  const yMax = niceMax(Math.max(0, ...ys) * 1.05);
  const px = (x: number) => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`];
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${M.left}" y="15" font-size="13" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`, `<text x="${M.left - 4}" y="${py(y) + 4}" text-anchor="end">${+y.toPrecision(3)}</text>`);
  }
  const xStep = niceMax(xMax / 8);
  for (let x = 0; x <= xMax; x += xStep) out.push(`<text x="${px(x)}" y="${H - M.bottom + 14}" text-anchor="middle">${+x.toPrecision(3)}</text>`);
  out.push(`<text x="${W - M.right}" y="${H - 4}" text-anchor="end">${esc(xLabel)}</text>`, `<text x="4" y="${M.top - 4}">${esc(yLabel)}</text>`);
  for (const m of markers) out.push(`<line x1="${px(m.x)}" x2="${px(m.x)}" y1="${M.top}" y2="${H - M.bottom}" stroke="${m.color}" stroke-dasharray="4 3"><title>${esc(m.label)}</title></line>`);
  series.forEach((s, i) => {
    // A gap in the samples (the probe down) breaks the line.
    const runs: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (y === undefined) runs.push([]);
      else runs.at(-1)!.push(`${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    }
    for (const r of runs.filter((r) => r.length)) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${r.join(' ')}"/>`);
    out.push(`<text x="${W - M.right - 150 * (series.length - i)}" y="15" fill="${s.color}">■ ${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
