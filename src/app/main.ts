#!/usr/bin/env node
import { runCli } from '../cli/cli.js';
import { processIo } from '../cli/io.js';
import { packageInfo } from './package-info.js';
import { runDaemon } from './run-daemon.js';

const code = await runCli(process.argv.slice(2), {
  io: processIo(),
  runDaemon,
  version: packageInfo().version,
});
process.exitCode = code;
