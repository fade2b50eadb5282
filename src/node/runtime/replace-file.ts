/**
 * Replaces a small file whole: the new content goes to a temporary file beside it, flushed
 * to disk, then renamed over the old one, so a crash leaves the old file or the new one and
 * never half of either. The temporary name is unique per write, so two writers never share
 * one.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

export function replaceFileSync(path: string, text: string, mode = 0o666): void {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode, flush: true });
  renameSync(temporary, path);
}
