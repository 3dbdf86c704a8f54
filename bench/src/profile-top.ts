/**
 * `npm run profile:top -w @parley/bench -- <file.cpuprofile> [n]`: the functions a V8 CPU profile (from
 * `BENCH_CPU_PROF=1`, i.e. `node --cpu-prof`) spent most self time in, with their share of the samples
 * that were not idle, and the same grouped by package/area — the "top items" in docs/performance.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Which part of the code a script belongs to: a package, our API, Node internals. */
function areaOf(url: string): string {
  if (url === '') return '(native/V8)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node:internal';
  const dist = url.indexOf('/dist/');
  if (dist >= 0)
    return `api:${
      url
        .slice(dist + '/dist/'.length)
        .split('/')
        .slice(0, -1)
        .join('/') || '.'
    }`;
  return path.basename(url);
}

export function summarize(profile: Profile, limit: number) {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)' || us === 0) continue;
    busy += us;
    const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const area = functionName === '(garbage collector)' ? '(gc)' : areaOf(url);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const top = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), share: Math.round((us / busy) * 1000) / 10 }));
  return { busyMs: Math.round(busy / 1000), functions: top(byFunction), areas: top(byArea) };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-top <file.cpuprofile> [n]');
  const limit = Number(process.argv[3] ?? 20);
  const result = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, limit);
  process.stdout.write(`busy (not idle) ${result.busyMs} ms\n\nself time by function:\n`);
  for (const row of result.functions)
    process.stdout.write(`${String(row.share).padStart(5)} %  ${row.name}\n`);
  process.stdout.write('\nself time by area:\n');
  for (const row of result.areas) process.stdout.write(`${String(row.share).padStart(5)} %  ${row.name}\n`);
}
