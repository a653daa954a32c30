/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most
 * self time, and optionally the total (inclusive) time of functions whose
 * name matches a pattern. Used to back the bottleneck notes in
 * docs/performance.md.
 *
 *   node dist/bench/support/profile-top.js PROFILE.cpuprofile [--top 25] [--total NAME_REGEX]
 *     [--window FROM_US TO_US]
 *
 * `--window` keeps only samples between two monotonic timestamps in µs (the
 * clock of `process.hrtime`, which the profile's timestamps share); the burst
 * bench reports `burstStartUs` and `burstEndUs` for this.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')
    .replace(/^node:/, 'node:');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

const path = process.argv[2];
if (path === undefined) throw new Error('usage: profile-top PROFILE.cpuprofile [--top N]');
const topIndex = process.argv.indexOf('--top');
const top = topIndex >= 0 ? Number(process.argv[topIndex + 1]) : 25;
const totalIndex = process.argv.indexOf('--total');
const totalPattern = totalIndex >= 0 ? new RegExp(process.argv[totalIndex + 1]!) : undefined;

const windowIndex = process.argv.indexOf('--window');
const windowFrom = windowIndex >= 0 ? Number(process.argv[windowIndex + 1]) : -Infinity;
const windowTo = windowIndex >= 0 ? Number(process.argv[windowIndex + 2]) : Infinity;

const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
let at = profile.startTime;
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (at < windowFrom || at > windowTo) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  totalUs += delta;
});

const selfByLabel = new Map<string, number>();
for (const [id, us] of selfUs) {
  const key = label(byId.get(id)!);
  selfByLabel.set(key, (selfByLabel.get(key) ?? 0) + us);
}
console.log(`profile ${(totalUs / 1000).toFixed(0)} ms; top ${top} by self time:`);
for (const [key, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(
    `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${key}`,
  );
}

if (totalPattern) {
  // Inclusive time: a node's self time plus its descendants', counting each
  // matching function once per stack (recursion is not double-counted).
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = label(byId.get(at)!);
      if (!totalPattern.test(key) || seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  console.log(`\ninclusive time of functions matching ${totalPattern}:`);
  for (const [key, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${key}`,
    );
  }
}
