// Replays every recorded history in test/histories/ (npm run histories:export) against the current
// workflow code: a change that would break running cases after a deploy fails here. The controls
// show the replay can fail: the same step added without patched() breaks it, with patched() not.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { TEST_DATA_CONVERTER } from './helpers/api.js';
import { quietRuntime } from './helpers/stack.js';

const HISTORIES_DIR = fileURLToPath(new URL('./histories', import.meta.url));
const variant = (name: string) => fileURLToPath(new URL(`./replay-variants/${name}.ts`, import.meta.url));

/** Every history file, in subfolders too (histories of older versions are kept beside the current ones). */
function historyFiles(dir = HISTORIES_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return historyFiles(full);
    return entry.name.endsWith('.json') ? [full] : [];
  });
}

/**
 * A history under the id it ran with: payloads are encrypted bound to their workflow's id
 * (lib/codec.ts), so under any other id they would read as copied from another workflow. Histories
 * recorded before that binding carry no id and replay under their file's name.
 */
const load = (file: string) => {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const recordedId: string | undefined = json.events[0].workflowExecutionStartedEventAttributes.workflowId;
  return { workflowId: recordedId ?? path.relative(HISTORIES_DIR, file).replace(/\.json$/, ''), history: historyFromJSON(json) };
};

const options = (workflows: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>): ReplayWorkerOptions => {
  quietRuntime();
  return { ...workflows, dataConverter: TEST_DATA_CONVERTER, replayName: 'histories' };
};

async function replay(workflows: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'>, files: string[]) {
  const failures: { workflowId: string; error: Error }[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(options(workflows), files.map(load))) {
    replayed++;
    if (result.error) failures.push({ workflowId: result.workflowId, error: result.error });
  }
  return { replayed, failures };
}

const files = historyFiles();
const caseHistory = path.join(HISTORIES_DIR, 'happy-path--case.json');

describe('recorded histories', () => {
  it('cover the case and the transfer workflow', () => {
    const types = new Set(files.map((f) => JSON.parse(readFileSync(f, 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
    expect(types).toEqual(new Set(['repatriationCaseWorkflow', 'transferBatchWorkflow']));
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it('hold cases from both sides of the missing-state patch: a missing person back to APPROVED at once, and MISSING until located', () => {
    /** The patch ids a history's workflow recorded (core_patch markers). */
    const markers = (name: string): string[] =>
      JSON.parse(readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8'))
        .events.filter((e: { markerRecordedEventAttributes?: { markerName: string } }) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
        .map((e: { markerRecordedEventAttributes: { details: Record<string, { payloads: { data: string }[] }> } }) =>
          JSON.parse(Buffer.from(e.markerRecordedEventAttributes.details['patch-data'].payloads[0].data, 'base64').toString()).id,
        );
    expect(markers('transfer-missing-rescheduled--missing')).not.toContain('missing-state');
    expect(markers('transfer-missing-located--missing')).toContain('missing-state');
    expect(markers('handover-deadline-located--case')).toContain('missing-state');
  });

  it('replay against the current workflow code without nondeterminism', async () => {
    const { replayed, failures } = await replay({ workflowBundle: { codePath: inject('workflowBundlePath') } }, files);
    expect(failures.map((f) => `${f.workflowId}: ${f.error.name}: ${f.error.message}`)).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});

describe('controls', () => {
  it('a step added without patched() is caught as a determinism violation', async () => {
    const { failures } = await replay({ workflowsPath: variant('unpatched-step') }, [caseHistory]);
    expect(failures).toHaveLength(1);
    expect(failures[0].error).toBeInstanceOf(DeterminismViolationError);
  });

  it('the same step behind patched() replays the recorded case', async () => {
    const { replayed, failures } = await replay({ workflowsPath: variant('patched-step') }, [caseHistory]);
    expect(failures).toEqual([]);
    expect(replayed).toBe(1);
  });
});
