/**
 * The flags `up` starts validators with: Node.js must accept them (a validator started with
 * a flag this Node.js refuses would never come up), and an operator's own flags come last,
 * so they override the defaults.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { validatorNodeArgs } from './up.js';

describe('validator process flags', () => {
  it('are accepted by this Node.js', () => {
    const result = spawnSync(process.execPath, [...validatorNodeArgs({}), '-e', '0'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
  });

  it('put MEDCHAIN_VALIDATOR_NODE_ARGS after the defaults', () => {
    const defaults = validatorNodeArgs({});
    const args = validatorNodeArgs({
      MEDCHAIN_VALIDATOR_NODE_ARGS: ' --no-single-threaded-gc  --max-old-space-size=384 ',
    });
    assert.deepEqual(args, [...defaults, '--no-single-threaded-gc', '--max-old-space-size=384']);
    const result = spawnSync(process.execPath, [...args, '-p', 'process.execArgv.join(" ")'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    // Node.js reads its flags in order, so these are the order the process sees them in.
    assert.ok(result.stdout.startsWith(`${args.join(' ')} -p`), result.stdout);
  });
});
