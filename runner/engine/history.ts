// The last 24 hours of every check, for the status page's history strips and sparklines: one cell
// per check and 5-minute bucket (the worst status of the bucket, its last duration and reason), kept
// in memory and saved to a small JSON file so that a restart does not wipe the night's failures.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CheckResult, CheckStatus } from '../core/contract.ts';

export const BUCKET_SECONDS = 300;
export const WINDOW_SECONDS = 24 * 3600;

export interface HistoryCell {
  /** Start of the bucket, unix seconds. */
  t: number;
  status: CheckStatus;
  reason: string;
  durationSeconds: number;
}

const SEVERITY: Record<CheckStatus, number> = { ok: 0, degraded: 1, unproven: 2, failed: 3 };

export class RunHistory {
  private readonly cells = new Map<string, HistoryCell[]>();
  private readonly file: string | undefined;

  /** `file`: where the history is saved and read back (none: memory only). */
  constructor(file?: string) {
    this.file = file;
  }

  record(id: string, r: CheckResult, endedAt: number): void {
    const t = Math.floor(endedAt / BUCKET_SECONDS) * BUCKET_SECONDS;
    const list = this.cells.get(id) ?? [];
    const last = list.at(-1);
    const cell = { t, status: r.status, reason: r.status === 'ok' ? '' : r.reason, durationSeconds: r.durationSeconds };
    if (last && last.t === t) {
      // The bucket keeps its worst status (a failure at 03:02 stays visible), and the last duration.
      if (SEVERITY[r.status] >= SEVERITY[last.status]) Object.assign(last, cell);
      else last.durationSeconds = r.durationSeconds;
    } else list.push(cell);
    while (list.length && list[0]!.t <= endedAt - WINDOW_SECONDS) list.shift();
    this.cells.set(id, list);
  }

  /** The cells of the last 24 h of check `id`, oldest first. */
  of(id: string, now = Date.now() / 1000): HistoryCell[] {
    return (this.cells.get(id) ?? []).filter((c) => c.t > now - WINDOW_SECONDS);
  }

  /** Reads the saved history; a missing or unreadable file starts an empty one (returns why). */
  load(): string | undefined {
    if (!this.file) return undefined;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as { version?: number; checks?: Record<string, [number, CheckStatus, string, number][]> };
      if (data.version !== 1 || typeof data.checks !== 'object' || data.checks === null) return `${this.file}: not a Vigie history file`;
      for (const [id, rows] of Object.entries(data.checks)) {
        if (!Array.isArray(rows)) continue;
        const cells = rows.filter((r) => Array.isArray(r) && typeof r[0] === 'number' && r[1] in SEVERITY).map(([t, status, reason, durationSeconds]) => ({ t, status, reason: String(reason ?? ''), durationSeconds: Number(durationSeconds) || 0 }));
        this.cells.set(id, cells.slice(-Math.ceil(WINDOW_SECONDS / BUCKET_SECONDS)));
      }
      return undefined;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `${this.file}: ${(e as Error).message}`;
    }
  }

  /** Writes the history atomically (a temporary file renamed over the old one). */
  save(): void {
    if (!this.file) return;
    const checks = Object.fromEntries([...this.cells].map(([id, cells]) => [id, cells.map((c) => [c.t, c.status, c.reason, Math.round(c.durationSeconds * 1000) / 1000])]));
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ version: 1, checks }));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

/** Several checks' cells as one strip: per bucket the worst status, and the longest duration. */
export function mergeCells(lists: readonly HistoryCell[][]): HistoryCell[] {
  const by = new Map<number, HistoryCell>();
  for (const c of lists.flat()) {
    const cur = by.get(c.t);
    if (!cur) by.set(c.t, { ...c });
    else {
      if (SEVERITY[c.status] > SEVERITY[cur.status]) Object.assign(cur, { status: c.status, reason: c.reason });
      cur.durationSeconds = Math.max(cur.durationSeconds, c.durationSeconds);
    }
  }
  return [...by.values()].sort((a, b) => a.t - b.t);
}
