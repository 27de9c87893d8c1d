// Pieces shared by the team, entity and network pages: loading a team, handling and evaluation
// badges and fields, inputs that show the API's message for their field, and the entity picker.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, query } from './api.js';
import { COUNTRIES, country } from './format.js';
import { ENTITY_KIND_LABELS, entityName, evaluationCode, evaluationWords, HANDLING_CODES, handlingWords, INFORMATION_GRADES, releasableWords, SOURCE_GRADES, type EntityKind } from './intel.js';
import type { EntityList, Evaluation, Handling, IntelEntity, Me, Team } from './types.js';
import { useLoad } from './ui.js';

export const useTeam = (teamId: string) => useLoad(() => get<Team>(`/v1/teams/${encodeURIComponent(teamId)}`), `team/${teamId}`);

const today = () => new Date().toISOString().slice(0, 10);
/** Past its validity a team is read-only (the API says so too; the dates decide where it does not). */
export const teamReadOnly = (team: Team) => team.expired ?? team.validUntil.slice(0, 10) < today();
export const isMember = (team: Team, me: Me) => (team.members ?? []).some((m) => m.sub === me.sub && m.country === me.country);

export function HandlingBadge({ handling, origin, compact = false }: { handling: Handling; origin?: string; compact?: boolean }) {
  const restricted = handling.releasableTo !== 'team' && handling.releasableTo != null;
  return (
    <span class="handling-info" data-testid="handling">
      <span class={`badge handling handling-${handling.code}`} title={handlingWords(handling.code)}>
        {handling.code}
      </span>{' '}
      <span class="small">
        {compact ? '' : handlingWords(handling.code)}
        {handling.conditions ? ` (${handling.conditions})` : ''}
        {compact ? (restricted ? ' releasable to ' : ' whole team') : ' · releasable to '}
        {restricted ? [...new Set([...(origin ? [origin] : []), ...(handling.releasableTo as string[])])].map(compact ? (c) => c : country).join(', ') : compact ? '' : 'the whole team'}
        {origin ? ` · from ${country(origin)}` : ''}
      </span>
    </span>
  );
}

export function EvaluationBadge({ evaluation }: { evaluation: Evaluation }) {
  return (
    <span class="badge evaluation" title={evaluationWords(evaluation)} data-testid="evaluation">
      {evaluationCode(evaluation)}
    </span>
  );
}

/** A field with the API's message for it below, tied to the input for screen readers. */
export function Field({ label, name, error, children }: { label: string; name: string; error?: string; children: (aria: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ComponentChildren }) {
  const id = `field-${name.replace(/\W/g, '-')}`;
  return (
    <label class={error ? 'invalid' : ''}>
      {label}
      {children({ id, ...(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {}) })}
      {error && (
        <span class="field-error" id={`${id}-error`} data-field={name}>
          {error}
        </span>
      )}
    </label>
  );
}

export function TextInput({ label, name, value, onChange, error, required = false, type = 'text', maxLength = 500, placeholder }: { label: string; name: string; value: string; onChange: (v: string) => void; error?: string; required?: boolean; type?: string; maxLength?: number; placeholder?: string }) {
  return (
    <Field label={label} name={name} error={error}>
      {(aria) => <input {...aria} name={name} type={type as 'text'} value={value} required={required} maxLength={maxLength} placeholder={placeholder} onInput={(e) => onChange((e.target as HTMLInputElement).value)} />}
    </Field>
  );
}

export function Choice({ label, name, value, options, onChange, error, any }: { label: string; name: string; value: string; options: [string, string][]; onChange: (v: string) => void; error?: string; any?: string }) {
  return (
    <Field label={label} name={name} error={error}>
      {(aria) => (
        <select {...aria} name={name} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          {any !== undefined && <option value="">{any}</option>}
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export interface HandlingInput {
  code: string;
  releasableTo: 'team' | string[];
  conditions: string;
}
export const defaultHandling = (): HandlingInput => ({ code: 'H1', releasableTo: 'team', conditions: '' });
export const handlingBody = (h: HandlingInput) => ({ code: h.code, releasableTo: h.releasableTo, ...(h.conditions.trim() ? { conditions: h.conditions.trim() } : {}) });

/** Handling code, to whom the record is releasable (the originator always sees it) and conditions. */
export function HandlingFields({ value, onChange, team, me, errors }: { value: HandlingInput; onChange: (h: HandlingInput) => void; team: Team; me: Me; errors: Record<string, string> }) {
  const others = team.memberCountries.filter((c) => c !== me.country);
  const chosen = value.releasableTo === 'team' ? [] : value.releasableTo;
  const error = errors['handling.releasableTo'];
  return (
    <fieldset class="group">
      <legend>Handling</legend>
      <Choice label="Handling code" name="handling.code" value={value.code} options={HANDLING_CODES} onChange={(code) => onChange({ ...value, code })} error={errors['handling.code']} />
      <fieldset class="checklist" aria-describedby={error ? 'releasable-error' : undefined}>
        <legend>Releasable to</legend>
        <label class="radio">
          <input type="radio" name="releasable" checked={value.releasableTo === 'team'} onChange={() => onChange({ ...value, releasableTo: 'team' })} /> The whole team
        </label>
        <label class="radio">
          <input type="radio" name="releasable" checked={value.releasableTo !== 'team'} onChange={() => onChange({ ...value, releasableTo: [] })} /> Only {country(me.country)} and these countries:
        </label>
        {value.releasableTo !== 'team' &&
          others.map((c) => (
            <label class="radio indent" key={c}>
              <input type="checkbox" name={`releasableTo-${c}`} checked={chosen.includes(c)} onChange={(e) => onChange({ ...value, releasableTo: (e.target as HTMLInputElement).checked ? [...chosen, c] : chosen.filter((x) => x !== c) })} /> {COUNTRIES[c] ?? c}
            </label>
          ))}
        {error && (
          <span class="field-error" id="releasable-error" data-field="handling.releasableTo">
            {error}
          </span>
        )}
      </fieldset>
      {(value.code === 'H3' || value.conditions) && <TextInput label="Conditions" name="handling.conditions" value={value.conditions} onChange={(conditions) => onChange({ ...value, conditions })} error={errors['handling.conditions']} required={value.code === 'H3'} />}
    </fieldset>
  );
}

export function EvaluationFields({ value, onChange, errors }: { value: { source: string; information: string }; onChange: (e: { source: string; information: string }) => void; errors: Record<string, string> }) {
  return (
    <fieldset class="group">
      <legend>Evaluation</legend>
      <div class="row">
        <Choice label="Source" name="evaluation.source" value={value.source} options={SOURCE_GRADES} onChange={(source) => onChange({ ...value, source })} error={errors['evaluation.source']} />
        <Choice label="Information" name="evaluation.information" value={value.information} options={INFORMATION_GRADES} onChange={(information) => onChange({ ...value, information })} error={errors['evaluation.information']} />
      </div>
    </fieldset>
  );
}

/** The value of `value` once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value]);
  return settled;
}

/** Records of the team found by attribute or normalised identifier (what the caller may see). */
export function useEntitySearch(teamId: string, q: string, kind = '') {
  const settled = useSettled(q.trim());
  return useLoad(() => get<EntityList>(`/v1/teams/${encodeURIComponent(teamId)}/entities${query({ q: settled, kind, limit: 20 })}`), `${teamId}/${kind}/${settled}`);
}

/** One end of a link, picked by searching: a search box and the matches as radio buttons. */
export function EntityPicker({ teamId, label, name, value, onChange, error }: { teamId: string; label: string; name: string; value: IntelEntity | null; onChange: (e: IntelEntity | null) => void; error?: string }) {
  const [q, setQ] = useState('');
  const found = useEntitySearch(teamId, q);
  const items = found.data?.items ?? [];
  return (
    <fieldset class="group picker" aria-describedby={error ? `${name}-error` : undefined}>
      <legend>{label}</legend>
      <label>
        Search by name, number or address
        <input type="search" name={`${name}-search`} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      </label>
      {value && !items.some((e) => e.id === value.id) && (
        <label class="radio">
          <input type="radio" name={name} checked onChange={() => onChange(value)} /> {describeEntity(value)}
        </label>
      )}
      {items.map((e) => (
        <label class="radio" key={e.id}>
          <input type="radio" name={name} value={e.id} checked={value?.id === e.id} onChange={() => onChange(e)} /> {describeEntity(e)}
        </label>
      ))}
      {!found.loading && items.length === 0 && <p class="muted small">No record matches.</p>}
      {error && (
        <span class="field-error" id={`${name}-error`} data-field={name}>
          {error}
        </span>
      )}
    </fieldset>
  );
}

export const describeEntity = (e: IntelEntity) => `${entityName(e)} (${(ENTITY_KIND_LABELS[e.kind as EntityKind] ?? e.kind).toLowerCase()}, ${e.handling.code}, ${releasableWords(e.handling) === 'the whole team' ? 'team' : releasableWords(e.handling)})`;
