// Python tools the tests and scripts use (schemathesis, the OASIS STIX validator), each in its own
// venv under .data/tools, installed from PyPI on first use.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT, TOOLS_DIR } from './temporal-binaries.js';

const run = promisify(execFile);

/** (Re)creates the venv and installs the pinned packages into it. */
export async function installIntoVenv(venv: string, packages: string[]): Promise<void> {
  console.log(`installing ${packages.join(' ')} into ${path.relative(PROJECT_ROOT, venv)} ...`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(TOOLS_DIR, { recursive: true });
  try {
    await run('python3', ['-m', 'venv', venv]);
  } catch (err) {
    throw new Error(`python3 -m venv failed (on Debian: apt-get install python3-venv): ${(err as Error).message}`);
  }
  await run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...packages], { timeout: 900_000 });
}
