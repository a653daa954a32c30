import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatTime } from '../../src/time/index.js';
import { TestRuntime } from '../support/runtime.js';

const MIN = 60_000;
const job = (body: string, duration = '0s', success = true) =>
  `params: [date]\nprogram: {type: no-op, duration: ${duration}, success: ${success}}\n${body}`;
const submit = async (t: TestRuntime, jobId: string, args: Record<string, string> = {}, time?: number) => {
  const r = t.runtime.operations.schedule({ jobId, args, time });
  await t.settle();
  return r.runId;
};
const show = (t: TestRuntime, id: string) => {
  const r = t.run(id);
  console.log(id, r.state, JSON.stringify(Object.fromEntries(Object.entries(r.times).map(([k, v]) => [k, formatTime(v as number)]))), JSON.stringify(t.log(id)));
};

it('P1 exist waits on expected run across restart', async () => {
  const t = await TestRuntime.start({
    a: 'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "06:00:00"}\nprogram: {type: no-op, duration: 5m}\n',
    b: job('condition: {type: dependency, job_id: a, exist: true}\n'),
  });
  const b = await submit(t, 'b', { date: '2026-03-02' });
  await t.advance(MIN * 60);
  await t.restart();
  show(t, b);
  await t.advanceTo('2026-03-02T07:00:00Z');
  show(t, b);
  await t.stop();
});

it('P2 skip_duplicate scheduled sees expected', async () => {
  const t = await TestRuntime.start({
    a: 'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "06:00:00"}\nprogram: {type: no-op, duration: 5m}\ncondition: {type: skip_duplicate, check_states: [scheduled]}\n',
  });
  const b = await submit(t, 'a', { date: '2026-03-02' });
  show(t, b);
  await t.stop();
});

it('P3 restored waiting, max_time elapsed during downtime', async () => {
  const t = await TestRuntime.start({ a: job(''), b: job('condition: {type: dependency, job_id: a}\n') }, { waitingMaxTimeMs: 60 * MIN });
  const b = await submit(t, 'b', { date: '2026-03-02' });
  await t.advance(MIN * 30);
  await t.runtime.stop(); t.store.close();
  t.clock.advance(MIN * 60);
  await t.open();
  show(t, b);
  await t.advance(0);
  show(t, b);
  await t.stop();
});

it('P4 check throws', async () => {
  const t = await TestRuntime.start({ a: job(''), b: job('condition: {type: dependency, job_id: a}\n') });
  const orig = t.store.queryRuns.bind(t.store);
  (t.store as { queryRuns: unknown }).queryRuns = () => { throw new Error('disk on fire'); };
  const b = await submit(t, 'b', { date: '2026-03-02' });
  (t.store as { queryRuns: unknown }).queryRuns = orig;
  await t.settle();
  show(t, b);
  console.log(t.store.getOutput?.toString().slice(0,0));
  await t.stop();
});

it('P5 bind errors', async () => {
  const t = await TestRuntime.start({
    a: 'params: [date, region]\nprogram: {type: no-op}\n',
    b: job('condition: {type: dependency, job_id: nope}\n'),
    c: job('condition: {type: dependency, job_id: a}\n'),
    d: job('condition: {type: const, value: true, enabled: "{{ nope }}"}\n'),
  });
  show(t, await submit(t, 'b', { date: '2026-03-02' }));
  show(t, await submit(t, 'c', { date: '2026-03-02' }));
  show(t, await submit(t, 'd', { date: '2026-03-02' }));
  await t.stop();
});

it('P6 max_running chain of 3 and P7 timeout on second', async () => {
  const t = await TestRuntime.start({ j: job('condition: {type: max_running}\n', '10m'), k: job('condition: [{type: const, value: true}, {type: const, value: false}]\n') }, { waitingMaxTimeMs: 60 * MIN });
  const ids = [await submit(t, 'j', { date: 'x' }), await submit(t, 'j', { date: 'x' }), await submit(t, 'j', { date: 'x' })];
  const k = await submit(t, 'k', { date: 'x' });
  await t.advance(10 * MIN);
  ids.forEach((id) => show(t, id));
  await t.advance(10 * MIN);
  ids.forEach((id) => show(t, id));
  await t.advance(60 * MIN);
  show(t, k);
  await t.stop();
});

it('P8 scheduled later then due with satisfied deps; P9 start scheduled by override; P11 mark', async () => {
  const t = await TestRuntime.start({ a: job('', '0s', false), b: job('condition: {type: dependency, job_id: a}\n') });
  const a = await submit(t, 'a', { date: 'x' });
  const b1 = await submit(t, 'b', { date: 'x' }, t.now + 30 * MIN);
  const b2 = await submit(t, 'b', { date: 'x' }, t.now + 30 * MIN);
  show(t, b1);
  t.runtime.operations.start(b2);
  await t.settle();
  show(t, b2);
  t.runtime.operations.mark(a, 'success');
  await t.settle();
  show(t, a);
  show(t, b2);
  await t.advance(30 * MIN);
  show(t, b1);
  await t.stop();
});

it('P17 max_running restore order', async () => {
  const t = await TestRuntime.start({ a: job('', '30m'), b: job('condition: {type: max_running, job_id: a}\n', '10m') });
  await submit(t, 'a', { date: 'x' });
  const b = await submit(t, 'b', { date: 'x' });
  await t.advance(20 * MIN);
  const a2 = await submit(t, 'a', { date: 'x' });
  await t.advance(20 * MIN);
  show(t, b); show(t, a2);
  await t.restart();
  show(t, b); show(t, a2);
  await t.stop();
});

it('A1 log order', async () => {
  const t = await TestRuntime.start({
    trigger: job('action:\n  - {type: schedule, job_id: s, if: {states: [scheduled]}}\n  - {type: schedule, job_id: s, if: {states: [starting]}}\n', '10m'),
    s: job(''),
  });
  const r = await submit(t, 'trigger', { date: 'x' });
  show(t, r);
  for (const x of t.stored('s')) show(t, x.runId);
  await t.stop();
});

it('A2 expected scheduled action; A3 restored starting', async () => {
  const t = await TestRuntime.start({
    d: 'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "06:00:00"}\nprogram: {type: no-op}\naction: {type: schedule, job_id: s, if: {states: [scheduled]}}\n',
    s: job(''),
  });
  console.log('at start', t.stored('s').length, t.runtime.scheduler.expected.size);
  await t.advanceTo('2026-03-02T05:59:00Z');
  console.log('before 6', t.stored('s').length);
  await t.advanceTo('2026-03-02T06:01:00Z');
  console.log('after 6', t.stored('s').map(r => [r.runId, formatTime(r.times.schedule as number)]));
  await t.stop();
});

it('A3 restored starting fires actions', async () => {
  const t = await TestRuntime.start({
    trigger: job('action: {type: schedule, job_id: alert, if: {states: [failure, error]}}\n', '10m'),
    alert: job(''),
  });
  const r = await submit(t, 'trigger', { date: 'x' });
  await t.runtime.stop();
  const run = t.store.getRun(r)!;
  t.store.updateRun({ ...run, state: 'starting', runState: null });
  t.store.close();
  await t.open();
  show(t, r);
  for (const x of t.stored('alert')) show(t, x.runId);
  await t.stop();
});
