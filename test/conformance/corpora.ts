/**
 * Where the external corpora live, and a loud failure when they do not. The conformance
 * suite never copies or skips a corpus: a missing folder is a failing test that names the
 * path, so a CI run without the data can never pass by testing nothing.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** $MEDCHAIN_CORPORA, else ../shared/corpora beside the project root (the working directory). */
export function corporaRoot(): string {
  const configured = process.env.MEDCHAIN_CORPORA;
  if (configured !== undefined && configured !== '') {
    return resolve(configured);
  }
  return resolve(process.cwd(), '..', 'shared', 'corpora');
}

/** The path if it exists; otherwise an error that says what is missing and how to fix it. */
export function requirePath(path: string, what: string): string {
  if (!existsSync(path)) {
    throw new Error(
      `conformance corpus missing: ${what} not found at ${path}. ` +
        'Set MEDCHAIN_CORPORA to the corpora folder (see docs/spec and .ci/run); ' +
        'the suite fails rather than skipping.',
    );
  }
  return path;
}

export function corpusPath(relative: string, what: string): string {
  return requirePath(join(corporaRoot(), relative), what);
}

/** Every file below `directory` whose name ends with `suffix`, sorted for stable output. */
export function filesBelow(directory: string, suffix: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      out.push(...filesBelow(path, suffix));
    } else if (name.endsWith(suffix)) {
      out.push(path);
    }
  }
  return out;
}
