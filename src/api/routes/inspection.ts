import type { FastifyInstance } from 'fastify';
import { ActorNotFoundError, BadRequestError, MachineNotFoundError } from '../../errors.js';
import {
  actorDetailJso,
  actorEntries,
  actorJsoMaker,
  entryMachine,
  entryState,
  findActorEntry,
  inState,
} from '../actor-jso.js';
import type { ApiContext } from '../context.js';
import { isMachineName, MACHINE_NAMES, machineJso, machineSummaries } from '../machine-jso.js';
import { intParam, single, type Query } from '../params.js';
import { runPath, runPathJso } from '../run-path.js';

/** Actors listed when no `limit` is given. */
const DEFAULT_ACTOR_LIMIT = 1000;
const MAX_ACTOR_LIMIT = 100_000;

/**
 * The actor inspection API (ours; Apsis has none; docs/inspection.md): the
 * live actors, one actor's snapshot and recent events, the machines'
 * definitions, and a run's path through its states.
 */
export function inspectionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/actors', (request) => {
    const query = request.query as Query;
    const machine = single(query, 'machine');
    if (machine !== undefined && !isMachineName(machine))
      throw new BadRequestError(
        'query machine',
        `not a machine: ${JSON.stringify(machine)} (machines: ${MACHINE_NAMES.join(', ')})`,
      );
    const state = single(query, 'state');
    const limit = intParam(query, 'limit', { min: 1, max: MAX_ACTOR_LIMIT }) ?? DEFAULT_ACTOR_LIMIT;
    const shape = actorJsoMaker(ctx);
    const actors = [];
    let total = 0;
    for (const entry of actorEntries(ctx)) {
      if (machine !== undefined && entryMachine(entry) !== machine) continue;
      if (state !== undefined && !inState(entryState(entry), state)) continue;
      // Counted past the limit, shaped only within it.
      if (total++ < limit) actors.push(shape(entry));
    }
    return { actors, total };
  });

  app.get<{ Params: { id: string } }>('/api/v1/actors/:id', (request) => {
    const entry = findActorEntry(ctx, request.params.id);
    if (!entry) throw new ActorNotFoundError(request.params.id);
    return { actor: actorDetailJso(ctx, entry) };
  });

  app.get('/api/v1/machines', () => ({ machines: machineSummaries() }));

  app.get<{ Params: { name: string } }>('/api/v1/machines/:name', (request) => {
    const machine = machineJso(request.params.name);
    if (!machine) throw new MachineNotFoundError(request.params.name, MACHINE_NAMES);
    return { machine };
  });

  app.get<{ Params: { run_id: string } }>('/api/v1/runs/:run_id/transitions', (request) => {
    const run = ctx.runtime.operations.getRun(request.params.run_id);
    return runPathJso(run.runId, runPath(run, ctx.runtime.store.runTransitions(run.runId)));
  });
}
