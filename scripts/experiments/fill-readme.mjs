#!/usr/bin/env node
// Replaces the results table in README.md (between the RESULTS markers) with the table that
// table.mjs prints for a runs folder.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const runs = process.argv[2] ?? 'runs';
const table = execFileSync(process.execPath, ['scripts/experiments/table.mjs', runs], { encoding: 'utf8' }).trim();
const readme = readFileSync('README.md', 'utf8');
const begin = '<!-- RESULTS:BEGIN -->';
const end = '<!-- RESULTS:END -->';
const i = readme.indexOf(begin), j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md has no RESULTS markers');
writeFileSync('README.md', `${readme.slice(0, i + begin.length)}\n${table}\n${readme.slice(j)}`);
