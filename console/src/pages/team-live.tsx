// The team page's live panel: GET /v1/teams/:id/stream followed while the page is open (resumed
// with Last-Event-ID after a break), newest change first. What arrives is what the user's country
// may see; the server decides it.
import { useEffect, useState } from 'preact/hooks';
import { country, dateTime } from '../format.js';
import { entityName } from '../intel.js';
import { href } from '../router.js';
import { follow, STREAM_LABELS, type StreamCursor, type StreamState } from '../stream.js';
import type { Team } from '../types.js';
import { ColumnHeads } from '../ui.js';

/** One `intel` message of the team stream. */
interface TeamChange {
  id: number;
  recordKind: 'entity' | 'link' | 'team' | 'notice';
  recordId: string;
  action: string;
  at: string;
  actorCountry: string | null;
  record?: { kind?: string; type?: string; attributes?: Record<string, unknown>; originCountry?: string };
  change?: Record<string, unknown>;
}

/** The changes kept on screen. */
const SHOWN = 50;

const ACTIONS: Record<string, string> = {
  create: 'recorded',
  'handling.change': 'handling changed',
  'team.create': 'team set up',
  'member.add': 'member added',
  'member.remove': 'member removed',
  'team.expire': 'agreement ended',
  'partner.hit': 'a partner hit your record',
};

function what(c: TeamChange, teamId: string) {
  if (c.recordKind === 'entity' && c.record) {
    return <a href={href(`teams/${teamId}/entities/${c.recordId}`)}>{entityName({ kind: c.record.kind ?? '', attributes: c.record.attributes })}</a>;
  }
  if (c.recordKind === 'link' && c.record) return <span>{`link: ${String(c.record.type ?? '').replace(/_/g, ' ')}`}</span>;
  if (c.recordKind === 'team') {
    const who = (c.change?.after ?? c.change?.before) as { name?: string; sub?: string } | undefined;
    return <span>{who?.name ?? who?.sub ?? 'the team'}</span>;
  }
  return <span>hit notice</span>;
}

export function TeamLive({ team }: { team: Team }) {
  const [changes, setChanges] = useState<TeamChange[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  useEffect(() => {
    const abort = new AbortController();
    const cursor: StreamCursor = { lastEventId: null };
    setChanges([]);
    void follow(
      `/v1/teams/${encodeURIComponent(team.id)}/stream`,
      'intel',
      cursor,
      { state: setState, message: (data) => setChanges((list) => [data as TeamChange, ...list].slice(0, SHOWN)) },
      abort.signal,
    );
    return () => abort.abort();
  }, [team.id]);
  return (
    <section aria-label="Live" class="team-live">
      <h2>
        Live <span class={`live ${state}`} data-stream={state} title="The team's changes arrive as they happen, as your country may see them">{STREAM_LABELS[state]}</span>
      </h2>
      {changes.length === 0 ? (
        <p class="muted">No changes since you opened the page.</p>
      ) : (
        <table class="live-changes">
          <ColumnHeads columns={['When', 'What', 'Change', 'By']} />
          <tbody>
            {changes.map((c) => (
              <tr key={c.id} data-change-id={c.id} data-record-id={c.recordId} data-kind={c.recordKind}>
                <td class="small">{dateTime(c.at)}</td>
                <td>{what(c, team.id)}</td>
                <td>{ACTIONS[c.action] ?? c.action}</td>
                <td>{country(c.actorCountry)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
