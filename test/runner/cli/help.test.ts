// `vigie` help: every spelling a user tries prints the usage on stdout and exits 0; each command's
// usage says in one line what it does and lists its options; a wrong command is exit 2.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../runner/cli/main.ts';

async function vigie(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => (add(String(chunk)), cb()) });
  const code = await main(args, sink((s) => (out += s)), sink((s) => (err += s)));
  return { code, out, err };
}

const COMMANDS = ['run', 'check', 'catalog', 'scenario', 'report', 'bundle'];

describe('vigie help', () => {
  it.each([['--help'], ['-h'], ['help']])('vigie %s lists every command with what it does', async (flag) => {
    const r = await vigie([flag]);
    expect(r).toMatchObject({ code: 0, err: '' });
    for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c} +\\S.{20,}$`, 'm'));
    expect(r.out).toContain('vigie help COMMAND');
  });

  it.each(COMMANDS.flatMap((c) => [[['help', c]], [[c, '--help']], [[c, '-h']]]))('vigie %j prints that command’s usage', async (args) => {
    const name = args[0] === 'help' ? args[1]! : args[0]!;
    const r = await vigie(args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Usage: vigie ${name}\\b`));
    expect(r.out.split('\n')[1]!.length).toBeGreaterThan(30);
    // The probe's commands read its config; `bundle` is the region's tool and takes keys instead.
    expect(r.out).toContain(name === 'bundle' ? '--public-key' : '--config');
  });

  it('check --help lists its filters, report --help its output files', async () => {
    const check = (await vigie(['check', '--help'])).out;
    for (const o of ['--catalog', '--platform', '--kind', '--format', '--lang']) expect(check).toContain(o);
    const report = (await vigie(['help', 'report'])).out;
    for (const o of ['--out', '--pdf']) expect(report).toContain(o);
  });

  it('no command prints the usage on stderr with exit 2; an unknown one names it', async () => {
    const none = await vigie([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: vigie COMMAND');
    const unknown = await vigie(['help', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const badOption = await vigie(['catalog', '--kind', 'tls']);
    expect(badOption.code).toBe(2);
    expect(badOption.err).toContain('Usage: vigie catalog');
  });
});
