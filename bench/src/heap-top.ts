/**
 * `npm run heap:top -w @parley/bench -- <file.heapsnapshot> [n]`: what a V8 heap snapshot (from
 * `BENCH_HEAP_SNAPSHOT=1 npm run bench:sockets`) holds, grouped by node type and constructor name, by
 * self size: the top `n` groups with their count, total and mean size. Reads the snapshot's flat
 * `nodes` array as its `snapshot.meta.node_fields` describe it (no retainer analysis: self sizes only).
 */
import { readFileSync } from 'node:fs';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

/** Self size per "type: name" group, largest first. */
export function heapGroups(snapshot: HeapSnapshot): { key: string; count: number; bytes: number }[] {
  const fields = snapshot.snapshot.meta.node_fields;
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, Group>();
  for (let at = 0; at < snapshot.nodes.length; at += stride) {
    const type = typeNames[snapshot.nodes[at + typeAt] ?? 0] ?? '?';
    const rawName = snapshot.strings[snapshot.nodes[at + nameAt] ?? 0] ?? '';
    // Strings and code are grouped by type alone; objects by constructor.
    const name = type === 'object' || type === 'closure' || type === 'native' ? rawName.slice(0, 60) : '';
    const key = name ? `${type}: ${name}` : type;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += snapshot.nodes[at + sizeAt] ?? 0;
    groups.set(key, group);
  }
  return [...groups].map(([key, group]) => ({ key, ...group })).sort((a, b) => b.bytes - a.bytes);
}

function main(): void {
  const [file, top = '30'] = process.argv.slice(2);
  if (!file) throw new Error('usage: heap-top <file.heapsnapshot> [n]');
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const groups = heapGroups(snapshot);
  const total = groups.reduce((sum, group) => sum + group.bytes, 0);
  console.log(`${file}: ${(total / 1048576).toFixed(1)} MB of self size`);
  console.log('| group | count | MB | share | mean bytes |\n|---|---|---|---|---|');
  for (const group of groups.slice(0, Number(top))) {
    console.log(
      `| ${group.key} | ${group.count} | ${(group.bytes / 1048576).toFixed(2)} | ${((group.bytes / total) * 100).toFixed(1)} % | ${Math.round(group.bytes / group.count)} |`,
    );
  }
}

main();
