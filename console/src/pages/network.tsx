// The network around one record, to a chosen depth, as a picture (network.tsx) and a list.
import { get, query } from '../api.js';
import { entityName } from '../intel.js';
import { useTeam } from '../intel-ui.js';
import { NetworkPicture } from '../network.js';
import { href, navigate } from '../router.js';
import type { Graph } from '../types.js';
import { Loading, Select, useLoad } from '../ui.js';

const DEPTHS: [string, string][] = [
  ['1', '1 step'],
  ['2', '2 steps'],
  ['3', '3 steps'],
  ['4', '4 steps'],
];

export function NetworkPage({ teamId, params }: { teamId: string; params: URLSearchParams }) {
  const entityId = params.get('entityId') ?? '';
  const depth = params.get('depth') ?? '2';
  const team = useTeam(teamId);
  const graph = useLoad(() => get<Graph>(`/v1/teams/${encodeURIComponent(teamId)}/graph${query({ entityId, depth })}`), `${teamId}/${entityId}/${depth}`);
  const focus = graph.data?.nodes.find((n) => n.id === entityId);
  return (
    <section class="network-page">
      <p class="muted small">
        <a href={href(`teams/${teamId}`)}>{team.data?.name ?? 'Team'}</a>
        {focus && (
          <>
            {' '}
            › <a href={href(`teams/${teamId}/entities/${entityId}`)}>{entityName(focus)}</a>
          </>
        )}
      </p>
      <div class="toolbar">
        <h1>Network{focus ? ` around ${entityName(focus)}` : ''}</h1>
        <form class="inline" aria-label="Network depth" onSubmit={(e) => e.preventDefault()}>
          <Select label="Depth" name="depth" value={depth} options={DEPTHS} onChange={(d) => navigate(href(`teams/${teamId}/network`, { entityId, depth: d }))} />
        </form>
      </div>
      <Loading state={graph}>
        {(g) =>
          g.nodes.length === 0 ? (
            <p class="muted">Nothing you may see.</p>
          ) : (
            <>
              <p class="muted small" data-testid="network-summary">
                {g.nodes.length} records and {g.edges.length} links you may see, up to {depth} {depth === '1' ? 'step' : 'steps'} from {focus ? entityName(focus) : 'the record'}.
              </p>
              <NetworkPicture key={`${entityId}/${depth}`} graph={g} teamId={teamId} focusId={entityId} />
            </>
          )
        }
      </Loading>
    </section>
  );
}
