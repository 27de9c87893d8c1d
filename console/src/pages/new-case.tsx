import { useState } from 'preact/hooks';
import { opensCases } from '../actions.js';
import { post } from '../api.js';
import { COUNTRIES, COUNTRY_CODES, country } from '../format.js';
import { href, navigate } from '../router.js';
import type { CaseDetail, Me } from '../types.js';
import { ErrorBox, Select, useAction } from '../ui.js';
import { useOperations } from './cases.js';

/** Intake of one person held in the officer's country (bulk intake stays with the API). */
export function NewCasePage({ me }: { me: Me }) {
  const operations = useOperations();
  const [f, setF] = useState({
    externalRef: '',
    operationId: '',
    legalBasis: 'deportation',
    fullName: '',
    dateOfBirth: '',
    sex: '',
    claimedNationality: me.country === 'CN' ? 'VN' : 'CN',
    documentType: 'passport',
    documentNumber: '',
    documentCountry: '',
    arrestAt: '',
    arrestPlace: '',
    allegations: 'telecom_fraud',
  });
  const set = (name: keyof typeof f) => (e: Event | string) => setF({ ...f, [name]: typeof e === 'string' ? e : (e.target as HTMLInputElement).value });
  const action = useAction(async () => {
    const created = await post<CaseDetail>('/v1/cases', {
      externalRef: f.externalRef.trim(),
      holdingCountry: me.country,
      ...(f.operationId ? { operationId: f.operationId } : {}),
      legalBasis: f.legalBasis,
      person: {
        fullName: f.fullName.trim(),
        ...(f.dateOfBirth ? { dateOfBirth: f.dateOfBirth } : {}),
        ...(f.sex ? { sex: f.sex } : {}),
        claimedNationality: f.claimedNationality.trim().toUpperCase(),
        documents: f.documentNumber.trim()
          ? [{ type: f.documentType, number: f.documentNumber.trim(), issuingCountry: (f.documentCountry || f.claimedNationality).trim().toUpperCase() }]
          : [],
      },
      arrest: {
        at: new Date(f.arrestAt).toISOString(),
        place: f.arrestPlace.trim(),
        allegations: f.allegations.split(',').map((a) => a.trim()).filter(Boolean),
      },
    });
    navigate(href(`cases/${created.caseId}`));
  });
  if (!opensCases(me)) return <p>Only case officers open cases.</p>;
  return (
    <section>
      <h1>Open a case in {country(me.country)}</h1>
      <form class="card" aria-label="Open a case" onSubmit={(e) => (e.preventDefault(), void action.run())}>
        <div class="row">
          <label>
            Reference (unique in {me.country})
            <input name="externalRef" value={f.externalRef} required maxLength={100} onInput={set('externalRef')} />
          </label>
          <Select label="Operation" name="operationId" value={f.operationId} any="None" options={(operations.data ?? []).map((o) => [o.id, o.name])} onChange={set('operationId')} />
          <Select label="Legal basis" name="legalBasis" value={f.legalBasis} options={[['deportation', 'Deportation'], ['extradition', 'Extradition'], ['voluntary_return', 'Voluntary return']]} onChange={set('legalBasis')} />
        </div>
        <h2>Person</h2>
        <div class="row">
          <label>
            Full name
            <input name="fullName" value={f.fullName} required maxLength={300} onInput={set('fullName')} />
          </label>
          <label>
            Date of birth
            <input name="dateOfBirth" type="date" value={f.dateOfBirth} onInput={set('dateOfBirth')} />
          </label>
          <Select label="Sex" name="sex" value={f.sex} any="Not recorded" options={[['F', 'F'], ['M', 'M'], ['X', 'X']]} onChange={set('sex')} />
          <Select label="Claimed nationality" name="claimedNationality" value={f.claimedNationality} options={COUNTRY_CODES.filter((c) => c !== me.country).map((c) => [c, COUNTRIES[c]])} onChange={set('claimedNationality')} />
        </div>
        <div class="row">
          <Select label="Document" name="documentType" value={f.documentType} options={[['passport', 'Passport'], ['national_id', 'National identity card'], ['other', 'Other']]} onChange={set('documentType')} />
          <label>
            Document number
            <input name="documentNumber" value={f.documentNumber} maxLength={64} onInput={set('documentNumber')} />
          </label>
          <label>
            Issued by (country code)
            <input name="documentCountry" value={f.documentCountry} maxLength={2} placeholder={f.claimedNationality} onInput={set('documentCountry')} />
          </label>
        </div>
        <h2>Arrest</h2>
        <div class="row">
          <label>
            When
            <input name="arrestAt" type="datetime-local" value={f.arrestAt} required onInput={set('arrestAt')} />
          </label>
          <label>
            Where
            <input name="arrestPlace" value={f.arrestPlace} required maxLength={500} onInput={set('arrestPlace')} />
          </label>
          <label>
            Allegations (comma-separated)
            <input name="allegations" value={f.allegations} onInput={set('allegations')} />
          </label>
        </div>
        <ErrorBox error={action.error} />
        <div class="actions">
          <button type="submit" disabled={action.busy}>
            Open the case
          </button>
        </div>
      </form>
    </section>
  );
}
