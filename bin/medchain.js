#!/usr/bin/env node
// The installed entry point: the CLI is compiled to dist/ by `npm install` (prepare).
import('../dist/src/node/cli/main.js').catch((error) => {
  if (
    error &&
    error.code === 'ERR_MODULE_NOT_FOUND' &&
    String(error.message).includes('dist/src/node/cli')
  ) {
    console.error('medchain is not built yet: run `npm install` (or `npm run build`) first.');
    process.exit(1);
  }
  throw error;
});
