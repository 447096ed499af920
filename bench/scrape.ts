// What one Prometheus scrape of an idle `vigie run` costs the probe, as the image runs it (dist/,
// its environment, with the daemon's V8 flags, VIGIE_RUN_NODE_FLAGS) and the same without those
// flags: rendering /metrics is all JavaScript, where the flags trade CPU for memory. The embedded
// catalogs and the idle lab's HTTPS row (bench/idle.ts); 20 scrapes to warm up, then 200 timed,
// from this process.
// `node bench/scrape.ts` prints the table alone; bench/run.ts includes it.
import { type IdleLab, startIdleLab, withDaemon } from './idle.ts';
import { cpuSeconds, imageRuntime } from './proc.ts';

const SCRAPES = 200;

export interface ScrapeCost {
  /** The daemon's V8 flags ('' for none). */
  flags: string;
  cpuMs: number;
  kib: number;
}

function scrapeCost(lab: IdleLab, env: Record<string, string>): Promise<ScrapeCost> {
  return withDaemon(lab.config, env, [], async (pid) => {
    // Every check has run once by then: the exposition has all its series.
    await new Promise((r) => setTimeout(r, 25_000));
    const scrape = async () => (await (await fetch(`http://127.0.0.1:${lab.listenPort}/metrics`)).text()).length;
    let bytes = 0;
    for (let i = 0; i < 20; i++) bytes = await scrape();
    const before = cpuSeconds(pid);
    for (let i = 0; i < SCRAPES; i++) await scrape();
    return { flags: env.VIGIE_RUN_NODE_FLAGS ?? '', cpuMs: ((cpuSeconds(pid) - before) / SCRAPES) * 1000, kib: bytes / 1024 };
  });
}

/** The image's daemon flags and none, alternated twice, against the idle lab (bench/idle.ts). */
export async function scrapeCosts(lab: IdleLab): Promise<ScrapeCost[]> {
  const withFlags: Record<string, string> = { ...imageRuntime().env, VIGIE_COMPILED: '1' };
  const { VIGIE_RUN_NODE_FLAGS: _flags, ...without } = withFlags;
  const out: ScrapeCost[] = [];
  for (let i = 0; i < 2; i++) for (const env of [withFlags, without]) out.push(await scrapeCost(lab, env));
  return out;
}

export function scrapeTable(costs: readonly ScrapeCost[]): string[] {
  const label = (flags: string) => (flags ? `as the image runs it (\`node ${flags}\`)` : 'the same without the daemon\'s V8 flags');
  const variants = [...new Set(costs.map((c) => c.flags))];
  return [
    `| one scrape of /metrics, idle \`vigie run\` (${costs[0]?.kib.toFixed(0)} KiB) | CPU per scrape (ms), two runs of ${SCRAPES} | at a 15 s scrape interval (% of a core) |`,
    '|---|---|---|',
    ...variants.map((v) => {
      const of = costs.filter((c) => c.flags === v);
      const mean = of.reduce((s, c) => s + c.cpuMs, 0) / of.length;
      return `| ${label(v)} | ${of.map((c) => c.cpuMs.toFixed(1)).join(', ')} | ${(mean / 150).toFixed(2)} |`;
    }),
  ];
}

if (process.argv[1] === import.meta.filename) {
  const lab = await startIdleLab();
  try {
    console.log(scrapeTable(await scrapeCosts(lab)).join('\n'));
  } finally {
    await lab.close();
  }
}
