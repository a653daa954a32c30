import type { FastifyInstance } from 'fastify';
import { NoAgentServerError } from '../../errors.js';
import type { AgentServer } from '../../procstar/index.js';
import { agentConnJso } from '../agent-conn-jso.js';
import type { ApiContext } from '../context.js';

/** `/api/procstar/*` (apsis-interfaces.md §2.9). */
export function procstarRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const agents = (): AgentServer => {
    if (!ctx.agents) throw new NoAgentServerError();
    return ctx.agents;
  };

  app.get('/api/procstar/connections', () =>
    Object.fromEntries(
      agents()
        .connectionViews()
        .map((c) => [c.conn_id, agentConnJso(c)]),
    ),
  );

  app.get('/api/procstar/groups', () => {
    const groups = agents().groups();
    return Object.fromEntries(
      Object.entries(groups).map(([groupId, conns]) => [groupId, conns.map(agentConnJso)]),
    );
  });
}
