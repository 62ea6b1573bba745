// `npm start`: checks that the build is up to date with the sources (building first when one changed since,
// after a `git pull` say), then runs Flowbot's bundle in this same process. One process instead of a build
// check and then Flowbot: a Node process's own startup is a good part of the time to ready on a busy machine.
//
// Plain JavaScript, like build.mjs: it runs before anything is compiled.
import { pathToFileURL } from 'node:url';
import { build, ENTRY } from './build.mjs';

const status = await build({ ifStale: true });
if (status !== 0) process.exit(status);
await import(pathToFileURL(ENTRY).href);
