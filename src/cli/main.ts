#!/usr/bin/env node
import { processIo } from './io.js';
import { runCli } from './program.js';

// `seoib fuzz | head` closes the pipe early; every finished row is already recorded, so stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(0);
});

process.exitCode = await runCli(process.argv.slice(2), processIo);
