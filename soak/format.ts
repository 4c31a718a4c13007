/** The reports as text for a terminal: tables, then the verdict. */
import type { MultiReport } from './multi-report.js';
import type { CallFigures, SingleReport, Totals } from './report.js';

const s = (ms: number | null): string => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);
const mark = (ok: boolean): string => (ok ? '✓' : '✗');

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(rows: readonly (readonly (string | number)[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) =>
        typeof cell === 'number'
          ? String(cell).padStart(widths?.[i] ?? 0)
          : cell.padEnd(widths?.[i] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
}

/** The totals line's cells. */
export function totalCells(t: Totals): (string | number)[] {
  return [t.expected, t.mirrored, t.duplicates, t.missing, t.outside];
}

/** How long copies waited to be accepted, and the slowest. */
export function delayLines(r: Pick<SingleReport, 'delay' | 'slowest'>): string[] {
  const d = r.delay;
  return [
    `delay from a scrobble (or the request that made it owed) to its copy: p50 ${s(d.p50Ms)}, p95 ${s(d.p95Ms)}, max ${s(d.maxMs)}`,
    ...r.slowest
      .slice(0, 3)
      .map(
        (c) =>
          `  ${s(c.waitedMs)}: ${c.guest}, ${c.track.replaceAll('\u0000', '\\0').slice(0, 50)} ` +
          `${new Date(c.timestamp * 1000).toISOString().slice(11, 19)}Z`,
      ),
  ];
}

/** The calls in a line or two. */
export function callLines(c: CallFigures): string[] {
  const methods = Object.entries(c.byMethod)
    .sort((a, b) => b[1] - a[1])
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  return [
    `Last.fm calls: ${c.total} (${methods}); ${c.faulted} answered with an injected fault`,
    `  ${c.perMirrored === null ? '–' : c.perMirrored.toFixed(2)} calls per mirrored scrobble; ` +
      `busiest 5 s: ${c.maxIn5s} calls, busiest minute: ${c.maxIn60s}`,
  ];
}

/** `npm run soak`'s report as text. */
export function formatSingle(r: SingleReport): string {
  const o = r.options;
  const lines = [
    `soak on ${o.store}: ${o.kills} kills, faults at ${o.faults}, ${o.minutes} min of music, ` +
      `seed ${o.seed}${o.poison ? '' : ', no poison tracks'} (${s(r.durationMs)} in all)`,
    '',
    ...table([
      [
        'guest',
        'expected',
        'mirrored',
        'dup',
        'missing',
        'outside',
        'windows',
        'leads',
        'session',
        'does',
      ],
      ...r.guests.map((g) => [
        g.guest,
        g.expected,
        g.mirrored,
        g.duplicates,
        g.missing,
        g.outside,
        g.windows,
        `${g.leads.required}+${g.leads.ambiguous + g.leads.may}?`,
        g.session,
        g.role,
      ]),
      ['total', ...totalCells(r.total)],
    ]),
    '  leads: required + not judged (a change at Last.fm as the window opened, or one Lasso may still wait for)',
  ];
  const p = r.poison;
  if (o.poison) {
    lines.push(
      `poison tracks (NUL, over-long name): ${p.expected} owed to guests: ${p.exact} sent as is, ` +
        `${p.altered} sent with the name changed, ${p.absent} not sent`,
    );
  }
  lines.push('', ...callLines(r.calls), ...delayLines(r), '');
  lines.push(
    ...table([
      ['kill', 'during', 'down', 'stall', 'all resumed'],
      ...r.kills.map((k, i) => [
        String(i + 1),
        k.aim === 'anytime' ? 'any moment' : k.hit ? `a ${k.aim}` : `(no ${k.aim} in 30 s)`,
        s(k.downMs),
        k.waitingFrom !== null && k.stallMs === null ? 'never' : s(k.stallMs),
        s(k.allStallMs),
      ]),
    ]),
  );
  const st = r.stall;
  lines.push(
    `stall after a kill (restart → next scrobble accepted for a waiting guest): median ${s(st.medianMs)}, ` +
      `max ${s(st.maxMs)} (goal ≤ ${s(st.goalMs)} ${mark(st.maxMs !== null && st.maxMs <= st.goalMs)}); ` +
      `every waiting guest resumed within ${s(st.allMaxMs)}` +
      (st.unresolved > 0
        ? `; ${st.unresolved} not measured (nothing waiting or never resumed)`
        : ''),
    `browser sessions: ${r.sessions.kept}/${r.guests.length} survived ${r.kills.length} restarts ${mark(r.sessions.lost.length === 0)}`,
    '',
  );
  lines.push(...verdictLines(r.passed, r.failures));
  return lines.join('\n');
}

/** PASS, or FAIL with every reason. */
export function verdictLines(passed: boolean, failures: readonly string[]): string[] {
  if (passed) return ['PASS'];
  return [`FAIL (${failures.length})`, ...failures.slice(0, 40).map((f) => `  - ${f}`)];
}

/** `npm run soak:multi`'s report as text. */
export function formatMulti(r: MultiReport): string {
  const o = r.options;
  const k = r.kill;
  const delays = k.takeovers.flatMap((t) => (t.delayMs === null ? [] : [t.delayMs]));
  const lines = [
    `soak:multi on PostgreSQL: 3 processes, ${o.guests} guests following ${o.hosts} hosts, ` +
      `${o.minutes} min of music (tracks of ${o.trackSeconds[0]}–${o.trackSeconds[1]} s), ` +
      `faults at ${o.faults}, seed ${o.seed} (${s(r.durationMs)} in all)`,
    '',
    ...table([
      ['', 'expected', 'mirrored', 'dup', 'missing', 'outside'],
      ['all guests', ...totalCells(r.total)],
    ]),
    `  leads: ${r.leads.required} required, ${r.leads.ambiguous + r.leads.may} not judged`,
    '',
    ...table([
      ['process', 'calls', 'polls', 'at the end'],
      ...r.processes.map((p) => [p.name, p.calls, p.polls, p.alive ? 'running' : 'killed']),
    ]),
    `killed ${k.process} holding ${k.heldLeases} host lease(s) (${k.sendingGuests} guest(s) with scrobbles in flight): ` +
      (delays.length > 0
        ? `polled by another process ${s(Math.min(...delays))}–${s(Math.max(...delays))} after the kill`
        : 'no host to take over'),
    `hosts polled by two processes at once: ${r.overlaps.length} ${mark(r.overlaps.length === 0)}`,
    `pace: busiest 5 s ${r.pace.maxIn5s} calls (≤ ${r.pace.limit5s} ${mark(r.pace.maxIn5s <= r.pace.limit5s)}), ` +
      `busiest minute ${r.pace.maxIn60s} (≤ ${r.pace.limit60s} ${mark(r.pace.maxIn60s <= r.pace.limit60s)})`,
    ...callLines(r.calls),
    ...delayLines(r),
    `stall after the kill (${r.stall.affectedGuests} guests held up): median ${s(r.stall.medianMs)}, ` +
      `max ${s(r.stall.maxMs)} (goal ≤ ${s(r.stall.goalMs)} ${mark(r.stall.maxMs !== null && r.stall.maxMs <= r.stall.goalMs)})`,
    `browser sessions: ${r.sessions.kept}/${o.guests} kept ${mark(r.sessions.lost.length === 0)}`,
    '',
    ...verdictLines(r.passed, r.failures),
  ];
  return lines.join('\n');
}
