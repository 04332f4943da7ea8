#!/usr/bin/env node
/** The `integration-backend` executable (package.json "bin"). */
import { run } from './cli.js';

const code = await run(process.argv.slice(2), process.env);
// -1: a server is running (serve, mcp) and exits on its own signal.
if (code >= 0) process.exitCode = code;
