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

const load = (file: string) => ({
  workflowId: path.relative(HISTORIES_DIR, file).replace(/\.json$/, ''),
  history: historyFromJSON(JSON.parse(readFileSync(file, 'utf8'))),
});

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
