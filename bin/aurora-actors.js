#!/usr/bin/env node
// The `aurora-actors` command. It runs the TypeScript sources through tsx, so a fresh clone needs
// no build step (`npm ci && npx aurora-actors ...`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
