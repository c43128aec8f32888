#!/usr/bin/env node
import { run } from "./run.js";

// The exit code is set rather than forced, so buffered output is flushed before Node exits.
process.exitCode = await run(process.argv.slice(2));
