import type { AgentConnectionView } from '../procstar/index.js';
import { formatTime } from '../time/index.js';

/**
 * An agent connection as the API shows it (apsis-interfaces.md §2.9): the
 * server's view with its stats times as ISO 8601 strings, as Apsis sends
 * them (the view keeps epoch ms).
 */
export function agentConnJso(conn: AgentConnectionView): Record<string, unknown> {
  const { stats } = conn.info;
  const time = (t: number | null) => (t === null ? null : formatTime(t));
  return {
    ...conn,
    info: {
      ...conn.info,
      stats: {
        ...stats,
        first_connect_time: time(stats.first_connect_time),
        last_connect_time: time(stats.last_connect_time),
        last_disconnect_time: time(stats.last_disconnect_time),
      },
    },
  };
}
