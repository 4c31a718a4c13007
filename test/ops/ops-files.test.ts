/**
 * The operator's files in `docs/ops/` against the code: the Prometheus rules have the shape
 * `promtool check rules` wants, and the rules and the Grafana dashboard use only series and labels
 * that `server/metrics.ts` registers (a renamed metric fails here, not on a silent dashboard).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createMetrics } from '../../server/metrics.js';

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8');

const RULES_FILE = '../../docs/ops/prometheus-rules.yml';
const DASHBOARD_FILE = '../../docs/ops/grafana-dashboard.json';
const RUNBOOK_FILE = '../../docs/runbook.md';

/** Series Prometheus makes itself, usable beside Lasso's. */
const PROMETHEUS_SERIES = new Set(['up']);
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance']);
/** PromQL words that look like identifiers but are not series. */
const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Every series name the app exposes, with the label names each accepts. */
async function exposedSeries(): Promise<Map<string, Set<string>>> {
  const { registry } = createMetrics({ defaultMetrics: true });
  const series = new Map<string, Set<string>>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const one = registry.getSingleMetric(metric.name) as unknown as { labelNames?: string[] };
    const labels = new Set([...(one.labelNames ?? []), ...TARGET_LABELS]);
    if (String(metric.type) === 'histogram') {
      series.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${metric.name}_sum`, labels);
      series.set(`${metric.name}_count`, labels);
    } else {
      series.set(metric.name, labels);
    }
  }
  for (const name of PROMETHEUS_SERIES) series.set(name, new Set(TARGET_LABELS));
  return series;
}

/** One series selector in a PromQL expression: its name and the label names it matches on. */
interface Selector {
  name: string;
  labels: string[];
}

/**
 * The series selectors of a PromQL expression. Strings, durations, grouping clauses and function
 * calls are taken out first, so what is left as a bare identifier is a series name.
 */
function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  const text = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const selector = /([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?/g;
  for (const m of text.matchAll(selector)) {
    const [, name = '', matchers, call] = m;
    if (call || PROMQL_WORDS.has(name.toLowerCase())) continue;
    const labels = [...(matchers ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)];
    found.push({ name, labels: labels.map((l) => l[1] ?? '') });
  }
  return found;
}

/** Fails with a readable list when `expr` names a series or label the app does not expose. */
function unknownNames(expr: string, series: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const sels = selectors(expr);
  if (sels.length === 0) problems.push(`no series in: ${expr}`);
  for (const { name, labels } of sels) {
    const known = series.get(name);
    if (!known) {
      problems.push(`unknown series ${name}`);
      continue;
    }
    for (const label of labels) if (!known.has(label)) problems.push(`${name} has no ${label}`);
  }
  return problems;
}

/** Whether `(`/`)`, `{`/`}` and `[`/`]` pair up outside strings. */
function balanced(expr: string): boolean {
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  const stack: string[] = [];
  for (const ch of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('({['.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}

/** GitHub's anchors of a Markdown file's headings. */
function anchors(markdown: string): Set<string> {
  const slugs = [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
    (m[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-'),
  );
  return new Set(slugs);
}

interface Rule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

const rules = parse(read(RULES_FILE)) as { groups?: { name?: unknown; rules?: Rule[] }[] };
const dashboard = JSON.parse(read(DASHBOARD_FILE)) as {
  uid?: unknown;
  title?: unknown;
  panels?: {
    id?: unknown;
    type?: unknown;
    title?: unknown;
    targets?: { expr?: unknown; refId?: unknown }[];
  }[];
};
const allRules = (rules.groups ?? []).flatMap((g) => g.rules ?? []);

describe('docs/ops/prometheus-rules.yml', () => {
  it('has the shape promtool check rules accepts: named groups of alerting rules', () => {
    expect(Array.isArray(rules.groups) && rules.groups.length > 0).toBe(true);
    const groupNames = rules.groups!.map((g) => g.name);
    expect(new Set(groupNames).size).toBe(groupNames.length);
    for (const group of rules.groups!) {
      expect(typeof group.name === 'string' && group.name !== '').toBe(true);
      expect(Array.isArray(group.rules) && group.rules.length > 0).toBe(true);
      for (const rule of group.rules!) {
        expect(Object.keys(rule).sort()).toEqual(['alert', 'annotations', 'expr', 'for', 'labels']);
        expect(rule.alert).toMatch(/^Lasso[A-Z][A-Za-z0-9]+$/);
        expect(typeof rule.expr === 'string' && rule.expr.trim() !== '').toBe(true);
        expect(balanced(rule.expr as string)).toBe(true);
        expect(rule.for).toMatch(/^(\d+(ms|s|m|h|d|w|y))+$/);
        expect(['page', 'warning', 'info']).toContain(rule.labels?.severity);
        for (const value of Object.values(rule.labels ?? {})) expect(typeof value).toBe('string');
        for (const key of ['summary', 'description', 'runbook_url']) {
          expect(typeof rule.annotations?.[key]).toBe('string');
        }
      }
    }
    const names = allRules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it('alerts on what the issue asks for: errors, latency, rate limits, backlog, polling, holds', () => {
    const exprs = allRules.map((r) => String(r.expr)).join('\n');
    expect(exprs).toMatch(/lasso_http_requests_total\{status=~"5\.\."\}[\s\S]*> 0\.05/);
    expect(exprs).toMatch(/lasso_http_request_duration_seconds_bucket[\s\S]*> 3\b/);
    expect(exprs).toContain('lasso_lastfm_calls_total{outcome="rate_limited"}');
    expect(exprs).toContain('lasso_http_requests_total{status="429"}');
    expect(exprs).toContain('lasso_outbox_pending');
    expect(exprs).toContain('lasso_hosts_overdue');
    expect(exprs).toContain('lasso_held_guests');
  });

  it('uses only series and labels the app registers', async () => {
    const series = await exposedSeries();
    const problems = allRules.flatMap((r) =>
      unknownNames(String(r.expr), series).map((p) => `${String(r.alert)}: ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('links every alert to its section of the runbook', () => {
    const sections = anchors(read(RUNBOOK_FILE));
    for (const rule of allRules) {
      const url = String(rule.annotations?.runbook_url);
      expect(url).toBe(`docs/runbook.md#${String(rule.alert).toLowerCase()}`);
      expect(sections.has(url.split('#')[1] ?? '')).toBe(true);
    }
  });
});

describe('docs/ops/grafana-dashboard.json', () => {
  const panels = dashboard.panels ?? [];
  const graphs = panels.filter((p) => p.type !== 'row');

  it('is an importable dashboard: uid, title, unique panel ids, a query in every graph', () => {
    expect(typeof dashboard.uid).toBe('string');
    expect(typeof dashboard.title).toBe('string');
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of graphs) {
      expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      for (const t of panel.targets ?? []) expect(balanced(String(t.expr))).toBe(true);
    }
  });

  it('shows what the issue asks for, rate-limited Last.fm calls apart from other failures', () => {
    const exprs = graphs.flatMap((p) => (p.targets ?? []).map((t) => String(t.expr))).join('\n');
    for (const name of [
      'lasso_active_follows',
      'lasso_hosts_polled_total',
      'lasso_scrobbles_mirrored_total',
      'lasso_lastfm_calls_total',
      'lasso_poll_duration_seconds_bucket',
      'lasso_outbox_pending',
      'lasso_http_requests_total',
    ]) {
      expect(exprs).toContain(name);
    }
    expect(exprs).toContain('sum by (method, outcome) (rate(lasso_lastfm_calls_total');
    expect(exprs).toContain('lasso_lastfm_calls_total{outcome="rate_limited"}');
    expect(exprs).toContain('sum by (route, status) (rate(lasso_http_requests_total');
    expect(exprs).toContain('sum by (result) (increase(lasso_scrobbles_mirrored_total[1h]))');
  });

  it('uses only series and labels the app registers', async () => {
    const series = await exposedSeries();
    const problems = graphs.flatMap((p) =>
      (p.targets ?? []).flatMap((t) =>
        unknownNames(String(t.expr), series).map((x) => `${String(p.title)}: ${x}`),
      ),
    );
    expect(problems).toEqual([]);
  });
});

describe('the PromQL reader of this test', () => {
  it('finds series and matcher labels, and skips functions, durations and grouping', () => {
    expect(
      selectors('sum by (le) (rate(a_bucket{route!="/x",le=~"1"}[5m])) / on() b > 0 and up'),
    ).toEqual([
      { name: 'a_bucket', labels: ['route', 'le'] },
      { name: 'b', labels: [] },
      { name: 'up', labels: [] },
    ]);
  });

  it('reports a misspelt series or label', async () => {
    const series = await exposedSeries();
    expect(unknownNames('rate(lasso_hosts_poled_total[5m])', series)).toEqual([
      'unknown series lasso_hosts_poled_total',
    ]);
    expect(unknownNames('lasso_lastfm_calls_total{outcomes="ok"}', series)).toEqual([
      'lasso_lastfm_calls_total has no outcomes',
    ]);
  });
});
