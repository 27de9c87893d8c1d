import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { country, HOLD_KIND_LABELS } from '../format.js';
import type { Funnel, ProgressRow, Stats } from '../types.js';
import { Loading, useLive, useLoad } from '../ui.js';

/** The raid funnel's main line, and where the cases that left it went. */
const STAGES = [
  ['arrested', 'Arrested'],
  ['verified', 'Verified'],
  ['approved', 'Approved'],
  ['transferred', 'Transferred'],
  ['handedOver', 'Handed over'],
] as const;
const TRACKS = [
  ['pending', 'Open'],
  ['overdue', 'Overdue'],
  ['onHold', 'On hold'],
  ['protection', 'Protection'],
  ['closed', 'Closed by the holding country'],
  ['referred', 'Referred'],
  ['rejected', 'Rejected'],
  ['cancelled', 'Cancelled'],
  ['released', 'Released'],
] as const;

/** The funnel's counts as figures. */
function FunnelFigures({ funnel, label }: { funnel: Funnel; label: string }) {
  return (
    <div class="funnel" aria-label={label} role="group">
      <ol class="stages">
        {STAGES.map(([k, text]) => (
          <li key={k} data-funnel={k}>
            <span class="figure">{funnel[k]}</span> {text}
          </li>
        ))}
      </ol>
      <ul class="tracks">
        {TRACKS.map(([k, text]) => (
          <li key={k} data-funnel={k} class={funnel[k] > 0 && (k === 'overdue' || k === 'onHold') ? 'warn' : ''}>
            {text} <span class="figure">{funnel[k]}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

const METRICS = [
  ['arrested', 'Arrested'],
  ['verified', 'Verified'],
  ['approved', 'Approved'],
  ['handedOver', 'Handed over'],
  ['pending', 'Open'],
  ['overdue', 'Overdue'],
] as const;
type Metric = (typeof METRICS)[number][0];

interface OperationGroup {
  key: string;
  name: string;
  rows: ProgressRow[];
  totals: Record<Metric, number>;
}

function group(rows: ProgressRow[]): OperationGroup[] {
  const groups = new Map<string, OperationGroup>();
  for (const r of rows) {
    const key = r.operationId ?? 'none';
    const g = groups.get(key) ?? {
      key,
      name: r.operationName ?? 'Cases outside an operation',
      rows: [],
      totals: { arrested: 0, verified: 0, approved: 0, handedOver: 0, pending: 0, overdue: 0 },
    };
    g.rows.push(r);
    for (const [m] of METRICS) g.totals[m] += r[m];
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** One horizontal bar per metric, scaled to the number arrested. */
function Chart({ totals, label }: { totals: Record<Metric, number>; label: string }) {
  const max = Math.max(1, totals.arrested);
  const rowHeight = 22;
  const width = 420;
  const labelWidth = 100;
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${rowHeight * METRICS.length}`} role="img" aria-label={`Progress of ${label}`}>
      {METRICS.map(([m, text], i) => {
        const w = Math.round(((width - labelWidth - 50) * totals[m]) / max);
        return (
          <g key={m} transform={`translate(0 ${i * rowHeight})`}>
            <text x={0} y={15} class="chart-label">
              {text}
            </text>
            <rect x={labelWidth} y={4} width={Math.max(w, totals[m] ? 2 : 0)} height={14} class={`bar bar-${m}`} />
            <text x={labelWidth + w + 6} y={15} class="chart-value">
              {totals[m]}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export function DashboardPage() {
  const state = useLoad(() => get<{ items: ProgressRow[] }>('/v1/stats/progress').then((r) => r.items), 'progress');
  const stats = useLoad(() => get<Stats>('/v1/stats'), 'stats');
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  useLive(
    () => true,
    () => (state.reload(), stats.reload(), setUpdatedAt(new Date().toLocaleTimeString())),
    1000,
  );
  return (
    <section>
      <h1>Operations dashboard</h1>
      <p class="muted">
        All cases in your scope, then per operation and country pair; updates as cases change
        {updatedAt ? ` (last change ${updatedAt})` : ''}.
      </p>
      <Loading state={stats}>
        {(s) => (
          <article class="card" data-operation="all">
            <h2>All cases ({s.total})</h2>
            <FunnelFigures funnel={s.funnel} label="All cases" />
            <p class="muted" data-testid="active-holds">
              Active holds:{' '}
              {(Object.keys(s.activeHolds) as (keyof Stats['activeHolds'])[])
                .map((k) => `${HOLD_KIND_LABELS[k].toLowerCase()} ${s.activeHolds[k]}`)
                .join(', ')}
            </p>
          </article>
        )}
      </Loading>
      <Loading state={state}>
        {(rows) =>
          rows.length === 0 ? (
            <p class="muted">No cases yet.</p>
          ) : (
            <>
              {group(rows).map((g) => (
                <article class="card operation" key={g.key} data-operation={g.key}>
                  <h2>{g.name}</h2>
                  {stats.data?.funnelByOperation[g.key] && (
                    <FunnelFigures funnel={stats.data.funnelByOperation[g.key]} label={`Funnel of ${g.name}`} />
                  )}
                  <div class="grid">
                    <Chart totals={g.totals} label={g.name} />
                    <table class="progress">
                      <thead>
                        <tr>
                          <th>Held in → destination</th>
                          {METRICS.map(([m, text]) => (
                            <th key={m}>{text}</th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {g.rows.map((r) => (
                          <tr
                            key={`${r.holdingCountry}-${r.destinationCountry}`}
                            data-route={`${r.holdingCountry}-${r.destinationCountry}`}
                          >
                            <td>
                              {country(r.holdingCountry)} → {country(r.destinationCountry)}
                            </td>
                            {METRICS.map(([m]) => (
                              <td key={m} data-metric={m} class={m === 'overdue' && r[m] > 0 ? 'bad' : ''}>
                                {r[m]}
                              </td>
                            ))}
                          </tr>
                        ))}
                      </tbody>
                      {g.rows.length > 1 && (
                        <tfoot>
                          <tr>
                            <th>All</th>
                            {METRICS.map(([m]) => (
                              <th key={m}>{g.totals[m]}</th>
                            ))}
                          </tr>
                        </tfoot>
                      )}
                    </table>
                  </div>
                </article>
              ))}
            </>
          )
        }
      </Loading>
    </section>
  );
}
