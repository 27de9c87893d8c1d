// A team's intelligence as STIX 2.1: a download of what the caller may see (for MISP, OpenCTI or a
// partner system), and to members who record, an upload of a bundle with the result per object.
import { useState } from 'preact/hooks';
import { ApiError, download, post } from '../api.js';
import { href } from '../router.js';
import type { Me, Team } from '../types.js';
import { ColumnHeads, ErrorBox, Notice, useAction } from '../ui.js';

interface ImportResult {
  index: number;
  stixId: string;
  type: string;
  outcome: 'created' | 'unchanged' | 'rejected';
  recordKind?: 'entity' | 'link';
  recordId?: string;
  partnerMatch?: true;
  error?: { code: string; message: string };
}
interface ImportAnswer {
  created: number;
  unchanged: number;
  rejected: number;
  results: ImportResult[];
}

const OUTCOME_WORDS = { created: 'Recorded', unchanged: 'Already held', rejected: 'Refused' } as const;

export function TeamStix({ team, me, member, readOnly }: { team: Team; me: Me; member: boolean; readOnly: boolean }) {
  const base = `/v1/teams/${encodeURIComponent(team.id)}`;
  const [saved, setSaved] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [answer, setAnswer] = useState<ImportAnswer | null>(null);
  const exporting = useAction(async () => setSaved(await download(`${base}/export?format=stix`, 'application/json', `${team.id}.stix.json`)));
  const importing = useAction(async () => {
    setAnswer(null);
    let bundle: unknown;
    try {
      bundle = JSON.parse(await file!.text());
    } catch {
      throw new ApiError(400, 'NOT_JSON', 'The file is not JSON: choose a STIX 2.1 bundle (.json)');
    }
    setAnswer(await post<ImportAnswer>(`${base}/import`, bundle));
  });
  const mayImport = member && !readOnly && (me.role === 'officer' || me.role === 'supervisor');
  return (
    <section aria-label="STIX 2.1">
      <h2>STIX 2.1</h2>
      <p class="muted small">The records you may see as a STIX 2.1 bundle, for MISP, OpenCTI or a partner's system. Each download is recorded as a disclosure.</p>
      <div class="actions">
        <button type="button" onClick={() => (setSaved(null), void exporting.run())} disabled={exporting.busy}>
          STIX
        </button>
      </div>
      <ErrorBox error={exporting.error} />
      {saved && <Notice>Saved {saved}.</Notice>}
      {mayImport && (
        <form class="card action" aria-label="Import a STIX bundle" onSubmit={(e) => (e.preventDefault(), void importing.run())}>
          <h3>Import a STIX 2.1 bundle</h3>
          <label>
            Bundle file
            <input type="file" name="bundle" accept=".json,application/json,application/stix+json" onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} required />
          </label>
          <ErrorBox error={importing.error} />
          <div class="actions">
            <button type="submit" disabled={importing.busy || !file}>
              Import
            </button>
          </div>
        </form>
      )}
      {answer && (
        <div data-testid="stix-import-results">
          <Notice>
            {answer.created} recorded, {answer.unchanged} already held, {answer.rejected} refused.
          </Notice>
          <table class="stix-results">
            <ColumnHeads columns={['#', 'STIX object', 'Result', 'Record or reason']} />
            <tbody>
              {answer.results.map((r) => (
                <tr key={r.index} data-stix-id={r.stixId} data-outcome={r.outcome}>
                  <td>{r.index + 1}</td>
                  <td class="mono small">{r.type}</td>
                  <td>{OUTCOME_WORDS[r.outcome]}</td>
                  <td>
                    {r.error ? (
                      <span>
                        <span class="mono small">{r.error.code}</span> {r.error.message}
                      </span>
                    ) : r.recordKind === 'entity' && r.recordId ? (
                      <a href={href(`teams/${team.id}/entities/${r.recordId}`)}>{r.recordId}</a>
                    ) : (
                      <span class="mono small">{r.recordId}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
